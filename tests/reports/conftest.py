import pytest

from tests.day.conftest import build_day


@pytest.fixture
def day(world):
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    return build_day(world)

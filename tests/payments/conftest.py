import pytest

from members.models import Member


@pytest.fixture
def member_row(world):
    """The ``Member`` row of ``world.member`` in ``world.group``."""
    return Member.objects.get(group=world.group, user=world.member)


@pytest.fixture
def admin_row(world):
    return Member.objects.get(group=world.group, user=world.admin)

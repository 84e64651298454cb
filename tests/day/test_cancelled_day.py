"""A cancelled distribution (issue 17's cancel tool) is over: it is never "to validate", the day's
validation and tools refuse it, and no reminder or call for volunteers is sent about it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from day import tools, validation
from distributions import selectors as distribution_selectors
from distributions import services as distribution_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled_day(world, past_day):
    assert distribution_selectors.distributions_to_validate(group=world.group) == [past_day.md]
    distribution_services.md_cancel(md=past_day.md, acting_user=world.admin, reason="Inondation")
    past_day.md.refresh_from_db()
    return past_day


def test_a_cancelled_distribution_is_not_to_validate(world, cancelled_day):
    assert distribution_selectors.distributions_to_validate(group=world.group) == []
    with translation.override("en"):
        reasons = validation.validation_refusals(group=world.group, md=cancelled_day.md)
    assert reasons == ["This distribution is cancelled: there is nothing to validate."]


def test_the_day_tools_refuse_a_cancelled_distribution(world, cancelled_day):
    with translation.override("en"), pytest.raises(validation.DayError, match="cancelled"):
        tools.price_change(
            group=world.group,
            md=cancelled_day.md,
            product=cancelled_day.loaf,
            price="3.00",
            acting_user=world.admin,
        )


def test_the_management_home_does_not_list_it(world, cancelled_day, client_for):
    page = client_for(world.admin).get(reverse("groups:manage", args=[world.group.slug]))
    assert page.status_code == 200
    assert "passée à valider" not in page.content.decode()

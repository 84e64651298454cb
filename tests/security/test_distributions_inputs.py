"""Issue 12, distribution screens: a button the service refuses says why (a message), never an
error 500 from an error added to a form that was not posted."""

from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from distributions import services
from distributions.models import VolunteerRole
from tests.distributions.factories import make_md

pytestmark = pytest.mark.django_db


def url(name, world, **kwargs):
    return reverse(f"distributions:{name}", kwargs={"group_slug": world.group.slug, **kwargs})


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_refused_slot_button_says_why_without_an_error_500(world, client_for):
    md = make_md(world.group, start=time(18, 0), end=time(20, 0))
    services.slots_configure(
        md=md,
        acting_user=world.admin,
        minutes=30,
        start_time=time(18, 0),
        end_time=time(20, 0),
        capacity=None,
    )
    services.slots_resolve(md=md, acting_user=world.admin)
    admin = client_for(world.admin)
    response = admin.post(url("manage_slots_disable", world, md_id=md.pk))
    assert response.status_code == 302
    assert "annulez" in said(response).lower()
    md.refresh_from_db()
    assert md.slots_enabled


def test_disabling_slots_that_are_already_off_is_no_error_500(world, client_for):
    md = make_md(world.group)
    admin = client_for(world.admin)
    for action in ("disable", "resolve", "unresolve", "disable"):
        response = admin.post(url(f"manage_slots_{action}", world, md_id=md.pk))
        assert response.status_code == 302


def test_a_refused_duty_removal_says_why_without_an_error_500(world, client_for, monkeypatch):
    from django.core.exceptions import ValidationError

    role = VolunteerRole.objects.create(group=world.group, name="Caisse")
    md = make_md(world.group)
    services.duty_needs_set(md=md, people={role.pk: 1}, acting_user=world.admin)
    duty = services.duty_signup(
        need=md.duty_needs.get(role=role), user=world.member, acting_user=world.member
    )

    def refuse(**kwargs):
        raise ValidationError("Refusé pour le test.")

    monkeypatch.setattr(services, "duty_remove", refuse)
    response = client_for(world.admin).post(
        url("manage_duty_remove", world, md_id=md.pk), {"duty": duty.pk}
    )
    assert response.status_code == 302
    assert "Refusé pour le test." in said(response)


@pytest.mark.parametrize("token", ["nope", "x" * 41, "'OR'1'='1", "a" * 5000])
def test_a_calendar_token_of_the_wrong_shape_is_a_404_without_a_query(client, db, token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert not [q for q in queries.captured_queries if "calendartoken" in q["sql"].lower()]


def test_the_delivery_fee_is_a_bounded_number_in_french_or_english(world, client_for):
    md = make_md(world.group)
    admin = client_for(world.admin)
    configure = url("manage_delivery_configure", world, md_id=md.pk)
    config = {"enabled": "on", "start_time": "20:00", "end_time": "21:00", "note": ""}
    for typed in ("5000", "NaN", "1e30", "2,505"):
        refused = admin.post(configure, {**config, "fee": typed})
        assert refused.status_code == 200 and "fee" in refused.context["form"].errors
    assert admin.post(configure, {**config, "fee": "2,50"}).status_code == 302
    md.refresh_from_db()
    assert str(md.delivery_fee) == "2.50"


@pytest.mark.parametrize("pk", ["9" * 20, "²", "-1"])
def test_a_ticked_choice_that_is_no_row_id_is_refused_without_an_error_500(world, client_for, pk):
    """Found by probing every field: 20 digits in a multiple choice overflow the query."""
    from tests.distributions.factories import CatalogFactory

    md = make_md(world.group, catalogs=[CatalogFactory(group=world.group)])
    admin = client_for(world.admin)
    response = admin.post(url("manage_catalogs", world, md_id=md.pk), {"catalogs": pk})
    assert response.status_code == 200 and "catalogs" in response.context["form"].errors

"""A cancelled distribution (``cancelled_at``) no longer changes, like a validated one
(cardfix item 3): the services of its volunteers, time slots and home delivery refuse with a
clear message, and their admin pages show it cancelled without the change forms."""

from datetime import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from distributions import services
from distributions.models import DeliveryRequest, Duty, MultiDistrib, SlotRequest, VolunteerRole
from tests.distributions.factories import make_md

pytestmark = pytest.mark.django_db

SHOWN = "Cette distribution est annulée\u00a0: elle ne peut plus être modifiée."


@pytest.fixture
def cancelled(world):
    """A distribution with a cashier needed and on duty, time slots with a member's choice,
    home delivery asked by a member; then cancelled."""
    md = make_md(world.group, start=time(18, 0), end=time(20, 0))
    cash = VolunteerRole.objects.create(group=world.group, name="Caisse")
    services.duty_needs_set(md=md, people={cash.pk: 2}, acting_user=world.admin)
    need = md.duty_needs.get(role=cash)
    services.duty_signup(need=need, user=world.member, acting_user=world.admin)
    services.slots_configure(
        md=md,
        minutes=30,
        start_time=time(18, 0),
        end_time=time(20, 0),
        capacity=None,
        acting_user=world.admin,
    )
    md = MultiDistrib.objects.get(pk=md.pk)
    services.delivery_configure(
        md=md,
        enabled=True,
        fee=Decimal("4.50"),
        start_time=time(20, 0),
        end_time=time(22, 0),
        note="",
        acting_user=world.admin,
    )
    services.delivery_request_save(
        md=md,
        user=world.member,
        acting_user=world.member,
        address1="3 rue des Lilas",
        postcode="13310",
        city="Saint-Martin-de-Crau",
    )
    md = services.md_cancel(md=md, acting_user=world.admin, reason="Inondé")
    md = MultiDistrib.objects.get(pk=md.pk)
    md.need = need
    return md


def _refused(call):
    with pytest.raises(ValidationError) as error:
        call()
    assert error.value.messages == [SHOWN]


def test_the_volunteer_services_refuse(world, cancelled):
    md, need = cancelled, cancelled.need
    _refused(lambda: services.duty_needs_set(md=md, people={}, acting_user=world.admin))
    _refused(lambda: services.duty_signup(need=need, user=world.admin, acting_user=world.admin))
    _refused(lambda: services.duty_remove(duty=Duty.objects.get(), acting_user=world.admin))
    assert Duty.objects.count() == 1 and md.duty_needs.get().people == 2


def test_the_time_slot_services_refuse(world, cancelled):
    md = cancelled
    _refused(
        lambda: services.slots_configure(
            md=md,
            minutes=20,
            start_time=time(18, 0),
            end_time=time(20, 0),
            capacity=3,
            acting_user=world.admin,
        )
    )
    _refused(lambda: services.slots_disable(md=md, acting_user=world.admin))
    _refused(lambda: services.slots_resolve(md=md, acting_user=world.admin))
    _refused(lambda: services.slots_unresolve(md=md, acting_user=world.admin))
    slot = md.slots.first()
    _refused(
        lambda: services.slot_assign(md=md, user=world.admin, slot=slot, acting_user=world.admin)
    )
    md.refresh_from_db()
    assert md.slot_minutes == 30 and md.slots.count() == 4
    assert not SlotRequest.objects.filter(assigned_slot__isnull=False).exists()


def test_the_delivery_services_refuse(world, cancelled):
    md = cancelled
    _refused(
        lambda: services.delivery_configure(
            md=md,
            enabled=True,
            fee=Decimal("9.00"),
            start_time=time(20, 0),
            end_time=time(22, 0),
            note="",
            acting_user=world.admin,
        )
    )
    request = DeliveryRequest.objects.get()
    _refused(lambda: services.delivery_request_cancel(request=request, acting_user=world.admin))
    md.refresh_from_db()
    assert md.delivery_fee == Decimal("4.50") and DeliveryRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("page", "change_forms"),
    [
        ("manage_duties", ["manage_duty_needs", "manage_duty_assign", "manage_duty_remove"]),
        (
            "manage_slots",
            [
                "manage_slots_configure",
                "manage_slots_resolve",
                "manage_slots_disable",
                "manage_slot_override",
            ],
        ),
        ("manage_delivery", ["manage_delivery_configure", "manage_delivery_remove"]),
    ],
)
def test_the_pages_show_it_cancelled_without_change_forms(
    world, cancelled, client_for, page, change_forms
):
    args = [world.group.slug, cancelled.pk]
    html = client_for(world.admin).get(reverse(f"distributions:{page}", args=args)).content
    html = html.decode()
    assert SHOWN in html and "Annulée le" in html
    for name in change_forms:
        assert reverse(f"distributions:{name}", args=args) not in html


def test_a_posted_change_is_refused_with_the_message(world, cancelled, client_for):
    args = [world.group.slug, cancelled.pk]
    admin = client_for(world.admin)
    page = admin.post(reverse("distributions:manage_slots_disable", args=args), follow=True)
    assert SHOWN in page.content.decode()
    page = admin.post(
        reverse("distributions:manage_delivery_remove", args=args),
        {"request": DeliveryRequest.objects.get().pk},
        follow=True,
    )
    assert SHOWN in page.content.decode()
    assert DeliveryRequest.objects.count() == 1
    assert MultiDistrib.objects.get(pk=cancelled.pk).slot_minutes == 30

"""Home delivery (spec §10): offered per distribution, asked by members with their address."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from distributions import selectors, services
from distributions.models import DeliveryRequest, MultiDistrib, SlotRequest
from tests.distributions.factories import make_md

pytestmark = pytest.mark.django_db


def _offer(world, md, fee="4.5"):
    return services.delivery_configure(
        md=md,
        enabled=True,
        fee=Decimal(fee),
        start_time=time(20, 0),
        end_time=time(22, 0),
        note="Dans le village",
        acting_user=world.admin,
    )


def _ask(md, user, **extra):
    data = {"address1": "3 rue des Lilas", "postcode": "13310", "city": "Saint-Martin-de-Crau"}
    data.update(extra)
    return services.delivery_request_save(md=md, user=user, acting_user=user, **data)


def test_delivery_has_a_fee_and_a_window_on_the_distribution_day(world):
    md = _offer(world, make_md(world.group))
    assert md.delivery_fee == Decimal("4.50")
    assert md.delivery_starts_at.astimezone(world.group.tzinfo).time() == time(20, 0)
    assert md.delivery_starts_at.astimezone(world.group.tzinfo).date() == md.date
    assert md.delivery_ends_at > md.delivery_starts_at


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fee": Decimal("-1")}, "fee"),
        ({"start_time": None}, "start_time"),
        ({"start_time": time(22, 0), "end_time": time(21, 0)}, "end_time"),
    ],
)
def test_bad_delivery_settings_are_refused_next_to_their_field(world, kwargs, field):
    md = make_md(world.group)
    args = {
        "enabled": True,
        "fee": Decimal("2"),
        "start_time": time(20, 0),
        "end_time": time(21, 0),
        "note": "",
    }
    args.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        services.delivery_configure(md=md, acting_user=world.admin, **args)
    assert field in exc.value.message_dict
    assert not MultiDistrib.objects.get(pk=md.pk).delivery_enabled


def test_member_asks_for_delivery_with_an_address_and_the_current_fee(world):
    md = _offer(world, make_md(world.group))
    request = _ask(md, world.member, note="Code 1234")
    assert request.fee == Decimal("4.50")
    assert request.full_address == "3 rue des Lilas, 13310 Saint-Martin-de-Crau"
    services.delivery_configure(
        md=md,
        enabled=True,
        fee=Decimal("6"),
        start_time=time(20, 0),
        end_time=time(22, 0),
        note="",
        acting_user=world.admin,
    )
    request.refresh_from_db()
    assert request.fee == Decimal("4.50")  # never repriced afterwards
    again = _ask(md, world.member, city="Arles")
    assert again.pk == request.pk and again.fee == Decimal("6.00")


def test_the_address_is_required(world):
    md = _offer(world, make_md(world.group))
    with pytest.raises(ValidationError) as exc:
        _ask(md, world.member, address1=" ", city="")
    assert set(exc.value.message_dict) == {"address1", "city"}
    assert not DeliveryRequest.objects.exists()


def test_delivery_only_when_offered_open_and_for_members(world):
    md = make_md(world.group)
    with pytest.raises(ValidationError):
        _ask(md, world.member)
    _offer(world, md)
    with pytest.raises(ValidationError):
        _ask(md, world.outsider)
    with (
        time_machine.travel(md.orders_close_at + timedelta(minutes=1)),
        pytest.raises(ValidationError),
    ):
        _ask(md, world.member)


def test_a_delivered_member_needs_no_time_slot(world):
    md = make_md(world.group, start=time(18, 0), end=time(20, 0))
    services.slots_configure(
        md=md,
        minutes=30,
        start_time=time(18, 0),
        end_time=time(20, 0),
        capacity=None,
        acting_user=world.admin,
    )
    md = MultiDistrib.objects.get(pk=md.pk)
    services.slot_request_save(
        md=md, user=world.member, slot_ids=[md.slots.first().pk], acting_user=world.member
    )
    _ask(_offer(world, md), world.member)
    assert not SlotRequest.objects.filter(user=world.member).exists()


def test_delivery_cannot_be_turned_off_while_members_asked(world):
    md = _offer(world, make_md(world.group))
    request = _ask(md, world.member)
    off = {"enabled": False, "fee": Decimal("0"), "start_time": None, "end_time": None, "note": ""}
    with pytest.raises(ValidationError):
        services.delivery_configure(md=md, acting_user=world.admin, **off)
    services.delivery_request_cancel(request=request, acting_user=world.member)
    services.delivery_configure(md=md, acting_user=world.admin, **off)
    md.refresh_from_db()
    assert not md.delivery_enabled and md.delivery_starts_at is None


def test_members_cancel_only_while_open_admins_until_validation(world):
    md = _offer(world, make_md(world.group))
    request = _ask(md, world.member)
    with time_machine.travel(md.orders_close_at + timedelta(minutes=1)):
        with pytest.raises(ValidationError):
            services.delivery_request_cancel(request=request, acting_user=world.member)
        services.delivery_request_cancel(request=request, acting_user=world.admin)
    assert not DeliveryRequest.objects.exists()


def test_deliveries_show_on_the_admin_list(world):
    md = _offer(world, make_md(world.group))
    _ask(md, world.member)
    _ask(md, world.coordinator)
    listed = selectors.md_list(group=world.group).get(pk=md.pk)
    assert listed.deliveries_count == 2
    assert {d.user for d in selectors.delivery_list(md=md)} == {world.member, world.coordinator}

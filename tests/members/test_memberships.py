"""Membership fees (spec §5, decision 3): the period rule, recording and deleting a fee with its
ledger rows, who is up to date, and "membership required to order"."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kernel.models import LogEntry
from members import memberships
from members.models import Member, Membership
from payments import selectors as payment_selectors
from payments.models import Operation
from tests.factories import MemberFactory

D = Decimal
TODAY = date(2026, 10, 15)  # period 2026-2027 with a renewal on 1 September


@pytest.mark.parametrize(
    ("day", "month", "renewal_day", "year", "name"),
    [
        (date(2026, 8, 31), 9, 1, 2025, "2025-2026"),
        (date(2026, 9, 1), 9, 1, 2026, "2026-2027"),
        (date(2026, 12, 31), 9, 1, 2026, "2026-2027"),
        (date(2026, 1, 1), 1, 1, 2026, "2026"),
        (date(2025, 12, 31), 1, 1, 2025, "2025"),
        (date(2026, 2, 14), 2, 15, 2025, "2025"),
        (date(2026, 2, 15), 2, 15, 2026, "2026"),
        (date(2026, 3, 1), 3, 1, 2026, "2026-2027"),
        # 29 February renewal: the 28th in a year without it.
        (date(2027, 2, 28), 2, 29, 2027, "2027"),
        (date(2027, 2, 27), 2, 29, 2026, "2026"),
    ],
)
def test_period_rule_on_the_spec_boundaries(day, month, renewal_day, year, name):
    assert memberships.period_year(day, month=month, renewal_day=renewal_day) == year
    assert memberships.period_name(year, month=month) == name


def test_period_bounds_and_choices(world):
    group = world.group
    group.membership_renewal_month, group.membership_renewal_day = 9, 1
    assert memberships.period_bounds(2026, month=9, renewal_day=1) == (
        date(2026, 9, 1),
        date(2027, 8, 31),
    )
    years = [p.year for p in memberships.period_choices(group, TODAY)]
    assert years == [2026, 2027, 2025, 2024, 2023, 2022]  # current first, 1 ahead, 4 back


@pytest.fixture
def fees_on(world):
    group = world.group
    group.has_membership = True
    group.membership_fee = D("10.00")
    group.membership_renewal_month, group.membership_renewal_day = 9, 1
    group.has_payments = True
    group.payment_types = ["cash", "cheque"]
    group.save()
    return group


def _member(world):
    return Member.objects.get(group=world.group, user=world.member)


def _ledger(member):
    return list(Operation.objects.filter(member=member).order_by("pk"))


def test_recording_a_fee_writes_debt_and_payment_and_keeps_the_balance(world, fees_on):
    member = _member(world)
    fee = memberships.membership_record(
        group=fees_on,
        member=member,
        year=2026,
        payment_type="cheque",
        acting_user=world.admin,
        today=TODAY,
    )
    assert fee.amount == D("10.00") and fee.ledger_reference == "membership-2026"
    debt, payment = _ledger(member)
    assert (debt.kind, debt.amount) == ("membership", D("-10.00"))
    assert (payment.kind, payment.amount, payment.payment_type) == ("payment", D("10.00"), "cheque")
    assert "2026-2027" in debt.label
    assert payment_selectors.balance_for_member(group=fees_on, member=member) == D("0.00")
    assert LogEntry.objects.filter(action="membership.recorded", object_id=str(fee.pk)).exists()


def test_one_fee_per_member_per_period_also_in_the_database(world, fees_on):
    member = _member(world)
    memberships.membership_record(
        group=fees_on,
        member=member,
        year=2026,
        payment_type="cash",
        acting_user=world.admin,
        today=TODAY,
    )
    with pytest.raises(ValidationError, match="déjà"):
        memberships.membership_record(
            group=fees_on,
            member=member,
            year=2026,
            payment_type="cash",
            acting_user=world.admin,
            today=TODAY,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            group=fees_on, member=member, year=2026, amount=D("5"), paid_on=TODAY
        )


def test_deleting_a_fee_reverses_its_ledger_rows_exactly_and_it_can_be_recorded_again(
    world, fees_on
):
    member = _member(world)
    fee = memberships.membership_record(
        group=fees_on,
        member=member,
        year=2026,
        payment_type="cash",
        acting_user=world.admin,
        today=TODAY,
    )
    memberships.membership_delete(fee=fee, acting_user=world.admin)
    assert not Membership.objects.filter(pk=fee.pk).exists()
    debt, payment, *corrections = _ledger(member)
    assert sorted((c.reverses_id, c.amount) for c in corrections) == sorted(
        [(debt.pk, D("10.00")), (payment.pk, D("-10.00"))]
    )
    assert all(c.kind == "correction" and c.reason for c in corrections)
    assert payment_selectors.balance_for_member(group=fees_on, member=member) == D("0.00")
    entry = LogEntry.objects.get(action="membership.deleted")
    assert entry.data["amount"] == "10.00" and entry.data["period"] == "2026-2027"
    # Recorded again after the deletion: new rows, the old ones stay reversed.
    memberships.membership_record(
        group=fees_on,
        member=member,
        year=2026,
        amount="12.50",
        payment_type="cash",
        acting_user=world.admin,
        today=TODAY,
    )
    assert len(_ledger(member)) == 6
    assert payment_selectors.balance_for_member(group=fees_on, member=member) == D("0.00")


def test_group_without_accounts_records_no_ledger_rows(world, fees_on):
    fees_on.has_payments = False
    fees_on.save()
    member = _member(world)
    fee = memberships.membership_record(
        group=fees_on, member=member, year=2026, acting_user=world.admin, today=TODAY
    )
    assert fee.ledger_reference == "" and _ledger(member) == []
    memberships.membership_delete(fee=fee, acting_user=world.admin)
    assert not Membership.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"year": 2020}, "year", "période"),
        ({"payment_type": "online"}, "payment_type", "payé"),
        ({"payment_type": ""}, "payment_type", "payé"),
        ({"amount": "-3"}, "amount", "supérieur"),
        ({"amount": "1.234"}, "amount", "décimales"),
        ({"amount": "abc"}, "amount", "montant"),
    ],
)
def test_bad_input_is_refused_on_its_field(world, fees_on, fields, field, message):
    data = {"year": memberships.current_period(fees_on).year, "payment_type": "cash", **fields}
    with pytest.raises(ValidationError) as exc:
        memberships.membership_record(
            group=fees_on, member=_member(world), acting_user=world.admin, **data
        )
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])


def test_fees_off_or_free_amount_without_amount_is_refused(world, fees_on):
    fees_on.membership_fee = None
    fees_on.save()
    year = memberships.current_period(fees_on).year
    with pytest.raises(ValidationError) as exc:
        memberships.membership_record(
            group=fees_on, member=_member(world), year=year, payment_type="cash", acting_user=None
        )
    assert "amount" in exc.value.message_dict
    fees_on.has_membership = False
    fees_on.save()
    with pytest.raises(ValidationError, match="désactivées"):
        memberships.membership_record(
            group=fees_on,
            member=_member(world),
            year=year,
            amount="5",
            payment_type="cash",
            acting_user=None,
        )


def test_up_to_date_and_to_renew_selectors(world, fees_on, django_assert_num_queries):
    paid = _member(world)
    memberships.membership_record(
        group=fees_on,
        member=paid,
        year=2026,
        payment_type="cash",
        acting_user=world.admin,
        today=TODAY,
    )
    last_year = MemberFactory(group=fees_on)
    memberships.membership_record(
        group=fees_on,
        member=last_year,
        year=2025,
        payment_type="cash",
        acting_user=world.admin,
        today=TODAY,
    )
    up = set(memberships.members_up_to_date(fees_on, TODAY))
    renew = set(memberships.members_to_renew(fees_on, TODAY))
    assert up == {paid}
    assert last_year in renew and paid not in renew
    assert up | renew == set(Member.objects.active().filter(group=fees_on))
    # On 31 August 2027 the 2026 fee still counts; on 1 September 2027 it does not.
    assert paid in memberships.members_up_to_date(fees_on, date(2027, 8, 31))
    assert paid in memberships.members_to_renew(fees_on, date(2027, 9, 1))
    with django_assert_num_queries(1):
        ids = memberships.valid_member_ids(fees_on, [paid.pk, last_year.pk], TODAY)
    assert ids == {paid.pk}
    stats = memberships.fee_stats(fees_on)
    assert [(s["name"], s["count"], s["total"]) for s in stats] == [
        ("2026-2027", 1, D("10.00")),
        ("2025-2026", 1, D("10.00")),
    ]


def test_batch_reports_each_refusal_and_records_the_others(world, fees_on):
    paid = _member(world)
    year = memberships.current_period(fees_on).year
    memberships.membership_record(
        group=fees_on, member=paid, year=year, payment_type="cash", acting_user=world.admin
    )
    others = [MemberFactory(group=fees_on) for _ in range(2)]
    result = memberships.membership_record_batch(
        group=fees_on,
        members=[paid, *others],
        year=year,
        payment_type="cash",
        acting_user=world.admin,
    )
    assert [f.member for f in result.recorded] == others
    assert [(m, "déjà" in msg) for m, msg in result.errors] == [(paid, True)]

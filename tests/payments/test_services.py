from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kernel.models import LogEntry
from members.models import Member
from payments import selectors, services
from payments.models import ONTHESPOT, ImmutableOperationError, Operation
from tests.factories import MemberFactory
from tests.payments.factories import ordered, paid

D = Decimal


def balance(world, member):
    return selectors.balance_for_member(group=world.group, member=member)


def test_order_debt_is_negative_and_counts_while_pending(world, member_row):
    op = ordered(world.group, member_row, "B1", "23.40")
    assert op.kind == Operation.Kind.ORDER
    assert op.amount == D("-23.40")
    assert op.state == Operation.State.PENDING
    assert balance(world, member_row) == D("-23.40")


def test_payment_record_is_confirmed_and_counts(world, member_row):
    ordered(world.group, member_row, "B1", "23.40")
    op = paid(world, member_row, "30.00", "cheque", acting_user=world.admin)
    assert op.amount == D("30.00") and op.state == Operation.State.CONFIRMED
    assert op.confirmed_at is not None and op.recorded_by == world.admin
    assert balance(world, member_row) == D("6.60")
    entry = LogEntry.objects.filter(action="payment.recorded").get()
    assert entry.data["amount"] == "30.00" and entry.group == world.group


def test_order_debt_update_appends_a_correction_and_never_edits(world, member_row):
    first = ordered(world.group, member_row, "B1", "20.00")
    second = ordered(world.group, member_row, "B1", "25.50")
    assert second.kind == Operation.Kind.CORRECTION
    assert second.reverses == first and second.amount == D("-5.50")
    first.refresh_from_db()
    assert first.amount == D("-20.00")
    assert ordered(world.group, member_row, "B1", "25.50") is None  # same amount: nothing
    cancel = ordered(world.group, member_row, "B1", "0")
    assert cancel.amount == D("25.50")
    assert selectors.debt_for_reference(group=world.group, member=member_row, reference="B1") == D(
        "0"
    )
    assert balance(world, member_row) == D("0.00")


def test_order_debt_refuses_bad_input(world, member_row):
    with pytest.raises(ValidationError):
        ordered(world.group, member_row, "B1", "-1")
    with pytest.raises(ValidationError):
        ordered(world.group, member_row, "", "1")
    with pytest.raises(ValidationError):
        ordered(world.group, member_row, "B1", "1.234")
    other = MemberFactory(group=world.other_group)
    with pytest.raises(ValidationError):
        ordered(world.group, other, "B1", "5")
    assert not Operation.objects.exists()


def test_operation_refuses_edits_and_deletion(world, member_row):
    op = paid(world, member_row, "10.00")
    op.amount = D("99.00")
    with pytest.raises(ImmutableOperationError):
        op.save()
    op.refresh_from_db()
    for name, value in (("kind", "refund"), ("label", "x"), ("member_id", 0)):
        setattr(op, name, value)
        with pytest.raises(ImmutableOperationError):
            op.save()
        op.refresh_from_db()
    with pytest.raises(ImmutableOperationError):
        op.delete()
    with pytest.raises(ImmutableOperationError):
        Operation.objects.all().delete()
    with pytest.raises(ImmutableOperationError):
        Operation.objects.update(amount=D("1.00"))
    op.state = Operation.State.PENDING
    with pytest.raises(ImmutableOperationError):
        op.save()
    op.refresh_from_db()
    assert op.amount == D("10.00") and op.state == Operation.State.CONFIRMED


def test_pending_state_may_only_move_to_confirmed(world, member_row):
    op = ordered(world.group, member_row, "B1", "10")
    op.state = Operation.State.CONFIRMED
    op.confirmed_at = op.created_at
    op.save(update_fields=["state", "confirmed_at"])
    op.refresh_from_db()
    assert op.state == Operation.State.CONFIRMED


def test_group_purge_deletes_its_ledger(world, member_row):
    ordered(world.group, member_row, "B1", "10")
    world.group.delete()
    assert not Operation.objects.exists()


def test_correction_requires_reason_and_keeps_sign(world, member_row):
    op = paid(world, member_row, "50.00")
    with pytest.raises(ValidationError) as exc:
        services.correction_record(
            group=world.group, member=member_row, amount="-10", reason=" ", acting_user=None
        )
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.correction_record(
            group=world.group,
            member=member_row,
            amount="-60",
            reason="typo",
            reverses=op,
            acting_user=None,
        )
    assert "amount" in exc.value.message_dict
    fix = services.correction_record(
        group=world.group,
        member=member_row,
        amount="-10",
        reason="cheque was 40",
        reverses=op,
        acting_user=world.admin,
    )
    assert fix.reverses == op and fix.is_money and fix.state == Operation.State.CONFIRMED
    assert fix.payment_type == "cash"
    # A correction of the correction adjusts the original.
    again = services.correction_record(
        group=world.group,
        member=member_row,
        amount="-40",
        reason="never paid",
        reverses=fix,
        acting_user=world.admin,
    )
    assert again.reverses == op
    assert balance(world, member_row) == D("0.00")
    assert LogEntry.objects.filter(action="payment.corrected", data__reason="never paid").exists()


def test_free_correction_adjusts_the_balance(world, member_row):
    op = services.correction_record(
        group=world.group,
        member=member_row,
        amount="-3.20",
        reason="old debt",
        acting_user=world.admin,
    )
    assert not op.is_money and op.reverses is None
    assert balance(world, member_row) == D("-3.20")


def test_refund_cannot_exceed_credit(world, member_row):
    paid(world, member_row, "30.00")
    ordered(world.group, member_row, "B1", "25.00")
    with pytest.raises(ValidationError) as exc:
        services.refund_record(
            group=world.group,
            member=member_row,
            amount="5.01",
            payment_type="cash",
            acting_user=world.admin,
        )
    assert "amount" in exc.value.message_dict
    refund = services.refund_record(
        group=world.group,
        member=member_row,
        amount="5.00",
        payment_type="cash",
        reason="surplus",
        acting_user=world.admin,
    )
    assert refund.amount == D("-5.00") and refund.kind == Operation.Kind.REFUND
    assert balance(world, member_row) == D("0.00")


def test_payment_record_refuses_moneypot_online_and_nonpositive(world, member_row):
    for ptype in ("moneypot", "online", ONTHESPOT, "bitcoin"):
        with pytest.raises(ValidationError):
            paid(world, member_row, "10", ptype)
    for amount in ("0", "-5"):
        with pytest.raises(ValidationError):
            paid(world, member_row, amount)


def test_pending_payment_does_not_count_until_confirmed(world, member_row):
    ordered(world.group, member_row, "B1", "12.00")
    [intent] = services.payment_intention_record(
        group=world.group,
        member=member_row,
        reference="B1",
        payment_type="cheque",
        amount="12.00",
        acting_user=world.member,
    )
    assert intent.state == Operation.State.PENDING and intent.is_money
    assert balance(world, member_row) == D("-12.00")
    summary = selectors.account_summary(group=world.group, member=member_row)
    assert summary["pending"] == D("12.00")
    assert [op.effective for op in selectors.pending_list(group=world.group)] == [D("12.00")]
    assert not selectors.is_reference_settled(group=world.group, member=member_row, reference="B1")
    services.payments_confirm(group=world.group, operation_ids=[intent.pk], acting_user=world.admin)
    assert balance(world, member_row) == D("0.00")
    assert selectors.is_reference_settled(group=world.group, member=member_row, reference="B1")


def test_intention_follows_the_order_total_without_editing(world, member_row):
    world.group.payment_types = ["cash", "cheque"]
    world.group.save()
    kw = {"group": world.group, "member": member_row, "reference": "B1", "acting_user": None}
    [first] = services.payment_intention_record(payment_type=ONTHESPOT, amount="10", **kw)
    assert first.payment_type == ONTHESPOT and first.amount == D("10.00")
    [more] = services.payment_intention_record(payment_type=ONTHESPOT, amount="14", **kw)
    assert more.kind == Operation.Kind.CORRECTION and more.amount == D("4.00")
    assert more.state == Operation.State.PENDING and more.reverses == first
    [less] = services.payment_intention_record(payment_type=ONTHESPOT, amount="3", **kw)
    assert less.amount == D("-11.00")
    assert services.payment_intention_record(payment_type=ONTHESPOT, amount="3", **kw) == []
    pending = selectors.pending_total_for_member(group=world.group, member=member_row)
    assert pending == D("3.00")
    first.refresh_from_db()
    assert first.amount == D("10.00")


def test_single_onspot_type_is_used_directly(world, member_row):
    world.group.payment_types = ["cheque", "transfer"]
    world.group.save()
    [op] = services.payment_intention_record(
        group=world.group,
        member=member_row,
        reference="B1",
        payment_type=ONTHESPOT,
        amount="5",
        acting_user=None,
    )
    assert op.payment_type == "cheque"
    with pytest.raises(ValidationError):
        services.payment_intention_record(
            group=world.group,
            member=member_row,
            reference="B1",
            payment_type="cash",
            amount="5",
            acting_user=None,
        )


def test_validation_refused_while_onspot_has_no_type_then_reversible(world, member_row):
    world.group.payment_types = ["cash", "cheque"]
    world.group.save()
    ordered(world.group, member_row, "B1", "10")
    [intent] = services.payment_intention_record(
        group=world.group,
        member=member_row,
        reference="B1",
        payment_type=ONTHESPOT,
        amount="10",
        acting_user=None,
    )
    with pytest.raises(ValidationError):
        services.payments_confirm_for_references(
            group=world.group, references=["B1"], acting_user=world.admin
        )
    assert Operation.objects.filter(state=Operation.State.PENDING).count() == 2
    with pytest.raises(ValidationError):
        services.onspot_assign_type(
            group=world.group, operation=intent, payment_type="transfer", acting_user=None
        )
    services.onspot_assign_type(
        group=world.group, operation=intent, payment_type="cash", acting_user=world.admin
    )
    intent.refresh_from_db()
    assert intent.payment_type == "cash"
    already = paid(world, member_row, "1.00", reference="B1")
    result = services.payments_confirm_for_references(
        group=world.group, references=["B1", "B2"], acting_user=world.admin
    )
    assert result.count == 2 and already.pk not in result.operation_ids
    assert not Operation.objects.filter(state=Operation.State.PENDING).exists()
    assert balance(world, member_row) == D("1.00")
    back = services.payments_confirm_reverse(
        group=world.group, batch=result.batch, acting_user=world.admin
    )
    assert sorted(back) == sorted(result.operation_ids)
    already.refresh_from_db()
    assert already.state == Operation.State.CONFIRMED  # not changed by the validation
    assert balance(world, member_row) == D("-9.00")
    assert (
        services.payments_confirm_reverse(
            group=world.group, batch=result.batch, acting_user=world.admin
        )
        == []
    )
    assert LogEntry.objects.filter(action="payment.bulk_confirmation_reversed").count() == 1


def test_reversal_refused_after_a_correction_of_a_confirmed_payment(world, member_row):
    world.group.payment_types = ["cheque"]
    world.group.save()
    [intent] = services.payment_intention_record(
        group=world.group,
        member=member_row,
        reference="B1",
        payment_type="cheque",
        amount="10",
        acting_user=None,
    )
    result = services.payments_confirm_for_references(
        group=world.group, references=["B1"], acting_user=world.admin
    )
    services.correction_record(
        group=world.group,
        member=member_row,
        amount="-2",
        reason="cheque was 8",
        reverses=intent,
        acting_user=world.admin,
    )
    with pytest.raises(ValidationError):
        services.payments_confirm_reverse(
            group=world.group, batch=result.batch, acting_user=world.admin
        )


def test_confirm_requires_type_for_onspot_and_confirms_corrections(world, member_row):
    kw = {"group": world.group, "member": member_row, "reference": "B1", "acting_user": None}
    [intent] = services.payment_intention_record(payment_type=ONTHESPOT, amount="10", **kw)
    services.payment_intention_record(payment_type=ONTHESPOT, amount="12", **kw)
    with pytest.raises(ValidationError) as exc:
        services.payments_confirm(
            group=world.group, operation_ids=[intent.pk], acting_user=world.admin
        )
    assert "onspot_type" in exc.value.message_dict
    changed = services.payments_confirm(
        group=world.group,
        operation_ids=[intent.pk],
        acting_user=world.admin,
        onspot_type="cheque",
    )
    assert len(changed) == 2
    assert set(Operation.objects.values_list("payment_type", flat=True)) == {"cheque"}
    assert balance(world, member_row) == D("12.00")


def test_confirm_ignores_rows_of_other_groups(world, member_row):
    outsider_row = Member.objects.get(user=world.outsider)
    [foreign] = services.payment_intention_record(
        group=world.other_group,
        member=outsider_row,
        reference="X",
        payment_type="cash",
        amount="5",
        acting_user=None,
    )
    with pytest.raises(ValidationError):
        services.payments_confirm(
            group=world.group, operation_ids=[foreign.pk], acting_user=world.admin
        )
    foreign.refresh_from_db()
    assert foreign.state == Operation.State.PENDING


def test_moneypot_debit_respects_zero_floor(world, member_row):
    paid(world, member_row, "20.00")
    services.moneypot_debit(
        group=world.group,
        member=member_row,
        reference="B1",
        amount="15",
        label="Commande",
        acting_user=None,
    )
    with pytest.raises(services.MoneyPotInsufficientError):
        services.moneypot_debit(
            group=world.group,
            member=member_row,
            reference="B2",
            amount="5.01",
            label="Commande",
            acting_user=None,
        )
    # Lowering an order is always allowed; raising it within the balance too.
    services.moneypot_debit(
        group=world.group,
        member=member_row,
        reference="B1",
        amount="20",
        label="Commande",
        acting_user=None,
    )
    assert balance(world, member_row) == D("0.00")


def test_moneypot_debit_uses_floor_only_when_negative_allowed(world, member_row):
    world.group.moneypot_floor = D("-10.00")
    world.group.save()
    with pytest.raises(services.MoneyPotInsufficientError):
        services.moneypot_debit(
            group=world.group,
            member=member_row,
            reference="B1",
            amount="5",
            label="Commande",
            acting_user=None,
        )
    world.group.allow_negative_moneypot = True
    world.group.save()
    op = services.moneypot_debit(
        group=world.group,
        member=member_row,
        reference="B1",
        amount="10",
        label="Commande",
        acting_user=None,
    )
    assert op.payment_type == "moneypot"
    with pytest.raises(services.MoneyPotInsufficientError):
        services.moneypot_debit(
            group=world.group,
            member=member_row,
            reference="B2",
            amount="0.01",
            label="Commande",
            acting_user=None,
        )


def test_membership_fee_is_net_zero_and_unique_per_reference(world, member_row):
    debt, payment = services.membership_fee_record(
        group=world.group,
        member=member_row,
        amount="15",
        label="Adhésion 2024-2025",
        reference="membership-2024",
        payment_type="cheque",
        acting_user=world.admin,
    )
    assert debt.amount == D("-15.00") and payment.amount == D("15.00")
    assert balance(world, member_row) == D("0.00")
    with pytest.raises(ValidationError):
        services.membership_fee_record(
            group=world.group,
            member=member_row,
            amount="15",
            label="Adhésion 2024-2025",
            reference="membership-2024",
            payment_type="cheque",
            acting_user=world.admin,
        )


def test_balances_for_group_in_one_query(world, django_assert_num_queries):
    rows = [MemberFactory(group=world.group) for _ in range(12)]
    for i, row in enumerate(rows):
        ordered(world.group, row, f"B{i}", f"{i + 1}.00")
        if i % 2:
            paid(world, row, "5.00")
    with django_assert_num_queries(1):
        balances = selectors.balances_for_group(group=world.group)
    assert balances[rows[0].pk] == D("-1.00")
    assert balances[rows[1].pk] == D("3.00")
    with django_assert_num_queries(1):
        settled = selectors.references_settled(
            group=world.group, references=[f"B{i}" for i in range(12)]
        )
    assert settled[(rows[1].pk, "B1")] is True
    assert settled[(rows[0].pk, "B0")] is False
    assert settled[(rows[11].pk, "B11")] is False  # owes 12, paid 5


def test_member_balance_list_filters_and_totals(world, member_row, admin_row):
    ordered(world.group, member_row, "B1", "10")
    paid(world, admin_row, "7.50")
    members = selectors.member_balance_list(group=world.group)
    by_pk = {m.pk: m for m in members}
    assert by_pk[member_row.pk].balance == D("-10.00")
    assert by_pk[admin_row.pk].balance == D("7.50")
    owing = selectors.member_balance_list(group=world.group, status="owing")
    assert [m.pk for m in owing] == [member_row.pk]
    totals = selectors.balance_totals(group=world.group, members=members)
    assert totals["owed"] == D("-10.00") and totals["credit"] == D("7.50")
    assert totals["count"] == 3
    assert [m.pk for m in selectors.member_balance_list(group=world.group, search="membre")] == [
        member_row.pk
    ]


def test_cancelled_intention_leaves_the_pending_list(world, member_row):
    kw = {"group": world.group, "member": member_row, "reference": "B1", "acting_user": None}
    services.payment_intention_record(payment_type="cheque", amount="0.01", **kw)
    services.payment_intention_record(payment_type="cheque", amount="0", **kw)
    assert list(selectors.pending_list(group=world.group)) == []
    assert selectors.pending_total_for_member(group=world.group, member=member_row) == 0
    services.payment_intention_record(payment_type="cheque", amount="7", **kw)
    [row] = selectors.pending_list(group=world.group, member=member_row)
    assert row.effective == D("7.00")

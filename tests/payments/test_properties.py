"""Property tests: whatever the sequence of orders, payments, refunds, corrections and
confirmations, the balance is the sum the spec defines (§2.2) and history is never rewritten."""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments import selectors, services
from payments.models import ONTHESPOT, Operation

REFS = ("B1", "B2", "B3")
cents = st.integers(min_value=0, max_value=20_000).map(lambda c: Decimal(c).scaleb(-2))
positive_cents = st.integers(min_value=1, max_value=20_000).map(lambda c: Decimal(c).scaleb(-2))
signed_cents = st.integers(min_value=-20_000, max_value=20_000).map(lambda c: Decimal(c).scaleb(-2))

actions = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.sampled_from(REFS), cents),
        st.tuples(
            st.just("intent"),
            st.sampled_from(REFS),
            st.sampled_from(["cheque", "transfer", ONTHESPOT]),
            cents,
        ),
        st.tuples(st.just("pay"), positive_cents, st.sampled_from(["cash", "cheque"])),
        st.tuples(st.just("refund"), positive_cents),
        st.tuples(st.just("correct"), signed_cents),
        st.tuples(st.just("correct_payment"), st.integers(0, 10), signed_cents),
        st.tuples(st.just("correct_order"), st.sampled_from(REFS), signed_cents),
        st.tuples(st.just("validate"), st.lists(st.sampled_from(REFS), min_size=1, max_size=3)),
        st.tuples(st.just("confirm_pending"), st.integers(0, 10)),
        st.tuples(st.just("unvalidate"), st.just(None)),
    ),
    max_size=25,
)

HISTORY = ("member_id", "kind", "amount", "date", "label", "reference", "reverses_id", "is_money")


@dataclass
class Model:
    """An independent account of the expected balance, kept from the actions alone."""

    debts: dict = field(default_factory=dict)  # ref -> amount owed (>= 0)
    announced_confirmed: dict = field(default_factory=dict)  # ref -> received for the ref
    announced_pending: dict = field(default_factory=dict)  # ref -> announced, not received
    free: Decimal = Decimal("0.00")  # payments, refunds and corrections without a reference
    payments: list = field(default_factory=list)  # [(operation, current total)]
    batches: list = field(default_factory=list)  # [(batch, {ref: moved})]

    def balance(self) -> Decimal:
        return (
            self.free
            - sum(self.debts.values(), Decimal(0))
            + sum(self.announced_confirmed.values(), Decimal(0))
        )


def spec_balance(rows) -> Decimal:
    """§2.2 from the rows alone: everything except money not yet received."""
    by_pk = {r.pk: r for r in rows}
    total = Decimal("0.00")
    for r in rows:
        root = by_pk[r.reverses_id] if r.reverses_id else r
        is_money = root.kind in (Operation.Kind.PAYMENT, Operation.Kind.REFUND)
        if is_money and r.state == Operation.State.PENDING:
            continue
        total += r.amount
    return total


def snapshot(group):
    return {
        op.pk: (tuple(getattr(op, name) for name in HISTORY), op.state)
        for op in Operation.objects.filter(group=group)
    }


def step(world, member, model: Model, action) -> None:
    group, admin = world.group, world.admin
    kind = action[0]
    if kind == "order":
        _, ref, amount = action
        services.order_debt_record(
            group=group, member=member, reference=ref, amount=amount, label="o", acting_user=admin
        )
        model.debts[ref] = amount
    elif kind == "intent":
        _, ref, ptype, amount = action
        services.payment_intention_record(
            group=group,
            member=member,
            reference=ref,
            payment_type=ptype,
            amount=amount,
            acting_user=admin,
        )
        confirmed = model.announced_confirmed.get(ref, Decimal(0))
        pending = model.announced_pending.get(ref, Decimal(0))
        if amount > confirmed + pending:
            pending = amount - confirmed
        else:
            pending -= min(pending, confirmed + pending - amount)
        model.announced_pending[ref] = pending
    elif kind == "pay":
        _, amount, ptype = action
        op = services.payment_record(
            group=group, member=member, amount=amount, payment_type=ptype, acting_user=admin
        )
        model.free += amount
        model.payments.append([op, amount])
    elif kind == "refund":
        _, amount = action
        credit = model.balance()
        try:
            services.refund_record(
                group=group, member=member, amount=amount, payment_type="cash", acting_user=admin
            )
        except ValidationError:
            assert amount > credit
        else:
            assert amount <= credit
            model.free -= amount
    elif kind == "correct":
        _, amount = action
        try:
            services.correction_record(
                group=group, member=member, amount=amount, reason="r", acting_user=admin
            )
        except ValidationError:
            assert amount == 0
        else:
            model.free += amount
    elif kind == "correct_payment":
        _, index, amount = action
        if not model.payments:
            return
        entry = model.payments[index % len(model.payments)]
        try:
            services.correction_record(
                group=group,
                member=member,
                amount=amount,
                reason="r",
                reverses=entry[0],
                acting_user=admin,
            )
        except ValidationError:
            assert amount == 0 or entry[1] + amount < 0
        else:
            entry[1] += amount
            model.free += amount
    elif kind == "correct_order":
        _, ref, amount = action
        root = Operation.objects.filter(
            member=member, reference=ref, kind=Operation.Kind.ORDER
        ).first()
        if root is None:
            return
        try:
            services.correction_record(
                group=group,
                member=member,
                amount=amount,
                reason="r",
                reverses=root,
                acting_user=admin,
            )
        except ValidationError:
            assert amount == 0 or model.debts.get(ref, Decimal(0)) - amount < 0
        else:
            model.debts[ref] = model.debts.get(ref, Decimal(0)) - amount
    elif kind == "validate":
        _, refs = action
        for op in selectors.onspot_awaiting_type(group=group, references=refs):
            services.onspot_assign_type(
                group=group, operation=op, payment_type="cash", acting_user=admin
            )
        result = services.payments_confirm_for_references(
            group=group, references=refs, acting_user=admin
        )
        moved = {}
        for ref in set(refs):
            moved[ref] = model.announced_pending.get(ref, Decimal(0))
            model.announced_confirmed[ref] = (
                model.announced_confirmed.get(ref, Decimal(0)) + (moved[ref])
            )
            model.announced_pending[ref] = Decimal(0)
        if result.batch:
            model.batches.append((result.batch, moved))
    elif kind == "confirm_pending":
        _, index = action
        pending = list(selectors.pending_list(group=group, member=member))
        if not pending:
            return
        op = pending[index % len(pending)]
        services.payments_confirm(
            group=group, operation_ids=[op.pk], acting_user=admin, onspot_type="cheque"
        )
        # The root and its corrections are confirmed: move that amount for its reference.
        amount = op.amount + sum(
            (c.amount for c in op.corrections.all() if c.pk != op.pk), Decimal(0)
        )
        ref = op.reference
        model.announced_pending[ref] -= amount
        model.announced_confirmed[ref] = model.announced_confirmed.get(ref, Decimal(0)) + amount
    elif kind == "unvalidate":
        if not model.batches:
            return
        batch, _moved = model.batches.pop()
        moved_ops = list(Operation.objects.filter(confirmation_batch=batch, is_money=True))
        services.payments_confirm_reverse(group=group, batch=batch, acting_user=admin)
        for op in moved_ops:
            model.announced_confirmed[op.reference] -= op.amount
            model.announced_pending[op.reference] = (
                model.announced_pending.get(op.reference, Decimal(0)) + op.amount
            )


@pytest.mark.django_db
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=actions)
def test_balance_is_the_spec_sum_and_history_is_never_rewritten(world, member_row, sequence):
    with transaction.atomic():
        world.group.payment_types = ["cash", "cheque", "transfer"]
        world.group.save(update_fields=["payment_types"])
        model = Model()
        before = snapshot(world.group)
        for action in sequence:
            step(world, member_row, model, action)
            after = snapshot(world.group)
            for pk, (history, state) in before.items():
                assert pk in after, "a ledger row disappeared"
                assert after[pk][0] == history, "a ledger row was rewritten"
                if action[0] != "unvalidate":
                    assert not (
                        state == Operation.State.CONFIRMED
                        and after[pk][1] == Operation.State.PENDING
                    )
            before = after
            rows = list(Operation.objects.filter(group=world.group))
            balance = selectors.balance_for_member(group=world.group, member=member_row)
            assert balance == spec_balance(rows)
            assert balance == model.balance()
            assert (
                selectors.balances_for_group(group=world.group).get(member_row.pk, Decimal("0.00"))
                == balance
            )
            for ref, amount in model.debts.items():
                assert (
                    selectors.debt_for_reference(
                        group=world.group, member=member_row, reference=ref
                    )
                    == amount
                )
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    floor=st.integers(min_value=-5000, max_value=0).map(lambda c: Decimal(c).scaleb(-2)),
    allow_negative=st.booleans(),
    sequence=st.lists(
        st.one_of(
            st.tuples(st.just("debit"), st.sampled_from(REFS), cents),
            st.tuples(st.just("pay"), positive_cents),
        ),
        max_size=20,
    ),
)
def test_moneypot_never_goes_below_the_floor(world, member_row, floor, allow_negative, sequence):
    with transaction.atomic():
        group = world.group
        group.moneypot_floor = floor
        group.allow_negative_moneypot = allow_negative
        group.save(update_fields=["moneypot_floor", "allow_negative_moneypot"])
        limit = floor if allow_negative else Decimal("0.00")
        for action in sequence:
            before = selectors.balance_for_member(group=group, member=member_row)
            if action[0] == "pay":
                services.payment_record(
                    group=group,
                    member=member_row,
                    amount=action[1],
                    payment_type="cash",
                    acting_user=None,
                )
                continue
            _, ref, amount = action
            current = selectors.debt_for_reference(group=group, member=member_row, reference=ref)
            try:
                services.moneypot_debit(
                    group=group,
                    member=member_row,
                    reference=ref,
                    amount=amount,
                    label="o",
                    acting_user=None,
                )
            except services.MoneyPotInsufficientError:
                assert before - (amount - current) < limit
                assert selectors.balance_for_member(group=group, member=member_row) == before
            else:
                after = selectors.balance_for_member(group=group, member=member_row)
                assert after == before - (amount - current)
                assert after >= limit or amount <= current
        transaction.set_rollback(True)

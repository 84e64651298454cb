"""``order_ledger_set``: an order's debt and the payment announced with it, written at once."""

from decimal import Decimal

from kernel.models import LogEntry
from payments import selectors, services
from payments.models import ONTHESPOT, Operation
from tests.factories import MemberFactory

D = Decimal


def _rows(member, reference):
    """The rows of a reference, as comparable tuples (kind, amount, state, type, corrects)."""
    return [
        (op.kind, op.amount, op.state, op.payment_type, op.reverses.kind if op.reverses else None)
        for op in Operation.objects.filter(member=member, reference=reference)
        .select_related("reverses")
        .order_by("pk")
    ]


def test_debt_and_announced_payment_in_four_queries(world, member_row, django_assert_num_queries):
    world.group.payment_types = ["cash", "cheque"]
    world.group.save()
    with django_assert_num_queries(4):  # lock, read the reference, rows, audit entries
        debt, payment = services.order_ledger_set(
            group=world.group,
            member=member_row,
            reference="B1",
            amount=D("12.30"),
            label="Commande du 12/06",
            payment_type=ONTHESPOT,
            acting_user=world.member,
        )
    assert (debt.kind, debt.amount, debt.state) == ("order", D("-12.30"), "pending")
    assert (payment.kind, payment.amount, payment.payment_type) == (
        "payment",
        D("12.30"),
        ONTHESPOT,
    )
    assert payment.state == "pending" and payment.is_money
    assert selectors.debt_for_reference(group=world.group, member=member_row, reference="B1") == D(
        "12.30"
    )
    actions = LogEntry.objects.order_by("pk").values_list("action", "object_id")
    assert list(actions) == [
        ("payment.order_debt", str(debt.pk)),
        ("payment.intention", str(payment.pk)),
    ]


def test_writes_what_the_two_services_write_one_after_the_other(world, member_row):
    """The same sequence of totals, through ``order_ledger_set`` for one member and through
    ``order_debt_record`` + ``payment_intention_record`` for another: the same rows."""
    world.group.payment_types = ["cash", "cheque"]
    world.group.save()
    other = MemberFactory(group=world.group)
    for total in ("10.00", "14.50", "14.50", "3.20", "0.00", "6.00"):
        services.order_ledger_set(
            group=world.group,
            member=member_row,
            reference="B1",
            amount=D(total),
            label="Commande",
            payment_type="cheque",
            acting_user=None,
        )
        services.order_debt_record(
            group=world.group,
            member=other,
            reference="B2",
            amount=D(total),
            label="Commande",
            acting_user=None,
        )
        services.payment_intention_record(
            group=world.group,
            member=other,
            reference="B2",
            payment_type="cheque",
            amount=D(total),
            acting_user=None,
        )
    rows = _rows(member_row, "B1")
    assert rows == _rows(other, "B2")
    assert len(rows) == 10  # a row each per change, none when the total stays the same
    assert selectors.debt_for_reference(group=world.group, member=member_row, reference="B1") == D(
        "6.00"
    )


def test_a_type_no_longer_accepted_leaves_the_announced_payment_as_it_is(world, member_row):
    world.group.payment_types = ["cash", "cheque"]
    world.group.save()
    kw = {
        "group": world.group,
        "member": member_row,
        "reference": "B1",
        "label": "Commande",
        "acting_user": None,
    }
    services.order_ledger_set(amount=D("8.00"), payment_type="cheque", **kw)
    world.group.payment_types = ["cash"]
    world.group.save()
    [debt] = services.order_ledger_set(amount=D("9.00"), payment_type="cheque", **kw)
    assert debt.kind == "correction" and debt.amount == D("-1.00")
    announced = Operation.objects.filter(reference="B1", is_money=True)
    assert [op.amount for op in announced] == [D("8.00")]


def test_without_a_payment_type_only_the_debt_is_written(world, member_row):
    [debt] = services.order_ledger_set(
        group=world.group,
        member=member_row,
        reference="B1",
        amount=D("5.00"),
        label="Commande",
        payment_type="",
        acting_user=None,
    )
    assert debt.kind == "order" and not Operation.objects.filter(is_money=True).exists()

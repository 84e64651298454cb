"""The ledger's rows are validated in Python without a query, and the database still refuses
every invalid row: both layers agree on every combination of the constrained fields."""

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation

from payments.models import Operation
from payments.services.base import new_operation, write_operation
from tests.factories import MemberFactory

D = Decimal


def test_every_check_constraint_has_its_python_rule():
    checks = {c.name for c in Operation._meta.constraints if isinstance(c, models.CheckConstraint)}
    assert checks == {name.split(":")[0] for name in Operation.RULES}


def _row(group, member, kind, amount, reason, payment_type, state, confirmed_at):
    return Operation(
        group=group,
        member=member,
        kind=kind,
        amount=amount,
        currency="EUR",
        label="Essai",
        reason=reason,
        payment_type=payment_type,
        state=state,
        confirmed_at=confirmed_at,
        is_money=kind in Operation.MONEY_KINDS,
    )


def test_python_rules_and_database_constraints_agree(world, member_row):
    now = timezone.now()
    grid = itertools.product(
        Operation.Kind.values,
        (D("-5.00"), D("0.00"), D("5.00")),
        ("", "typo"),
        ("", "cash"),
        (("pending", None), ("confirmed", None), ("confirmed", now)),
    )
    accepted = refused = 0
    for kind, amount, reason, payment_type, (state, confirmed_at) in grid:
        fields = (kind, amount, reason, payment_type, state, confirmed_at)
        try:
            _row(world.group, member_row, *fields).validate_constraints()
            python_ok = True
        except ValidationError:
            python_ok = False
        try:
            with transaction.atomic():
                # No validation on this path: only the database judges.
                Operation.objects.bulk_create([_row(world.group, member_row, *fields)])
            database_ok = True
        except IntegrityError:
            database_ok = False
        assert python_ok == database_ok, fields
        accepted += database_ok
        refused += not database_ok
    assert accepted and refused


def test_a_row_is_validated_without_a_query(world, member_row, django_assert_num_queries):
    with django_assert_num_queries(0):
        operation = new_operation(
            group=world.group,
            member=member_row,
            kind=Operation.Kind.PAYMENT,
            amount=D("12.50"),
            currency="EUR",
            label="Chèque",
            state=Operation.State.CONFIRMED,
            is_money=True,
            payment_type="cheque",
            recorded_by=world.admin,
        )
    assert operation.pk is None and operation.confirmed_at is not None
    with django_assert_num_queries(1):
        operation.save()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "payment", "amount": D("-3.00")}, "amount", "greater than zero"),
        ({"kind": "order", "amount": D("3.00")}, "amount", "negative amount"),
        ({"kind": "refund", "amount": D("-3.00"), "payment_type": ""}, "payment_type", "type"),
        ({"kind": "correction", "amount": D("0.00"), "reason": "typo"}, "amount", "zero"),
        ({"kind": "correction", "amount": D("1.00"), "reason": ""}, "reason", "reason"),
        ({"kind": "correction", "amount": D("1.00"), "reason": "  "}, "reason", "reason"),
        ({"kind": "order", "amount": D("-1.234")}, "amount", "2 decimal places"),
    ],
)
def test_invalid_rows_are_refused_with_a_message_on_their_field(
    world, member_row, fields, field, message
):
    values = {
        "group": world.group,
        "member": member_row,
        "currency": "EUR",
        "label": "Essai",
        "state": Operation.State.PENDING,
        "payment_type": "cash",
        **fields,
    }
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            write_operation(**values)
        errors = exc.value.message_dict
    assert list(errors) == [field]
    assert len(errors[field]) == 1 and message in errors[field][0]
    assert not Operation.objects.exists()


def test_a_member_of_another_group_is_refused(world):
    stranger = MemberFactory(group=world.other_group)
    with pytest.raises(ValidationError) as exc:
        new_operation(
            group=world.group,
            member=stranger,
            kind=Operation.Kind.ORDER,
            amount=D("-1.00"),
            currency="EUR",
            label="Commande",
            state=Operation.State.PENDING,
        )
    assert "member" in exc.value.message_dict

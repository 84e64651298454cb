"""Hostile amounts ('1e30', 'NaN', '-0', 10^20, control characters…) give a field error in
French in every payments form that takes an amount, and in ``parse_amount`` — never a 500."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from payments import services
from payments.admin import AdminCorrectionForm
from payments.forms import CorrectionForm, PaymentForm, RefundForm
from payments.models import Operation
from payments.services.base import PaymentError, parse_amount
from tests.payments.factories import paid
from tests.payments.hostile import (
    HOSTILE_AMOUNTS,
    assert_refused_at_the_edge,
    is_french_refusal,
    refused_at_the_edge,
)


def url(name, world, **kw):
    return reverse(f"payments:{name}", kwargs={"group_slug": world.group.slug, **kw})


@pytest.mark.parametrize("value", [*HOSTILE_AMOUNTS, Decimal("1e30"), Decimal("NaN"), 10**20])
def test_parse_amount_refuses_hostile_values_on_the_field(world, value):
    with translation.override("fr"):
        try:
            amount = parse_amount(value, world.group)
        except PaymentError as error:
            assert is_french_refusal(error.message_dict["amount"]), error.message_dict
            return
    assert value == "-0" and amount == Decimal("0.00") and not amount.is_signed()


@pytest.mark.parametrize("value", ["1e30", "NaN", "100000000000000000000", "1\x00"])
def test_the_ledger_services_refuse_hostile_amounts(world, member_row, value):
    with pytest.raises(PaymentError) as error:
        services.payment_record(
            group=world.group,
            member=member_row,
            amount=value,
            payment_type="cash",
            acting_user=world.admin,
        )
    assert "amount" in error.value.message_dict
    with pytest.raises(PaymentError):
        services.correction_record(
            group=world.group,
            member=member_row,
            amount=value,
            reason="x",
            acting_user=world.admin,
        )
    assert not Operation.objects.exists()


@pytest.mark.parametrize("value", HOSTILE_AMOUNTS)
@pytest.mark.parametrize(
    ("name", "prefix", "form_class", "extra"),
    [
        ("member_payment", "payment", PaymentForm, {"payment_type": "cash", "label": "x"}),
        ("member_refund", "refund", RefundForm, {"payment_type": "cash", "reason": "x"}),
        ("member_correction", "correction", CorrectionForm, {"reason": "oubli"}),
    ],
)
def test_manual_entry_forms_refuse_hostile_amounts(
    world, client_for, member_row, value, name, prefix, form_class, extra
):
    paid(world, member_row, "50.00")  # a credit, so that a refund is possible at all
    data = {f"{prefix}-{key}": v for key, v in extra.items()}
    data[f"{prefix}-amount"] = value
    data[f"{prefix}-date"] = timezone.localdate().isoformat()
    response = client_for(world.admin).post(url(name, world, member_id=member_row.pk), data)
    if refused_at_the_edge(value):
        assert_refused_at_the_edge(response)
        assert Operation.objects.count() == 1
        return
    assert response.status_code == 200
    form = response.context[f"{prefix}_form"]
    assert isinstance(form, form_class)
    assert is_french_refusal(form.errors["amount"]), form.errors
    assert Operation.objects.count() == 1  # only the credit above


@pytest.mark.parametrize("value", HOSTILE_AMOUNTS)
def test_admin_correction_form_refuses_hostile_amounts(value):
    with translation.override("fr"):
        form = AdminCorrectionForm({"amount": value, "reason": "x", ACTION_CHECKBOX_NAME: ["1"]})
        assert not form.is_valid()
        assert is_french_refusal(form.errors["amount"]), form.errors


def test_admin_correction_action_with_hostile_amounts_is_a_field_error(
    world, client_for, member_row, django_user_model
):
    op = paid(world, member_row, "20.00")
    operator = django_user_model.objects.create_superuser(
        email="ops@example.org", password="x", first_name="O", last_name="P"
    )
    client = client_for(operator)
    for value in ["1e30", "-0", "NaN", "1\x00"]:
        response = client.post(
            reverse("admin:payments_operation_changelist"),
            {
                "action": "correct_operations",
                ACTION_CHECKBOX_NAME: [op.pk],
                "apply": "1",
                "amount": value,
                "reason": "test",
            },
        )
        if refused_at_the_edge(value):
            assert_refused_at_the_edge(response)
            continue
        assert response.status_code == 200, value
        assert "errorlist" in response.content.decode()
    assert Operation.objects.count() == 1


@pytest.mark.parametrize("value", HOSTILE_AMOUNTS)
def test_opening_balances_import_refuses_hostile_amounts_by_line(world, client_for, value):
    content = f"email;amount\n{world.member.email};{value}\n".encode()
    response = client_for(world.admin).post(
        url("opening_preview", world),
        {"file": SimpleUploadedFile("soldes.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 400
    errors = " ".join(str(e) for e in response.context["errors"])
    assert "Saisissez" in errors or "vide ou nul" in errors, errors
    assert not Operation.objects.exists()

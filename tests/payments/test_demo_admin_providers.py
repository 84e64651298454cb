import io
from decimal import Decimal

import pytest
from django.urls import reverse

from groups.models import Group
from kernel.models import LogEntry
from payments import demo, providers, selectors
from payments.models import ONTHESPOT, Operation
from tests.factories import UserFactory
from tests.payments.factories import paid

# --- providers ------------------------------------------------------------------------------


def _group(**kw):
    return Group(name="G", slug="g", **kw)


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["cash", "cheque", "transfer"], [ONTHESPOT, "transfer"]),
        (["transfer", "cheque", "card_terminal"], ["transfer", ONTHESPOT]),
        (["cheque", "transfer"], ["cheque", "transfer"]),
        (["moneypot"], ["moneypot"]),
        ([], []),
        (["bogus", "cash"], ["cash"]),
    ],
)
def test_checkout_merges_on_the_spot_types(types, expected):
    assert [p.code for p in providers.checkout_choices(_group(payment_types=types))] == expected


def test_manual_entry_excludes_moneypot_online_and_virtual():
    codes = [code for code, _label in providers.manual_entry_choices()]
    assert codes == ["cash", "cheque", "transfer", "card_terminal"]


def test_instructions_use_the_group_settings():
    group = _group(cheque_payee="AMAP du Village", iban="FR7630006000011234567890189")
    cheque = providers.provider_for("cheque").instructions(group, amount=Decimal("12.5"))
    assert "AMAP du Village" in cheque and "12,50" in cheque
    transfer = providers.provider_for("transfer").instructions(group, reference="B-42")
    assert "FR7630006000011234567890189" in transfer and "B-42" in transfer
    group.payment_types = ["cash", "card_terminal"]
    assert providers.provider_for(ONTHESPOT).instructions(group)


def test_moneypot_floor():
    assert providers.moneypot_floor(_group(moneypot_floor=Decimal("-20"))) == 0
    group = _group(moneypot_floor=Decimal("-20"), allow_negative_moneypot=True)
    assert providers.moneypot_floor(group) == Decimal("-20")


def test_onspot_choices_default_to_all_three():
    assert [c for c, _l in providers.onspot_choices(_group(payment_types=["transfer"]))] == [
        "cash",
        "cheque",
        "card_terminal",
    ]
    assert [c for c, _l in providers.onspot_choices(_group(payment_types=["cheque"]))] == ["cheque"]


# --- Django admin ---------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_admin_history_is_read_only(world, member_row, operator, client_for):
    op = paid(world, member_row, "10.00")
    client = client_for(operator)
    assert client.get(reverse("admin:payments_operation_changelist")).status_code == 200
    change = reverse("admin:payments_operation_change", args=[op.pk])
    response = client.get(change)
    assert response.status_code == 200 and b'name="_save"' not in response.content
    assert client.post(change, {"label": "x"}).status_code == 403
    assert client.get(reverse("admin:payments_operation_add")).status_code == 403
    delete = reverse("admin:payments_operation_delete", args=[op.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    op.refresh_from_db()
    assert op.label != "x"


def test_admin_correction_action_goes_through_the_service(world, member_row, operator, client_for):
    op = paid(world, member_row, "30.00")
    client = client_for(operator)
    changelist = reverse("admin:payments_operation_changelist")
    data = {"action": "correct_operations", "_selected_action": [op.pk]}
    response = client.post(changelist, data)
    assert response.status_code == 200 and b"apply" in response.content
    response = client.post(changelist, {**data, "apply": "1", "reason": " "})
    assert response.status_code == 200
    assert Operation.objects.count() == 1
    response = client.post(changelist, {**data, "apply": "1", "reason": "erreur de saisie"})
    assert response.status_code == 302
    fix = Operation.objects.get(kind=Operation.Kind.CORRECTION)
    assert fix.reverses == op and fix.amount == Decimal("-30.00") and fix.recorded_by == operator
    assert selectors.balance_for_member(group=world.group, member=member_row) == 0
    entry = LogEntry.objects.get(action="payment.corrected")
    assert entry.actor == operator and entry.data["reason"] == "erreur de saisie"


def test_admin_export_page_answers(world, member_row, operator, client_for):
    paid(world, member_row, "10.00")
    response = client_for(operator).get(reverse("admin:payments_operation_export"))
    assert response.status_code == 200


# --- demo -----------------------------------------------------------------------------------


def test_demo_seed_is_idempotent_and_varied(db):
    from members import demo as members_demo

    out = io.StringIO()
    members_demo.seed(out)
    demo.seed(out)
    group = Group.objects.get(slug="demo")
    rows = list(Operation.objects.filter(group=group).values_list("pk", "amount", "state"))
    demo.seed(out)
    assert list(Operation.objects.filter(group=group).values_list("pk", "amount", "state")) == rows
    balances = selectors.balances_for_group(group=group)
    assert any(b > 0 for b in balances.values())
    assert any(b < 0 for b in balances.values())
    pending = selectors.pending_list(group=group)
    assert pending.filter(payment_type="cheque").exists()
    assert pending.filter(payment_type=ONTHESPOT).exists()
    assert Operation.objects.filter(group=group, kind=Operation.Kind.CORRECTION).exists()

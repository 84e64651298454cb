"""Weights, absences, on-the-spot types, validation and its reversal (spec §6, decision 5)."""

from decimal import Decimal

import pytest

from day import validation
from day.models import DistributionValidation
from kernel.models import LogEntry
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import Operation

pytestmark = pytest.mark.django_db
D = Decimal


def _ops(basket):
    return Operation.objects.filter(reference=basket.code).order_by("pk")


def _debt(world, basket):
    return payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    )


def _onspot(basket):
    return _ops(basket).get(kind="payment")


def test_weights_recompute_the_debt_and_the_onspot_intention(world, past_day):
    day = past_day
    line = day.member_basket.lines.get(product=day.carrots)
    validation.weights_set(
        group=world.group, md=day.md, weights={line.pk: "1,437"}, acting_user=world.admin
    )
    line.refresh_from_db()
    assert line.actual_quantity == D("1.437")
    assert _debt(world, day.member_basket) == D("11.98")
    announced = sum(op.amount for op in _ops(day.member_basket).filter(is_money=True))
    assert announced == D("11.98")
    # The transfer already sent does not follow a weight (none here), and a cheque neither:
    admin_line = day.admin_basket.lines.get(product=day.carrots)
    validation.weights_set(
        group=world.group, md=day.md, weights={admin_line.pk: "2.104"}, acting_user=world.admin
    )
    assert _debt(world, day.admin_basket) == D("5.95")  # 2.104 x 2.35 = 4.9444 → 4.94 + 1.01
    assert LogEntry.objects.filter(action="orders.weights_set").count() == 2


def test_weights_refuse_a_product_not_sold_by_weight_and_bad_input(world, past_day):
    day = past_day
    line = day.member_basket.lines.get(product=day.loaf)
    with pytest.raises(validation.DayError):
        validation.weights_set(
            group=world.group, md=day.md, weights={line.pk: "1"}, acting_user=world.admin
        )
    carrots = day.member_basket.lines.get(product=day.carrots)
    for bad in ("abc", "-1"):
        with pytest.raises(validation.DayError):
            validation.weights_set(
                group=world.group, md=day.md, weights={carrots.pk: bad}, acting_user=world.admin
            )
    with pytest.raises(validation.DayError):
        validation.weights_set(
            group=world.other_group, md=day.md, weights={carrots.pk: "1"}, acting_user=world.admin
        )


def test_validation_refused_before_the_start(world, day):
    reasons = validation.validation_refusals(group=world.group, md=day.md)
    assert len(reasons) == 2  # not started, and an on-the-spot payment without a type
    with pytest.raises(validation.DayError):
        validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    day.md.refresh_from_db()
    assert day.md.validated_at is None


def test_validation_refused_while_an_onspot_payment_has_no_type(world, past_day):
    day = past_day
    with pytest.raises(validation.DayError):
        validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    assert not Operation.objects.filter(state="confirmed", reference=day.admin_basket.code).exists()
    assert not DistributionValidation.objects.exists()
    # Queued earlier, refused when the worker runs it: the row says why, nothing changed.
    row = DistributionValidation.objects.create(group=world.group, multidistrib=day.md)
    with pytest.raises(validation.DayError):
        validation.distribution_validate(
            group=world.group, md=day.md, acting_user=world.admin, validation=row
        )
    row.refresh_from_db()
    assert row.status == "failed" and "MEMBRE" in row.error
    assert not Operation.objects.filter(state="confirmed", reference=day.admin_basket.code).exists()


def test_validation_confirms_debts_and_payments_and_locks(world, past_day):
    day = past_day
    carrots = day.member_basket.lines.get(product=day.carrots)
    day.tomatoes.variable_weight = True
    day.tomatoes.save()
    tomatoes = day.coord_basket.lines.get(product=day.tomatoes)
    validation.weights_set(
        group=world.group,
        md=day.md,
        weights={carrots.pk: "1.437", tomatoes.pk: "1.1"},
        acting_user=world.admin,
    )
    assert _debt(world, day.coord_basket) == D("10.20")  # 6.79 + 1.1 x 3.10
    validation.absence_set(
        group=world.group, basket=day.coord_basket, absent=True, acting_user=world.admin
    )
    op = _onspot(day.member_basket)
    validation.onspot_type_set(
        group=world.group,
        md=day.md,
        operation_id=op.pk,
        payment_type="cash",
        acting_user=world.admin,
    )
    result = validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    assert result.status == "done" and result.baskets == 2
    day.md.refresh_from_db()
    assert day.md.validated_at is not None
    for basket in (day.member_basket, day.admin_basket):
        assert set(_ops(basket).values_list("state", flat=True)) == {"confirmed"}
    # The absent member's debt and transfer stay pending: they did not come to pay.
    assert set(_ops(day.coord_basket).values_list("state", flat=True)) == {"pending"}
    assert (
        payment_selectors.balance_for_member(group=world.group, member=day.member_basket.member)
        == 0
    )
    assert payment_selectors.balance_for_member(
        group=world.group, member=day.coord_basket.member
    ) == D("-10.20")
    # Locked.
    with pytest.raises(validation.DayError):
        validation.weights_set(
            group=world.group, md=day.md, weights={carrots.pk: "2"}, acting_user=world.admin
        )
    with pytest.raises(validation.DayError):
        validation.absence_set(
            group=world.group, basket=day.admin_basket, absent=True, acting_user=world.admin
        )
    assert validation.validation_refusals(group=world.group, md=day.md)
    assert LogEntry.objects.filter(action="orders.distribution_validated").count() == 1


def test_reversal_restores_only_what_validation_changed(world, past_day):
    day = past_day
    # The cheque was received by hand before the validation: the reversal keeps it received.
    cheque = _ops(day.admin_basket).get(kind="payment")
    payments.payments_confirm(group=world.group, operation_ids=[cheque.pk], acting_user=world.admin)
    validation.onspot_type_set(
        group=world.group,
        md=day.md,
        operation_id=_onspot(day.member_basket).pk,
        payment_type="cheque",
        acting_user=world.admin,
    )
    before = {op.pk: op.state for op in Operation.objects.all()}
    validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    assert set(Operation.objects.values_list("state", flat=True)) == {"confirmed"}
    validation.distribution_unvalidate(
        group=world.group, md=day.md, acting_user=world.admin, reason="Erreur de pesée"
    )
    day.md.refresh_from_db()
    assert day.md.validated_at is None
    assert {op.pk: op.state for op in Operation.objects.all()} == before
    assert before[cheque.pk] == "confirmed"
    assert DistributionValidation.objects.get().status == "reversed"
    entry = LogEntry.objects.get(action="orders.distribution_unvalidated")
    assert entry.actor == world.admin and entry.data["reason"] == "Erreur de pesée"
    # The distribution can be corrected and validated again.
    carrots = day.member_basket.lines.get(product=day.carrots)
    validation.weights_set(
        group=world.group, md=day.md, weights={carrots.pk: "1.2"}, acting_user=world.admin
    )
    validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    assert _debt(world, day.member_basket) == D("11.42")  # 2.82 + 2.17 + 3.40 + 3.03


@pytest.mark.parametrize("extra", [0, 30])
def test_validation_queries_do_not_grow_per_basket(
    world, past_day, extra, django_assert_max_num_queries, monkeypatch
):
    from tests.day.factories import make_basket
    from tests.factories import MemberFactory

    day = past_day
    monkeypatch.setattr(validation, "CHUNK", 1000)
    for _ in range(extra):
        make_basket(
            day.md, MemberFactory(group=world.group), [(day.loaf, 1)], payment_type="cheque"
        )
    validation.onspot_type_set(
        group=world.group,
        md=day.md,
        operation_id=_onspot(day.member_basket).pk,
        payment_type="cash",
        acting_user=world.admin,
    )
    with django_assert_max_num_queries(30):
        validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)


def _day_url(name, world, day):
    from django.urls import reverse

    return reverse(f"day:{name}", kwargs={"group_slug": world.group.slug, "md_id": day.md.pk})


def test_validation_page_types_the_onspot_payment_after_a_weight_change(
    world, past_day, client_for, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    day = past_day
    page = reverse("day:validate", kwargs={"group_slug": world.group.slug, "md_id": day.md.pk})
    client = client_for(world.admin)
    carrots = day.member_basket.lines.get(product=day.carrots)
    response = client.post(_day_url("weights", world, day), {f"weight-{carrots.pk}": "1,437"})
    assert response.status_code == 302
    assert _debt(world, day.member_basket) == D("11.98")
    response = client.get(page)
    op_id = response.context["operations"][day.member_basket.code]
    assert op_id == _onspot(day.member_basket).pk
    client.post(_day_url("onspot", world, day), {"operation": op_id, "payment_type": "cash"})
    assert set(
        _ops(day.member_basket).filter(is_money=True).values_list("payment_type", flat=True)
    ) == {"cash"}
    client.post(_day_url("absent", world, day), {"basket": day.coord_basket.pk})
    client.post(_day_url("weights", world, day), {f"weight-{carrots.pk}": "abc"})  # message, no 500
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_day_url("validation_start", world, day))
    assert response.status_code == 302 and "/validations/" in response["Location"]
    status = client.get(response["Location"] + "status/").json()
    assert status["status"] == "done" and status["progress"] == 100
    day.md.refresh_from_db()
    assert day.md.validated_at is not None
    # Coordinators may not reverse; admins may.
    reverse_url = reverse(
        "day:unvalidate", kwargs={"group_slug": world.group.slug, "md_id": day.md.pk}
    )
    assert client_for(world.coordinator).post(reverse_url, {"reason": "x"}).status_code == 403
    assert client.post(reverse_url, {"reason": "Erreur"}).status_code == 302
    day.md.refresh_from_db()
    assert day.md.validated_at is None

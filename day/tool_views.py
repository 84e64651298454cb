"""Validation tools (spec §6): price change, product not delivered and their undoing, and the
per-member page (add a payment, add a refund, validate one pending payment, delete a payment,
validate the basket on its own), and the cash float of the cash report. Thin views over
``day.tools``, ``day.member_tools`` and the ledger's services; every write is audited there."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from catalogs.models import Product
from day import member_tools, summaries, tools
from day.models import DayCorrection
from distributions.selectors import md_get
from groups.tenancy import get_for_group, group_permission_required
from kernel.numbers import NumberError, parse_decimal, parse_id
from orders.models import Basket
from payments import providers
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import ON_THE_SPOT_TYPES
from payments.services import card_refunds
from payments.stripe import selectors as stripe_selectors
from payments.stripe import services as stripe_services

MANAGE = "can_manage_catalogs"
PAYMENTS = "can_manage_payments"


def _back(request: HttpRequest, md_id: int, anchor: str = "tools") -> HttpResponse:
    return redirect(f"/g/{request.group.slug}/manage/distributions/{md_id}/day/validate/#{anchor}")


def _product(request: HttpRequest) -> Product:
    return get_for_group(Product, request.group, pk=parse_id(request.POST.get("product")) or 0)


MAX_AMOUNT = Decimal("99999.99")


def _amount(request: HttpRequest) -> Decimal:
    """The posted amount, read by ``kernel.numbers`` (``12,50``), or a translated refusal."""
    try:
        amount = parse_decimal(request.POST.get("amount", ""), places=2, maximum=MAX_AMOUNT)
    except NumberError as exc:
        raise ValidationError(str(exc)) from exc
    if amount is None or amount <= 0:
        raise ValidationError(_("The amount must be greater than zero."))
    return amount


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@group_permission_required(MANAGE)
@require_POST
def price_change(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = md_get(group=request.group, md_id=md_id)
    try:
        correction = tools.price_change(
            group=request.group,
            md=md,
            product=_product(request),
            price=request.POST.get("price", ""),
            acting_user=request.user,
        )
        messages.success(
            request,
            _("New price for %(product)s on %(n)s order lines; members are told.")
            % {"product": correction.product_name, "n": len(correction.lines)},
        )
    except ValidationError as exc:
        _errors(request, exc)
    return _back(request, md.pk)


@group_permission_required(MANAGE)
@require_POST
def not_delivered(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = md_get(group=request.group, md_id=md_id)
    try:
        correction = tools.product_not_delivered(
            group=request.group, md=md, product=_product(request), acting_user=request.user
        )
        messages.success(
            request,
            _("%(product)s removed from %(n)s orders; stock back, members are told.")
            % {"product": correction.product_name, "n": len(correction.lines)},
        )
    except ValidationError as exc:
        _errors(request, exc)
    return _back(request, md.pk)


@group_permission_required(MANAGE)
@require_POST
def correction_undo(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = md_get(group=request.group, md_id=md_id)
    try:
        correction = tools.correction_undo(
            group=request.group,
            md=md,
            correction_id=parse_id(request.POST.get("correction")) or 0,
            acting_user=request.user,
        )
        messages.success(request, _("The correction was undone."))
        codes = Basket.objects.filter(
            group=request.group, pk__in=[row["basket"] for row in correction.lines]
        ).values_list("code", flat=True)
        if stripe_selectors.refunded_by_card(group=request.group, references=list(codes)):
            messages.warning(
                request,
                _(
                    "Card refunds already made are not taken back: the orders' debts come "
                    "back and the members owe them."
                ),
            )
    except ValidationError as exc:
        _errors(request, exc)
    return _back(request, md.pk)


def _basket(request: HttpRequest, md_id: int, basket_code: str) -> tuple:
    md = md_get(group=request.group, md_id=md_id)
    basket = get_for_group(
        Basket.objects.select_related("member__user").exclude(state=Basket.State.CART),
        request.group,
        code=basket_code,
        multidistrib=md,
    )
    return md, basket


@group_permission_required(PAYMENTS)
@require_GET
def member_page(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    """One member's order and payments at the distribution (spec §6 item 2)."""
    md, basket = _basket(request, md_id, basket_code)
    group = request.group
    summary = summaries.member_summary(group=group, md=md)
    block = next((b for b in summary.blocks if b.basket_id == basket.pk), None)
    return render(
        request,
        "day/member.html",
        {
            "group": group,
            "md": md,
            "basket": basket,
            "order": block,  # not "block": the template language takes that name
            "pay_back": -block.due if block is not None and block.due < 0 else None,
            "balance": payment_selectors.balance_for_member(group=group, member=basket.member),
            # Payments and refunds not by card: validated (when pending) or deleted here.
            "payments": list(
                payment_selectors.payments_for_references(
                    group=group, references=[basket.code]
                ).filter(remote_id__isnull=True)
            ),
            "basket_validated": member_tools.basket_is_validated(basket),
            "manual_choices": providers.manual_entry_choices(),
            "onspot_choices": providers.onspot_choices(group),
            **_card_context(group, basket),
        },
    )


def _card_context(group, basket) -> dict:
    """What the order's card payments can still give back, prefilled with what it paid too
    much, and the refunds made (the "refund by card" card shows only with card payments)."""
    member, code = basket.member, basket.code
    refundable = stripe_selectors.refundable_by_card(group=group, member=member, reference=code)
    refunds = stripe_selectors.refunds_for(group=group, member=member, reference=code)
    return {
        "card_refundable": refundable,
        "card_overpaid": stripe_services.overpaid_by_card(
            group=group, member=member, reference=code
        )
        if refundable > 0
        else Decimal("0.00"),
        "card_refunds": refunds,
    }


def _member_back(request: HttpRequest, md, basket) -> HttpResponse:
    return redirect(
        "day:member", group_slug=request.group.slug, md_id=md.pk, basket_code=basket.code
    )


@group_permission_required(PAYMENTS)
@require_POST
def member_payment(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    md, basket = _basket(request, md_id, basket_code)
    try:
        member_tools.refuse_if_basket_validated(basket)
        payments.payment_record(
            group=request.group,
            member=basket.member,
            amount=_amount(request),
            payment_type=request.POST.get("payment_type", ""),
            reference=basket.code,
            label=_("Payment at the distribution"),
            acting_user=request.user,
        )
        messages.success(request, _("Payment recorded."))
    except ValidationError as exc:
        _errors(request, exc)
    return _member_back(request, md, basket)


@group_permission_required(PAYMENTS)
@require_POST
def member_refund(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    md, basket = _basket(request, md_id, basket_code)
    try:
        member_tools.refuse_if_basket_validated(basket)
        payments.refund_record(
            group=request.group,
            member=basket.member,
            amount=_amount(request),
            payment_type=request.POST.get("payment_type", ""),
            reference=basket.code,
            label=_("Refund at the distribution"),
            acting_user=request.user,
        )
        messages.success(request, _("Refund recorded."))
    except ValidationError as exc:
        _errors(request, exc)
    return _member_back(request, md, basket)


@group_permission_required(PAYMENTS)
@require_POST
def member_card_refund(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    """Refund by card part of what this order paid by card (Stripe, audited)."""
    md, basket = _basket(request, md_id, basket_code)
    try:
        result = card_refunds.card_refund_at_distribution(
            group=request.group,
            member=basket.member,
            reference=basket.code,
            amount=_amount(request),
            reason=request.POST.get("reason", "").strip()
            or card_refunds.platform_reason(gettext_noop("Refund at the distribution")),
            acting_user=request.user,
        )
        for refund in result.failed:
            messages.error(
                request, _("Stripe refused the refund: %(error)s") % {"error": refund.failure}
            )
        if result.amount > 0:
            messages.success(request, _("Refunded by card."))
    except ValidationError as exc:
        _errors(request, exc)
    return _member_back(request, md, basket)


@group_permission_required(PAYMENTS)
@require_POST
def member_confirm(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    """Validate one pending payment of this order (with its actual type when on the spot)."""
    md, basket = _basket(request, md_id, basket_code)
    operation = (
        payment_selectors.payments_for_references(group=request.group, references=[basket.code])
        .filter(pk=parse_id(request.POST.get("operation")) or 0)
        .first()
    )
    onspot_type = request.POST.get("onspot_type", "")
    try:
        if operation is None:
            raise ValidationError(_("This payment is not part of this order."))
        member_tools.refuse_if_basket_validated(basket)
        payments.payments_confirm(
            group=request.group,
            operation_ids=[operation.pk],
            onspot_type=onspot_type if onspot_type in ON_THE_SPOT_TYPES else "",
            acting_user=request.user,
        )
        messages.success(request, _("Payment validated."))
    except ValidationError as exc:
        _errors(request, exc)
    return _member_back(request, md, basket)


@group_permission_required(PAYMENTS)
@require_POST
def member_payment_delete(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    """Delete a payment (not a card one) of this order: cancelled by a ledger correction."""
    md, basket = _basket(request, md_id, basket_code)
    try:
        member_tools.payment_delete(
            group=request.group,
            md=md,
            basket=basket,
            operation_id=parse_id(request.POST.get("operation")) or 0,
            acting_user=request.user,
        )
        messages.success(request, _("Payment deleted."))
    except ValidationError as exc:
        _errors(request, exc)
    return _member_back(request, md, basket)


@group_permission_required(PAYMENTS)
@require_POST
def member_validate(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    """Validate this basket on its own (its debt and pending payments confirmed)."""
    md, basket = _basket(request, md_id, basket_code)
    try:
        member_tools.basket_validate(
            group=request.group, md=md, basket=basket, acting_user=request.user
        )
        messages.success(request, _("Basket validated."))
    except ValidationError as exc:
        _errors(request, exc)
    return _member_back(request, md, basket)


@group_permission_required(PAYMENTS)
@require_POST
def member_unvalidate(request: HttpRequest, group_slug: str, md_id: int, basket_code: str):
    md, basket = _basket(request, md_id, basket_code)
    try:
        member_tools.basket_unvalidate(
            group=request.group, md=md, basket=basket, acting_user=request.user
        )
        messages.success(request, _("The basket's validation is reversed."))
    except ValidationError as exc:
        _errors(request, exc)
    return _member_back(request, md, basket)


@group_permission_required(MANAGE)
@require_POST
def cash_float(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The till's opening float, from the cash report."""
    md = md_get(group=request.group, md_id=md_id)
    try:
        member_tools.cash_float_set(
            group=request.group,
            md=md,
            amount=request.POST.get("amount", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Cash float saved."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("day:cash", group_slug=request.group.slug, md_id=md.pk)


def corrections_for(group, md) -> list[DayCorrection]:
    return list(DayCorrection.objects.filter(group=group, multidistrib=md))

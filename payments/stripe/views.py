"""Online payment screens: the group's Stripe account (onboarding, offering card payment),
the daily management page (card takings per distribution, payouts, proofs), a card refund
from a member's account, the member's return from the payment page, and the webhook."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from distributions.models import MultiDistrib
from groups.tenancy import get_for_group, group_member_required, group_permission_required
from kernel.money import format_money
from members.models import Member
from payments.services.base import PaymentError, group_today
from payments.stripe import pdf, selectors, services
from payments.stripe.exports import CardProofExporter
from payments.stripe.forms import CardRefundForm
from payments.stripe.models import CardCheckout

log = logging.getLogger(__name__)
PAYMENTS = "can_manage_payments"


def _errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@group_permission_required(PAYMENTS)
@require_GET
def online(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The group's online payment: the account's state, offering card payment, the fee."""
    group = request.group
    account = selectors.group_account(group)
    return render(
        request,
        "payments/online.html",
        {
            "group": group,
            "account": account,
            "configured": selectors.client.configured(),
            "available": selectors.card_available(group, account) if account else False,
            "offered": selectors.card_offered(group),
            "to_request": selectors.payouts_to_request(group=group) if account else [],
        },
    )


@group_permission_required(PAYMENTS)
@require_POST
def online_start(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    back = request.build_absolute_uri(reverse("payments:online", args=[group.slug]))
    try:
        url = services.onboarding_start(
            group=group, acting_user=request.user, return_url=back, refresh_url=back
        )
    except PaymentError as exc:
        messages.error(request, _errors(exc))
        return redirect("payments:online", group_slug=group.slug)
    return redirect(url)


@group_permission_required(PAYMENTS)
@require_POST
def online_offer(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _offer(request, True)


@group_permission_required(PAYMENTS)
@require_POST
def online_withdraw(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _offer(request, False)


def _offer(request: HttpRequest, offer: bool) -> HttpResponse:
    try:
        services.card_offer_set(group=request.group, offer=offer, acting_user=request.user)
    except PaymentError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(
            request,
            _("Members can now pay by card at checkout.")
            if offer
            else _("Card payment is no longer offered at checkout."),
        )
    return redirect("payments:online", group_slug=request.group.slug)


@group_permission_required(PAYMENTS)
@require_GET
def wallet(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Per distribution: card takings, fees, refunds, net and payout (spec §3.2)."""
    group = request.group
    account = selectors.group_account(group)
    rows = selectors.wallet(group=group, today=group_today(group))
    for row in rows:
        row.can_request = row.can_request_payout(account)
    return render(
        request,
        "payments/wallet.html",
        {"group": group, "account": account, "rows": rows},
    )


def _md(request: HttpRequest, md_id: int) -> MultiDistrib:
    return get_for_group(MultiDistrib.objects.all(), request.group, pk=md_id)


@group_permission_required(PAYMENTS)
@require_POST
def payout_request(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    try:
        payout = services.payout_request(group=request.group, md=md, acting_user=request.user)
    except PaymentError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The payout was requested: %(id)s.") % {"id": payout.payout_id})
    return redirect("payments:wallet", group_slug=request.group.slug)


@group_permission_required(PAYMENTS)
@require_GET
def payout_proof(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The distribution's card payments and refunds with their fees, as CSV or XLSX."""
    md = _md(request, md_id)
    rows = selectors.proof_rows(group=request.group, md=md)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    exporter = CardProofExporter(rows, language=translation.get_language() or "fr")
    name = f"card-payments-{request.group.slug}-{md.date:%Y-%m-%d}.{fmt}"
    return exporter.response(fmt, name, streaming=False)


@group_permission_required(PAYMENTS)
@require_GET
def payout_proof_pdf(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The same proof as a PDF, with the distribution's figures (net, payout)."""
    md = _md(request, md_id)
    data = pdf.proof_pdf(group=request.group, md=md)
    response = HttpResponse(data, content_type="application/pdf")
    name = f"card-payments-{request.group.slug}-{md.date:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@group_permission_required(PAYMENTS)
@require_POST
def member_card_refund(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    """Refund part of an order's card payments (from the member's account page)."""
    group = request.group
    member = get_for_group(Member.objects.select_related("user"), group, pk=member_id)
    form = CardRefundForm(request.POST, group=group, member=member)
    if form.is_valid():
        try:
            result = services.refund_amount(
                group=group,
                member=member,
                reference=form.cleaned_data["reference"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except PaymentError as exc:
            messages.error(request, _errors(exc))
        else:
            if result.failed:
                messages.error(
                    request,
                    _("The refund failed: %(reason)s")
                    % {"reason": "; ".join(r.failure for r in result.failed)},
                )
            else:
                messages.success(request, _("The card refund was made."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("payments:member", group_slug=group.slug, member_id=member.pk)


# The member's side ------------------------------------------------------------------------


def _checkout(request: HttpRequest, checkout_id: int) -> CardCheckout:
    checkout = (
        CardCheckout.objects.select_related("group", "member__user", "multidistrib")
        .filter(pk=checkout_id, group=request.group, member=request.member)
        .first()
    )
    if checkout is None:
        raise Http404
    return checkout


@group_member_required
@require_GET
def card_return(request: HttpRequest, group_slug: str, checkout_id: int) -> HttpResponse:
    """Back from the payment page: shows the state. The webhook places the order; if it is late,
    the session is read from Stripe and the same step runs here."""
    checkout = _checkout(request, checkout_id)
    if checkout.state in (CardCheckout.State.OPEN, CardCheckout.State.CREATING):
        try:
            checkout = services.session_refresh(checkout=checkout)
        except PaymentError as exc:
            log.warning("Return page could not read checkout %s: %s", checkout.pk, exc)
    if checkout.state == CardCheckout.State.FULFILLED:
        message = (
            _("Your card payment of %(amount)s is received.")
            if checkout.purpose == CardCheckout.Purpose.REST
            else _("Your card payment of %(amount)s is received and your order is confirmed.")
        )
        amount = format_money(
            checkout.amount, checkout.currency, translation.get_language() or "fr"
        )
        messages.success(request, message % {"amount": amount})
        return redirect(
            "orders:basket", group_slug=request.group.slug, basket_code=checkout.basket_code
        )
    return render(
        request,
        "payments/card_return.html",
        {"group": request.group, "checkout": checkout},
    )


@group_member_required
@require_GET
def card_cancel(request: HttpRequest, group_slug: str, checkout_id: int) -> HttpResponse:
    """The member left the payment page: the session is closed and the cart's stock released."""
    checkout = _checkout(request, checkout_id)
    try:
        checkout = services.checkout_cancel(checkout=checkout)
    except PaymentError as exc:
        messages.error(request, _errors(exc))
    if checkout.state == CardCheckout.State.FULFILLED:
        return redirect(
            "orders:basket", group_slug=request.group.slug, basket_code=checkout.basket_code
        )
    if checkout.purpose == CardCheckout.Purpose.REST:
        messages.info(request, _("The card payment was cancelled: the rest is still to pay."))
        return redirect(
            "orders:basket", group_slug=request.group.slug, basket_code=checkout.basket_code
        )
    messages.info(request, _("The card payment was cancelled: your cart is kept."))
    return redirect("shop:cart", group_slug=request.group.slug, md_id=checkout.multidistrib_id)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events (signature verified, each processed once; see ``services``)."""
    try:
        outcome = services.webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except services.WebhookRefusedError as exc:
        log.warning("Stripe webhook refused: %s", exc)
        return HttpResponse("refused", status=400, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")

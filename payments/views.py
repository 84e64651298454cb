"""Payment screens: the member's account, and for members with the payments right, the group's
balances, each member's account (record a payment, a refund, a correction; confirm what was
received), the pending payments and the export. Views are thin: forms validate, services write.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.tenancy import get_for_group, group_member_required, group_permission_required
from kernel.idempotency import AlreadySubmittedError
from members.models import Member
from payments import exports, forms, providers, selectors, services
from payments.models import Operation
from payments.stripe import selectors as stripe_selectors
from payments.stripe.forms import CardRefundForm

PAYMENTS = "can_manage_payments"
OPERATIONS_PER_PAGE = 20
MEMBERS_PER_PAGE = 50


def _with_instructions(request: HttpRequest, pending: list[Operation]) -> list[Operation]:
    for op in pending:
        provider = providers.PROVIDERS.get(op.payment_type)
        op.instructions = (
            provider.instructions(request.group, amount=op.effective, reference=op.reference)
            if provider
            else ""
        )
    return pending


@group_member_required
@require_GET
def account(request: HttpRequest, group_slug: str) -> HttpResponse:
    group, member = request.group, request.member
    summary = selectors.account_summary(group=group, member=member)
    page = Paginator(selectors.history(group=group, member=member), OPERATIONS_PER_PAGE)
    pending = _with_instructions(
        request, list(selectors.pending_list(group=group, member=member)[:20])
    )
    return render(
        request,
        "payments/account.html",
        {
            "group": group,
            "summary": summary,
            "page": page.get_page(request.GET.get("page")),
            "pending": pending,
            "types": [(p.label, p.instructions(group)) for p in providers.checkout_choices(group)],
        },
    )


@group_permission_required(PAYMENTS)
@require_GET
def balances(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    form = forms.BalanceFilterForm(request.GET or None)
    search = status = ""
    if form.is_valid():
        search, status = form.cleaned_data["q"], form.cleaned_data["status"]
    members = selectors.member_balance_list(group=group, search=search, status=status)
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "payments/manage_balances.html",
        {
            "group": group,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "totals": selectors.balance_totals(group=group, members=members),
            "pending_count": selectors.pending_list(group=group).count(),
            "export_form": forms.ExportForm(group=group),
        },
    )


def _member(request: HttpRequest, member_id: int) -> Member:
    # Former members stay reachable: they may still owe or be owed money.
    return get_for_group(Member.objects.select_related("user"), request.group, pk=member_id)


def _member_page(
    request: HttpRequest, member: Member, status: int = 200, **bound: Any
) -> HttpResponse:
    group = request.group
    operations = selectors.operation_list(group=group, member=member)
    pending = selectors.pending_list(group=group, member=member)
    correction = bound.get("correction_form")
    if correction is None:
        initial: dict[str, Any] = {}
        target = None
        if request.GET.get("correct", "").isdigit():
            target = operations.filter(pk=int(request.GET["correct"])).first()
        if target is not None:
            root = target.reverses or target
            remaining = root.amount + sum(c.amount for c in root.corrections.all())
            initial = {"reverses": root.pk, "amount": -remaining}
        correction = forms.CorrectionForm(initial=initial, operations=operations)
        correction.target = target.reverses or target if target is not None else None
    context_pending = _with_instructions(request, list(pending))
    online = stripe_selectors.client.configured()
    context = {
        "group": group,
        "member": member,
        "summary": selectors.account_summary(group=group, member=member),
        "page": Paginator(
            selectors.history(group=group, member=member), OPERATIONS_PER_PAGE
        ).get_page(request.GET.get("page")),
        "pending": context_pending,
        "payment_form": bound.get("payment_form") or forms.PaymentForm(group=group),
        "refund_form": bound.get("refund_form") or forms.RefundForm(group=group),
        "correction_form": correction,
        "confirm_form": bound.get("confirm_form")
        or forms.ConfirmForm(group=group, pending=pending),
        "onspot_choices": providers.onspot_choices(group),
        # Card refunds (issue 17): only on a platform with Stripe (two queries more).
        "card_refund_form": CardRefundForm(group=group, member=member) if online else None,
        "card_refunds": stripe_selectors.refunds_for(group=group, member=member) if online else [],
        "selected": set(),
        "awaiting_type": any(op.awaits_type for op in context_pending),
    }
    return render(request, "payments/manage_member.html", context, status=status)


def _back(request: HttpRequest, member: Member) -> HttpResponse:
    return redirect("payments:member", group_slug=request.group.slug, member_id=member.pk)


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@group_permission_required(PAYMENTS)
@require_GET
def member_account(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    return _member_page(request, _member(request, member_id))


@group_permission_required(PAYMENTS)
@require_POST
def member_payment(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    form = forms.PaymentForm(request.POST, group=request.group)
    if form.is_valid():
        try:
            services.payment_record(
                group=request.group,
                member=member,
                amount=form.cleaned_data["amount"],
                payment_type=form.cleaned_data["payment_type"],
                label=form.cleaned_data["label"],
                date=form.cleaned_data["date"],
                acting_user=request.user,
                submission=form.cleaned_data["submission"],
            )
        except AlreadySubmittedError:
            messages.info(request, AlreadySubmittedError.message)
            return _back(request, member)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Payment recorded."))
            return _back(request, member)
    messages.error(request, _("Please correct the errors below."))
    return _member_page(request, member, payment_form=form)


@group_permission_required(PAYMENTS)
@require_POST
def member_refund(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    form = forms.RefundForm(request.POST, group=request.group)
    if form.is_valid():
        try:
            services.refund_record(
                group=request.group,
                member=member,
                amount=form.cleaned_data["amount"],
                payment_type=form.cleaned_data["payment_type"],
                label=form.cleaned_data["label"],
                reason=form.cleaned_data["reason"],
                date=form.cleaned_data["date"],
                acting_user=request.user,
                submission=form.cleaned_data["submission"],
            )
        except AlreadySubmittedError:
            messages.info(request, AlreadySubmittedError.message)
            return _back(request, member)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Refund recorded."))
            return _back(request, member)
    messages.error(request, _("Please correct the errors below."))
    return _member_page(request, member, refund_form=form)


@group_permission_required(PAYMENTS)
@require_POST
def member_correction(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    operations = selectors.operation_list(group=request.group, member=member)
    form = forms.CorrectionForm(request.POST, operations=operations)
    if form.is_valid():
        try:
            services.correction_record(
                group=request.group,
                member=member,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                label=form.cleaned_data["label"],
                reverses=form.target,
                acting_user=request.user,
                submission=form.cleaned_data["submission"],
            )
        except AlreadySubmittedError:
            messages.info(request, AlreadySubmittedError.message)
            return _back(request, member)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Correction recorded."))
            return _back(request, member)
    messages.error(request, _("Please correct the errors below."))
    return _member_page(request, member, correction_form=form)


def _confirm(request: HttpRequest, form: forms.ConfirmForm) -> bool:
    if not form.is_valid():
        return False
    try:
        changed = services.payments_confirm(
            group=request.group,
            operation_ids=[op.pk for op in form.cleaned_data["operations"]],
            onspot_type=form.cleaned_data["onspot_type"],
            acting_user=request.user,
            submission=form.cleaned_data["submission"],
        )
    except AlreadySubmittedError:
        messages.info(request, AlreadySubmittedError.message)
        return True
    except ValidationError as exc:
        _add_errors(form, exc)
        return False
    messages.success(
        request,
        translation.ngettext(
            "%(count)d payment confirmed.", "%(count)d payments confirmed.", len(changed)
        )
        % {"count": len(changed)},
    )
    return True


@group_permission_required(PAYMENTS)
@require_POST
def member_confirm(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    pending = selectors.pending_list(group=request.group, member=member)
    form = forms.ConfirmForm(request.POST, group=request.group, pending=pending)
    if _confirm(request, form):
        return _back(request, member)
    messages.error(request, _("Please correct the errors below."))
    return _member_page(request, member, confirm_form=form)


@group_permission_required(PAYMENTS)
@require_http_methods(["GET", "POST"])
def pending(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    qs = selectors.pending_list(group=group)
    data = request.POST if request.method == "POST" else None
    form = forms.ConfirmForm(data, group=group, pending=qs)
    if request.method == "POST":
        if _confirm(request, form):
            return redirect("payments:pending", group_slug=group.slug)
        messages.error(request, _("Please correct the errors below."))
    rows = list(qs[:500])
    return render(
        request,
        "payments/manage_pending.html",
        {
            "group": group,
            "form": form,
            "rows": rows,
            "truncated": len(rows) == 500,
            "selected": {str(v) for v in form["operations"].value() or []},
            "onspot_choices": providers.onspot_choices(group),
            "awaiting_type": any(op.awaits_type for op in rows),
        },
    )


def _ledger_form(request: HttpRequest) -> forms.ExportForm:
    """The ledger's filters from the query string; the current month when none is given."""
    group = request.group
    form = forms.ExportForm(request.GET if "start" in request.GET else None, group=group)
    if not form.is_bound:
        start, end = form.fields["start"].initial, form.fields["end"].initial
        form = forms.ExportForm({"start": start, "end": end}, group=group)
    return form


@group_permission_required(PAYMENTS)
@require_GET
def ledger(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    form = _ledger_form(request)
    page = None
    if form.is_valid():
        rows = selectors.ledger_operations(group=group, **form.filters())
        page = Paginator(rows, OPERATIONS_PER_PAGE * 2).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for key in ("page", "format"):
        query.pop(key, None)
    return render(
        request,
        "payments/manage_ledger.html",
        {"group": group, "form": form, "page": page, "query": query.urlencode()},
        status=200 if form.is_valid() else 400,
    )


@group_permission_required(PAYMENTS)
@require_GET
def export(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    form = forms.ExportForm(request.GET or None, group=group)
    if form.is_valid():
        filters = form.filters()
        return exports.export_response(
            group=group,
            start=filters["start"],
            end=filters["end"],
            fmt=form.cleaned_data["format"],
            language=translation.get_language() or "fr",
            operations=selectors.ledger_operations(group=group, **filters),
        )
    return render(
        request,
        "payments/manage_export.html",
        {"group": group, "form": form, "back": reverse("payments:balances", args=[group.slug])},
    )

"""Opening balances from a file: upload, preview, confirm (issue 19, item 3). The preview carries
the checked lines, signed, to the confirmation: nothing is written before it, and the file is
not kept."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from groups.tenancy import group_permission_required
from kernel import money
from kernel.idempotency import AlreadySubmittedError, OneTimeSubmissionField
from payments import imports, services

PAYMENTS = "can_manage_payments"
SALT = "payments.opening-balances"
MAX_AGE = 3600


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "Columns: email, amount (positive: money the member has in advance; negative: a "
            "debt), and optionally label and date."
        ),
    )


class ConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
    submission = OneTimeSubmissionField()


def _page(request, form, status=200, **context) -> HttpResponse:
    return render(
        request,
        "payments/manage_opening.html",
        {"group": request.group, "form": form, **context},
        status=status,
    )


@group_permission_required(PAYMENTS)
@require_GET
def opening(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _page(request, UploadForm())


@group_permission_required(PAYMENTS)
@require_POST
def opening_preview(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    rows, errors = imports.read_opening_balances(
        group=request.group, data=upload.read(), filename=upload.name
    )
    if errors:
        return _page(request, form, status=400, errors=errors)
    payload = signing.dumps([row.as_data() for row in rows], salt=SALT, compress=True)
    total = money.total((r.amount for r in rows), request.group.currency)
    return _page(
        request,
        form,
        rows=rows,
        total=total,
        confirm=ConfirmForm(initial={"payload": payload}),
    )


@group_permission_required(PAYMENTS)
@require_POST
def opening_confirm(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = ConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.loads(form.cleaned_data["payload"], salt=SALT, max_age=MAX_AGE)
        rows = [imports.OpeningRow.from_data(item) for item in data]
    except (signing.BadSignature, ValueError, TypeError):
        messages.error(request, _("The preview has expired: send the file again."))
        return redirect("payments:opening", group_slug=request.group.slug)
    try:
        count = services.opening_balances_record(
            group=request.group,
            rows=rows,
            acting_user=request.user,
            submission=form.cleaned_data["submission"],
        )
    except AlreadySubmittedError as error:
        messages.info(request, error.message)
    except services.PaymentError as error:
        return _page(request, UploadForm(), status=400, errors=error.messages)
    else:
        messages.success(request, _("%(count)s opening balances recorded.") % {"count": count})
    return redirect("payments:balances", group_slug=request.group.slug)

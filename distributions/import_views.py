"""Distributions from a file: upload, preview (a dry run of the import), confirm (issue 19,
item 3). The preview carries the checked lines, signed, to the confirmation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from distributions import imports, services
from groups.tenancy import group_permission_required

MANAGE = "can_manage_catalogs"
SALT = "distributions.import"
MAX_AGE = 3600


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "Columns: date, start, end, and optionally place, catalogs (separated by | or ,), "
            "opens and closes (the orders' window)."
        ),
    )


class ConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)


def _page(request, form, status=200, **context) -> HttpResponse:
    return render(
        request,
        "distributions/manage_import.html",
        {"group": request.group, "form": form, **context},
        status=status,
    )


@group_permission_required(MANAGE)
@require_GET
def md_import(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _page(request, UploadForm())


@group_permission_required(MANAGE)
@require_POST
def md_import_preview(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    rows, errors = imports.read_distributions(
        group=request.group, data=upload.read(), filename=upload.name
    )
    if not errors:
        try:
            services.md_import(
                group=request.group, rows=rows, acting_user=request.user, dry_run=True
            )
        except ValidationError as error:
            errors = error.messages
    if errors:
        return _page(request, form, status=400, errors=errors)
    payload = signing.dumps([row.as_data() for row in rows], salt=SALT, compress=True)
    return _page(request, form, rows=rows, confirm=ConfirmForm(initial={"payload": payload}))


@group_permission_required(MANAGE)
@require_POST
def md_import_confirm(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = ConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.loads(form.cleaned_data["payload"], salt=SALT, max_age=MAX_AGE)
        rows = [imports.DistributionRow.from_data(item) for item in data]
    except (signing.BadSignature, ValueError, TypeError):
        messages.error(request, _("The preview has expired: send the file again."))
        return redirect("distributions:manage_import", group_slug=request.group.slug)
    try:
        count = services.md_import(group=request.group, rows=rows, acting_user=request.user)
    except ValidationError as error:
        return _page(request, UploadForm(), status=400, errors=error.messages)
    messages.success(request, _("%(count)s distributions created.") % {"count": count})
    return redirect("distributions:manage_list", group_slug=request.group.slug)

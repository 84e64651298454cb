"""Distribution day screens: summaries (HTML, CSV, PDF), validation, postponing, order forms.

All need the distribution section's right (``can_manage_catalogs``, implied by admin); the
reversal of a validation needs a group admin (decision 5).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalogs.access import coordinated_catalog_ids
from day import exports, mail, pdf, postpone, reports, summaries, tool_views, tools, validation
from day.models import (
    BasketValidation,
    DayMailSent,
    DistributionMove,
    DistributionValidation,
    SummaryDocument,
)
from distributions.models import Distribution, MultiDistrib
from distributions.selectors import md_get
from groups.tenancy import get_for_group, group_member_required, group_permission_required
from kernel.numbers import parse_id
from orders.models import Basket
from payments import providers
from payments import selectors as payment_selectors
from payments.stripe import selectors as stripe_selectors

MANAGE = "can_manage_catalogs"
Kind = SummaryDocument.Kind
PRINTABLE = [k for k in Kind.values if k != Kind.PRODUCER_FORM]


def _md(request: HttpRequest, md_id: int) -> MultiDistrib:
    return md_get(group=request.group, md_id=md_id)


def _scope(request: HttpRequest, md: MultiDistrib) -> list[int] | None:
    """The catalogs of ``md`` whose day this member runs: None for all of them (the section's
    right), the coordinated ones for a catalog coordinator, 403 for anyone else (issue 13)."""
    if MANAGE in request.group_perms:
        return None
    mine = coordinated_catalog_ids(request) & {d.catalog_id for d in md.distributions.all()}
    if not mine:
        raise PermissionDenied
    return sorted(mine)


def _kind(kind: str) -> str:
    if kind not in PRINTABLE:
        raise Http404
    return kind


def _to(name: str, request: HttpRequest, md: MultiDistrib, **kw) -> HttpResponse:
    return redirect(f"day:{name}", group_slug=request.group.slug, md_id=md.pk, **kw)


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _baskets_count(group, md: MultiDistrib, scope: list[int] | None) -> int:
    baskets = Basket.objects.filter(group=group, multidistrib=md, state=Basket.State.CONFIRMED)
    if scope is not None:
        baskets = baskets.filter(lines__distribution__catalog_id__in=scope).distinct()
    return baskets.count()


@group_member_required
@require_GET
def day_index(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    group = request.group
    scope = _scope(request, md)
    documents = SummaryDocument.objects.filter(group=group, multidistrib=md).exclude(
        kind=Kind.PRODUCER_FORM
    )[: 10 if scope is None else 0]
    distributions = list(
        Distribution.objects.filter(group=group, multidistrib=md).select_related("catalog__vendor")
    )
    if scope is not None:
        distributions = [d for d in distributions if d.catalog_id in scope]
    sent = {}
    for row in DayMailSent.objects.filter(
        group=group, multidistrib=md, kind=DayMailSent.Kind.PRODUCER_FORM
    ).order_by("sent_at", "pk"):
        sent[row.distribution_id] = row
    mail.producer_form_deliveries(list(sent.values()))
    for d in distributions:
        d.form_sent = sent.get(d.pk)
    return render(
        request,
        "day/index.html",
        {
            "group": group,
            "md": md,
            "kinds": [(k, Kind(k).label) for k in PRINTABLE if scope is None or k != Kind.CASH],
            "csv_kinds": exports.KINDS,
            "documents": documents,
            "distributions": distributions,
            "moves": DistributionMove.objects.filter(group=group, source=md)[:5],
            "moves_in": DistributionMove.objects.filter(group=group, target=md)[:5],
            "validations": DistributionValidation.objects.filter(group=group, multidistrib=md)[:5],
            "baskets": _baskets_count(group, md, scope),
            "everything": scope is None,
        },
    )


@group_member_required
@require_GET
def summary_print(request: HttpRequest, group_slug: str, md_id: int, kind: str) -> HttpResponse:
    md = _md(request, md_id)
    scope = _scope(request, md)
    if scope is not None and kind == Kind.CASH:
        raise PermissionDenied  # every member's payments: the section's right only
    context = pdf.context_for(_kind(kind), request.group, md, catalog_ids=scope)
    size = request.GET.get("size", "m")
    return render(
        request,
        "day/print.html",
        {
            **context,
            "font_size": pdf.SIZES.get(size, pdf.SIZES["m"]),
            "size": size if size in pdf.SIZES else "m",
            "sizes": list(pdf.SIZES),
        },
    )


@group_member_required
@require_GET
def summary_csv(request: HttpRequest, group_slug: str, md_id: int, kind: str):
    md = _md(request, md_id)
    scope = _scope(request, md)
    if kind not in exports.KINDS:
        raise Http404
    language = translation.get_language() or "fr"
    return exports.csv_response(kind, request.group, md, language, catalog_ids=scope)


@group_member_required
@require_GET
def summary_xlsx(request: HttpRequest, group_slug: str, md_id: int, kind: str):
    md = _md(request, md_id)
    scope = _scope(request, md)
    if kind not in exports.KINDS:
        raise Http404
    language = translation.get_language() or "fr"
    return exports.xlsx_response(kind, request.group, md, language, catalog_ids=scope)


@group_member_required
@require_POST
def summary_pdf(request: HttpRequest, group_slug: str, md_id: int, kind: str) -> HttpResponse:
    """Ask for a summary's PDF: every catalog's, or a coordinator's own catalogs' (issue 13)."""
    md = _md(request, md_id)
    scope = _scope(request, md)
    if scope is not None and kind == Kind.CASH:
        raise PermissionDenied  # every member's payments: the section's right only
    document = pdf.document_request(
        group=request.group,
        md=md,
        kind=_kind(kind),
        language=translation.get_language() or "fr",
        acting_user=request.user,
        catalog_ids=scope,
    )
    return _to("document", request, md, document_id=document.pk)


@group_member_required
@require_POST
def producer_form_pdf(request: HttpRequest, group_slug: str, md_id: int, distribution_id: int):
    """The PDF order form of one catalog's producer, for its coordinators too."""
    md = _md(request, md_id)
    scope = _scope(request, md)
    distribution = get_for_group(
        Distribution.objects.all(), request.group, pk=distribution_id, multidistrib=md
    )
    if scope is not None and distribution.catalog_id not in scope:
        raise PermissionDenied
    document = pdf.document_request(
        group=request.group,
        md=md,
        kind=Kind.PRODUCER_FORM,
        language=translation.get_language() or "fr",
        acting_user=request.user,
        distribution=distribution,
    )
    return _to("document", request, md, document_id=document.pk)


def _document(request: HttpRequest, md: MultiDistrib, document_id: int) -> SummaryDocument:
    """A stored PDF of the distribution; a coordinator reaches only those of their catalogs."""
    document = get_for_group(
        SummaryDocument.objects.select_related("distribution"),
        request.group,
        pk=document_id,
        multidistrib=md,
    )
    scope = _scope(request, md)
    if scope is None:
        return document
    if document.kind == Kind.PRODUCER_FORM and document.distribution is not None:
        allowed = document.distribution.catalog_id in scope
    else:
        allowed = document.catalogs is not None and set(document.catalogs) <= set(scope)
    if not allowed or document.kind == Kind.CASH:
        raise PermissionDenied
    return document


def _document_state(request: HttpRequest, md: MultiDistrib, document: SummaryDocument) -> dict:
    url = ""
    if document.is_done:
        url = reverse(
            "day:document_download",
            kwargs={"group_slug": request.group.slug, "md_id": md.pk, "document_id": document.pk},
        )
    lost = document.is_lost
    return {
        # A lost build ends the page's polling with a message, rather than polling for ever.
        "status": SummaryDocument.Status.FAILED if lost else document.status,
        "status_display": document.get_status_display(),
        "progress": 100 if document.is_done else document.progress,
        "url": url,
        "error": (document.error or lost) and _("The document could not be built. Try again."),
    }


@group_member_required
@require_GET
def document_detail(request: HttpRequest, group_slug: str, md_id: int, document_id: int):
    md = _md(request, md_id)
    document = _document(request, md, document_id)
    return render(
        request,
        "day/progress.html",
        {
            "group": request.group,
            "md": md,
            "title": document.get_kind_display(),
            "state": _document_state(request, md, document),
            "status_url": reverse(
                "day:document_status",
                kwargs={"group_slug": group_slug, "md_id": md.pk, "document_id": document.pk},
            ),
        },
    )


@group_member_required
@require_GET
def document_status(request: HttpRequest, group_slug: str, md_id: int, document_id: int):
    md = _md(request, md_id)
    return JsonResponse(_document_state(request, md, _document(request, md, document_id)))


@group_member_required
@require_GET
def document_download(request: HttpRequest, group_slug: str, md_id: int, document_id: int):
    md = _md(request, md_id)
    document = _document(request, md, document_id)
    if not document.is_done:
        raise Http404
    name = exports.file_name(document.kind, request.group, md, "pdf")
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)


# --- validation -----------------------------------------------------------------------------


@group_permission_required(MANAGE)
@require_GET
def validate(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    group = request.group
    summary = summaries.member_summary(group=group, md=md)
    return render(
        request,
        "day/validate.html",
        {
            "group": group,
            "md": md,
            "summary": summary,
            "refusals": validation.validation_refusals(group=group, md=md),
            "onspot_choices": providers.onspot_choices(group),
            "operations": _onspot_ids(group, summary),
            "started": md.start_at <= timezone.now(),
            "validation": DistributionValidation.objects.filter(
                group=group, multidistrib=md
            ).first(),
            "products": tools.products_at(group=group, md=md),
            "corrections": tool_views.corrections_for(group, md),
            "validated_baskets": set(
                BasketValidation.objects.filter(basket__multidistrib=md).values_list(
                    "basket_id", flat=True
                )
            ),
            "card_refunds": stripe_selectors.refunds_of_distribution(group=group, md=md),
        },
    )


def _onspot_ids(group, summary) -> dict[str, int]:
    """Basket code → id of its on-the-spot payment waiting for a type (one query)."""
    codes = [b.basket_code for b in summary.blocks if b.awaiting_type]
    return {
        op.reference: op.pk
        for op in payment_selectors.onspot_untyped_list(group=group, references=codes)
    }


def _posted_ids(request: HttpRequest, prefix: str) -> dict[int, str]:
    """``{id: value}`` of the posted fields named ``<prefix><id>``."""
    posted = {}
    for key, value in request.POST.items():
        pk = parse_id(key[len(prefix) :]) if key.startswith(prefix) else None
        if pk is not None:
            posted[pk] = value
    return posted


@group_permission_required(MANAGE)
@require_POST
def weights_save(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    weights = _posted_ids(request, "weight-")
    try:
        if weights:
            validation.weights_set(
                group=request.group,
                md=md,
                weights=weights,
                shown=_posted_ids(request, "was-"),
                acting_user=request.user,
            )
        messages.success(request, _("Weights saved; totals and debts updated."))
    except ValidationError as exc:
        _error(request, exc)
    return _to("validate", request, md)


def _absence_set(request: HttpRequest, md_id: int, *, absent: bool) -> HttpResponse:
    md = _md(request, md_id)
    posted = request.POST.get("basket", "")
    basket = get_for_group(
        Basket.objects.select_related("multidistrib"),
        request.group,
        pk=parse_id(posted) or 0,
        multidistrib=md,
    )
    try:
        validation.absence_set(
            group=request.group, basket=basket, absent=absent, acting_user=request.user
        )
    except ValidationError as exc:
        _error(request, exc)
    return _to("validate", request, md)


@group_permission_required(MANAGE)
@require_POST
def basket_absent(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    return _absence_set(request, md_id, absent=True)


@group_permission_required(MANAGE)
@require_POST
def basket_present(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    return _absence_set(request, md_id, absent=False)


@group_permission_required(MANAGE)
@require_POST
def onspot_type_save(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    operation = request.POST.get("operation", "")
    try:
        validation.onspot_type_set(
            group=request.group,
            md=md,
            operation_id=parse_id(operation) or 0,
            payment_type=request.POST.get("payment_type", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Payment type saved."))
    except ValidationError as exc:
        _error(request, exc)
    return _to("validate", request, md)


@group_permission_required(MANAGE)
@require_GET
def validation_confirm(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """What validating will do: baskets, amounts, takings, and what blocks it (decision 5)."""
    md = _md(request, md_id)
    if md.is_validated:
        return _to("validate", request, md)
    report = reports.cash_report(group=request.group, md=md)
    return render(
        request, "day/validate_confirm.html", {"group": request.group, "md": md, "report": report}
    )


@group_permission_required(MANAGE)
@require_GET
def cash(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The cash report ("Encaissements", spec §7)."""
    md = _md(request, md_id)
    report = reports.cash_report(group=request.group, md=md)
    return render(
        request,
        "day/cash.html",
        {"group": request.group, "md": md, "report": report, "float_form": True},
    )


@group_permission_required(MANAGE)
@require_GET
def cash_file(request: HttpRequest, group_slug: str, md_id: int, file_format: str):
    md = _md(request, md_id)
    report = reports.cash_report(group=request.group, md=md)
    language = translation.get_language() or "fr"
    exporter = reports.CashReportExporter(report, language=language)
    name = f"encaissements-{md.local_start:%Y-%m-%d}.{file_format}"
    return exporter.response(file_format, name, streaming=False)


@group_permission_required(MANAGE)
@require_POST
def validation_start(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    try:
        row = validation.validation_request(group=request.group, md=md, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
        return _to("validate", request, md)
    return _to("validation", request, md, validation_id=row.pk)


def _validation_state(row: DistributionValidation) -> dict:
    return {
        "status": row.status,
        "status_display": row.get_status_display(),
        "progress": validation.validation_progress(row),
        "error": row.error,
        "url": "",
    }


@group_permission_required(MANAGE)
@require_GET
def validation_detail(request: HttpRequest, group_slug: str, md_id: int, validation_id: int):
    md = _md(request, md_id)
    row = get_for_group(
        DistributionValidation.objects.select_related("started_by"),
        request.group,
        pk=validation_id,
        multidistrib=md,
    )
    if row.status in (DistributionValidation.Status.DONE, DistributionValidation.Status.REVERSED):
        report = reports.cash_report(group=request.group, md=md)
        context = {"group": request.group, "md": md, "row": row, "report": report}
        return render(request, "day/validation_result.html", context)
    here = reverse(
        "day:validation",
        kwargs={"group_slug": group_slug, "md_id": md.pk, "validation_id": row.pk},
    )
    return render(
        request,
        "day/progress.html",
        {
            "group": request.group,
            "md": md,
            "title": _("Validation"),
            "state": _validation_state(row),
            "done_url": here,  # the result page, with the figures
            "status_url": reverse(
                "day:validation_status",
                kwargs={"group_slug": group_slug, "md_id": md.pk, "validation_id": row.pk},
            ),
        },
    )


@group_permission_required(MANAGE)
@require_GET
def validation_status(request: HttpRequest, group_slug: str, md_id: int, validation_id: int):
    md = _md(request, md_id)
    row = get_for_group(
        DistributionValidation.objects.all(), request.group, pk=validation_id, multidistrib=md
    )
    return JsonResponse(_validation_state(row))


@group_permission_required("admin")
@require_POST
def unvalidate(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    try:
        validation.distribution_unvalidate(
            group=request.group,
            md=md,
            acting_user=request.user,
            reason=request.POST.get("reason", "").strip()[:255],
        )
        messages.success(request, _("The validation was reversed."))
    except ValidationError as exc:
        _error(request, exc)
    return _to("validate", request, md)


# --- producer order forms -------------------------------------------------------------------


@group_member_required
@require_POST
def producer_form(request: HttpRequest, group_slug: str, md_id: int, distribution_id: int):
    md = _md(request, md_id)
    scope = _scope(request, md)
    distribution = get_for_group(
        Distribution.objects.select_related("catalog__vendor"),
        request.group,
        pk=distribution_id,
        multidistrib=md,
    )
    if scope is not None and distribution.catalog_id not in scope:
        raise PermissionDenied
    if mail.producer_form_resend(distribution=distribution, acting_user=request.user):
        messages.success(request, _("The order form is being sent to the producer."))
    else:
        messages.error(request, _("This producer has no e-mail address."))
    return _to("index", request, md)


# --- postponing -----------------------------------------------------------------------------


def _postpone_page(
    request: HttpRequest, md: MultiDistrib, form, preview=None, new_date=None
) -> HttpResponse:
    return render(
        request,
        "day/postpone.html",
        {
            "group": request.group,
            "md": md,
            "form": form,
            "preview": preview,
            "new_date_form": new_date or postpone.NewDateForm(),
        },
    )


def _postpone_form(request: HttpRequest, md: MultiDistrib) -> postpone.PostponeForm:
    # ``?target=`` preselects a date just created on the spot.
    initial = {"target": parse_id(request.GET.get("target"))}
    return postpone.PostponeForm(request.POST or None, group=request.group, md=md, initial=initial)


@group_permission_required(MANAGE)
@require_POST
def postpone_new_date(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Create the date to postpone to, then come back to the page with it chosen."""
    md = _md(request, md_id)
    form = postpone.NewDateForm(request.POST)
    if form.is_valid():
        try:
            target = postpone.target_create(
                group=request.group,
                md=md,
                day=form.cleaned_data["new_date"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("New date created: preview the move to it."))
            url = reverse("day:postpone", kwargs={"group_slug": group_slug, "md_id": md.pk})
            return redirect(f"{url}?target={target.pk}")
    return _postpone_page(
        request, md, postpone.PostponeForm(group=request.group, md=md), None, form
    )


@group_permission_required(MANAGE)
@require_GET
def postpone_form(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    return _postpone_page(request, md, _postpone_form(request, md))


@group_permission_required(MANAGE)
@require_POST
def postpone_preview(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    form = _postpone_form(request, md)
    preview = None
    if form.is_valid():
        try:
            preview = postpone.postpone_preview(
                group=request.group,
                md=md,
                target=form.cleaned_data["target"],
                distribution=form.cleaned_data["distribution"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
    return _postpone_page(request, md, form, preview)


@group_permission_required(MANAGE)
@require_POST
def postpone_confirm(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    form = _postpone_form(request, md)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            move = postpone.distribution_postpone(
                group=request.group,
                md=md,
                target=target,
                distribution=form.cleaned_data["distribution"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Orders moved: %(lines)s lines, %(members)s members notified.")
                % {"lines": move.lines, "members": move.members_notified},
            )
            return redirect("day:index", group_slug=request.group.slug, md_id=target.pk)
    return _postpone_page(request, md, form)

"""Period reports, their files, the statistics page and the group archive, for group admins."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from catalogs.access import catalog_get_for_manager
from groups.tenancy import group_member_required, group_permission_required
from reports import archive, charts, exports, selectors
from reports.forms import DatesForm, PeriodForm

ADMIN = "admin"
DOWNLOADS = (
    ("producers", gettext_lazy("Per producer and VAT rate (invoices)")),
    ("catalogs", gettext_lazy("Per catalog")),
    ("products", gettext_lazy("Per product")),
    ("payments", gettext_lazy("Per payment type")),
    ("lines", gettext_lazy("Every order line")),
    ("duties", gettext_lazy("Volunteer duties")),
)


def _downloads(group, data) -> list[tuple[str, str, str]]:
    """``(label, CSV link, XLSX link)`` for each file of the period chosen in ``data``."""
    links = []
    for kind, label in DOWNLOADS:
        url = reverse(f"reports:period_{kind}", args=[group.slug])
        files = []
        for fmt in ("csv", "xlsx"):
            query = QueryDict(mutable=True)
            query.update({"start": data["start"].isoformat(), "end": data["end"].isoformat()})
            if data.get("catalog") is not None:
                query["catalog"] = str(data["catalog"].pk)
            query["format"] = fmt
            files.append(f"{url}?{query.urlencode()}")
        links.append((str(label), *files))
    return links


@group_permission_required(ADMIN)
@require_GET
def period(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    if "start" in request.GET:
        form = PeriodForm(request.GET, group=group)
    else:  # from a catalog's page: its catalog chosen, the default dates to confirm
        catalog = request.GET.get("catalog", "")
        form = PeriodForm(
            group=group, initial={"catalog": int(catalog)} if catalog.isdigit() else {}
        )
    report = chart = downloads = None
    if form.is_valid():
        catalog = form.cleaned_data["catalog"]
        report = selectors.period_report(
            group=group,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            catalog_id=catalog.pk if catalog else None,
        )
        chart = charts.distribution_chart(report.distributions, group.currency)
        downloads = _downloads(group, form.cleaned_data)
    return render(
        request,
        "reports/period.html",
        {
            "group": group,
            "form": form,
            "report": report,
            "chart": chart,
            "downloads": downloads,
        },
    )


@group_permission_required(ADMIN)
@require_GET
def period_export(request: HttpRequest, group_slug: str, kind: str) -> HttpResponseBase:
    group = request.group
    exporter_class = exports.EXPORTERS.get(kind)
    if exporter_class is None:
        raise Http404
    form = PeriodForm(request.GET, group=group)
    if not form.is_valid():
        return render(
            request,
            "reports/period.html",
            {"group": group, "form": form, "report": None},
            status=400,
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    fmt = form.cleaned_data["format"]
    catalog = form.cleaned_data["catalog"]
    exporter = exporter_class(
        group,
        start,
        end,
        language=translation.get_language() or "fr",
        catalog_id=catalog.pk if catalog else None,
    )
    return exporter.response(fmt, exports.file_name(kind, group, start, end, fmt))


@group_permission_required(ADMIN)
@require_GET
def statistics(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    stats = selectors.statistics(group=group, today=timezone.localdate(timezone=group.tzinfo))
    return render(
        request,
        "reports/statistics.html",
        {
            "group": group,
            "stats": stats,
            "chart": charts.distribution_chart(stats.distributions, group.currency),
        },
    )


@group_permission_required(ADMIN)
@require_GET
def archive_page(request: HttpRequest, group_slug: str) -> HttpResponse:
    return render(
        request,
        "reports/archive.html",
        {"group": request.group, "tables": archive.TABLE_NAMES, "version": archive.VERSION},
    )


@group_permission_required(ADMIN)
@require_GET
def archive_download(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    response = HttpResponse(archive.build_archive(group), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive.file_name(group)}"'
    return response


def _statistics_form(request: HttpRequest) -> DatesForm:
    """The period from the query string, the default one (last three months) otherwise."""
    form = DatesForm(request.GET if "start" in request.GET else None, group=request.group)
    if not form.is_bound:
        initial = {name: form.fields[name].initial for name in ("start", "end")}
        form = DatesForm(initial, group=request.group)
    return form


@group_member_required
@require_GET
def catalog_statistics(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    """One catalog's products over a period, for whoever manages the catalog (its coordinators
    too), with its file in CSV and XLSX."""
    catalog = catalog_get_for_manager(request, catalog_id)
    form = _statistics_form(request)
    stats = files = None
    if form.is_valid():
        data = form.cleaned_data
        stats = selectors.catalog_statistics(catalog=catalog, start=data["start"], end=data["end"])
        url = reverse("reports:catalog_statistics_file", args=[request.group.slug, catalog.pk])
        period = f"start={data['start'].isoformat()}&end={data['end'].isoformat()}"
        files = [(label, f"{url}?{period}&format={fmt}") for fmt, label in DatesForm.FORMATS]
    return render(
        request,
        "reports/catalog_statistics.html",
        {"group": request.group, "catalog": catalog, "form": form, "stats": stats, "files": files},
        status=200 if form.is_valid() else 400,
    )


@group_member_required
@require_GET
def catalog_statistics_file(
    request: HttpRequest, group_slug: str, catalog_id: int
) -> HttpResponseBase:
    catalog = catalog_get_for_manager(request, catalog_id)
    form = DatesForm(request.GET, group=request.group)
    if not form.is_valid():
        context = {"group": request.group, "catalog": catalog, "form": form, "stats": None}
        return render(request, "reports/catalog_statistics.html", context, status=400)
    start, end, fmt = (form.cleaned_data[name] for name in ("start", "end", "format"))
    exporter = exports.CatalogStatisticsExporter(
        catalog, start, end, language=translation.get_language() or "fr"
    )
    name = exports.file_name(f"statistics-{slugify(catalog.name)}", request.group, start, end, fmt)
    return exporter.response(fmt, name)

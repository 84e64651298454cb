"""The producer's orders (issue 18): in the producer space, for each group and distribution of
the catalogs a producer account supplies (its own producer records, or group catalogs linked to
its producer catalogs), what to prepare — by product and by member — with a CSV and a PDF.

Outside any group URL: the rule is the producer's, checked here (``_producer_distributions``);
a distribution of another producer is a 404.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from catalogs.models import Vendor
from day import pdf, summaries
from day.exports import file_name
from day.models import SummaryDocument
from distributions import hooks
from distributions.models import Distribution
from groups.models import live_group_q
from kernel.exporters import ListExporter

PAST_DAYS = 30


def _producer_distributions(user) -> QuerySet[Distribution]:
    """Distributions of the catalogs this user supplies as a producer, in live groups."""
    return (
        Distribution.objects.filter(
            Q(catalog__vendor__managers=user)
            | Q(catalog__source_link__producer_catalog__vendor__managers=user),
            live_group_q("group"),
        )
        .select_related("multidistrib__place", "multidistrib__group", "catalog__vendor")
        .distinct()
    )


def _vendors(user) -> list[Vendor]:
    return list(Vendor.objects.filter(managers=user).order_by("name"))


def _distribution(request: HttpRequest, distribution_id: int) -> Distribution:
    distribution = _producer_distributions(request.user).filter(pk=distribution_id).first()
    if distribution is None:
        raise Http404
    return distribution


@login_required
@require_GET
def producer_orders(request: HttpRequest) -> HttpResponse:
    """Distributions from 30 days ago on, soonest first, with their number of orders."""
    since = timezone.now() - timedelta(days=PAST_DAYS)
    distributions = list(
        _producer_distributions(request.user)
        .filter(multidistrib__end_at__gte=since)
        .order_by("multidistrib__start_at", "catalog__name")
    )
    counts = hooks.order_counts(d.pk for d in distributions)
    for d in distributions:
        d.lines_count = counts.get(d.pk, 0)
    return render(
        request,
        "day/producer_orders.html",
        {"distributions": distributions, "nav_vendors": _vendors(request.user)},
    )


@login_required
@require_GET
def producer_orders_detail(request: HttpRequest, distribution_id: int) -> HttpResponse:
    distribution = _distribution(request, distribution_id)
    md, group = distribution.multidistrib, distribution.multidistrib.group
    catalog_ids = [distribution.catalog_id]
    return render(
        request,
        "day/producer_orders_detail.html",
        {
            "distribution": distribution,
            "nav_vendors": _vendors(request.user),
            "md": md,
            "group": group,
            "products": summaries.product_summary(group=group, md=md, catalog_ids=catalog_ids),
            "members": summaries.member_summary(
                group=group, md=md, catalog_ids=catalog_ids, with_payments=False
            ),
        },
    )


class ProducerOrdersExporter(ListExporter):
    """One row per member and product: what to put in each bag."""

    columns = (
        gettext_lazy("Number"),
        gettext_lazy("Member"),
        gettext_lazy("Product"),
        gettext_lazy("Reference"),
        gettext_lazy("Quantity"),
        gettext_lazy("Unit"),
        gettext_lazy("Unit price incl. VAT"),
        gettext_lazy("Total"),
    )

    def __init__(self, distribution: Distribution, *, language: str) -> None:
        super().__init__(language=language)
        self.distribution = distribution

    def rows(self) -> Iterable[Sequence]:
        md = self.distribution.multidistrib
        summary = summaries.member_summary(
            group=md.group, md=md, catalog_ids=[self.distribution.catalog_id], with_payments=False
        )
        for block in summary.blocks:
            for line in block.lines:
                if line.quantity:
                    yield [
                        block.number,
                        block.name,
                        line.product_name,
                        line.ref,
                        line.quantity,
                        line.unit,
                        line.unit_price,
                        line.goods,
                    ]


@login_required
@require_GET
def producer_orders_csv(request: HttpRequest, distribution_id: int):
    distribution = _distribution(request, distribution_id)
    md = distribution.multidistrib
    exporter = ProducerOrdersExporter(distribution, language=translation.get_language() or "fr")
    name = file_name(f"orders-{distribution.catalog_id}", md.group, md, "csv")
    return exporter.response("csv", name)


@login_required
@require_GET
def producer_orders_pdf(request: HttpRequest, distribution_id: int) -> HttpResponse:
    """The order form the group mails the producer, built now: one catalog is a page or two."""
    distribution = _distribution(request, distribution_id)
    md = distribution.multidistrib
    language = translation.get_language() or "fr"
    context = pdf.context_for(
        SummaryDocument.Kind.PRODUCER_FORM, md.group, md, distribution=distribution
    )
    content = pdf.render_pdf(pdf.render_html(context, language))
    response = HttpResponse(content, content_type="application/pdf")
    name = file_name(f"order-form-{distribution.catalog_id}", md.group, md, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

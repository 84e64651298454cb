"""The per-distribution proof of card takings as a PDF (spec §3.2 "Justificatif"): the same rows
as the CSV/XLSX proof (``selectors.proof_rows``) with the distribution's figures (takings, fees,
refunds, fees given back, net, payout), laid out by WeasyPrint like the day's PDFs.

A distribution's card payments are one per order at most (a few hundred rows), so the PDF is
built in the request, not by a worker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from distributions.models import MultiDistrib
from groups.models import Group
from payments.stripe import selectors


def proof_context(*, group: Group, md: MultiDistrib) -> dict[str, Any]:
    """The plain data the PDF shows, testable without rendering."""
    rows = sorted(
        selectors.proof_rows(group=group, md=md),
        key=lambda row: (row["date"] is None, row["date"] or timezone.now(), row["kind"]),
    )
    (figures,) = selectors.distribution_figures(group=group, mds=[md])
    return {
        "group": group,
        "md": md,
        "rows": rows,
        "figures": figures,
        "account": selectors.group_account(group),
        "generated_at": timezone.localtime(timezone.now(), group.tzinfo),
    }


def proof_html(*, group: Group, md: MultiDistrib) -> str:
    return render_to_string("payments/proof_pdf.html", proof_context(group=group, md=md))


def proof_pdf(*, group: Group, md: MultiDistrib) -> bytes:
    from weasyprint import HTML

    html = proof_html(group=group, md=md)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()

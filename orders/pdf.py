"""Summary PDFs (spec §7, design §6): built by a worker with WeasyPrint, stored, kept until the
orders change.

``document_request`` returns the stored document when one of the same kind and language was
built from the same orders (same ``summaries.fingerprint``); otherwise it records a new one and
queues ``orders.day_tasks.summary_pdf_build`` after commit. ``document_build`` (the task's body)
reports its progress on the row, which the progress page polls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from distributions.models import Distribution, MultiDistrib
from groups.models import Group
from orders import summaries
from orders.models import SummaryDocument

Kind = SummaryDocument.Kind
# A document still being built after this long is taken as lost (worker stopped) and rebuilt.
STALE_AFTER = timedelta(minutes=15)
SIZES = {"s": "0.75em", "m": "1em", "l": "1.25em", "xl": "1.5em"}


def context_for(
    kind: str,
    group: Group,
    md: MultiDistrib,
    *,
    distribution: Distribution | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The plain data a summary shows, testable without rendering."""
    catalog_ids = [distribution.catalog_id] if distribution is not None else None
    context: dict[str, Any] = {"group": group, "md": md, "kind": kind, "distribution": distribution}
    if kind in (Kind.MEMBERS, Kind.MEMBERS_PAGES, Kind.SIGNATURE):
        context["summary"] = summaries.member_summary(group=group, md=md, catalog_ids=catalog_ids)
    elif kind in (Kind.PRODUCTS, Kind.PRODUCERS, Kind.PRODUCER_FORM):
        context["products"] = summaries.product_summary(group=group, md=md, catalog_ids=catalog_ids)
    elif kind == Kind.MATRIX:
        context["matrix"] = summaries.matrix(group=group, md=md)
    else:
        raise ValueError(f"Unknown summary {kind!r}")
    if progress:
        progress(30)
    context["one_per_page"] = kind == Kind.MEMBERS_PAGES
    context["signature"] = kind == Kind.SIGNATURE
    context["title"] = Kind(kind).label
    return context


def render_html(context: dict[str, Any], language: str, *, size: str = "m") -> str:
    with translation.override(language):
        return render_to_string(
            "pdf/day_summary.html", {**context, "font_size": SIZES.get(size, SIZES["m"])}
        )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _fingerprint(group: Group, md: MultiDistrib, distribution: Distribution | None) -> str:
    base = summaries.fingerprint(group=group, md=md)
    if distribution is None:
        return base
    return hashlib.sha256(f"{base}:{distribution.pk}".encode()).hexdigest()


def document_request(
    *,
    group: Group,
    md: MultiDistrib,
    kind: str,
    language: str,
    acting_user: Any,
    distribution: Distribution | None = None,
) -> SummaryDocument:
    """The stored PDF for the current orders, or a new one queued for a worker."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown summary {kind!r}")
    fingerprint = _fingerprint(group, md, distribution)
    same = SummaryDocument.objects.filter(
        group=group,
        multidistrib=md,
        kind=kind,
        language=language,
        distribution=distribution,
        fingerprint=fingerprint,
    )
    done = same.filter(status=SummaryDocument.Status.DONE).exclude(file="").first()
    if done is not None:
        return done
    running = same.filter(
        status__in=[SummaryDocument.Status.PENDING, SummaryDocument.Status.RUNNING],
        created_at__gte=timezone.now() - STALE_AFTER,
    ).first()
    if running is not None:
        return running
    document = SummaryDocument.objects.create(
        group=group,
        multidistrib=md,
        distribution=distribution,
        kind=kind,
        language=language,
        fingerprint=fingerprint,
        requested_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    from orders.day_tasks import summary_pdf_build

    transaction.on_commit(lambda: summary_pdf_build.delay(document.pk))
    return document


def _set(document: SummaryDocument, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(document, name, value)
    SummaryDocument.objects.filter(pk=document.pk).update(**fields)


def document_build(*, document_id: int) -> SummaryDocument | None:
    """Build the PDF of a requested document; the row tells the progress page how far it is."""
    document = (
        SummaryDocument.objects.select_related("group", "multidistrib", "distribution")
        .filter(pk=document_id)
        .first()
    )
    if document is None or document.status == SummaryDocument.Status.DONE:
        return document
    _set(document, status=SummaryDocument.Status.RUNNING, progress=5)
    try:
        group, md = document.group, document.multidistrib
        context = context_for(
            document.kind,
            group,
            md,
            distribution=document.distribution,
            progress=lambda pct: _set(document, progress=pct),
        )
        html = render_html(context, document.language)
        _set(document, progress=50)
        content = render_pdf(html)
        _set(document, progress=90)
        from orders.day_exports import file_name

        document.file.save(
            file_name(document.kind, group, md, "pdf"), ContentFile(content), save=False
        )
        _set(
            document,
            file=document.file.name,
            status=SummaryDocument.Status.DONE,
            progress=100,
            built_at=timezone.now(),
            error="",
        )
    except Exception as exc:
        _set(document, status=SummaryDocument.Status.FAILED, error=str(exc)[:255])
        raise
    return document

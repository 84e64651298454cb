"""Summary PDFs (spec §7, design §6): built by workers with WeasyPrint, stored, kept until the
orders change.

``document_request`` returns the stored document when one of the same kind and language was
built from the same orders (same ``summaries.fingerprint``); otherwise it records a new one and
queues ``day.tasks.summary_pdf_build`` after commit.

``document_build`` (that task's body) reads the orders once and writes the HTML. WeasyPrint lays
out a member's block in about 25 ms, so a thousand members would take one process half a
minute (design §9 allows 15 s): member lists longer than ``SUMMARY_PDF_PART_SIZE`` are cut into
parts, each part's HTML stored and laid out by its own ``summary_pdf_part`` task, so every worker
process takes a share. The task finishing the last part joins them with pypdf and stamps the page
numbers ("3 / 250") over the pages; the row's progress counts the parts done, which the progress
page polls.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from day import models as day_models
from day import summaries
from day.models import SummaryDocument
from distributions.models import Distribution, MultiDistrib
from groups.models import Group
from kernel.storage import private_storage

Kind = SummaryDocument.Kind
STALE_AFTER = day_models.STALE_AFTER
SIZES = {"s": "0.75em", "m": "1em", "l": "1.25em", "xl": "1.5em"}


def context_for(
    kind: str,
    group: Group,
    md: MultiDistrib,
    *,
    distribution: Distribution | None = None,
    progress: Callable[[int], None] | None = None,
    catalog_ids: list[int] | None = None,
) -> dict[str, Any]:
    """The plain data a summary shows, testable without rendering (``catalog_ids``: only
    these catalogs, a coordinator's)."""
    if distribution is not None:
        catalog_ids = [distribution.catalog_id]
    context: dict[str, Any] = {"group": group, "md": md, "kind": kind, "distribution": distribution}
    if kind in (Kind.MEMBERS, Kind.MEMBERS_PAGES, Kind.SIGNATURE):
        context["summary"] = summaries.member_summary(group=group, md=md, catalog_ids=catalog_ids)
    elif kind in (Kind.PRODUCTS, Kind.PRODUCERS, Kind.PRODUCER_FORM):
        context["products"] = summaries.product_summary(group=group, md=md, catalog_ids=catalog_ids)
    elif kind == Kind.CASH:
        from day.reports import cash_report  # reports reads the summaries, as this module

        context["report"] = cash_report(group=group, md=md)
    elif kind == Kind.MATRIX:
        summary = (
            summaries.member_summary(group=group, md=md, catalog_ids=catalog_ids)
            if catalog_ids is not None
            else None
        )
        context["matrix"] = summaries.matrix(group=group, md=md, summary=summary)
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


def parts_html(context: dict[str, Any], language: str) -> list[str]:
    """The document's HTML, in parts of ``SUMMARY_PDF_PART_SIZE`` members for member lists.

    The first part carries the heading (volunteers on duty, the group's text), the last one the
    grand total; every part repeats the table's column headings.
    """
    summary = context.get("summary")
    size = max(1, settings.SUMMARY_PDF_PART_SIZE)
    if summary is None or len(summary.blocks) <= size:
        return [render_html(context, language)]
    blocks = summary.blocks
    starts = range(0, len(blocks), size)
    return [
        render_html(
            {
                **context,
                "part_blocks": blocks[start : start + size],
                "continued": start > 0,
                "continues": start + size < len(blocks),
            },
            language,
        )
        for start in starts
    ]


def render_pdf(html: str) -> bytes:
    """One PDF, page numbers included (``render_pdf(parts_html(...)[0])`` for a single part)."""
    return join_pdfs([render_part(html)])


def render_part(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def join_pdfs(parts: list[bytes]) -> bytes:
    """The parts as one PDF, its pages numbered "n / total" in the bottom right corner."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    count = len(writer.pages)
    for number, page in enumerate(writer.pages, 1):
        page.merge_page(_page_number(page, f"{number} / {count}"))
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Helvetica, one of the fonts every PDF reader has: nothing to embed. Advance widths (1/1000 em)
# of the characters a page number uses, to align it on the right margin.
_HELVETICA_WIDTHS = {" ": 278, "/": 278, **dict.fromkeys("0123456789", 556)}
_NUMBER_SIZE = 8  # pt
_RIGHT = 28.35  # pt from the right edge: the pages' 10 mm margin
_BASELINE = 20.0  # pt from the bottom edge, in the 14 mm margin


def _page_number(page, text: str):
    """A transparent page the size of ``page`` holding only ``text``, to merge over it."""
    from pypdf import PageObject
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    width, height = float(page.mediabox.width), float(page.mediabox.height)
    text_width = sum(_HELVETICA_WIDTHS[c] for c in text) * _NUMBER_SIZE / 1000
    x = float(page.mediabox.left) + width - _RIGHT - text_width
    y = float(page.mediabox.bottom) + _BASELINE
    stamp = PageObject.create_blank_page(width=width, height=height)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    stamp[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/PageNumber"): font})}
    )
    content = DecodedStreamObject()
    content.set_data(
        f"q 0.2 g BT /PageNumber {_NUMBER_SIZE} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q".encode()
    )
    stamp[NameObject("/Contents")] = content
    return stamp


# Raised when the documents' layout changes, so that files built by the previous code are redone.
LAYOUT_VERSION = 4


def document_fingerprint(
    *,
    group: Group,
    md: MultiDistrib,
    kind: str,
    language: str,
    distribution: Distribution | None = None,
    catalog_ids: list[int] | None = None,
) -> str:
    """A digest of everything the document shows: a stored PDF is reused while it matches.

    Computed from the very data the document is built from (orders, weights, payments, names
    and phones, volunteers on duty, slots and addresses, catalogs…), so that nothing it shows
    can change without a new build; plus the distribution's and group's details the heading
    and layout use, and ``LAYOUT_VERSION``.
    """
    with translation.override(language):
        context = context_for(kind, group, md, distribution=distribution, catalog_ids=catalog_ids)
    data = (
        context.get("summary")
        or context.get("products")
        or context.get("matrix")
        or context.get("report")
    )
    parts = [
        repr(data),
        md.start_at,
        md.end_at,
        md.place.name if md.place_id else "",
        md.validated_at,
        group.name,
        group.sheet_text,
        sorted(group.payment_types or []),
        group.currency,
        group.time_zone,
        distribution.pk if distribution is not None else "",
        catalog_ids,
        LAYOUT_VERSION,
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def document_request(
    *,
    group: Group,
    md: MultiDistrib,
    kind: str,
    language: str,
    acting_user: Any,
    distribution: Distribution | None = None,
    catalog_ids: list[int] | None = None,
) -> SummaryDocument:
    """The stored PDF for the current orders, or a new one queued for a worker.

    ``catalog_ids``: a catalog coordinator's document, of these catalogs only (issue 13); its
    own fingerprint, so it is never the all-catalogs document and the other way round."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown summary {kind!r}")
    if catalog_ids is not None:
        catalog_ids = sorted(catalog_ids)
    fingerprint = document_fingerprint(
        group=group,
        md=md,
        kind=kind,
        language=language,
        distribution=distribution,
        catalog_ids=catalog_ids,
    )
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
        catalogs=catalog_ids,
        requested_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    from day.tasks import summary_pdf_build

    transaction.on_commit(lambda: summary_pdf_build.delay(document.pk))
    return document


def _set(document: SummaryDocument, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(document, name, value)
    SummaryDocument.objects.filter(pk=document.pk).update(**fields)


def _part_name(document: SummaryDocument, index: int, ext: str) -> str:
    return f"summaries/parts/{document.pk}/{index:04d}.{ext}"


def document_build(*, document_id: int) -> SummaryDocument | None:
    """Read the orders, write the document's HTML; lay it out here or queue one task per part."""
    document = (
        SummaryDocument.objects.select_related("group", "multidistrib", "distribution")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        return None
    # Claimed by one task only: a task delivered twice must not write the parts again under the
    # tasks reading them.
    # A build still running after STALE_AFTER was lost with its worker: a redelivered task
    # takes it over.
    claimable = Q(status=SummaryDocument.Status.PENDING) | Q(
        status=SummaryDocument.Status.RUNNING, created_at__lt=timezone.now() - STALE_AFTER
    )
    claimed = SummaryDocument.objects.filter(claimable, pk=document.pk).update(
        status=SummaryDocument.Status.RUNNING, progress=5, parts_ready=[]
    )
    if not claimed:
        document.refresh_from_db()
        return document
    document.status, document.progress = SummaryDocument.Status.RUNNING, 5
    try:
        context = context_for(
            document.kind,
            document.group,
            document.multidistrib,
            distribution=document.distribution,
            progress=lambda pct: _set(document, progress=pct),
            catalog_ids=document.catalogs,
        )
        parts = parts_html(context, document.language)
        if len(parts) == 1:
            _set(document, progress=50)
            _finish(document, render_pdf(parts[0]))
            return document
        for index, html in enumerate(parts):
            name = _part_name(document, index, "html")
            private_storage().delete(name)
            private_storage().save(name, ContentFile(html.encode()))
        _set(document, parts=len(parts), parts_ready=[], progress=10)
    except Exception as exc:
        _set(document, status=SummaryDocument.Status.FAILED, error=str(exc)[:255])
        raise
    from day.tasks import summary_pdf_part

    for index in range(len(parts)):
        transaction.on_commit(lambda i=index: summary_pdf_part.delay(document.pk, i))
    return document


def document_build_part(*, document_id: int, index: int) -> SummaryDocument | None:
    """Lay out one part; the task laying out the last missing part joins them all.

    Idempotent: a part laid out twice (a task delivered again) is written over, and the parts
    are joined once, under the document row's lock, once every part is marked ready — a part is
    marked only after its file is written in full.
    """
    document = SummaryDocument.objects.filter(pk=document_id).first()
    if document is None or document.status != SummaryDocument.Status.RUNNING:
        return document
    try:
        with private_storage().open(_part_name(document, index, "html")) as file:
            content = render_part(file.read().decode())
        name = _part_name(document, index, "pdf")
        private_storage().delete(name)
        private_storage().save(name, ContentFile(content))
        with transaction.atomic():
            document = SummaryDocument.objects.select_for_update().get(pk=document_id)
            if document.status != SummaryDocument.Status.RUNNING:
                return document
            ready = sorted({*document.parts_ready, index})
            if len(ready) < document.parts:
                _set(document, parts_ready=ready, progress=10 + 80 * len(ready) // document.parts)
                return document
            parts = []
            for i in range(document.parts):
                with private_storage().open(_part_name(document, i, "pdf")) as file:
                    parts.append(file.read())
            _set(document, parts_ready=ready)
            _finish(document, join_pdfs(parts))
    except Exception as exc:
        _set(document, status=SummaryDocument.Status.FAILED, error=str(exc)[:255])
        raise
    for i in range(document.parts):
        private_storage().delete(_part_name(document, i, "html"))
        private_storage().delete(_part_name(document, i, "pdf"))
    return document


def _finish(document: SummaryDocument, content: bytes) -> None:
    from day.exports import file_name

    document.file.save(
        file_name(document.kind, document.group, document.multidistrib, "pdf"),
        ContentFile(content),
        save=False,
    )
    _set(
        document,
        file=document.file.name,
        status=SummaryDocument.Status.DONE,
        progress=100,
        built_at=timezone.now(),
        error="",
    )
    # Documents built from earlier orders are out of date: their files go.
    stale = SummaryDocument.objects.filter(
        multidistrib_id=document.multidistrib_id,
        kind=document.kind,
        language=document.language,
        distribution_id=document.distribution_id,
        pk__lt=document.pk,
    ).exclude(status__in=[SummaryDocument.Status.PENDING, SummaryDocument.Status.RUNNING])
    for old in stale:
        if old.file:
            old.file.delete(save=False)
    stale.delete()

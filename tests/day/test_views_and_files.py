"""Pages, CSV files and PDFs of the distribution day."""

import csv
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from day import mail as day_mail
from day import pdf
from day.models import DayMailSent, SummaryDocument
from messaging.notifications import day as day_notifications

pytestmark = pytest.mark.django_db


def url(name, world, day, **kw):
    return reverse(f"day:{name}", kwargs={"group_slug": world.group.slug, "md_id": day.md.pk, **kw})


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(
    "kind", ["members", "members_pages", "signature", "products", "producers", "matrix"]
)
def test_printable_pages_show_the_figures(world, day, client_for, kind):
    response = client_for(world.coordinator).get(url("print", world, day, kind=kind) + "?size=l")
    assert response.status_code == 200
    body = response.content.decode()
    assert "28,51" in body or "14,28" in body


def test_signature_sheet_lists_members_by_surname_with_sheet_text(world, day, client_for):
    body = client_for(world.admin).get(url("print", world, day, kind="signature")).content.decode()
    assert body.index("ADMIN Alice") < body.index("COORD Corentin") < body.index("MEMBRE Maëlle")
    assert "Merci d&#x27;apporter vos sacs." in body
    assert "12,13" in body


def test_sheet_offers_a_box_per_on_the_spot_type_the_group_accepts(world, day, client_for):
    world.group.payment_types = ["cash", "card_terminal", "transfer"]
    world.group.save()
    body = client_for(world.admin).get(url("print", world, day, kind="signature")).content.decode()
    # Maëlle chose "on the spot": the volunteers tick what she actually pays with.
    assert (
        '<span class="box"></span>Espèces <span class="box"></span>Carte bancaire sur place' in body
    )
    assert "Chèque</" not in body and "Virement</" not in body


def test_sheet_escapes_what_members_and_producers_typed(world, day, client_for):
    world.member.first_name = "<b>Maëlle</b>"
    world.member.phone = "06 <i>"
    world.member.save()
    day.member_basket.lines.filter(product=day.carrots).update(product_name="Carottes <script>")
    body = client_for(world.admin).get(url("print", world, day, kind="signature")).content.decode()
    assert "<b>Maëlle" not in body and "&lt;b&gt;Maëlle&lt;/b&gt;" in body
    assert "06 &lt;i&gt;" in body
    assert "Carottes &lt;script&gt;" in body and "<script>" not in body


def test_unknown_summary_is_404_and_member_gets_403(world, day, client_for):
    admin = client_for(world.admin)
    assert admin.get(url("index", world, day) + "print/nope/").status_code == 404
    assert admin.get(url("print", world, day, kind="producer_form")).status_code == 404
    assert client_for(world.member).get(url("print", world, day, kind="members")).status_code == 403


def test_csv_in_french_has_bom_semicolons_numbers_and_date_in_name(world, day, client_for):
    response = client_for(world.admin).get(url("csv", world, day, kind="members"))
    assert response.status_code == 200
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    assert day.md.date.isoformat() in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    member_rows = [r for r in rows[1:] if r[1] == "MEMBRE Maëlle"]
    carrots = next(r for r in member_rows if r[6] == "Carottes")
    assert carrots[8] == "1,5" and carrots[10] == "2,35" and carrots[12] == "3,53"
    assert carrots[13] == "12,13"


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(world, day, client_for):
    world.member.last_name = "=cmd|' /C calc'!A0"
    world.member.save()
    raw = b"".join(
        client_for(world.admin).get(url("csv", world, day, kind="members")).streaming_content
    )
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    names = {r[1] for r in rows[1:]}
    assert "'=CMD|' /C CALC'!A0 Maëlle" in names
    assert not any(name.startswith("=") for name in names)


def test_csv_in_english_uses_commas_and_points(world, day, client_for):
    world.admin.language = "en"
    world.admin.save()
    response = client_for(world.admin).get(url("csv", world, day, kind="producers"))
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=","))
    totals = [r for r in rows if r[2] == "Total"]
    assert [r[9] for r in totals] == ["14.28", "13.95"]
    assert [r[8] for r in totals] == ["13.54", "12.78"]


def test_matrix_csv_has_a_column_per_product(world, day, client_for):
    response = client_for(world.admin).get(url("csv", world, day, kind="matrix"))
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][2:-1] == ["Carottes", "Tomates", "Cookie", "Pain complet"]
    assert rows[-1][-1] == "28,51"


def test_pdf_is_built_stored_and_reused_until_the_orders_change(
    world, day, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("pdf", world, day, kind="signature"))
    document = SummaryDocument.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/documents/{document.pk}/"
    )
    assert document.status == "done" and document.progress == 100
    status = client.get(url("document_status", world, day, document_id=document.pk)).json()
    assert status["progress"] == 100 and status["url"]
    download = client.get(status["url"])
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "MEMBRE Maëlle" in text and "12,13" in text and "Carottes" in text
    assert "Merci d'apporter vos sacs." in text
    # Same orders: the stored file is reused.
    client.post(url("pdf", world, day, kind="signature"))
    assert SummaryDocument.objects.count() == 1
    # The orders change: a new one is built.
    line = day.member_basket.lines.get(product=day.carrots)
    line.actual_quantity = Decimal("1.437")
    line.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("pdf", world, day, kind="signature"))
    # The new file replaces the old one, which is deleted with its row.
    old_name = document.file.name
    newest = SummaryDocument.objects.get()
    assert newest.pk != document.pk and "11,98" in pdf_text(newest.file.read())
    assert not newest.file.storage.exists(old_name)


def test_long_member_lists_are_laid_out_in_parts_then_joined_and_numbered(
    world, day, settings, django_capture_on_commit_callbacks
):
    settings.SUMMARY_PDF_PART_SIZE = 1
    with django_capture_on_commit_callbacks(execute=True):
        document = pdf.document_request(
            group=world.group, md=day.md, kind="members", language="fr", acting_user=world.admin
        )
    document.refresh_from_db()
    assert document.status == "done" and document.parts == 3
    pages = PdfReader(io.BytesIO(document.file.read())).pages
    texts = [page.extract_text() for page in pages]
    text = "\n".join(texts)
    # One heading, the members in order, one grand total; every page numbered "n / total".
    assert text.count("Commandes par membre") == 1
    assert text.index("ADMIN Alice") < text.index("COORD") < text.index("MEMBRE Maëlle")
    assert text.count("3 paniers") == 1 and "28,51" in text
    assert all(f"{i} / {len(pages)}" in t for i, t in enumerate(texts, 1))
    from kernel.storage import private_storage

    assert private_storage().listdir(f"summaries/parts/{document.pk}") == ([], [])


def test_parts_are_joined_once_all_are_ready_not_when_their_files_appear(world, day, settings):
    from django.core.files.base import ContentFile

    from kernel.storage import private_storage

    default_storage = private_storage()

    settings.SUMMARY_PDF_PART_SIZE = 1
    document = SummaryDocument.objects.create(
        group=world.group, multidistrib=day.md, kind="signature", language="fr"
    )
    pdf.document_build(document_id=document.pk)  # part tasks queued on commit: not run here
    document.refresh_from_db()
    assert document.status == "running" and document.parts == 3
    # The build task delivered again leaves the parts alone (the marker stays).
    first = f"summaries/parts/{document.pk}/0000.html"
    html = default_storage.open(first).read() + b"<!-- marker -->"
    default_storage.delete(first)
    default_storage.save(first, ContentFile(html))
    assert pdf.document_build(document_id=document.pk).status == "running"
    assert default_storage.open(first).read().endswith(b"<!-- marker -->")
    # Part 1's file is still being written by another task: present, not ready.
    default_storage.save(f"summaries/parts/{document.pk}/0001.pdf", ContentFile(b"%PDF-1.7 trunc"))
    for index in (0, 2, 0):  # part 0 delivered twice
        pdf.document_build_part(document_id=document.pk, index=index)
        document.refresh_from_db()
        assert document.status == "running"
    assert document.parts_ready == [0, 2] and document.progress == 10 + 80 * 2 // 3
    pdf.document_build_part(document_id=document.pk, index=1)
    document.refresh_from_db()
    assert document.status == "done" and document.parts_ready == [0, 1, 2]
    assert "MEMBRE Maëlle" in pdf_text(document.file.read())


def test_producers_pdf_has_excl_and_incl_vat(world, day):
    context = pdf.context_for("producers", world.group, day.md)
    text = pdf_text(pdf.render_pdf(pdf.render_html(context, "fr")))
    assert "Ferme du Mas" in text and "13,54" in text and "14,28" in text and "12,78" in text


def test_one_member_per_page_layout(world, day):
    context = pdf.context_for("members_pages", world.group, day.md)
    reader = PdfReader(io.BytesIO(pdf.render_pdf(pdf.render_html(context, "fr"))))
    assert len(reader.pages) >= 3
    assert "ADMIN Alice" in reader.pages[0].extract_text()
    assert "MEMBRE Maëlle" not in reader.pages[0].extract_text()


def test_producer_forms_sent_once_when_orders_close(
    world, day, django_capture_on_commit_callbacks, time_machine=None
):
    from datetime import timedelta

    now = day.md.orders_close_at + timedelta(minutes=30)
    assert {d.catalog.name for d in day_notifications.producer_forms_due(now)} == {
        "Légumes",
        "Pain",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert day_notifications.producer_forms_send_due(now) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert day_notifications.producer_forms_send_due(now) == 0
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if day.vegetables.vendor.email in m.to)
    _name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf"
    text = pdf_text(content)
    assert "Carottes" in text and "14,28" in text and "Pain complet" not in text
    assert "Carottes" in message.body and message.alternatives
    # By hand: as often as asked.
    d = day.md.distributions.get(catalog=day.vegetables)
    with django_capture_on_commit_callbacks(execute=True):
        day_mail.producer_form_send(distribution=d, acting_user=world.admin, by_hand=True)
    assert len(mail.outbox) == 3
    assert DayMailSent.objects.filter(by_hand=True).count() == 1


def test_producer_form_by_hand_from_the_page(
    world, day, client_for, django_capture_on_commit_callbacks
):
    d = day.md.distributions.get(catalog=day.bread)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.admin).post(
            url("producer_form", world, day, distribution_id=d.pk)
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [day.bread.vendor.email]


def test_validation_reminders_once_then_three_days_later(
    world, past_day, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    md = past_day.md
    with django_capture_on_commit_callbacks(execute=True):
        assert day_notifications.validation_reminders_send(md.end_at + timedelta(hours=1)) == 1
        assert day_notifications.validation_reminders_send(md.end_at + timedelta(hours=2)) == 0
        assert (
            day_notifications.validation_reminders_send(md.end_at + timedelta(days=3, hours=1)) == 1
        )
        assert day_notifications.validation_reminders_send(md.end_at + timedelta(days=4)) == 0
    assert len(mail.outbox) == 2 and mail.outbox[0].to == [world.admin.email]


def test_day_index_page(world, day, client_for):
    response = client_for(world.admin).get(url("index", world, day))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name, kind",
    [
        ("print", "members"),
        ("print", "members_pages"),
        ("print", "signature"),
        ("print", "products"),
        ("print", "producers"),
        ("print", "matrix"),
        ("csv", "members"),
        ("csv", "products"),
        ("csv", "matrix"),
    ],
)
def test_summary_pages_query_count_does_not_grow_with_baskets(world, day, client_for, name, kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.day.factories import make_basket
    from tests.factories import MemberFactory

    client = client_for(world.admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(name, world, day, kind=kind))
            if name == "csv":
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.get(url(name, world, day, kind=kind))  # sessions, caches
    before = count()
    for _ in range(15):
        member = MemberFactory(group=world.group)
        make_basket(day.md, member, [(day.carrots, 1), (day.loaf, 2)], payment_type="cash")
    assert count() == before
    assert before <= 20, before

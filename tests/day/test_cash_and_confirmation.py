"""The cash report (spec §7 "Encaissements"), the validation's confirmation and result pages,
and "to validate" (decision 5; issue 13, items 5 and 6). Figures from ``build_day``:
Membre 12.13 on the spot, Admin 5.71 by cheque, Coord 10.67 by transfer; 28.51 in all."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from day import reports, validation
from distributions.models import State
from distributions.selectors import distributions_to_validate
from payments.models import Operation
from tests.day.conftest import build_day

pytestmark = pytest.mark.django_db
D = Decimal


def _url(name, world, md, **kw):
    return reverse(f"day:{name}", kwargs={"group_slug": world.group.slug, "md_id": md.pk, **kw})


def _type_cash(world, day):
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )


def test_cash_report_figures_before_and_after_the_on_the_spot_type(world, past_day):
    day = past_day
    report = reports.cash_report(group=world.group, md=day.md)
    assert report.baskets == 3 and report.total == D("28.51")
    assert reports.takings_by_type(report) == {
        "onthespot": D("12.13"),
        "cheque": D("5.71"),
        "transfer": D("10.67"),
    }
    assert report.takings_total == D("28.51")
    assert [(p.name, p.amount) for p in report.to_type] == [("MEMBRE Maëlle", D("12.13"))]
    assert len(report.refusals) == 1
    # VAT: 5.5 % on 3.53 + 2.17 + 3.40 + 4.70 + 6.79 + 3.88; 20 % on the cookies 3.03 + 1.01.
    vat = {row.rate: row for row in report.vat}
    assert vat[D("5.50")].incl == D("24.47") and vat[D("20.00")].incl == D("4.04")
    # 4.04 / 1.2: 3.03 → 2.525 → 2.53; 1.01 → 0.8417 → 0.84; so 3.37 excl., 0.67 VAT.
    assert vat[D("20.00")].excl == D("3.37") and vat[D("20.00")].vat == D("0.67")
    # Nothing received yet: everybody still owes their basket.
    assert report.owe_total == D("28.51") and not report.credit

    _type_cash(world, day)
    validation.absence_set(
        group=world.group, basket=day.coord_basket, absent=True, acting_user=world.admin
    )
    report = reports.cash_report(group=world.group, md=day.md)
    # The absent member's transfer is not in the till; the on-the-spot payment is cash now.
    assert reports.takings_by_type(report) == {"cash": D("12.13"), "cheque": D("5.71")}
    assert report.takings_total == D("17.84") and not report.to_type and not report.refusals
    assert (report.present, report.absent, report.absent_total) == (2, 1, D("10.67"))


def test_cash_report_pages_and_files(world, past_day, client_for):
    day = past_day
    client = client_for(world.admin)
    html = client.get(_url("cash", world, day.md)).content.decode()
    assert "28,51" in html and "Encaissements" in html
    csv = client.get(_url("cash_csv", world, day.md))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "Reste à payer;MEMBRE Maëlle;;12,13" in text and "Encaissements;Chèque;1;5,71" in text
    assert "Encaissements;Total;;28,51" in text
    xlsx = client.get(_url("cash_xlsx", world, day.md))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # A member without the right: 403.
    assert client_for(world.member).get(_url("cash", world, day.md)).status_code == 403


def test_the_confirmation_page_shows_what_blocks_then_what_validating_does(
    world, past_day, client_for, django_capture_on_commit_callbacks
):
    day = past_day
    client = client_for(world.admin)
    page = client.get(_url("validation_confirm", world, day.md)).content.decode()
    assert 'id="blockers"' in page and "MEMBRE" in page and 'id="confirm-validate"' not in page
    _type_cash(world, day)
    validation.absence_set(
        group=world.group, basket=day.coord_basket, absent=True, acting_user=world.admin
    )
    with translation.override("en"):
        page = client.get(_url("validation_confirm", world, day.md)).content.decode()
    assert 'id="confirm-validate"' in page and 'id="blockers"' not in page
    assert "17,84" in page  # the two present baskets, 12.13 + 5.71
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("validation_start", world, day.md))
    result = client.get(response["Location"]).content.decode()
    assert 'id="validation-result"' in result
    assert 'id="result-baskets">2<' in result and "17,84" in result
    # Once validated, the confirmation page sends back to the validation page.
    again = client.get(_url("validation_confirm", world, day.md))
    assert again.status_code == 302


def test_started_and_not_validated_reads_to_validate_and_is_listed(world, client_for):
    world.group.payment_types = ["cash", "cheque", "transfer"]
    world.group.save()
    past = build_day(world, days=-1)
    upcoming = build_day(world, days=5)
    assert past.md.state() == State.DISTRIBUTED and past.md.get_state_display() == "À valider"
    assert upcoming.md.state() != State.DISTRIBUTED
    assert distributions_to_validate(group=world.group) == [past.md]
    past.md.validated_at = timezone.now()
    past.md.save(update_fields=["validated_at"])
    assert distributions_to_validate(group=world.group) == []
    assert distributions_to_validate(group=world.other_group) == []


def test_cash_report_pdf_and_printable_page(
    world, past_day, client_for, django_capture_on_commit_callbacks
):
    from day.models import SummaryDocument
    from tests.day.test_views_and_files import pdf_text

    day = past_day
    client = client_for(world.admin)
    printable = client.get(_url("print", world, day.md, kind="cash")).content.decode()
    assert 'id="cash-takings"' in printable and "28,51" in printable
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("pdf", world, day.md, kind="cash"))
    document = SummaryDocument.objects.get(kind="cash")
    assert document.status == "done"
    status = client.get(_url("document_status", world, day.md, document_id=document.pk)).json()
    content = b"".join(client.get(status["url"]).streaming_content)
    text = pdf_text(content)
    assert content.startswith(b"%PDF") and "Encaissements" in text and "28,51" in text
    assert "MEMBRE Maëlle" in text  # still to pay

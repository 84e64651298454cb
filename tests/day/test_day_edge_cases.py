"""Findings of the review of the distribution day (issue 7), each pinned by a test.

F12 (coordinators of one catalog reach nothing of the day) is left open: see the README."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from day import mail as day_mail
from day import pdf, postpone, summaries, validation
from day.models import DistributionValidation, SummaryDocument
from members.models import Member
from messaging.notifications import day as day_notifications
from orders.models import Basket
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import Operation
from tests.day.factories import add_catalog, make_basket, make_md
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def url(name, world, md, **kw):
    return reverse(f"day:{name}", kwargs={"group_slug": world.group.slug, "md_id": md.pk, **kw})


# --- F1: summary PDFs are public under /media/ ---------------------------------------------


def test_summary_pdfs_are_private_and_leave_only_through_the_download_view(
    world, day, client_for, django_capture_on_commit_callbacks
):
    from django.conf import settings
    from django.core.files.storage import default_storage, storages

    with django_capture_on_commit_callbacks(execute=True):
        document = pdf.document_request(
            group=world.group, md=day.md, kind="signature", language="fr", acting_user=world.admin
        )
    document.refresh_from_db()
    assert document.status == "done"
    # In the private storage, under a name nobody can guess; nothing in the public one.
    assert document.file.storage is storages["private"]
    assert not default_storage.exists(document.file.name)
    folder, token, _name = document.file.name.split("/")
    assert folder == "summaries" and len(token) >= 24
    # The group's admin downloads it through the page that checks rights; a member cannot.
    download = url("document_download", world, day.md, document_id=document.pk)
    response = client_for(world.admin).get(download)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(world.member).get(download).status_code == 403
    assert Client().get(download).status_code == 302  # to the login page
    # In production the private folder is not under the served MEDIA_ROOT.
    from cagette import settings as production

    private = production.STORAGES["private"]["OPTIONS"]["location"]
    assert not str(private).startswith(str(production.MEDIA_ROOT))
    assert settings.STORAGES["private"]


# --- F2: bad weights give a 500 ------------------------------------------------------------


@pytest.mark.parametrize("bad", ["NaN", "nan"])
def test_nan_weight_is_refused_with_a_message_not_a_500(world, past_day, client_for, bad):
    line = past_day.member_basket.lines.get(product=past_day.carrots)
    client = client_for(world.admin)
    client.raise_request_exception = False
    response = client.post(url("weights", world, past_day.md), {f"weight-{line.pk}": bad})
    assert response.status_code == 302  # a message, not a 500


@pytest.mark.parametrize("big", ["1e9", "99999999999999999999"])
def test_huge_weight_is_refused_with_a_message_not_a_500(world, past_day, client_for, big):
    line = past_day.member_basket.lines.get(product=past_day.carrots)
    client = client_for(world.admin)
    client.raise_request_exception = False
    response = client.post(url("weights", world, past_day.md), {f"weight-{line.pk}": big})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.actual_quantity is None  # refused with a message


# --- F3: a duplicate validation task turns a DONE validation into FAILED -------------------


def test_second_run_of_the_same_validation_leaves_it_done(world, past_day):
    day = past_day
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )
    row = validation.validation_start(group=world.group, md=day.md, acting_user=world.admin)
    # Two deliveries of distribution_validate(row.pk) (double click: validation_start returns the
    # running row and the view queues a second task; or acks_late redelivery). Both read the row
    # while it is RUNNING (the task's filter), the second one then waits for the md lock.
    stale = DistributionValidation.objects.get(pk=row.pk)
    validation.distribution_validate(
        group=world.group, md=day.md, acting_user=world.admin, validation=row
    )
    assert DistributionValidation.objects.get(pk=row.pk).status == "done"
    again = validation.distribution_validate(
        group=world.group, md=day.md, acting_user=world.admin, validation=stale
    )
    assert again.pk == row.pk and again.status == "done"
    row.refresh_from_db()
    day.md.refresh_from_db()
    assert day.md.validated_at is not None
    assert row.status == "done", f"the validation that did the work is now {row.status!r}"


def test_reversal_after_a_second_run_of_the_validation_restores_the_payments(world, past_day):
    day = past_day
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )
    row = validation.validation_start(group=world.group, md=day.md, acting_user=world.admin)
    stale = DistributionValidation.objects.get(pk=row.pk)
    validation.distribution_validate(
        group=world.group, md=day.md, acting_user=world.admin, validation=row
    )
    validation.distribution_validate(
        group=world.group, md=day.md, acting_user=world.admin, validation=stale
    )
    validation.distribution_unvalidate(
        group=world.group, md=day.md, acting_user=world.admin, reason="oops"
    )
    day.md.refresh_from_db()
    assert day.md.validated_at is None  # reported as reversed...
    cheque = Operation.objects.get(reference=day.admin_basket.code, kind="payment")
    assert cheque.state == "pending", "...but the cheque stays confirmed (decision 5 broken)"


# --- F4: postponing revives a cancelled basket with its old lines --------------------------


def test_postpone_into_a_cancelled_basket_bills_only_the_moved_lines(world, day):
    from orders.services import ordering

    target = make_md(world.group, days=20)
    add_catalog(target, day.bread)  # the vegetables catalog moves there
    m = day.members["member"]
    old = make_basket(target, m, [(day.loaf, 5)], payment_type="cheque")  # 5 x 3.33 x 1.02
    ordering.order_cancel(basket=old, acting_user=world.admin, as_admin=True)
    old.refresh_from_db()
    assert old.state == "cancelled" and old.lines.count() == 1  # lines kept as history
    assert payment_selectors.debt_for_reference(
        group=world.group, member=m, reference=old.code
    ) == D("0")
    postpone.distribution_postpone(
        group=world.group,
        md=day.md,
        target=target,
        distribution=day.md.distributions.get(catalog=day.vegetables),
        acting_user=world.admin,
    )
    old.refresh_from_db()
    # Only the moved vegetables (carrots 3.53 + tomatoes 2.17) should be owed at the target.
    debt = payment_selectors.debt_for_reference(group=world.group, member=m, reference=old.code)
    assert debt == D("5.70"), f"billed {debt}: the 5 cancelled loaves came back"


# --- F5: postponing charges the delivery fee of a basket it cancels -----------------------


def test_postpone_cancelling_a_basket_leaves_no_delivery_fee_debt_on_it(world, day):
    from tests.day.factories import make_catalog, make_product

    eggs = make_catalog(world.group, name="Oeufs", vendor_name="Poules")
    egg = make_product(eggs, name="Oeufs x6", price="2.00")
    target = make_md(world.group, days=20, catalogs=[eggs])
    m = day.members["member"]
    make_basket(target, m, [(egg, 1)])  # she also ordered at the new date: lines are merged
    basket = day.member_basket
    Basket.objects.filter(pk=basket.pk).update(delivery=True, delivery_fee=D("3.00"))
    basket.refresh_from_db()
    validation.basket_debt_sync(basket=basket, acting_user=None)  # 12.13 + 3.00
    assert payment_selectors.debt_for_reference(
        group=world.group, member=m, reference=basket.code
    ) == D("15.13")
    postpone.distribution_postpone(
        group=world.group, md=day.md, target=target, distribution=None, acting_user=world.admin
    )
    basket.refresh_from_db()
    assert basket.state == "cancelled" and not basket.lines.exists()
    debt = payment_selectors.debt_for_reference(group=world.group, member=m, reference=basket.code)
    assert debt == D("0"), f"a cancelled basket with no line still owes {debt}"


# --- F6: ledger rows written in a group without payments ----------------------------------


def test_weights_write_no_ledger_row_in_a_group_without_payments(world, past_day):
    world.group.has_payments = False
    world.group.save()
    m = MemberFactory(group=world.group, user=UserFactory(last_name="Sanspaiement"))
    basket = make_basket(past_day.md, m, [(past_day.carrots, 1)], record_debt=False)
    line = basket.lines.get()
    validation.weights_set(
        group=world.group, md=past_day.md, weights={line.pk: "1.2"}, acting_user=world.admin
    )
    assert not Operation.objects.filter(reference=basket.code).exists()


# --- F7: money-pot members are told to pay again on the sheet -----------------------------


def test_signature_sheet_asks_nothing_of_an_order_paid_from_the_money_pot(world, client_for):
    from tests.day.factories import make_catalog, make_product

    group = world.group
    group.payment_types = ["moneypot"]
    group.save()
    vegetables = make_catalog(group, name="Légumes", vendor_name="Ferme")
    carrots = make_product(vegetables, name="Carottes", price="2.00")
    md = make_md(group, days=3, catalogs=[vegetables])
    m = Member.objects.get(group=group, user=world.member)
    _top_up(group, m, world.admin)
    basket = make_basket(md, m, [(carrots, 5)], record_debt=False)
    payments.moneypot_debit(
        group=group,
        member=m,
        reference=basket.code,
        amount=basket.total(),
        label="Order",
        acting_user=None,
    )
    assert payment_selectors.balance_for_member(group=group, member=m) == D("40.00")
    block = summaries.member_summary(group=group, md=md).blocks[0]
    assert block.settled is True  # the ledger knows the order is paid from the pot...
    assert block.due == 0, f"...but the sheet says 'To be paid {block.due}'"


def _top_up(group, member, admin):
    payments.payment_record(
        group=group, member=member, amount=D("50.00"), payment_type="cash", acting_user=admin
    )


# --- F8: a zero on-the-spot intention blocks validation, with nothing on the page ---------


def test_zeroed_onspot_intention_does_not_block_validation(world, past_day, client_for):
    day = past_day
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )
    m = MemberFactory(group=world.group, user=UserFactory(last_name="Zero"))
    basket = make_basket(day.md, m, [(day.carrots, 1)], payment_type="onthespot")
    line = basket.lines.get()
    # The carrots were not delivered: weighed 0; debt and intention follow to 0.
    validation.weights_set(
        group=world.group, md=day.md, weights={line.pk: "0"}, acting_user=world.admin
    )
    page = client_for(world.admin).get(url("validate", world, day.md)).content.decode()
    assert 'name="operation"' not in page  # no form to give that payment a type
    assert validation.validation_refusals(group=world.group, md=day.md) == []
    done = validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    assert done.status == "done"


# --- F9: the producer of a postponed catalog never gets the new order form ----------------


def test_postponed_catalog_order_form_is_sent_again_for_the_new_date(world, past_day):
    day = past_day
    d = day.md.distributions.get(catalog=day.vegetables)
    now = d.orders_close_at + timedelta(hours=1)
    assert d in day_notifications.producer_forms_due(now)
    assert day_mail.producer_form_send(distribution=d) is not None
    target = make_md(world.group, days=10)
    target.distributions.all().delete()
    postpone.distribution_postpone(
        group=world.group, md=day.md, target=target, distribution=d, acting_user=world.admin
    )
    d.refresh_from_db()
    later = d.orders_close_at + timedelta(hours=1)
    assert d in day_notifications.producer_forms_due(later), (
        "the form for the new date is never sent"
    )


# --- F10: the stored PDF is reused after what it shows changed -----------------------------


def test_stored_signature_sheet_is_rebuilt_after_volunteers_sign_up(
    world, day, django_capture_on_commit_callbacks
):
    from distributions.models import Duty, DutyNeed, VolunteerRole

    with django_capture_on_commit_callbacks(execute=True):
        first = pdf.document_request(
            group=world.group, md=day.md, kind="signature", language="fr", acting_user=None
        )
    role = VolunteerRole.objects.create(group=world.group, name="Caisse")
    need = DutyNeed.objects.create(group=world.group, multidistrib=day.md, role=role)
    Duty.objects.create(group=world.group, need=need, user=world.member)
    second = pdf.document_request(
        group=world.group, md=day.md, kind="signature", language="fr", acting_user=None
    )
    assert second.pk != first.pk, "the sheet's 'On duty' header is out of date"


def test_stored_signature_sheet_is_rebuilt_after_a_member_changes_phone(
    world, day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = pdf.document_request(
            group=world.group, md=day.md, kind="signature", language="fr", acting_user=None
        )
    world.member.phone = "06 11 22 33 44"
    world.member.save()
    second = pdf.document_request(
        group=world.group, md=day.md, kind="signature", language="fr", acting_user=None
    )
    assert second.pk != first.pk


# --- F11: a build task killed after its claim is never redone by its redelivery -------------


def test_redelivered_build_task_leaves_a_running_build_then_takes_over_a_stale_one(
    world, day, monkeypatch
):
    document = SummaryDocument.objects.create(
        group=world.group, multidistrib=day.md, kind="members", language="fr"
    )

    def crash(*a, **k):
        raise SystemExit("worker killed")  # not an Exception: the except clause does not run

    monkeypatch.setattr(pdf, "render_pdf", crash)
    with pytest.raises(SystemExit):
        pdf.document_build(document_id=document.pk)
    monkeypatch.undo()
    # Delivered again at once (a duplicate, not a crash): the build is someone's, left alone.
    assert pdf.document_build(document_id=document.pk).status == "running"
    # acks_late: the broker delivers the task again once the worker is gone (Redis' visibility
    # timeout is an hour); by then the build is older than STALE_AFTER and is taken over.
    SummaryDocument.objects.filter(pk=document.pk).update(
        created_at=timezone.now() - pdf.STALE_AFTER - timedelta(seconds=1)
    )
    pdf.document_build(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == "done", f"still {document.status!r}; page polls for 15 minutes"


# --- F14: an SMTP failure must not mark the producer's form as sent for good ----------------
# The form goes through the outbox like every mail: the send never raises in the job; the outbox
# retries, and the form is shown as sent only once delivered. Failed for good, it is written again.


def _smtp(settings, *errors):
    from tests.messaging.backends import FlakyBackend

    settings.EMAIL_BACKEND = "tests.messaging.backends.FlakyBackend"
    FlakyBackend.errors = list(errors)
    return FlakyBackend.errors


def _form_cell(client_for, world, md, d) -> str:
    page = client_for(world.admin).get(url("index", world, md)).content.decode()
    start = page.index(d.catalog.name, page.index("Bons de commande producteurs"))
    return page[start : page.index("</tr>", start)]


def _form_mails(vendor_email: str):
    from kernel.models import OutboxMail

    return [
        m
        for m in OutboxMail.objects.filter(kind="day_producer_form").order_by("pk")
        if vendor_email in m.to
    ]


def test_producer_form_is_not_recorded_as_sent_until_the_outbox_delivers_it(
    world, past_day, settings, client_for, django_capture_on_commit_callbacks
):
    import time_machine
    from django.core import mail

    from day.models import DayMailSent
    from kernel.models import OutboxMail
    from kernel.outbox import outbox_deliver_ids, outbox_due

    d = past_day.md.distributions.get(catalog=past_day.vegetables)
    now = d.orders_close_at + timedelta(hours=1)
    forms = len(day_notifications.producer_forms_due(now))
    errors = _smtp(settings, *[ConnectionRefusedError("SMTP down") for _ in range(forms)])
    with django_capture_on_commit_callbacks(execute=True):
        assert day_notifications.producer_forms_send_due(now) == forms  # no exception
    assert errors == [] and mail.outbox == []
    (row,) = _form_mails(d.catalog.vendor.email)
    assert row.status == OutboxMail.Status.RETRY and "SMTP down" in row.last_error
    assert row.attachments and row.attachments[0]["type"] == "application/pdf"
    cell = _form_cell(client_for, world, past_day.md, d)
    assert "nouvel essai prévu" in cell and "SMTP down" in cell
    # The next hourly run writes nothing more: the outbox retries the one on its way.
    with django_capture_on_commit_callbacks(execute=True):
        assert d not in day_notifications.producer_forms_due(now + timedelta(hours=1))
    assert DayMailSent.objects.filter(distribution=d, by_hand=False).count() == 1
    # The server is back: the retry delivers the form with its PDF, and only now it reads as sent.
    with time_machine.travel(row.next_try_at, tick=False):
        outbox_deliver_ids(outbox_due())
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SENT
    (message,) = [m for m in mail.outbox if d.catalog.vendor.email in m.to]
    assert message.attachments[0][2] == "application/pdf"
    cell = _form_cell(client_for, world, past_day.md, d)
    assert "nouvel essai" not in cell and "échec" not in cell


def test_producer_form_failed_for_good_is_written_again_by_the_next_run(
    world, past_day, settings, client_for, django_capture_on_commit_callbacks
):
    import smtplib

    from django.core import mail

    from day.models import DayMailSent
    from kernel.models import OutboxMail

    d = past_day.md.distributions.get(catalog=past_day.vegetables)
    now = d.orders_close_at + timedelta(hours=1)
    vendor = d.catalog.vendor.email
    # Every form of the run is refused for good (5xx): nothing is recorded as delivered.
    forms = len(day_notifications.producer_forms_due(now))
    _smtp(settings, *[smtplib.SMTPDataError(554, b"rejected") for _ in range(forms)])
    with django_capture_on_commit_callbacks(execute=True):
        day_notifications.producer_forms_send_due(now)
    (first,) = _form_mails(vendor)
    assert first.status == OutboxMail.Status.FAILED and mail.outbox == []
    cell = _form_cell(client_for, world, past_day.md, d)
    assert "échec" in cell and "554" in cell
    assert d in day_notifications.producer_forms_due(now + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        day_notifications.producer_forms_send_due(now + timedelta(hours=1))
    assert DayMailSent.objects.filter(distribution=d, by_hand=False).count() == 1
    assert len(_form_mails(vendor)) == 2
    assert [m for m in mail.outbox if vendor in m.to]
    assert d not in day_notifications.producer_forms_due(now + timedelta(hours=2))


# --- F15: a postponed basket keeps its delivery fee, the address stays behind ---------------


def test_postponed_home_delivery_keeps_its_fee_and_its_address(world, day):
    from distributions.models import DeliveryRequest, MultiDistrib

    MultiDistrib.objects.filter(pk=day.md.pk).update(delivery_enabled=True)
    target = make_md(world.group, days=20)
    MultiDistrib.objects.filter(pk=target.pk).update(delivery_enabled=True)
    target.refresh_from_db()
    day.md.refresh_from_db()
    DeliveryRequest.objects.create(
        group=world.group,
        multidistrib=day.md,
        user=world.member,
        address1="1 rue des Lilas",
        postcode="75001",
        city="Paris",
        fee=D("3.00"),
    )
    Basket.objects.filter(pk=day.member_basket.pk).update(delivery=True, delivery_fee=D("3.00"))
    postpone.distribution_postpone(
        group=world.group, md=day.md, target=target, distribution=None, acting_user=world.admin
    )
    block = next(
        b
        for b in summaries.member_summary(group=world.group, md=target).blocks
        if b.user_id == world.member.pk
    )
    assert block.delivery_fee == D("3.00")
    assert block.delivery_address, "fee billed at the new date, but no address to deliver to"


# --- F16: two volunteers weighing on two devices erase each other's weights ----------------


def test_saving_weights_from_a_stale_page_keeps_weights_saved_meanwhile(
    world, past_day, client_for
):
    day = past_day
    x = day.member_basket.lines.get(product=day.carrots)
    y = day.admin_basket.lines.get(product=day.carrots)
    page = client_for(world.admin).get(url("validate", world, day.md)).content.decode()
    assert f'name="weight-{x.pk}"' in page and f'name="weight-{y.pk}"' in page  # both empty
    # Volunteer B weighs the member's carrots.
    client_for(world.coordinator).post(url("weights", world, day.md), {f"weight-{x.pk}": "1,437"})
    x.refresh_from_db()
    assert x.actual_quantity == D("1.437")
    # Volunteer A, on the page loaded before, weighs the admin's carrots: the form posts every
    # weight field, the member's one still empty.
    client_for(world.admin).post(
        url("weights", world, day.md),
        {f"weight-{x.pk}": "", f"weight-{y.pk}": "2,104"},
    )
    x.refresh_from_db()
    assert x.actual_quantity == D("1.437"), "B's weight was silently reset to the ordered quantity"


def test_basket_postponed_to_a_date_without_delivery_loses_its_delivery_fee(world, day):
    from distributions.models import DeliveryRequest, MultiDistrib

    MultiDistrib.objects.filter(pk=day.md.pk).update(delivery_enabled=True)
    target = make_md(world.group, days=20)  # no home delivery there
    day.md.refresh_from_db()
    DeliveryRequest.objects.create(
        group=world.group,
        multidistrib=day.md,
        user=world.member,
        address1="1 rue des Lilas",
        postcode="75001",
        city="Paris",
        fee=D("3.00"),
    )
    basket = day.member_basket
    Basket.objects.filter(pk=basket.pk).update(delivery=True, delivery_fee=D("3.00"))
    basket.refresh_from_db()
    validation.basket_debt_sync(basket=basket, acting_user=None)
    postpone.distribution_postpone(
        group=world.group, md=day.md, target=target, distribution=None, acting_user=world.admin
    )
    basket.refresh_from_db()
    assert basket.multidistrib_id == target.pk and not basket.delivery
    debt = payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    )
    assert debt == D("12.13")  # the order without the 3.00 delivery


def test_weight_changed_on_an_older_page_is_refused_and_clearing_works(world, past_day, client_for):
    day = past_day
    x = day.member_basket.lines.get(product=day.carrots)
    weights = url("weights", world, day.md)
    client_for(world.coordinator).post(weights, {f"weight-{x.pk}": "1,437"})
    # A's page showed the line empty; A types another weight: refused, B's weight stays.
    response = client_for(world.admin).post(
        weights,
        {f"weight-{x.pk}": "1,5", f"was-{x.pk}": ""},
        follow=True,
    )
    assert "meanwhile" in response.content.decode() or "entre-temps" in response.content.decode()
    x.refresh_from_db()
    assert x.actual_quantity == D("1.437")
    # From a fresh page (showing 1,437), emptying the field goes back to the ordered quantity.
    client_for(world.admin).post(weights, {f"weight-{x.pk}": "", f"was-{x.pk}": "1,437"})
    x.refresh_from_db()
    assert x.actual_quantity is None

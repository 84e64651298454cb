"""The outbox: every mail is a row, sent after commit, once, retried or marked failed."""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from kernel.mail import preferences_user_id, send_email, send_email_to_user
from kernel.models import OutboxMail
from kernel.outbox import MAX_TRIES, failed_mail_count, outbox_deliver_ids, outbox_due
from tests.messaging.backends import FlakyBackend


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.messaging.backends.FlakyBackend"
    FlakyBackend.errors = []
    yield FlakyBackend.errors
    FlakyBackend.errors = []


def _send(world, **kwargs):
    send_email_to_user(
        name="group_created", user=world.member, context={}, group=world.group, **kwargs
    )


@pytest.mark.django_db(transaction=True)
def test_a_mail_is_a_row_sent_after_commit_with_list_unsubscribe(world):
    with transaction.atomic():
        _send(world)
        row = OutboxMail.objects.get()
        assert row.status == OutboxMail.Status.QUEUED and mail.outbox == []
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SENT and row.tries == 1 and row.sent_at
    message = mail.outbox[0]
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/mail-preferences/" in unsubscribe
    token = unsubscribe.rstrip("/>").rsplit("/", 1)[-1]
    assert preferences_user_id(token) == world.member.pk
    assert "/mail-preferences/" in message.body  # the footer link, text part
    assert message.reply_to == ["admin@example.org"]
    assert message.from_email.endswith("<noreply@cagette.localhost>")


@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_sends_once(world):
    _send(world)
    row = OutboxMail.objects.get()
    assert outbox_deliver_ids([row.pk]) == 0  # redelivery: already sent
    assert outbox_deliver_ids([row.pk, row.pk]) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_key_makes_a_mail_once_only(world):
    _send(world, key="welcome:1")
    _send(world, key="welcome:1")
    assert OutboxMail.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_temporary_failure_is_retried_with_back_off(world, flaky):
    flaky.append(smtplib.SMTPResponseException(451, b"try later"))
    flaky.append(smtplib.SMTPServerDisconnected("gone"))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _send(world)
    row = OutboxMail.objects.get()
    assert row.status == OutboxMail.Status.RETRY and row.tries == 1 and "451" in row.last_error
    assert row.next_try_at == start + timedelta(minutes=1)
    assert outbox_due(start + timedelta(seconds=59)) == []
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert outbox_due() == [row.pk]
        outbox_deliver_ids([row.pk])
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.RETRY and row.tries == 2
    assert row.next_try_at == start + timedelta(minutes=1) + timedelta(minutes=5)
    with time_machine.travel(row.next_try_at, tick=False):
        outbox_deliver_ids(outbox_due())
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SENT and row.tries == 3 and len(mail.outbox) == 1
    assert failed_mail_count(world.group) == 0


@pytest.mark.django_db(transaction=True)
def test_a_permanent_failure_is_marked_and_not_retried(world, flaky):
    flaky.append(smtplib.SMTPRecipientsRefused({"member@example.org": (550, b"no such user")}))
    _send(world)
    row = OutboxMail.objects.get()
    assert row.status == OutboxMail.Status.FAILED and "550" in row.last_error
    assert outbox_due(timezone.now() + timedelta(days=1)) == []
    assert failed_mail_count(world.group) == 1
    assert failed_mail_count(world.other_group) == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_temporary_failures_end_as_failed_after_the_last_try(world, flaky):
    flaky.extend(OSError("connection refused") for _ in range(MAX_TRIES))
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        _send(world)
    row = OutboxMail.objects.get()
    for _ in range(MAX_TRIES - 1):
        now = row.next_try_at
        outbox_deliver_ids([row.pk], now=now)
        row.refresh_from_db()
    assert row.status == OutboxMail.Status.FAILED and row.tries == MAX_TRIES
    assert failed_mail_count(world.group) == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_mail_leaves_no_row(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email(
            name="group_created",
            to=["x@example.org"],
            context={"user": world.member},
            group=world.group,
        )
        raise RuntimeError
    assert not OutboxMail.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_operators_see_the_outbox_and_send_failed_mails_again(world, client_for, flaky):
    from django.urls import reverse

    from tests.factories import UserFactory

    flaky.append(smtplib.SMTPRecipientsRefused({"member@example.org": (550, b"unknown")}))
    _send(world)
    row = OutboxMail.objects.get()
    assert row.status == OutboxMail.Status.FAILED
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(operator)
    changelist = reverse("admin:kernel_outboxmail_changelist")
    assert client.get(changelist, {"q": "prêt"}).status_code == 200
    assert client.get(reverse("admin:kernel_outboxmail_change", args=[row.pk])).status_code == 200
    assert client.get(reverse("admin:messaging_message_changelist")).status_code == 200
    client.post(changelist, {"action": "retry", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == OutboxMail.Status.SENT and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_admins_see_the_failed_mails_of_their_group(world, client_for, flaky):
    from django.urls import reverse

    flaky.append(smtplib.SMTPRecipientsRefused({"member@example.org": (550, b"unknown")}))
    _send(world)
    page = client_for(world.admin).get(reverse("messaging:list", args=[world.group.slug]))
    assert "1 e-mail du groupe n\u2019a pas pu être distribué." in page.text
    assert "member@example.org" in page.text and "550" in page.text
    other = client_for(world.outsider).get(reverse("messaging:list", args=[world.other_group.slug]))
    assert "member@example.org" not in other.text


@pytest.mark.django_db(transaction=True)
def test_old_mails_are_forgotten_with_their_attachment_files(world):
    from kernel.outbox import Attachment, outbox_purge, store_attachments
    from kernel.storage import private_storage

    stored = store_attachments([Attachment("plan.pdf", b"%PDF-1.4", "application/pdf")])
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=91), tick=False):
        send_email(
            name="group_created",
            to=["a@example.org"],
            context={"user": world.member},
            group=world.group,
            attachments=stored,
        )
    _send(world)  # recent: kept
    assert outbox_purge(start) == 1
    assert OutboxMail.objects.count() == 1
    assert not private_storage().exists(stored[0]["path"])

"""Sending a message is a task: the list is fixed at "send", a task renders and writes the
mails chunk by chunk, the page shows its progress; a task delivered twice writes nothing twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kernel.models import OutboxMail
from messaging import services
from messaging.models import Message
from tests.orders.factories import new_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The writing tasks queued (not run) by the sending."""
    found: list[int] = []
    monkeypatch.setattr(services, "_queue_writing", found.append)
    return found


@pytest.fixture
def message(world):
    for i in range(4):
        new_member(world.group, email=f"m{i}@example.org", email2="" if i else "m0bis@example.org")
    return services.message_save(
        group=world.group,
        acting_user=world.admin,
        audience="all",
        audience_param=None,
        subject="Assemblée",
        body="<p>Bonjour</p>",
        new_attachments=[],
    )


def _write(message_id, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.message_write(message_id=message_id)


def test_the_page_shows_sending_then_sent(
    world, message, client_for, queued, django_capture_on_commit_callbacks
):
    client = client_for(world.admin)
    detail = reverse("messaging:detail", args=[world.group.slug, message.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("messaging:send", args=[world.group.slug, message.pk]))
    assert queued == [message.pk]
    message.refresh_from_db()
    assert message.status == "sending" and message.total == 7 and message.progress == 0
    assert not OutboxMail.objects.filter(tag=message.tag).exists()  # nothing rendered yet
    page = client.get(detail).text
    assert "Envoi en cours… 0/7" in page and "message-progress.js" in page
    progress = reverse("messaging:progress", args=[world.group.slug, message.pk])
    assert client.get(progress).json() == {"status": "sending", "progress": 0, "total": 7}
    history = client.get(reverse("messaging:list", args=[world.group.slug])).text
    assert "Envoi en cours… 0/7" in history

    assert _write(message.pk, django_capture_on_commit_callbacks) == 7
    message.refresh_from_db()
    assert message.status == "sent" and message.progress == 7 and message.recipient_count == 7
    assert "m0bis@example.org" in message.recipients
    page = client.get(detail).text
    assert "Envoi en cours" not in page and "message-progress.js" not in page
    assert "Envoi terminé\u00a0: 7/7" in page
    assert client.get(progress).json() == {"status": "sent", "progress": 7, "total": 7}
    assert len(mail.outbox) == 7


def test_a_task_delivered_twice_or_run_again_writes_each_mail_once(
    world, message, queued, django_capture_on_commit_callbacks
):
    services.message_send(message=message, acting_user=world.admin)
    assert _write(message.pk, django_capture_on_commit_callbacks) == 7
    assert _write(message.pk, django_capture_on_commit_callbacks) == 0  # redelivered
    # Even a run that finds the progress lost (a worker dying between two writes) sends nothing
    # twice: the once-only keys.
    Message.objects.filter(pk=message.pk).update(status="sending", progress=0)
    assert _write(message.pk, django_capture_on_commit_callbacks) == 0
    assert OutboxMail.objects.filter(tag=message.tag).count() == 7
    assert len(mail.outbox) == 7
    message.refresh_from_db()
    assert message.status == "sent" and message.recipient_count == 7


def test_a_task_dying_midway_resumes_where_it_stopped(
    world, message, queued, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SEND_CHUNK", 3)
    services.message_send(message=message, acting_user=world.admin)
    real_add = services.outbox_add
    calls = []

    def dying(drafts):
        calls.append(len(drafts))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_add(drafts)

    monkeypatch.setattr(services, "outbox_add", dying)
    with pytest.raises(RuntimeError):
        _write(message.pk, django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert message.status == "sending" and message.progress == 3
    assert OutboxMail.objects.filter(tag=message.tag).count() == 3
    monkeypatch.setattr(services, "outbox_add", real_add)
    assert _write(message.pk, django_capture_on_commit_callbacks) == 4
    assert OutboxMail.objects.filter(tag=message.tag).count() == 7


def test_a_lost_task_is_queued_again_by_the_beat(world, message, queued):
    services.message_send(message=message, acting_user=world.admin)
    queued.clear()
    now = timezone.now()
    assert services.messages_resume(now=now) == 0  # just sent: its task is on its way
    assert services.messages_resume(now=now + timedelta(minutes=11)) == 1
    assert queued == [message.pk]


def test_the_demo_history_holds_sent_messages_and_one_failed_mail():
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    messages = Message.objects.filter(group__slug="demo")
    assert messages.count() == 2
    assert {(m.status, m.progress == m.total, m.recipient_count > 0) for m in messages} == {
        ("sent", True, True)
    }
    assert OutboxMail.objects.filter(tag__startswith="message:", status="failed").count() == 1

"""Writes of the messaging app: drafts, the test to oneself, the sending to a list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from kernel.audit import log_action
from kernel.mail import platform_from, preferences_url, recipients_for, render_email
from kernel.models import OutboxMail
from kernel.outbox import Attachment, Draft, outbox_add, store_attachments
from members.models import User
from messaging import audiences
from messaging.models import Message
from messaging.sanitize import html_to_text, message_html

MESSAGE_MAIL = "group_message"


class MessageRefusedError(Exception):
    pass


def audience_label(group: Any, key: str, param: int | None) -> str:
    from catalogs.models import Catalog
    from distributions.models import MultiDistrib

    audience = audiences.REGISTRY[key]
    label = str(audience.label)
    if audience.param == "catalog":
        catalog = Catalog.objects.filter(group=group, pk=param).first()
        return f"{label} · {catalog.name}" if catalog else label
    if audience.param == "distribution":
        md = MultiDistrib.objects.filter(group=group, pk=param).first()
        if md:
            local = timezone.localtime(md.start_at, group.tzinfo)
            return f"{label} · {local:%d/%m/%Y %H:%M}"
    return label


@transaction.atomic
def message_save(
    *,
    group: Any,
    acting_user: Any,
    audience: str,
    audience_param: int | None,
    subject: str,
    body: str,
    new_attachments: list[Attachment],
    keep_attachments: list[dict[str, Any]] | None = None,
    message: Message | None = None,
) -> Message:
    """Create or change a draft; the body is sanitised here, whatever the form let through."""
    if message is not None and not message.is_draft:
        raise MessageRefusedError("sent")
    message = message or Message(group=group, sender=acting_user)
    message.audience = audience
    message.audience_param = audience_param
    message.audience_label = audience_label(group, audience, audience_param)
    message.subject = subject.strip()
    message.body = message_html(body)
    kept = list(keep_attachments if keep_attachments is not None else message.attachments)
    stored = store_attachments(new_attachments)
    sizes = {a.name: len(a.content) for a in new_attachments}
    message.attachments = kept + [{**s, "size": sizes.get(s["name"], 0)} for s in stored]
    message.full_clean()
    message.save()
    log_action(
        action="messaging.message_saved",
        acting_user=acting_user,
        group=group,
        obj=message,
        audience=audience,
    )
    return message


def _draft_for(message: Message, user: Any, *, test: bool) -> Draft | None:
    group = message.group
    to = recipients_for(user)
    if not to:
        return None
    prefs = preferences_url(user)
    context = {
        "group": group,
        "user": user,
        "message": message,
        "body_html": message.body,
        "body_text": html_to_text(message.body),
        "sender_name": message.sender.display_name if message.sender else "",
        "preferences_url": prefs,
        "group_url": f"{settings.SITE_URL}{group.get_absolute_url()}",
        "leave_url": f"{settings.SITE_URL}{group.get_absolute_url()}",  # its leave button
        "test": test,
    }
    subject, text, html = render_email(MESSAGE_MAIL, context, user.language)
    reply_to = [message.sender.email] if message.sender else []
    if not reply_to and group.contact_id:
        reply_to = [group.contact.email]
    return Draft(
        kind=MESSAGE_MAIL,
        to=to,
        subject=subject,
        text=text,
        html=html,
        reply_to=reply_to,
        from_email=platform_from(message.sender.display_name if message.sender else group.name),
        headers={"List-Unsubscribe": f"<{prefs}>"},
        attachments=[{k: a[k] for k in ("name", "type", "path")} for a in message.attachments],
        group=group,
        key=None if test else f"{message.tag}:user:{user.pk}",
        tag=f"{message.tag}:test" if test else message.tag,
    )


@transaction.atomic
def message_send_test(*, message: Message, acting_user: Any) -> None:
    """The message as it will look, to the person writing it (as often as asked)."""
    draft = _draft_for(message, acting_user, test=True)
    if draft is not None:
        outbox_add([draft])
    message.test_sent_at = timezone.now()
    message.save(update_fields=["test_sent_at"])
    log_action(
        action="messaging.message_tested", acting_user=acting_user, group=message.group, obj=message
    )


# People rendered and written per transaction by the sending task: the page's progress moves
# by this much, and a task that dies loses at most this much work (redone, not resent).
SEND_CHUNK = 100


@transaction.atomic
def message_send(*, message: Message, acting_user: Any, now: Any = None) -> int:
    """Send to every household of the list, once (a second call is refused).

    The list is fixed now; the mails are rendered and written to the outbox by a task after
    commit (``message_write``), the page showing its progress. Returns the people of the list.
    """
    message = Message.objects.select_for_update().get(pk=message.pk)
    if not message.is_draft:
        raise MessageRefusedError("sent")
    if message.audience == audiences.TEST:
        raise MessageRefusedError("test")
    users = audiences.resolve(
        message.group, message.audience, message.audience_param, acting_user, now
    )
    message.recipient_ids = list(users.values_list("pk", flat=True))
    message.total = len(message.recipient_ids)
    message.progress = 0
    message.status = Message.Status.SENDING
    message.sent_at = timezone.now()
    message.save(update_fields=["recipient_ids", "total", "progress", "status", "sent_at"])
    log_action(
        action="messaging.message_sent",
        acting_user=acting_user,
        group=message.group,
        obj=message,
        audience=message.audience,
        recipients=message.total,
    )
    transaction.on_commit(lambda: _queue_writing(message.pk))
    return message.total


def _queue_writing(message_id: int) -> None:
    from messaging.tasks import message_write_task

    message_write_task.delay(message_id=message_id)


def message_write(*, message_id: int) -> int:
    """Render and write the mails of a message being sent, from where the last run stopped;
    returns the mails written by this run.

    Idempotent: each chunk of people and the progress are written in one transaction, and each
    mail has its once-only key (``message:<id>:user:<user id>``): a task delivered twice, or
    run again after dying, writes no mail twice.
    """
    written = 0
    while True:
        with transaction.atomic():
            message = (
                Message.objects.select_for_update(of=("self",))
                .select_related("group__contact", "sender")
                .get(pk=message_id)
            )
            if message.status != Message.Status.SENDING:
                return written
            ids = message.recipient_ids[message.progress : message.progress + SEND_CHUNK]
            if not ids:
                _finish(message)
                return written
            drafts = []
            for user in User.objects.filter(pk__in=ids, is_active=True).order_by("pk"):
                with translation.override(user.language):
                    draft = _draft_for(message, user, test=False)
                if draft is not None:
                    drafts.append(draft)
            written += len(outbox_add(drafts))
            message.progress += len(ids)
            message.save(update_fields=["progress"])


def _finish(message: Message) -> None:
    addresses = (
        OutboxMail.objects.filter(tag=message.tag).order_by("pk").values_list("to", flat=True)
    )
    message.recipients = [address for to in addresses for address in to]
    message.recipient_count = len(addresses)
    message.status = Message.Status.SENT
    message.save(update_fields=["recipients", "recipient_count", "status"])


# A message still sending this long after "send" lost its task (a worker died before taking it).
STALLED = timedelta(minutes=10)


def messages_resume(*, now: Any = None) -> int:
    """Queue again the writing of messages whose task was lost; returns how many."""
    now = now or timezone.now()
    stalled = list(
        Message.objects.filter(
            status=Message.Status.SENDING, sent_at__lt=now - STALLED
        ).values_list("pk", flat=True)
    )
    for message_id in stalled:
        _queue_writing(message_id)
    return len(stalled)

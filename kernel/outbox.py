"""The outbox: every e-mail is written here first, then delivered by a Celery task.

* ``outbox_add`` writes rows in the caller's transaction (nothing leaves on rollback) and queues
  their delivery after commit, in batches of ``BATCH_SIZE`` (one SMTP connection per batch).
* ``outbox_deliver`` claims each row (``queued``/``retry`` → ``sending``) with a conditional
  UPDATE before sending it: a task delivered twice, or two workers, send a row once.
* A temporary failure (network, SMTP 4xx) puts the row back as ``retry`` with a growing delay
  (``BACKOFF``); ``outbox_retry_due`` (beat, every minute) queues the rows whose time has come,
  and rows a dead worker left in ``sending``. A permanent failure (SMTP 5xx, or ``MAX_TRIES``
  temporary ones) is ``failed``: admins see it (``failed_mail_count``), nothing retries it.
* A row with a ``key`` is once-only: ``outbox_add`` skips a key that exists, so a beat job or a
  message sent again does not write a second mail to the same person.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kernel.models import OutboxMail
from kernel.storage import private_name, private_storage

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# Delay before the next try after the n-th temporary failure; failed after the last one.
BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
]
MAX_TRIES = len(BACKOFF) + 1
# A row still "sending" after this long was left by a worker that died: it is tried again.
STALE_SENDING = timedelta(minutes=15)
# Sent mails are forgotten after this long (failed ones stay until then too: admins saw them).
KEEP = timedelta(days=90)
# Attachments: total size per mail.
MAX_ATTACHMENTS_BYTES = 5 * 1024 * 1024

Status = OutboxMail.Status


@dataclass
class Attachment:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Draft:
    """One mail to write to the outbox (already rendered)."""

    kind: str
    to: list[str]
    subject: str
    text: str
    html: str = ""
    reply_to: list[str] = field(default_factory=list)
    from_email: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[dict[str, str]] = field(default_factory=list)
    group: Any = None
    key: str | None = None
    tag: str = ""


def store_attachments(attachments: Iterable[Attachment]) -> list[dict[str, str]]:
    """Write attachment contents to the private storage once, for every mail that carries them."""
    stored = []
    for item in attachments:
        from django.core.files.base import ContentFile

        name = private_storage().save(private_name("outbox", item.name), ContentFile(item.content))
        stored.append({"name": item.name, "type": item.content_type, "path": name})
    return stored


def outbox_add(drafts: Sequence[Draft], *, deliver_now: bool = False) -> list[int]:
    """Write the mails (skipping keys already written) and deliver them after commit.

    Returns the ids written. Call inside the transaction of the change the mail tells about.
    ``deliver_now``: a worker's task that renders one person's mail sends it itself after the
    commit rather than queueing ``outbox_deliver`` (one task per mail, not two); the rows are
    claimed the same way, so a mail is still sent once, and a worker stopped before sending
    leaves them queued for ``outbox_due``.
    """
    keys = [d.key for d in drafts if d.key]
    existing = set(
        OutboxMail.objects.filter(key__in=keys).values_list("key", flat=True) if keys else []
    )
    rows = []
    seen: set[str] = set()
    for d in drafts:
        if d.key and (d.key in existing or d.key in seen):
            continue
        if d.key:
            seen.add(d.key)
        rows.append(
            OutboxMail(
                group=d.group,
                kind=d.kind,
                key=d.key,
                tag=d.tag,
                to=d.to,
                reply_to=d.reply_to,
                from_email=d.from_email,
                headers=d.headers,
                subject=d.subject,
                text=d.text,
                html=d.html,
                attachments=d.attachments,
            )
        )
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = OutboxMail.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent run wrote one of the keys meanwhile: row by row
        created = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            created.append(row)
    ids = [row.pk for row in created]
    if deliver_now and len(ids) <= BATCH_SIZE:
        transaction.on_commit(lambda: outbox_deliver_ids(ids))
    else:
        transaction.on_commit(lambda: queue_delivery(ids))
    return ids


def queue_delivery(ids: Sequence[int]) -> None:
    from kernel.tasks import outbox_deliver

    for start in range(0, len(ids), BATCH_SIZE):
        outbox_deliver.delay(ids=list(ids[start : start + BATCH_SIZE]))


def _message(row: OutboxMail, connection: Any) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.text,
        from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
        to=row.to,
        reply_to=row.reply_to or None,
        headers=row.headers or None,
        connection=connection,
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    for item in row.attachments:
        with private_storage().open(item["path"], "rb") as handle:
            message.attach(item["name"], handle.read(), item["type"])
    return message


def is_permanent(exc: BaseException) -> bool:
    """SMTP 5xx replies are permanent; network trouble and 4xx replies are worth retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # the platform's configuration: fixed by an operator, then retried
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    # Connection refused or lost, timeouts (SMTPServerDisconnected) are worth retrying; anything
    # else is a broken row (missing attachment…) that retrying will not mend.
    return not isinstance(exc, OSError)


def _claim(pk: int, now: datetime) -> OutboxMail | None:
    claimed = (
        OutboxMail.objects.filter(pk=pk, status__in=[Status.QUEUED, Status.RETRY])
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
        .update(status=Status.SENDING, next_try_at=now)
    )
    if not claimed:
        return None
    return OutboxMail.objects.get(pk=pk)


def _failed(row: OutboxMail, exc: BaseException, now: datetime) -> None:
    row.tries += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if is_permanent(exc) or row.tries >= MAX_TRIES:
        row.status = Status.FAILED
        row.next_try_at = None
        logger.warning("Mail %s failed for good: %s", row.pk, row.last_error)
    else:
        row.status = Status.RETRY
        row.next_try_at = now + BACKOFF[row.tries - 1]
    row.save(update_fields=["tries", "last_error", "status", "next_try_at"])


def outbox_deliver_ids(ids: Sequence[int], now: datetime | None = None) -> int:
    """Send the rows not yet sent, over one connection; returns how many left."""
    now = now or timezone.now()
    connection = None
    sent = 0
    try:
        for pk in ids:
            row = _claim(pk, now)
            if row is None:
                continue  # sent already, failed for good, or another worker has it
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                    connection.open()
                _message(row, connection).send()
            except Exception as exc:  # classified: retried later or marked failed
                _failed(row, exc, now)
                if isinstance(exc, OSError) and connection is not None:
                    _close(connection)
                    connection = None
                continue
            row.tries += 1
            row.status = Status.SENT
            row.sent_at = timezone.now()
            row.last_error = ""
            row.save(update_fields=["tries", "status", "sent_at", "last_error"])
            sent += 1
    finally:
        if connection is not None:
            _close(connection)
    return sent


def _close(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # a broken connection: nothing left to close
        logger.info("Mail connection already broken", exc_info=True)


def outbox_due(now: datetime | None = None) -> list[int]:
    """Rows whose retry time has come, and rows a dead worker left half-sent."""
    now = now or timezone.now()
    OutboxMail.objects.filter(status=Status.SENDING, next_try_at__lte=now - STALE_SENDING).update(
        status=Status.RETRY, next_try_at=now
    )
    # Rows queued long ago whose task was lost (broker restarted) are picked up as well.
    return list(
        OutboxMail.objects.filter(
            Q(status=Status.RETRY, next_try_at__lte=now)
            | Q(status=Status.QUEUED, created_at__lte=now - STALE_SENDING)
        )
        .order_by("next_try_at", "pk")
        .values_list("pk", flat=True)[:5000]
    )


def failed_mail_count(group: Any) -> int:
    """Mails of the group that failed for good (the management home shows the figure)."""
    return OutboxMail.objects.filter(group=group, status=Status.FAILED).count()


def failed_mails(group: Any, limit: int = 20) -> list[OutboxMail]:
    """The group's latest mails that failed for good, for the admins' page."""
    return list(
        OutboxMail.objects.filter(group=group, status=Status.FAILED)
        .only("kind", "to", "subject", "last_error", "created_at", "tag")
        .order_by("-created_at", "-pk")[:limit]
    )


def outbox_purge(now: datetime | None = None) -> int:
    """Forget the mails sent or failed more than ``KEEP`` ago, and their attachment files once
    no remaining row uses them (a message's rows share one file). Daily."""
    now = now or timezone.now()
    old = OutboxMail.objects.filter(
        status__in=[Status.SENT, Status.FAILED], created_at__lt=now - KEEP
    )
    paths = {
        a["path"]
        for row in old.exclude(attachments=[]).only("attachments")
        for a in row.attachments
    }
    count, _deleted = old.delete()
    still = {
        a["path"]
        for row in OutboxMail.objects.exclude(attachments=[]).only("attachments")
        for a in row.attachments
    }
    storage = private_storage()
    for path in paths - still:
        storage.delete(path)
    return count

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_deliver(
    self, *, subject: str, text: str, html: str, to: list[str], reply_to: list[str]
) -> int:
    """Send one rendered e-mail; network errors are retried with backoff.

    Superseded by the outbox (``outbox_deliver``): kept so that tasks queued before the upgrade
    still deliver; nothing queues it any more."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to or None,
    )
    message.attach_alternative(html, "text/html")
    return message.send()


@shared_task
def submission_tokens_purge() -> int:
    """Forget the one-time form tokens older than ``kernel.idempotency.KEEP_DAYS`` (daily)."""
    from kernel.idempotency import submissions_purge

    return submissions_purge()


@shared_task(bind=True, acks_late=True)
def outbox_deliver(self, *, ids: list[int]) -> int:
    """Send a batch of outbox rows over one connection (``kernel.outbox``); a row already sent
    (the task delivered twice) is skipped."""
    from kernel.outbox import outbox_deliver_ids

    return outbox_deliver_ids(ids)


@shared_task
def outbox_retry_due() -> int:
    """Every minute: queue the rows whose retry time has come."""
    from kernel.outbox import outbox_due, queue_delivery

    ids = outbox_due()
    queue_delivery(ids)
    return len(ids)


@shared_task
def outbox_purge() -> int:
    """Daily: forget the mails older than ``kernel.outbox.KEEP``."""
    from kernel.outbox import outbox_purge as purge

    return purge()

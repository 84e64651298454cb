from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_deliver(
    self, *, subject: str, text: str, html: str, to: list[str], reply_to: list[str]
) -> int:
    """Send one rendered e-mail; network errors are retried with backoff."""
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

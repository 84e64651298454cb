import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LogEntry(models.Model):
    """The audit trail: who did what, in which group, on which object. Append-only."""

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="log_entries",
        verbose_name=_("group"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class SubmissionToken(models.Model):
    """A form's one-time token, claimed by the write it allowed (kernel.idempotency).

    A double click or a replayed POST carries the same token: the second claim fails and the
    write is not made twice. Purged after ``kernel.idempotency.KEEP_DAYS``.
    """

    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return self.token


class OutboxMail(models.Model):
    """One e-mail the platform sends, rendered, waiting for (or done with) its delivery.

    Every mail goes through here (``kernel.mail.send_email`` writes the row in the caller's
    transaction; ``kernel.tasks.outbox_deliver`` sends it after commit). It lives in ``kernel``
    because ``kernel.mail`` must write it and ``kernel`` may import no app: messaging reads it.

    ``key`` (optional, unique) makes a mail once-only: a beat job or a message run again, or a
    task delivered twice, finds the row and sends nothing more.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Will be retried")
        FAILED = "failed", _("Failed")

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group"),
    )
    # The template name (``order_confirmed``, ``group_message``…): what kind of mail it is.
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    key = models.CharField(_("once-only key"), max_length=191, unique=True, null=True, blank=True)
    # What this mail belongs to, for the pages that count them ("message:12").
    tag = models.CharField(_("tag"), max_length=64, blank=True, db_index=True)
    to = models.JSONField(_("recipients"), default=list)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    # [{"name": "file.pdf", "type": "application/pdf", "path": "<private storage name>"}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} → {', '.join(self.to)}"

    @property
    def error_reason(self) -> str:
        """The mail server's answer in ``last_error``, for people: "550 5.1.1 User unknown"
        rather than the exception's repr; the text after the exception's name otherwise."""
        return error_reason(self.last_error)


_SMTP_ANSWER = re.compile(r"\((\d{3}), b?(['\"])(.*?)\2\)")
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def error_reason(last_error: str) -> str:
    answer = _SMTP_ANSWER.search(last_error or "")
    if answer:
        return f"{answer.group(1)} {answer.group(3)}".strip()
    _name, _sep, rest = (last_error or "").partition(": ")
    return _ERRNO.sub("", rest or last_error or "").strip()

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Message(models.Model):
    """A message written to a list of members (spec §6): a draft until it is sent.

    The mails themselves are rows of ``kernel.OutboxMail`` tagged ``message:<id>`` (one per
    household, once-only key ``message:<id>:user:<user id>``). Sending fixes the list
    (``recipient_ids``) and a task writes the mails (``progress`` of ``total`` people done);
    the status goes draft → sending → sent.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("message status", "draft")
        SENDING = "sending", pgettext_lazy("message status", "sending")
        SENT = "sent", pgettext_lazy("message status", "sent")

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("group"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sender"),
    )
    audience = models.CharField(_("recipients"), max_length=32)
    # The catalog or distribution the list is about, for the lists that take one.
    audience_param = models.PositiveBigIntegerField(null=True, blank=True)
    # The list's name when it was sent ("Customers of a catalog: Ferme du Pré").
    audience_label = models.CharField(_("list"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))  # sanitised HTML (messaging.sanitize)
    # [{"name", "type", "path", "size"}] in the private storage.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    test_sent_at = models.DateTimeField(_("test sent"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    # The people of the list when "send" was pressed, and how many of them the task has done.
    recipient_ids = models.JSONField(default=list, blank=True)
    total = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject or str(_("(no subject)"))

    @property
    def is_draft(self) -> bool:
        return self.sent_at is None

    @property
    def tag(self) -> str:
        return f"message:{self.pk}"

"""Distribution day: generated documents, absences, validations, moves and the mail sent once.

The ``day`` app's own models (their tables were the orders app's until the move to ``day``).

* ``SummaryDocument``: a PDF built by a worker (spec §7), kept until the orders change: its
  ``fingerprint`` sums up the orders it was made from, and a document whose fingerprint no longer
  matches is built again.
* ``BasketAbsence``: a member who did not come to collect their basket (spec §6). Their order is
  still owed, but their payments are not taken as received when the distribution is validated.
* ``DistributionValidation``: one validation of a general distribution, with what it changed
  (the ledger's confirmation batch) so that a reversal restores exactly that (decision 5).
* ``DistributionMove``: the log of postponements (spec §4.5, user-requests item 8).
* ``DayMailSent``: the automatic mails sent once per distribution (producer order forms,
  validation reminders), which makes the hourly jobs idempotent.
* ``BasketValidation``: one member's basket validated on its own before the distribution
  (spec §6 item 2), with the ledger's confirmation batch its reversal puts back.
* ``CashFloat``: the till's opening float of a distribution (spec §7 "Encaissements").
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_name, private_storage

# A document still being built after this long is taken as lost (worker stopped) and rebuilt.
STALE_AFTER = timedelta(minutes=15)


def summary_upload_to(instance: SummaryDocument, filename: str) -> str:
    return private_name("summaries", filename)


class SummaryDocument(models.Model):
    class Kind(models.TextChoices):
        MEMBERS = "members", _("Orders by member")
        MEMBERS_PAGES = "members_pages", _("Orders by member, one per page")
        PRODUCTS = "products", _("Orders by product")
        PRODUCERS = "producers", _("Orders by producer")
        SIGNATURE = "signature", _("Signature sheet")
        MATRIX = "matrix", _("Products x members")
        CASH = "cash", _("Cash report")
        PRODUCER_FORM = "producer_form", _("Producer order form")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="summary_documents",
        verbose_name=_("distribution"),
    )
    # Producer order forms only: the catalog whose orders the producer prepares.
    distribution = models.ForeignKey(
        "distributions.Distribution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalog at the distribution"),
    )
    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Members' names, phones and amounts: private storage, unguessable name, handed out by
    # ``day_views.document_download`` only.
    file = models.FileField(
        _("file"), upload_to=summary_upload_to, storage=private_storage, blank=True
    )
    # A digest of the orders the document was built from (see ``day.summaries.fingerprint``).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    # The catalogs a coordinator's document covers (their own); None: every catalog.
    catalogs = models.JSONField(_("catalogs"), null=True, blank=True)
    # Long member lists are laid out in parts by several tasks, then joined (day.pdf).
    parts = models.PositiveSmallIntegerField(_("parts"), default=1)
    # Indexes of the parts whose PDF is written in full (a file's presence is not enough: another
    # task may still be writing it).
    parts_ready = models.JSONField(_("parts laid out"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)

    class Meta:
        verbose_name = _("summary document")
        verbose_name_plural = _("summary documents")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["group", "multidistrib", "kind", "language"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.multidistrib_id} ({self.language})"

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def is_lost(self) -> bool:
        """Still "being built" long after it was asked for: its worker stopped."""
        return (
            self.status in (self.Status.PENDING, self.Status.RUNNING)
            and self.created_at < timezone.now() - STALE_AFTER
        )


class BasketAbsence(models.Model):
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    basket = models.OneToOneField(
        "orders.Basket",
        on_delete=models.CASCADE,
        related_name="absence",
        verbose_name=_("basket"),
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked"), default=timezone.now)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")

    def __str__(self) -> str:
        return f"{self.basket_id}"


class DistributionValidation(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Being validated")
        DONE = "done", _("Validated")
        FAILED = "failed", _("Failed")
        REVERSED = "reversed", _("Reversed")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="validations",
        verbose_name=_("distribution"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The ledger's confirmation batches (payments.Operation.confirmation_batch), one per chunk
    # of baskets; empty when nothing was pending.
    batches = models.JSONField(_("confirmation batches"), default=list, blank=True)
    operation_ids = models.JSONField(_("operations confirmed"), default=list, blank=True)
    baskets = models.PositiveIntegerField(_("baskets"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validated by"),
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reversed by"),
    )
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reversal_reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("validation")
        verbose_name_plural = _("validations")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.multidistrib_id} {self.status}"


class DistributionMove(models.Model):
    """One postponement: a catalog's (or every catalog's) orders moved to another distribution."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    source = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("from"),
    )
    target = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("to"),
    )
    # Kept as text too: the log must still read well once a distribution is deleted.
    source_label = models.CharField(_("from"), max_length=128)
    target_label = models.CharField(_("to"), max_length=128)
    catalogs = models.JSONField(_("catalogs"), default=list)
    baskets_moved = models.PositiveIntegerField(_("baskets moved"), default=0)
    baskets_merged = models.PositiveIntegerField(_("baskets merged"), default=0)
    lines = models.PositiveIntegerField(_("order lines"), default=0)
    members_notified = models.PositiveIntegerField(_("members notified"), default=0)
    catalogs_extended = models.JSONField(_("catalogs extended"), default=list, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moved by"),
    )
    moved_at = models.DateTimeField(_("moved"), default=timezone.now)

    class Meta:
        verbose_name = _("postponement")
        verbose_name_plural = _("postponements")
        ordering = ["-moved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source_label} → {self.target_label}"


class DayMailSent(models.Model):
    class Kind(models.TextChoices):
        PRODUCER_FORM = "producer_form", _("Order form to the producer")
        VALIDATION_REMINDER = "validation_reminder", _("Reminder to validate")
        VALIDATION_REMINDER_LATE = "validation_reminder_late", _("Second reminder to validate")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("distribution"),
    )
    # Producer order forms: the catalog at the distribution; null for reminders.
    distribution = models.ForeignKey(
        "distributions.Distribution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalog at the distribution"),
    )
    kind = models.CharField(_("mail"), max_length=24, choices=Kind.choices)
    recipients = models.JSONField(_("recipients"), default=list)
    # False for the automatic sending (once), True for a sending by hand (as often as asked).
    by_hand = models.BooleanField(_("sent by hand"), default=False)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )

    class Meta:
        verbose_name = _("distribution mail")
        verbose_name_plural = _("distribution mails")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "multidistrib", "distribution"],
                condition=models.Q(by_hand=False, distribution__isnull=False),
                name="daymail_automatic_once_per_catalog",
            ),
            models.UniqueConstraint(
                fields=["kind", "multidistrib"],
                condition=models.Q(by_hand=False, distribution__isnull=True),
                name="daymail_automatic_once_per_distribution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.multidistrib_id}"


class DayCorrection(models.Model):
    """A validation tool applied to one product at one distribution (spec §6 items 3-4):
    a price change or "product not delivered", with what each line was before, so that
    ``day.tools.correction_undo`` puts every line back (issue 13)."""

    class Kind(models.TextChoices):
        PRICE = "price", _("Price change")
        NOT_DELIVERED = "not_delivered", _("Product not delivered")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("distribution"),
    )
    product = models.ForeignKey(
        "catalogs.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    product_name = models.CharField(_("product name"), max_length=200)
    kind = models.CharField(_("correction"), max_length=16, choices=Kind.choices)
    new_price = models.DecimalField(
        _("new price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # [{"line": id, "basket": id, "unit_price": "2.35", "quantity": "1.500", ...}], before.
    lines = models.JSONField(_("lines before"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("validation correction")
        verbose_name_plural = _("validation corrections")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.product_name}"


class BasketValidation(models.Model):
    """A basket validated on its own, before the whole distribution (spec §6 item 2).

    The distribution's validation skips it; reversing either puts back to pending exactly the
    ledger rows of ``batch`` and deletes this row (the audit log keeps the history)."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    basket = models.OneToOneField(
        "orders.Basket",
        on_delete=models.CASCADE,
        related_name="day_validation",
        verbose_name=_("basket"),
    )
    batch = models.UUIDField(_("confirmation batch"), null=True, blank=True)
    operation_ids = models.JSONField(_("operations confirmed"), default=list, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validated by"),
    )
    validated_at = models.DateTimeField(_("validated"), default=timezone.now)

    class Meta:
        verbose_name = _("basket validation")
        verbose_name_plural = _("basket validations")

    def __str__(self) -> str:
        return f"{self.basket_id}"


class CashFloat(models.Model):
    """The money in the till before the distribution ("fond de caisse", spec §7)."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.OneToOneField(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="cash_float",
        verbose_name=_("distribution"),
    )
    amount = models.DecimalField(_("cash float"), max_digits=10, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    updated_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("cash float")
        verbose_name_plural = _("cash floats")

    def __str__(self) -> str:
        return f"{self.multidistrib_id}: {self.amount}"

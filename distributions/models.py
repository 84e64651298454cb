"""Distributions: dates and places (MultiDistrib), catalogs taking part (Distribution), recurring
cycles, volunteer duties, time slots and home delivery (spec §1.6-1.8, §4, §8-§10).

Every datetime is aware and meant to be shown in the group's time zone (decision 1). A
MultiDistrib also stores its local ``date`` so the rule "one general distribution per place per
day" is a plain unique constraint.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """Where a distribution stands (spec §1.6 getState)."""

    NOT_YET_OPEN = "not_yet_open", _("Orders not yet open")
    OPEN = "open", _("Orders open")
    CLOSED = "closed", _("Orders closed")
    # Started and not validated yet: the team still has to validate it (decision 5, issue 13).
    DISTRIBUTED = "distributed", _("To validate")
    VALIDATED = "validated", _("Validated")
    # Called off by the team (``distributions.services.md_cancel``): no orders, nothing to validate.
    CANCELLED = "cancelled", _("Cancelled")


class DistributionCycle(models.Model):
    """A recurring series of distributions generated at once (spec §1.8, §4.2)."""

    class CycleType(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        BIWEEKLY = "biweekly", _("Every 2 weeks")
        TRIWEEKLY = "triweekly", _("Every 3 weeks")
        MONTHLY = "monthly", _("Every month")

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="distribution_cycles",
        verbose_name=_("group"),
    )
    place = models.ForeignKey(
        "groups.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    cycle_type = models.CharField(_("frequency"), max_length=16, choices=CycleType.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    start_time = models.TimeField(_("distribution starts at"))
    end_time = models.TimeField(_("distribution ends at"))
    order_open_days_before = models.PositiveSmallIntegerField(_("orders open (days before)"))
    order_open_time = models.TimeField(_("orders open at"))
    order_close_days_before = models.PositiveSmallIntegerField(_("orders close (days before)"))
    order_close_time = models.TimeField(_("orders close at"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("distribution cycle")
        verbose_name_plural = _("distribution cycles")
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="cycle_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_cycle_type_display()} {self.start_date} → {self.end_date}"


class VolunteerRole(models.Model):
    """A duty at distributions: general (no catalog) or tied to one catalog (spec §8)."""

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="volunteer_roles",
        verbose_name=_("group"),
    )
    name = models.CharField(_("name"), max_length=64)
    catalog = models.ForeignKey(
        "catalogs.Catalog",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="volunteer_roles",
        verbose_name=_("catalog"),
        help_text=_("Leave empty for a role needed at every distribution."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")
        ordering = ["catalog_id", "name", "pk"]

    def __str__(self) -> str:
        if self.catalog_id:
            return f"{self.name} - {self.catalog.vendor.name}"
        return self.name

    @property
    def is_general(self) -> bool:
        return self.catalog_id is None

    def clean(self) -> None:
        super().clean()
        if self.catalog_id and self.catalog.group_id != self.group_id:
            raise ValidationError({"catalog": _("Choose a catalog of this group.")})


class MultiDistribQuerySet(models.QuerySet["MultiDistrib"]):
    def upcoming(self, now: datetime | None = None):
        return self.filter(end_at__gte=now or timezone.now())

    def past(self, now: datetime | None = None):
        return self.filter(end_at__lt=now or timezone.now())


class MultiDistrib(models.Model):
    """A general distribution: one date and one place where several catalogs deliver."""

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="multidistribs",
        verbose_name=_("group"),
    )
    place = models.ForeignKey(
        "groups.Place",
        on_delete=models.PROTECT,
        related_name="multidistribs",
        verbose_name=_("place"),
    )
    cycle = models.ForeignKey(
        DistributionCycle,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="multidistribs",
        verbose_name=_("cycle"),
    )
    # The local day of start_at in the group's time zone; kept by clean().
    date = models.DateField(_("date"), editable=False, blank=True)
    start_at = models.DateTimeField(_("starts"))
    end_at = models.DateTimeField(_("ends"))
    # Default order window, copied to the catalogs that join (market mode).
    orders_open_at = models.DateTimeField(_("orders open"))
    orders_close_at = models.DateTimeField(_("orders close"))
    roles = models.ManyToManyField(
        VolunteerRole,
        through="DutyNeed",
        related_name="multidistribs",
        blank=True,
        verbose_name=_("volunteer roles"),
    )

    # Home delivery (spec §10): members may ask for their order to be brought to their address.
    delivery_enabled = models.BooleanField(_("home delivery"), default=False)
    delivery_fee = models.DecimalField(
        _("delivery fee"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    delivery_starts_at = models.DateTimeField(_("deliveries from"), null=True, blank=True)
    delivery_ends_at = models.DateTimeField(_("deliveries until"), null=True, blank=True)
    delivery_note = models.TextField(_("delivery information"), blank=True)

    # Time slots (spec §9): null means off; otherwise the length of each slot, in minutes.
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), null=True, blank=True
    )
    slots_resolved_at = models.DateTimeField(_("slots assigned"), null=True, blank=True)

    # The call for volunteers already sent (idempotency of the hourly job).
    vacant_roles_mailed_at = models.DateTimeField(
        _("call for volunteers sent"), null=True, blank=True
    )

    # Set by the validation of the distribution (orders issue).
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    # Set when the team cancels the whole distribution (its orders cancelled, card payments
    # refunded, members told); the reason goes into the members' e-mail.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = MultiDistribQuerySet.as_manager()

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["start_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "date"],
                name="multidistrib_one_per_place_per_day",
                violation_error_message=_(
                    "There is already a distribution at this place that day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(start_at__lt=F("end_at")),
                name="multidistrib_starts_before_end",
                violation_error_message=_("The distribution must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(orders_open_at__lte=F("orders_close_at")),
                name="multidistrib_orders_open_before_close",
                violation_error_message=_("Orders must open before they close."),
            ),
            models.CheckConstraint(
                condition=Q(orders_close_at__lte=F("start_at")),
                name="multidistrib_orders_close_before_start",
                violation_error_message=_("Orders must close before the distribution starts."),
            ),
            models.CheckConstraint(
                condition=Q(delivery_fee__gte=0),
                name="multidistrib_delivery_fee_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["group", "start_at"])]

    def __str__(self) -> str:
        local = self.local_start
        return f"{local:%Y-%m-%d %H:%M} {self.place}"

    # Local times, in the group's time zone.
    @property
    def tz(self):
        return self.group.tzinfo

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.start_at, self.tz)

    @property
    def local_end(self) -> datetime:
        return timezone.localtime(self.end_at, self.tz)

    def clean(self) -> None:
        super().clean()
        if self.start_at is None or self.end_at is None:
            return
        self.date = timezone.localtime(self.start_at, self.tz).date()
        errors: dict[str, list] = {}
        if self.place_id and self.place.group_id != self.group_id:
            errors.setdefault("place", []).append(_("Choose a place of this group."))
        if timezone.localtime(self.end_at, self.tz).date() != self.date:
            errors.setdefault("end_at", []).append(
                _("The distribution must end on the day it starts.")
            )
        if self.end_at <= self.start_at:
            errors.setdefault("end_at", []).append(_("The distribution must end after it starts."))
        if self.orders_open_at and self.orders_close_at:
            if self.orders_close_at > self.start_at:
                errors.setdefault("orders_close_at", []).append(
                    _("Orders must close before the distribution starts.")
                )
            if self.orders_open_at > self.orders_close_at:
                errors.setdefault("orders_open_at", []).append(
                    _("Orders must open before they close.")
                )
        if self.delivery_enabled:
            if self.delivery_starts_at is None or self.delivery_ends_at is None:
                errors.setdefault("delivery_starts_at", []).append(_("Give the delivery window."))
            elif self.delivery_ends_at <= self.delivery_starts_at:
                errors.setdefault("delivery_ends_at", []).append(
                    _("Deliveries must end after they start.")
                )
        if errors:
            raise ValidationError(errors)

    # Order window and state. These read ``distributions.all()`` so a prefetch serves lists.
    def order_window(self) -> tuple[datetime, datetime]:
        """Earliest opening and latest closing over its catalogs; the default window without any."""
        distributions = list(self.distributions.all())
        if not distributions:
            return self.orders_open_at, self.orders_close_at
        return (
            min(d.orders_open_at for d in distributions),
            max(d.orders_close_at for d in distributions),
        )

    def state(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.cancelled_at is not None:
            return State.CANCELLED
        if self.validated_at is not None:
            return State.VALIDATED
        if now >= self.start_at:
            return State.DISTRIBUTED
        opens, closes = self.order_window()
        if now < opens:
            return State.NOT_YET_OPEN
        if now < closes:
            return State.OPEN
        return State.CLOSED

    def get_state_display(self) -> str:
        return State(self.state()).label

    def is_open(self, now: datetime | None = None) -> bool:
        return self.state(now) == State.OPEN

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def slots_enabled(self) -> bool:
        return self.slot_minutes is not None

    def volunteers_can_join(self, now: datetime | None = None) -> bool:
        """Sign-up opens group.duty_signup_days before the start and ends when it starts."""
        now = now or timezone.now()
        opens = self.start_at - timedelta(days=self.group.duty_signup_days)
        return (
            self.validated_at is None and self.cancelled_at is None and opens <= now < self.start_at
        )


class Distribution(models.Model):
    """One catalog taking part in a general distribution, with its own order window."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        MultiDistrib,
        on_delete=models.CASCADE,
        related_name="distributions",
        verbose_name=_("distribution"),
    )
    catalog = models.ForeignKey(
        "catalogs.Catalog",
        on_delete=models.CASCADE,
        related_name="distributions",
        verbose_name=_("catalog"),
    )
    orders_open_at = models.DateTimeField(_("orders open"))
    orders_close_at = models.DateTimeField(_("orders close"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("catalog at a distribution")
        verbose_name_plural = _("catalogs at distributions")
        ordering = ["multidistrib__start_at", "catalog__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["multidistrib", "catalog"],
                name="distribution_one_per_catalog",
                violation_error_message=_("This catalog already takes part in this distribution."),
            ),
            models.CheckConstraint(
                condition=Q(orders_open_at__lte=F("orders_close_at")),
                name="distribution_orders_open_before_close",
                violation_error_message=_("Orders must open before they close."),
            ),
        ]
        indexes = [models.Index(fields=["catalog", "orders_close_at"])]

    def __str__(self) -> str:
        return f"{self.catalog} @ {self.multidistrib}"

    def clean(self) -> None:
        super().clean()
        md, catalog = self.multidistrib, self.catalog
        errors: dict[str, list] = {}
        if catalog.group_id != self.group_id or md.group_id != self.group_id:
            errors.setdefault("catalog", []).append(_("Choose a catalog of this group."))
        elif not catalog.is_active_on(md.date):
            errors.setdefault("catalog", []).append(
                _(
                    "The distribution of %(date)s is outside the dates of the catalog %(catalog)s (%(start)s - %(end)s)."
                )
                % {
                    "date": formats.date_format(md.date, "SHORT_DATE_FORMAT"),
                    "catalog": catalog.name,
                    "start": formats.date_format(catalog.start_date, "SHORT_DATE_FORMAT"),
                    "end": formats.date_format(catalog.end_date, "SHORT_DATE_FORMAT"),
                }
            )
        if self.orders_close_at and self.orders_close_at > md.start_at:
            errors.setdefault("orders_close_at", []).append(
                _("Orders must close before the distribution starts.")
            )
        if (
            self.orders_open_at
            and self.orders_close_at
            and self.orders_open_at > self.orders_close_at
        ):
            errors.setdefault("orders_open_at", []).append(_("Orders must open before they close."))
        if errors:
            raise ValidationError(errors)

    def state(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        md = self.multidistrib
        if md.cancelled_at is not None:
            return State.CANCELLED
        if md.validated_at is not None:
            return State.VALIDATED
        if now >= md.start_at:
            return State.DISTRIBUTED
        if now < self.orders_open_at:
            return State.NOT_YET_OPEN
        if now < self.orders_close_at:
            return State.OPEN
        return State.CLOSED

    def get_state_display(self) -> str:
        return State(self.state()).label

    def can_order_now(self, now: datetime | None = None) -> bool:
        """Members order online when the catalog allows it and the window is open."""
        return self.catalog.users_can_order and self.state(now) == State.OPEN


class DutyNeed(models.Model):
    """How many people a role needs at one distribution."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        MultiDistrib,
        on_delete=models.CASCADE,
        related_name="duty_needs",
        verbose_name=_("distribution"),
    )
    role = models.ForeignKey(
        VolunteerRole, on_delete=models.CASCADE, related_name="needs", verbose_name=_("role")
    )
    people = models.PositiveSmallIntegerField(
        _("people needed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )

    class Meta:
        verbose_name = _("volunteers needed")
        verbose_name_plural = _("volunteers needed")
        ordering = ["role__catalog_id", "role__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["multidistrib", "role"], name="dutyneed_unique_role"),
            models.CheckConstraint(condition=Q(people__gte=1), name="dutyneed_at_least_one"),
        ]

    def __str__(self) -> str:
        return f"{self.role} x {self.people}"


class Duty(models.Model):
    """A volunteer holding a role at one distribution."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    need = models.ForeignKey(
        DutyNeed, on_delete=models.CASCADE, related_name="duties", verbose_name=_("role")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="duties",
        verbose_name=_("volunteer"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    # The reminder e-mail already sent to this volunteer (idempotency of the hourly job).
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["need__multidistrib__start_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["need", "user"], name="duty_once_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.need.role}"


class TimeSlot(models.Model):
    """One pick-up slot of a distribution (spec §9)."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        MultiDistrib, on_delete=models.CASCADE, related_name="slots", verbose_name=_("distribution")
    )
    start_at = models.DateTimeField(_("from"))
    end_at = models.DateTimeField(_("to"))
    # Most members in this slot; null means no limit (decision 14).
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["start_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(start_at__lt=F("end_at")), name="slot_ordered"),
        ]

    def __str__(self) -> str:
        tz = self.group.tzinfo
        return f"{timezone.localtime(self.start_at, tz):%H:%M}-{timezone.localtime(self.end_at, tz):%H:%M}"


class SlotRequest(models.Model):
    """The slots a member can come in, and the one they were given."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        MultiDistrib,
        on_delete=models.CASCADE,
        related_name="slot_requests",
        verbose_name=_("distribution"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="slot_requests",
        verbose_name=_("member"),
    )
    # Empty for members placed by the second pass (ordered without choosing).
    slots = models.ManyToManyField(
        TimeSlot, related_name="requests", blank=True, verbose_name=_("acceptable slots")
    )
    assigned_slot = models.ForeignKey(
        TimeSlot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("slot given"),
    )
    assigned_manually = models.BooleanField(_("set by an admin"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("slot request")
        verbose_name_plural = _("slot requests")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["multidistrib", "user"], name="slotrequest_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.multidistrib_id}"


class DeliveryRequest(models.Model):
    """A member's order brought to their address (spec §10)."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        MultiDistrib,
        on_delete=models.CASCADE,
        related_name="delivery_requests",
        verbose_name=_("distribution"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delivery_requests",
        verbose_name=_("member"),
    )
    address1 = models.CharField(_("address"), max_length=128)
    address2 = models.CharField(_("address (continued)"), max_length=128, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16)
    city = models.CharField(_("city"), max_length=64)
    phone = models.CharField(_("phone"), max_length=24, blank=True)
    note = models.CharField(_("instructions for the delivery"), max_length=255, blank=True)
    # The fee when the member asked: a later change of the fee does not reprice their request.
    fee = models.DecimalField(
        _("delivery fee"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)

    class Meta:
        verbose_name = _("home delivery")
        verbose_name_plural = _("home deliveries")
        ordering = ["postcode", "city", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["multidistrib", "user"], name="deliveryrequest_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.full_address}"

    @property
    def full_address(self) -> str:
        lines = [self.address1, self.address2, f"{self.postcode} {self.city}".strip()]
        return ", ".join(line for line in lines if line)


def new_calendar_token() -> str:
    return get_random_string(40)


class CalendarToken(models.Model):
    """The secret in a member's personal iCal feed URL (no login: calendar apps can't log in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")

    def __str__(self) -> str:
        return str(self.user)

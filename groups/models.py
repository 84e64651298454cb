import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Slugs that would collide with fixed routes under /g/ or read like them.
RESERVED_SLUGS = frozenset({"new", "create", "map", "manage", "admin", "api", "static", "media"})


def default_vat_rates() -> list[dict]:
    return [{"label": "TVA alimentaire", "rate": "5.5"}, {"label": "TVA standard", "rate": "20"}]


def default_payment_types() -> list[str]:
    return ["cash", "cheque"]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."))


class PaymentType(models.TextChoices):
    """Ways a member can pay; the payments app gives each its behaviour."""

    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    TRANSFER = "transfer", _("Bank transfer")
    CARD_TERMINAL = "card_terminal", _("Card on the spot")
    MONEYPOT = "moneypot", _("Money pot (prepaid credit)")
    ONLINE = "online", _("Online card payment")


def live_group_q(path: str = "group") -> models.Q:
    """Rows whose group, reached through ``path`` ("group", "multidistrib__group", or "" for
    groups themselves), is not deleted: the one spelling of "a live group" for related lookups."""
    return models.Q(**{f"{path}__deleted_at__isnull" if path else "deleted_at__isnull": True})


class GroupQuerySet(models.QuerySet["Group"]):
    def alive(self):
        return self.filter(live_group_q(""))

    def deleted(self):
        return self.exclude(live_group_q(""))


class Group(models.Model):
    """A food distribution point: the tenant of every other group-owned row."""

    class GroupType(models.TextChoices):
        CSA = "csa", _("CSA (AMAP)")
        GROUPED_ORDERS = "grouped_orders", _("Grouped orders")
        PRODUCER_DRIVE = "producer_drive", _("Producers' drive")
        FARM_SHOP = "farm_shop", _("Farm shop")

    class Registration(models.TextChoices):
        OPEN = "open", _("Open: anyone can join")
        WAITING_LIST = "waiting_list", _("Waiting list: admins accept requests")
        CLOSED = "closed", _("Closed: admins add members")
        FULL = "full", _("Full: no new members")

    name = models.CharField(_("name"), max_length=64)
    slug = models.SlugField(_("address"), max_length=64, unique=True)
    group_type = models.CharField(
        _("type"), max_length=24, choices=GroupType.choices, default=GroupType.PRODUCER_DRIVE
    )
    shop_mode = models.BooleanField(
        _("market mode"),
        default=True,
        help_text=_(
            "Members order freely for each distribution; off means CSA mode (subscriptions)."
        ),
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    legal_representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("legal representative"),
    )
    intro = models.TextField(
        _("short presentation"), blank=True, help_text=_("Shown on the public page.")
    )
    home_text = models.TextField(
        _("text for members"), blank=True, help_text=_("Shown to members on the group's page.")
    )
    sheet_text = models.TextField(_("text on distribution sheets"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="groups/logos/", blank=True)

    registration = models.CharField(
        _("registration"), max_length=16, choices=Registration.choices, default=Registration.OPEN
    )
    phone_required = models.BooleanField(_("members must give a phone number"), default=False)
    address_required = models.BooleanField(_("members must give an address"), default=False)
    hide_phone = models.BooleanField(
        _("hide the contact's phone on the public page"), default=False
    )
    listed_on_map = models.BooleanField(_("list the group on the map"), default=True)
    show_third_category_level = models.BooleanField(
        _("group products by product kind in the shop"), default=False
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )

    # Payments.
    has_payments = models.BooleanField(_("manage payments and balances"), default=True)
    payment_types = models.JSONField(
        _("accepted payment types"), default=default_payment_types, blank=True
    )
    cheque_payee = models.CharField(_("cheques payable to"), max_length=64, blank=True)
    iban = models.CharField(_("IBAN for transfers"), max_length=40, blank=True)
    allow_negative_moneypot = models.BooleanField(_("allow a negative money pot"), default=False)
    moneypot_floor = models.DecimalField(
        _("lowest money pot balance allowed"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("Only used when a negative money pot is allowed (for example -20.00)."),
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    vat_rates = models.JSONField(_("VAT rates"), default=default_vat_rates, blank=True)

    # Volunteers (spec §1.1).
    volunteers_mail_days = models.PositiveSmallIntegerField(
        _("days before a duty to e-mail volunteers"),
        default=4,
        validators=[MinValueValidator(2), MaxValueValidator(15)],
    )
    volunteers_mail_content = models.TextField(
        _("e-mail to volunteers"),
        blank=True,
        help_text=_("Tokens: [DATE_DISTRIBUTION] [LIEU_DISTRIBUTION] [LISTE_BENEVOLES]"),
    )
    vacant_roles_mail_days = models.PositiveSmallIntegerField(
        _("days before a duty to call for volunteers"),
        default=7,
        validators=[MinValueValidator(2), MaxValueValidator(15)],
    )
    vacant_roles_mail_content = models.TextField(
        _("e-mail calling for volunteers"),
        blank=True,
        help_text=_("Tokens: [DATE_DISTRIBUTION] [LIEU_DISTRIBUTION] [ROLES_MANQUANTS]"),
    )
    duty_signup_days = models.PositiveSmallIntegerField(
        _("days ahead volunteers may sign up"),
        default=60,
        validators=[MinValueValidator(7), MaxValueValidator(181)],
    )

    # Membership fees (spec §5, decision 3).
    has_membership = models.BooleanField(_("membership fees"), default=False)
    membership_fee = models.DecimalField(
        _("membership fee"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty for a free amount."),
    )
    membership_renewal_month = models.PositiveSmallIntegerField(
        _("renewal month"), default=9, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    membership_renewal_day = models.PositiveSmallIntegerField(
        _("renewal day"), default=1, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    membership_required_to_order = models.BooleanField(
        _("membership required to order"), default=False
    )
    membership_payment_info = models.TextField(
        _("how to pay the membership fee"),
        blank=True,
        help_text=_("Shown to members who have not paid yet, in the shop and in reminders."),
    )
    membership_reminder_days = models.PositiveSmallIntegerField(
        _("days before the renewal to remind members"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    main_place = models.ForeignKey(
        "groups.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("main place"),
    )
    # The guided start of the management home (issue 18) stays until every step is done or an
    # admin hides it.
    guided_start_hidden_at = models.DateTimeField(
        _("guided start hidden"), null=True, blank=True, editable=False
    )
    # Date of the last planned distribution, kept by the distributions app; the map lists a group
    # only while it has one ahead (decision 10).
    active_until = models.DateField(
        _("distributions planned until"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deleted by"),
    )

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:detail", kwargs={"group_slug": self.slug})

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def payments_enabled(self) -> bool:
        """Shop payments need market mode; CSA groups pay per subscription (spec §1.2)."""
        return self.has_payments and self.shop_mode

    def vat_rate_choices(self) -> list[tuple[str, str]]:
        return [(str(r["rate"]), f"{r['label']} ({r['rate']} %)") for r in self.vat_rates or []]

    def clean(self) -> None:
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": _("This address is reserved, please choose another one.")}
            )
        types = list(self.payment_types or [])
        unknown = [t for t in types if t not in PaymentType.values]
        if unknown:
            raise ValidationError({"payment_types": _("Unknown payment type.")})
        if PaymentType.MONEYPOT in types and len(types) > 1:
            raise ValidationError(
                {"payment_types": _("The money pot cannot be combined with other payment types.")}
            )
        if self.moneypot_floor > 0:
            raise ValidationError({"moneypot_floor": _("The floor must be zero or negative.")})


class Place(models.Model):
    """Where distributions happen. Coordinates are picked on a map; no GIS database."""

    COUNTRIES = [
        ("FR", _("France")),
        ("BE", _("Belgium")),
        ("CH", _("Switzerland")),
        ("LU", _("Luxembourg")),
        ("ES", _("Spain")),
        ("IT", _("Italy")),
        ("DE", _("Germany")),
        ("CA", _("Canada")),
    ]

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="places", verbose_name=_("group")
    )
    name = models.CharField(_("name"), max_length=64)
    address1 = models.CharField(_("address"), max_length=128, blank=True)
    address2 = models.CharField(_("address (continued)"), max_length=128, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16)
    city = models.CharField(_("city"), max_length=64)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, default="FR")
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def full_address(self) -> str:
        lines = [self.address1, self.address2, f"{self.postcode} {self.city}".strip()]
        return ", ".join(line for line in lines if line)

    def clean(self) -> None:
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))

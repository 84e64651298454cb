"""Producers (vendors), their catalogs in groups, and products.

Core fields only; the catalogs issue completes them (legal data, producer accounts, links, taxonomy).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Vendor(models.Model):
    """A producer. Global (not owned by one group): several groups can order from it."""

    name = models.CharField(_("name"), max_length=128)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=24, blank=True)
    address1 = models.CharField(_("address"), max_length=128, blank=True)
    address2 = models.CharField(_("address (continued)"), max_length=128, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    description = models.TextField(_("description"), blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="vendors",
        verbose_name=_("producer accounts"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Catalog(models.Model):
    """A producer's offer in one group, ordered at that group's distributions."""

    class Type(models.TextChoices):
        VARIABLE = "variable", _("Variable orders (market mode)")
        CONSTANT = "constant", _("Constant orders (CSA contract)")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="catalogs", verbose_name=_("group")
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="catalogs", verbose_name=_("producer")
    )
    name = models.CharField(_("name"), max_length=64)
    description = models.TextField(_("description"), blank=True)
    catalog_type = models.CharField(
        _("type"), max_length=16, choices=Type.choices, default=Type.VARIABLE
    )
    start_date = models.DateField(_("start"), default=timezone.localdate)
    end_date = models.DateField(_("end"))
    coordinators = models.ManyToManyField(
        "members.Member",
        blank=True,
        related_name="coordinated_catalogs",
        verbose_name=_("coordinators"),
    )
    # Default order window of a distribution, relative to its start.
    order_open_days_before = models.PositiveSmallIntegerField(
        _("orders open (days before)"), default=7
    )
    order_close_hours_before = models.PositiveSmallIntegerField(
        _("orders close (hours before)"), default=24
    )
    users_can_order = models.BooleanField(_("members can order online"), default=True)
    stock_tracked = models.BooleanField(_("track stock"), default=False)
    fee_percent = models.DecimalField(
        _("fee (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fee_label = models.CharField(_("fee label"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("catalog")
        verbose_name_plural = _("catalogs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="catalog_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day) -> bool:
        return self.start_date <= day <= self.end_date

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end must be after the start.")})


class Product(models.Model):
    class Unit(models.TextChoices):
        PIECE = "piece", _("piece")
        GRAM = "g", _("g")
        KILOGRAM = "kg", _("kg")
        MILLILITRE = "ml", _("ml")
        CENTILITRE = "cl", _("cl")
        LITRE = "l", _("L")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    catalog = models.ForeignKey(
        Catalog, on_delete=models.CASCADE, related_name="products", verbose_name=_("catalog")
    )
    name = models.CharField(_("name"), max_length=128)
    ref = models.CharField(_("reference"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    image = models.ImageField(_("photo"), upload_to="products/", blank=True)
    unit_type = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.PIECE)
    unit_quantity = models.DecimalField(
        _("quantity per unit"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    price = models.DecimalField(
        _("price incl. VAT"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, default=Decimal("5.5")
    )
    variable_weight = models.BooleanField(
        _("variable weight"),
        default=False,
        help_text=_("Weighed at the distribution; the price is adjusted then."),
    )
    multi_weight = models.BooleanField(_("weighed piece by piece"), default=False)
    bulk = models.BooleanField(_("bulk"), default=False)
    organic = models.BooleanField(_("organic"), default=False)
    # Units left to sell; null means not limited. Never negative (database CHECK).
    stock = models.DecimalField(_("stock"), max_digits=12, decimal_places=3, null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0), name="product_stock_not_negative"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]
        indexes = [models.Index(fields=["catalog", "active"])]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        if self.multi_weight:
            self.variable_weight = True
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.unit_quantity and self.unit_type != self.Unit.PIECE:
            qty = format(self.unit_quantity.normalize(), "f")
            return f"{self.name} {qty} {self.get_unit_type_display()}"
        return self.name

    @property
    def allows_decimal_quantity(self) -> bool:
        """Whole units unless the product is weighed or sold in bulk (spec §1.5); decided here only."""
        return self.variable_weight or self.bulk

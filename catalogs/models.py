"""Producers (vendors), their catalogs in groups, products, producer accounts and catalog links.

* ``Vendor``: a producer, global (several groups order from it), with a public profile and the
  legal data French law requires (decision 13: incomplete legal data blocks opening orders).
* ``Catalog`` / ``Product``: a producer's offer in one group. Products carry ``group`` directly.
* ``ProducerCatalog`` / ``ProducerProduct``: the catalog a producer keeps in their own space
  (``/producer/``), linked to many groups' catalogs by ``CatalogLink`` and synced by reference.
* ``VendorInvitation``: a group invites a producer (by e-mail, random code) to supply it.

Prices are Decimal, including VAT. The orders app copies price and unit into its order lines, so
editing a product here never changes an order already placed (decision 7).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from catalogs.reference import (
    COOPERATIVE_STATUSES,
    legal_status_choices,
    naf_choices,
    profession_choices,
    professions,
    taxonomy,
)
from catalogs.validators import siret_is_valid, validate_naf_code, validate_siret
from kernel import money
from kernel.images import ImageField

LATITUDE_VALIDATORS = [MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]
LONGITUDE_VALIDATORS = [MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))]
# The highest price a product may have, typed or imported (design §10: a sane maximum per line).
MAX_PRICE = Decimal("99999.99")
# Code of the error when a producer's e-mail address is already used by another one.
EMAIL_TAKEN = "vendor_email_taken"
# The most of a product one order line may hold, in the product's unit (design §10: a typing
# mistake must not become a debt of billions); a catalog may set a lower maximum. ``orders``
# enforces it.
MAX_QUANTITY_PER_LINE = 1000


class Vendor(models.Model):
    """A producer. Either a producer account's record (``managers``), which any group reaches
    through its public profile, or a record a group typed in (``owner_group``), private to that
    group (decision 18): another group never attaches it by its id."""

    class BlockedReason(models.TextChoices):
        NOT_COMPLIANT = "not_compliant", _("Does not comply with the producers' charter")
        BANNED = "banned", _("Banned by the operators")

    name = models.CharField(_("name"), max_length=128)
    people_name = models.CharField(_("contact person"), max_length=128, blank=True)
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
    owner_group = models.ForeignKey(
        "groups.Group",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("typed in by the group"),
        help_text=_("Empty for the record of a producer account."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    # Public profile.
    profession = models.PositiveSmallIntegerField(
        _("profession"), null=True, blank=True, choices=profession_choices
    )
    profession2 = models.PositiveSmallIntegerField(
        _("second production"), null=True, blank=True, choices=profession_choices
    )
    profession3 = models.PositiveSmallIntegerField(
        _("third production"), null=True, blank=True, choices=profession_choices
    )
    long_description = models.TextField(_("presentation"), blank=True)
    website = models.URLField(_("website"), blank=True)
    image = ImageField(_("logo or main photo"), upload_to="vendors/", blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=LATITUDE_VALIDATORS,
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=LONGITUDE_VALIDATORS,
    )
    listed_in_directory = models.BooleanField(
        _("listed in the producer directory"),
        default=True,
        help_text=_("Groups searching for a producer can find this one."),
    )

    # Legal data (spec payments-members §9).
    legal_name = models.CharField(_("legal name"), max_length=128, blank=True)
    siret = models.CharField(
        _("SIRET number"),
        max_length=14,
        blank=True,
        db_index=True,
        validators=[validate_siret],
        help_text=_("14 digits."),
    )
    legal_status = models.IntegerField(
        _("legal status"), null=True, blank=True, choices=legal_status_choices
    )
    naf_code = models.CharField(
        _("activity code (NAF)"),
        max_length=5,
        blank=True,
        choices=naf_choices,
        validators=[validate_naf_code],
    )
    vat_number = models.CharField(
        _("VAT number"), max_length=32, blank=True, help_text=_("Leave empty if not liable to VAT.")
    )
    share_capital = models.PositiveIntegerField(_("share capital (€)"), null=True, blank=True)
    registered_address = models.CharField(
        _("registered office address"), max_length=255, blank=True
    )
    registered_postcode = models.CharField(
        _("registered office postcode"), max_length=16, blank=True
    )
    registered_city = models.CharField(_("registered office city"), max_length=64, blank=True)

    blocked_reason = models.CharField(
        _("blocked"),
        max_length=24,
        choices=BlockedReason.choices,
        blank=True,
        help_text=_("Set by the operators: a blocked producer cannot receive new orders."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]
        constraints = [
            # One producer per e-mail address, whatever its case; many may have none.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="catalogs_vendor_email_unique",
                violation_error_message=_("Another producer already uses this e-mail address."),
                violation_error_code=EMAIL_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # Legal data -------------------------------------------------------------------------------

    LEGAL_FIELDS = (
        "legal_name",
        "siret",
        "legal_status",
        "naf_code",
        "registered_address",
        "registered_postcode",
        "registered_city",
    )

    def legal_data_missing(self) -> list[str]:
        """Labels of the legal fields still missing or invalid; empty when complete."""
        missing = []
        for name in self.LEGAL_FIELDS:
            value = getattr(self, name)
            if value in (None, "") or (name == "siret" and not siret_is_valid(value)):
                missing.append(str(self._meta.get_field(name).verbose_name))
        return missing

    @property
    def legal_data_complete(self) -> bool:
        """Decision 13: until this is true, the producer's catalogs cannot open orders."""
        return not self.legal_data_missing()

    def may_supply(self, group) -> bool:
        """Decision 18: ``group`` may give this producer a new catalog — a producer account's
        record, the group's own record, or one it already has catalogs of (records shared
        before records had an owner)."""
        if self.owner_group_id == group.pk or self.managers.exists():
            return True
        return self.catalogs.filter(group=group).exists()

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked_reason)

    @property
    def profession_names(self) -> list[str]:
        names = professions()
        return [
            names[p] for p in (self.profession, self.profession2, self.profession3) if p in names
        ]

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def legal_mention(self) -> str:
        """``SARL au capital de 5 000 €. TVA : …`` as printed on documents (spec §9)."""
        parts = []
        if self.legal_status is not None:
            status = self.get_legal_status_display().split(" - ", 1)[-1]
            if self.share_capital:
                parts.append(
                    _("%(status)s with a share capital of %(capital)s €")
                    % {"status": status, "capital": f"{self.share_capital:,}".replace(",", " ")}
                )
            else:
                parts.append(status)
        if self.siret:
            parts.append(_("SIRET %(siret)s") % {"siret": self.siret})
        if self.vat_number:
            parts.append(_("VAT number: %(vat)s") % {"vat": self.vat_number})
        else:
            parts.append(_("Not liable to VAT"))
        return ". ".join(str(p) for p in parts)

    def validate_constraints(self, exclude=None) -> None:
        """As Django's, with the e-mail constraint's error next to the ``email`` field."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors: dict[str, list[ValidationError]] = {}
            for field, field_errors in exc.error_dict.items():
                for error in field_errors:
                    key = "email" if error.code == EMAIL_TAKEN else field
                    errors.setdefault(key, []).append(error)
            raise ValidationError(errors) from exc

    def clean(self) -> None:
        super().clean()
        self.siret = "".join(ch for ch in self.siret if ch.isalnum())
        self.naf_code = self.naf_code.replace(".", "").replace(" ", "").upper()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))
        if self.siret and self.legal_status not in COOPERATIVE_STATUSES:
            clash = Vendor.objects.filter(siret=self.siret).exclude(pk=self.pk)
            clash = clash.exclude(legal_status__in=COOPERATIVE_STATUSES)
            if clash.exists():
                raise ValidationError(
                    {
                        "siret": _(
                            "Another producer already uses this SIRET number. Only cooperatives may share one."
                        )
                    }
                )


class VendorPhoto(models.Model):
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="photos", verbose_name=_("producer")
    )
    image = ImageField(_("photo"), upload_to="vendors/photos/")
    caption = models.CharField(_("caption"), max_length=128, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("producer photo")
        verbose_name_plural = _("producer photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name


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
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    fee_label = models.CharField(_("fee label"), max_length=64, blank=True)
    # Empty: the platform's maximum (MAX_QUANTITY_PER_LINE).
    max_quantity_per_line = models.PositiveIntegerField(
        _("maximum quantity per order line"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY_PER_LINE)],
    )
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

    def get_absolute_url(self) -> str:
        return reverse(
            "catalogs:detail", kwargs={"group_slug": self.group.slug, "catalog_id": self.pk}
        )

    def is_active_on(self, day) -> bool:
        return self.start_date <= day <= self.end_date

    def is_ended(self, today=None) -> bool:
        return self.end_date < (today or timezone.localdate())

    @property
    def active_link(self) -> "CatalogLink | None":
        """The live link to a producer's catalog, if any (products are then managed upstream)."""
        try:
            link = self.source_link
        except CatalogLink.DoesNotExist:
            return None
        return link if link.ended_at is None else None

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end must be after the start.")})


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    GRAM = "g", _("g")
    KILOGRAM = "kg", _("kg")
    MILLILITRE = "ml", _("ml")
    CENTILITRE = "cl", _("cl")
    LITRE = "l", _("L")


# Factor to the reference unit (kg or L) in which the price per kg/L is shown.
REFERENCE_UNITS = {
    Unit.GRAM: (Decimal("0.001"), "kg"),
    Unit.KILOGRAM: (Decimal("1"), "kg"),
    Unit.MILLILITRE: (Decimal("0.001"), "L"),
    Unit.CENTILITRE: (Decimal("0.01"), "L"),
    Unit.LITRE: (Decimal("1"), "L"),
}


class SellableFields(models.Model):
    """What a group's product and a producer's own product have in common (spec §1.5)."""

    Unit = Unit

    name = models.CharField(_("name"), max_length=128)
    ref = models.CharField(_("reference"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    image = ImageField(_("photo"), upload_to="products/", blank=True)
    # Id of a product kind of the taxonomy (catalogs/data/productTaxonomy.json); null: not classified.
    taxonomy = models.PositiveIntegerField(_("category"), null=True, blank=True, db_index=True)
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
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_PRICE)],
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
    # Smallest quantity a member can add of a bulk product (0.1 = steps of 100 g for a kg product).
    small_quantity = models.DecimalField(
        _("smallest quantity (bulk)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
    )
    organic = models.BooleanField(_("organic"), default=False)
    wholesale = models.BooleanField(
        _("wholesale unit"),
        default=False,
        help_text=_("Sold by the crate or box; the quantity per unit is the size of the crate."),
    )
    # Units left to sell; null means not limited. Never negative (database CHECK).
    stock = models.DecimalField(
        _("stock"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.normalize()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """``Carottes 1 kg``, ``Jus de pomme 75 cl``, ``Œufs \u00d712`` (pieces sold by several)."""
        if not self.unit_quantity:
            return self.name
        qty = format(self.unit_quantity.normalize(), "f")
        if self.unit_type != self.Unit.PIECE:
            return f"{self.name} {qty} {self.get_unit_type_display()}"
        if self.unit_quantity != 1:
            return f"{self.name} \u00d7{qty}"
        return self.name

    @property
    def allows_decimal_quantity(self) -> bool:
        """Whole units unless the product is weighed, in bulk or a wholesale unit (spec §1.5).

        Decided here only; ``catalogs.services.product_validate_quantity`` applies it.
        """
        return self.variable_weight or self.bulk or self.wholesale

    @property
    def reference_price(self) -> tuple[Decimal, str] | None:
        """Price per kg or per L, shown next to the price: ``(Decimal("8.40"), "kg")``."""
        factor = REFERENCE_UNITS.get(self.unit_type)
        if factor is None or not self.unit_quantity or self.price is None:
            return None
        quantity = self.unit_quantity * factor[0]
        return money.quantize(self.price / quantity), factor[1]

    @property
    def category_kind(self):
        return taxonomy().kind(self.taxonomy)

    @property
    def category_label(self) -> str:
        return taxonomy().label(self.taxonomy)

    def normalize(self) -> None:
        """Rules applied on every save and clean (spec §1.5): multi-weight implies variable weight."""
        if self.multi_weight:
            self.variable_weight = True
        if self.taxonomy is not None:
            kind = taxonomy().kind(self.taxonomy)
            if kind is not None:
                self.taxonomy = kind.id
        if self.unit_quantity == 0:
            self.unit_quantity = None

    def clean(self) -> None:
        self.normalize()
        super().clean()
        errors = {}
        if self.taxonomy is not None and taxonomy().kind(self.taxonomy) is None:
            errors["taxonomy"] = _("Unknown category.")
        if self.bulk:
            if self.multi_weight:
                errors["multi_weight"] = _("A bulk product cannot be weighed piece by piece.")
            if self.small_quantity is None or not (0 < self.small_quantity < 1):
                errors["small_quantity"] = _(
                    "A bulk product needs a smallest quantity strictly between 0 and 1."
                )
            if not self.unit_quantity:
                errors["unit_quantity"] = _("A bulk product needs a quantity per unit.")
        if self.vat_rate is not None and not (0 <= self.vat_rate <= 100):
            errors["vat_rate"] = _("The VAT rate must be between 0 and 100 %.")
        if errors:
            raise ValidationError(errors)


class Product(SellableFields):
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    catalog = models.ForeignKey(
        Catalog, on_delete=models.CASCADE, related_name="products", verbose_name=_("catalog")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0), name="product_stock_not_negative"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            # A reference identifies a product in its catalog: imports and producer links match on it.
            models.UniqueConstraint(
                fields=["catalog", "ref"],
                condition=~Q(ref=""),
                name="product_ref_unique_in_catalog",
            ),
        ]
        indexes = [models.Index(fields=["catalog", "active"])]


class ProducerCatalog(models.Model):
    """A catalog kept by a producer in their space, linked to many groups (spec §12.1)."""

    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.CASCADE,
        related_name="producer_catalogs",
        verbose_name=_("producer"),
    )
    name = models.CharField(_("name"), max_length=64)
    group_catalog_name = models.CharField(
        _("name in the groups"),
        max_length=64,
        blank=True,
        help_text=_("The name groups see; the catalog's name when empty."),
    )
    description = models.TextField(_("description"), blank=True)
    visible = models.BooleanField(
        _("offered in the directory"),
        default=True,
        help_text=_("Groups that find you in the directory can ask to link this catalog."),
    )
    stock_tracked = models.BooleanField(_("track stock"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("producer's catalog")
        verbose_name_plural = _("producers' catalogs")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})"

    def get_absolute_url(self) -> str:
        return reverse("catalogs:producer_catalog", kwargs={"producer_catalog_id": self.pk})

    @property
    def name_in_groups(self) -> str:
        return self.group_catalog_name or self.name


class ProducerProduct(SellableFields):
    """A product in a producer's own catalog; its reference is the key of the sync."""

    producer_catalog = models.ForeignKey(
        ProducerCatalog,
        on_delete=models.CASCADE,
        related_name="products",
        verbose_name=_("catalog"),
    )
    ref = models.CharField(
        _("reference"),
        max_length=32,
        help_text=_("Unique in the catalog; groups' products follow it."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("producer's product")
        verbose_name_plural = _("producers' products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0),
                name="producerproduct_stock_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="producerproduct_price_not_negative"
            ),
            models.UniqueConstraint(
                fields=["producer_catalog", "ref"], name="producerproduct_ref_unique"
            ),
        ]


class CatalogLink(models.Model):
    """A group's catalog fed by a producer's catalog (spec §12.2-12.4).

    Ending the link (``ended_at``) keeps the group's catalog, products and orders; the row stays
    as history. Products the group switched off locally are remembered in ``disabled_refs`` so
    the sync does not switch them back on.
    """

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="catalog_links",
        verbose_name=_("group"),
    )
    catalog = models.OneToOneField(
        Catalog,
        on_delete=models.CASCADE,
        related_name="source_link",
        verbose_name=_("group's catalog"),
    )
    producer_catalog = models.ForeignKey(
        ProducerCatalog,
        on_delete=models.PROTECT,
        related_name="links",
        verbose_name=_("producer's catalog"),
    )
    disabled_refs = models.JSONField(
        _("references switched off by the group"), default=list, blank=True
    )
    # Reference → price (text) the group keeps while the producer's catalog has another one: a
    # catalog import that left this catalog unticked (``producer_imports``); the next import that
    # ticks it gives it the file's prices again.
    held_prices = models.JSONField(_("prices kept by the group"), default=dict, blank=True)
    needs_sync = models.BooleanField(_("waiting for a sync"), default=True)
    last_synced_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        verbose_name = _("catalog link")
        verbose_name_plural = _("catalog links")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["producer_catalog", "group"],
                condition=Q(ended_at__isnull=True),
                name="catalog_link_once_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.producer_catalog} → {self.catalog}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


def invitation_code() -> str:
    return get_random_string(32)


class VendorInvitation(models.Model):
    """A group asks a producer to supply it (spec §12.6); accepted from the producer's space."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="vendor_invitations",
        verbose_name=_("group"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    vendor_name = models.CharField(_("producer's name"), max_length=128, blank=True)
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("producer"),
    )
    producer_catalog = models.ForeignKey(
        ProducerCatalog,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("producer's catalog"),
    )
    code = models.CharField(
        _("code"), max_length=32, unique=True, default=invitation_code, editable=False
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    catalog = models.ForeignKey(
        Catalog,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resulting catalog"),
    )

    class Meta:
        verbose_name = _("producer invitation")
        verbose_name_plural = _("producer invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.group} → {self.vendor or self.email}"

    def get_absolute_url(self) -> str:
        return reverse("catalogs:producer_invitation", kwargs={"code": self.code})

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

"""Baskets and order lines (spec §1.9-1.11, §3; decisions 6 and 7).

* ``Basket``: one member's order for one general distribution. A basket is either the member's
  **cart** (not an order: it reserves no stock and holds no money, spec §5) or their **order**
  (confirmed, or cancelled). A member has at most one cart and one order per distribution, so
  the order's code is the one reference of their debt in the ledger.
* ``OrderLine``: a product in a basket, with the unit price, VAT rate and catalog fee of the
  moment it was ordered. A line is never repriced (decision 7): an addition at another price
  makes a new line.
* ``BasketCounter``: hands out basket numbers per distribution without locking the distribution.
* ``WholesaleConfirmation``: admins balanced the crates of a distribution and confirmed them.

Quantities are in product units (a crate, a piece, a 500 g bag), Decimal with 3 places.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from kernel import money

# No 0/O, 1/I/L: codes are read aloud at distributions and typed from e-mails.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_basket_code() -> str:
    return get_random_string(CODE_LENGTH, CODE_ALPHABET)


def billed_quantity(
    quantity: Decimal,
    actual_quantity: Decimal | None,
    actual_weight: Decimal | None = None,
    weight_unit_size: Decimal | None = None,
) -> Decimal:
    """How many product units a line bills: the weight over the unit size once weighed (not
    rounded: 1 kg of a piece sold per 1.5 kg bills two thirds of its price, 10.00 for 15.00),
    else the ordered quantity."""
    if actual_weight is not None and weight_unit_size:
        return actual_weight / weight_unit_size
    return actual_quantity if actual_quantity is not None else quantity


def unit_size(unit_quantity: Decimal | None) -> Decimal:
    """A product's quantity per unit, 1 when it has none (``Carottes`` sold by the kg)."""
    return unit_quantity if unit_quantity else Decimal(1)


class Basket(models.Model):
    class State(models.TextChoices):
        CART = "cart", _("Cart")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="baskets",
        verbose_name=_("distribution"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="baskets",
        verbose_name=_("member"),
    )
    # Random, non-sequential: it is in URLs, e-mails and the ledger's reference.
    code = models.CharField(
        _("code"), max_length=16, unique=True, default=new_basket_code, editable=False
    )
    # The basket's number within its distribution (1, 2, …), given at the first confirmation.
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.CART)
    # The member's choice at checkout: a payment type code of the payments app ("" without).
    payment_type = models.CharField(_("payment"), max_length=16, blank=True)
    delivery = models.BooleanField(_("home delivery"), default=False)
    # The delivery fee when it was asked for: a later change of the fee does not reprice it.
    delivery_fee = models.DecimalField(
        _("delivery fee"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # A non-finalised cart whose member was reminded (spec §5).
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("basket")
        verbose_name_plural = _("baskets")
        ordering = ["multidistrib_id", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["multidistrib", "member"],
                condition=Q(state="cart"),
                name="basket_one_cart_per_member",
            ),
            models.UniqueConstraint(
                fields=["multidistrib", "member"],
                condition=~Q(state="cart"),
                name="basket_one_order_per_member",
            ),
            models.UniqueConstraint(
                fields=["multidistrib", "number"],
                condition=Q(number__isnull=False),
                name="basket_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(delivery_fee__gte=0), name="basket_delivery_fee_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["group", "multidistrib", "state"])]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse(
            "orders:basket", kwargs={"group_slug": self.group.slug, "basket_code": self.code}
        )

    @property
    def is_cart(self) -> bool:
        return self.state == self.State.CART

    @property
    def is_confirmed(self) -> bool:
        return self.state == self.State.CONFIRMED

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED

    def lines_total(self, lines=None) -> Decimal:
        """Sum of the line totals, each rounded first (spec §1.10); reads ``lines.all()``."""
        currency = self.group.currency
        rows = lines if lines is not None else self.lines.all()
        return money.total((line.total_in(currency) for line in rows), currency)

    def total(self, lines=None) -> Decimal:
        """What the member owes for this basket: its lines plus the delivery fee."""
        return money.total([self.lines_total(lines), self.delivery_fee], self.group.currency)


class OrderLine(models.Model):
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    basket = models.ForeignKey(
        Basket, on_delete=models.CASCADE, related_name="lines", verbose_name=_("basket")
    )
    # The catalog's participation in the basket's distribution. Removing a catalog from a
    # distribution cancels its orders first (distributions.hooks), then deletes these lines.
    distribution = models.ForeignKey(
        "distributions.Distribution",
        on_delete=models.CASCADE,
        related_name="order_lines",
        verbose_name=_("catalog at the distribution"),
    )
    product = models.ForeignKey(
        "catalogs.Product",
        on_delete=models.PROTECT,
        related_name="order_lines",
        verbose_name=_("product"),
    )
    # Copied from the product when the line is made, like the price (decision 7).
    product_name = models.CharField(_("product name"), max_length=200)
    # In product units; 3 places for weighed, bulk and wholesale products.
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    # Wholesale products only: how much more (in product units) the member accepts so that a
    # crate can be completed (Foodsoft's tolerance, peers.md §5a).
    tolerance = models.DecimalField(
        _("tolerance"), max_digits=12, decimal_places=3, default=Decimal("0")
    )
    # Frozen when the line is made, never repriced (decision 7).
    unit_price = models.DecimalField(_("unit price incl. VAT"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    fee_percent = models.DecimalField(
        _("fee (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    # Weighed at the distribution (variable weight), in product units (3 places, for quantities
    # and stock); set by the validation. The bill uses the weight itself (below).
    actual_quantity = models.DecimalField(
        _("actual quantity"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    # The weight (or volume) as typed at the distribution, in the product's unit (kg, g, L, cl…),
    # and the product's quantity per unit at that moment (1.5 for a piece sold per 1.5 kg): the
    # line is billed unit price x weight / unit size, without rounding the ratio (issue 13).
    actual_weight = models.DecimalField(
        _("weighed"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    weight_unit_size = models.DecimalField(
        _("quantity per unit when weighed"), max_digits=10, decimal_places=3, null=True, blank=True
    )
    # Wholesale products only: the member's successive claims on crates, oldest first, in the
    # product's base unit (kg, pieces): [{"at": iso datetime, "q": "2.5", "t": "1"}]. A decrease
    # consumes the newest claims first, so what was ordered early keeps its priority (Foodsoft).
    claims = models.JSONField(_("claims"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["basket_id", "product_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="orderline_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0), name="orderline_tolerance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="orderline_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(actual_quantity__isnull=True) | Q(actual_quantity__gte=0),
                name="orderline_actual_quantity_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["distribution", "product"]),
            models.Index(fields=["basket", "product"]),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def billed_quantity(self) -> Decimal:
        """The weighed quantity once known (exact: weight / unit size), else the ordered one."""
        return billed_quantity(
            self.quantity, self.actual_quantity, self.actual_weight, self.weight_unit_size
        )

    def total_in(self, currency: str) -> Decimal:
        return money.line_total(
            self.unit_price, self.billed_quantity, currency, fee_percent=self.fee_percent
        )

    @property
    def total(self) -> Decimal:
        return self.total_in(self.group.currency)


class BasketCounter(models.Model):
    """The last basket number given in a distribution.

    Numbers are taken at the very end of the placing transaction, by an ``UPDATE`` of this row:
    the lock is held only until the commit, and nothing else ever locks it, so checkouts of
    different members do not wait on each other for long nor deadlock with the distribution's
    own locks.
    """

    multidistrib = models.OneToOneField(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("distribution"),
    )
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("basket counter")
        verbose_name_plural = _("basket counters")

    def __str__(self) -> str:
        return f"{self.multidistrib_id}: {self.last}"


class WholesaleConfirmation(models.Model):
    """Admins balanced the crates of a distribution's wholesale products and confirmed them."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="wholesale_confirmations",
        verbose_name=_("distribution"),
    )
    catalog = models.ForeignKey(
        "catalogs.Catalog",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("catalog"),
    )
    units = models.JSONField(_("units per product"), default=dict)
    confirmed_at = models.DateTimeField(_("confirmed"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        verbose_name = _("wholesale confirmation")
        verbose_name_plural = _("wholesale confirmations")
        ordering = ["-confirmed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.catalog_id} @ {self.multidistrib_id}"

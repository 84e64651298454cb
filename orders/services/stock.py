"""Stock (decision 6): taken with a conditional UPDATE, never below zero."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Q
from django.utils.translation import gettext as _

from catalogs.models import Product


def _stock_tracked(product: Product) -> bool:
    return product.catalog.stock_tracked


def _take_stock(product: Product, quantity: Decimal) -> bool:
    """Take ``quantity`` from the stock if it is there; False (nothing changed) otherwise.

    One conditional ``UPDATE … WHERE stock >= quantity``: the database re-checks the condition
    on the row as it is when the row lock is granted, so two checkouts can never both take the
    last units, and the ``CHECK (stock >= 0)`` constraint is the last guard. A product without
    stock (null) is not limited.
    """
    if quantity <= 0 or not _stock_tracked(product):
        return True
    updated = (
        Product.objects.filter(pk=product.pk)
        .filter(Q(stock__isnull=True) | Q(stock__gte=quantity))
        .update(stock=F("stock") - quantity)
    )
    return updated == 1


def _give_back_stock(product: Product, quantity: Decimal) -> None:
    if quantity <= 0 or not _stock_tracked(product):
        return
    Product.objects.filter(pk=product.pk, stock__isnull=False).update(stock=F("stock") + quantity)


def _stock_left(product: Product) -> Decimal | None:
    if not _stock_tracked(product):
        return None
    return Product.objects.filter(pk=product.pk).values_list("stock", flat=True).first()


def _stock_message(product: Product, left: Decimal | None, *, kept: Decimal | None = None) -> str:
    """The one message for short stock, in the cart and at checkout (decision 6)."""
    from kernel.quantities import qty

    name = product.display_name
    if left is None or left <= 0:
        return _("%(product)s is out of stock.") % {"product": name}
    if kept is not None:
        return _("Only %(left)s of %(product)s left: your cart now holds %(kept)s.") % {
            "left": qty(left),
            "product": name,
            "kept": qty(kept),
        }
    return _("Only %(left)s of %(product)s left.") % {"left": qty(left), "product": name}

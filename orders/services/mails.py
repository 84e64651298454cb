"""The basket's e-mails: queued after the commit, rendered in a worker."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse

from catalogs.models import Product
from kernel.mail import send_email_to_user
from kernel.site import site_url
from orders import selectors, wholesale
from orders.models import Basket
from payments import providers
from payments.models import ONTHESPOT


def _basket_email_context(basket: Basket) -> dict[str, Any]:
    lines = list(
        basket.lines.select_related("product", "distribution__catalog__vendor").order_by(
            "distribution__catalog__name", "product_name", "pk"
        )
    )
    for line in lines:
        line.group = basket.group
        line.display_quantity = _display_quantity(line.product, line.quantity)  # type: ignore[attr-defined]
    total = basket.total(lines)
    md = basket.multidistrib
    return {
        "basket": basket,
        "md": md,
        "lines": lines,
        "total": total,
        "currency": basket.group.currency,
        "payment": selectors.payment_instructions(basket, total),
        "payment_label": providers.type_label(basket.payment_type)
        if basket.payment_type and basket.payment_type != ONTHESPOT
        else (str(providers.PROVIDERS[ONTHESPOT].label) if basket.payment_type else ""),
        "url": site_url() + basket.get_absolute_url(),
        "shop_url": site_url()
        + reverse("shop:shop", kwargs={"group_slug": basket.group.slug, "md_id": md.pk}),
        "cart_url": site_url()
        + reverse("shop:cart", kwargs={"group_slug": basket.group.slug, "md_id": md.pk}),
    }


def _display_quantity(product: Product, quantity: Decimal) -> str:
    """``2`` for pieces, ``2.5 kg`` of a crate of 10 kg (members think in kg, not in crates)."""
    from kernel.quantities import qty

    if product.wholesale:
        return f"{qty(wholesale.to_base(product, quantity))} {product.get_unit_type_display()}"
    return qty(quantity)


def _send_basket_email(name: str, basket: Basket, **extra: Any) -> None:
    """E-mail the basket's member: queued after the commit (``orders.tasks``), rendered in a
    worker, so the order's transaction never waits for it."""
    from orders.tasks import basket_email_send

    if "issues" in extra:
        extra["issues"] = [asdict(issue) for issue in extra["issues"]]
    basket_id = basket.pk
    transaction.on_commit(
        lambda: basket_email_send.delay(basket_id=basket_id, name=name, extra=extra)
    )


def basket_email_deliver(name: str, basket: Basket, **extra: Any) -> None:
    """Render the basket's e-mail and send it at once (``orders.tasks.basket_email_send``, in
    a worker): through the outbox, without a second task."""
    context = _basket_email_context(basket)
    context.update(extra)
    send_email_to_user(
        name=name,
        user=basket.member.user,
        group=basket.group,
        context=context,
        deliver_now=True,
    )

"""Member screens: an order and my orders (the shop, the cart and the checkout are in ``shop``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from distributions import selectors as distribution_selectors
from groups.tenancy import group_member_required
from orders import feedback, forms, selectors, services
from payments import providers
from payments.stripe import selectors as stripe_selectors

# The member's orders ---------------------------------------------------------------------------


def _member_order(request: HttpRequest, basket_code: str):
    """The member's order, its lines and what may change in it."""
    order = selectors.basket_get_for_member(
        group=request.group, member=request.member, code=basket_code
    )
    md = order.multidistrib
    lines = list(order.lines.all())
    selectors.attach_catalogs(md, [line.product for line in lines])
    changes = selectors.order_changes(md=md, basket=order, by_admin=False, lines=lines)
    return order, md, lines, changes


@group_member_required
@require_GET
def basket(request: HttpRequest, group_slug: str, basket_code: str) -> HttpResponse:
    """An order: its lines, total and payment; change quantities or cancel while orders are open."""
    group = request.group
    order, md, lines, changes = _member_order(request, basket_code)
    if order.is_cart:
        return redirect("shop:cart", group_slug=group.slug, md_id=md.pk)
    total = order.total(lines)
    return render(
        request,
        "orders/basket.html",
        {
            "group": group,
            "md": md,
            "order": order,
            "lines": lines,
            "products": _order_products(lines, changes.catalog_ids),
            "total": total,
            "can_edit": changes.can_edit,
            "can_cancel": changes.can_cancel,
            "payment": selectors.payment_instructions(order, total),
            "payment_label": providers.type_label(order.payment_type) if order.payment_type else "",
            "slot_request": distribution_selectors.slot_request_for(md=md, user=request.user),
            "delivery_request": distribution_selectors.delivery_request_for(
                md=md, user=request.user
            ),
            "state": md.state(),
            "rest_due": _rest_due(request, order, changes.can_edit),
        },
    )


def _rest_due(request: HttpRequest, order: Any, can_edit: bool) -> Decimal:
    """What an order paid by card still owes, to pay by card while orders are open (0: no offer)."""
    if not can_edit or order.is_cancelled or not stripe_selectors.card_offered(request.group):
        return Decimal("0.00")
    return stripe_selectors.card_rest_due(
        group=request.group, member=request.member, reference=order.code
    )


def _order_products(lines: list, editable_ids: frozenset[int]) -> list[dict[str, Any]]:
    """The order's lines by product, with the quantities to show in the inputs."""
    by_product: dict[int, dict[str, Any]] = {}
    for line in lines:
        entry = by_product.setdefault(
            line.product_id,
            {"product": line.product, "quantity": Decimal(0), "tolerance": Decimal(0), "lines": []},
        )
        entry["quantity"] += line.quantity
        entry["tolerance"] += line.tolerance
        entry["lines"].append(line)
    for entry in by_product.values():
        product = entry["product"]
        entry["input"] = forms.quantity_to_input(product, entry["quantity"])
        entry["input_tolerance"] = forms.quantity_to_input(product, entry["tolerance"])
        entry["editable"] = product.catalog_id in editable_ids
    return list(by_product.values())


@group_member_required
@require_POST
def basket_save(request: HttpRequest, group_slug: str, basket_code: str) -> HttpResponse:
    """Save the member's new quantities of the products whose orders are still open."""
    order, md, lines, changes = _member_order(request, basket_code)
    if order.is_cart:
        return redirect("shop:cart", group_slug=request.group.slug, md_id=md.pk)
    if not changes.changeable:
        return redirect(order.get_absolute_url())
    products = {
        line.product_id: line.product
        for line in lines
        if line.distribution.catalog_id in changes.catalog_ids
    }
    quantities, tolerances, errors = forms.posted_quantities(request.POST, products)
    feedback.show_input_errors(request, errors, products)
    if quantities:
        result = feedback.order_update(
            request,
            named=False,
            md=md,
            member=request.member,
            quantities=quantities,
            tolerances=tolerances,
            acting_user=request.user,
            as_admin=False,
        )
        if result is not None and result.changed:
            messages.success(request, _("Your order is updated."))
    return redirect(order.get_absolute_url())


@group_member_required
@require_POST
def basket_cancel(request: HttpRequest, group_slug: str, basket_code: str) -> HttpResponse:
    """Cancel the member's whole order while every catalog of it takes orders."""
    order, md, _lines, changes = _member_order(request, basket_code)
    if order.is_cart:
        return redirect("shop:cart", group_slug=request.group.slug, md_id=md.pk)
    if changes.changeable:
        try:
            services.order_cancel(basket=order, acting_user=request.user, as_admin=False)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your order is cancelled."))
    return redirect(order.get_absolute_url())


@group_member_required
@require_POST
def basket_pay_rest(request: HttpRequest, group_slug: str, basket_code: str) -> HttpResponse:
    """ "Pay the rest by card": to the payment page for what the order still owes."""
    order, _md, _lines, _changes = _member_order(request, basket_code)
    try:
        started = services.card_rest_start(
            basket=order,
            acting_user=request.user,
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except ValidationError as exc:  # OrderError, PaymentError: a message to show as is
        messages.error(request, " ".join(exc.messages))
        return redirect(order.get_absolute_url())
    return redirect(started.pay_url)


@login_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    """A member's orders across all their groups (and carts left unconfirmed)."""
    data = selectors.my_orders(user=request.user)
    return render(request, "orders/my_orders.html", data)

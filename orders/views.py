"""Member screens: the shop of a distribution, the cart, the checkout, an order, my orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalogs.models import Product
from distributions import forms as distribution_forms
from distributions import selectors as distribution_selectors
from distributions import services as distribution_services
from distributions.models import MultiDistrib, State
from distributions.selectors import md_get
from groups.models import Group
from groups.tenancy import group_member_required, group_public
from kernel import money
from members import services as member_services
from orders import forms, selectors, services, session_cart, shop_html
from orders.models import Basket
from payments import providers
from payments import selectors as payment_selectors

# Helpers ---------------------------------------------------------------------------------------


@dataclass
class CartRow:
    product: Product
    quantity: Decimal
    tolerance: Decimal
    total: Decimal
    input_value: Decimal
    input_tolerance: Decimal

    @property
    def base_unit(self) -> str:
        return self.product.get_unit_type_display()


def _row(product: Product, quantity: Decimal, tolerance: Decimal, currency: str) -> CartRow:
    return CartRow(
        product,
        quantity,
        tolerance,
        selectors.current_line_total(product, quantity, currency),
        forms.quantity_to_input(product, quantity),
        forms.quantity_to_input(product, tolerance),
    )


def _attach_catalogs(md: MultiDistrib, products: list[Product]) -> set[int]:
    """Give products their catalog from the distribution's (no query); returns the catalog ids."""
    catalogs = {d.catalog_id: d.catalog for d in md.distributions.all()}
    for product in products:
        if product.catalog_id in catalogs:
            product.catalog = catalogs[product.catalog_id]
    return set(catalogs)


def _merge_session(request: HttpRequest, md: MultiDistrib) -> None:
    """A member arriving with a cart kept in the session before login: move it to the database."""
    if request.member is None:
        return
    items = session_cart.items(request, md.pk)
    if not items:
        return
    notes = services.cart_merge(member=request.member, md=md, items=items, acting_user=request.user)
    session_cart.clear(request, md.pk)
    for note in notes:
        messages.warning(request, note)


def _cart_rows(request: HttpRequest, md: MultiDistrib, cart: Basket | None) -> list[CartRow]:
    currency = md.group.currency
    if request.member is not None:
        if cart is None:
            return []
        lines = list(cart.lines.all())
        known = _attach_catalogs(md, [line.product for line in lines])
        return [
            _row(line.product, line.quantity, line.tolerance, currency)
            for line in lines
            if line.product.catalog_id in known
        ]
    items = session_cart.items(request, md.pk)
    if not items:
        return []
    products = selectors.products_by_id(md=md, ids=list(items))
    return [_row(products[pk], q, t, currency) for pk, (q, t) in items.items() if pk in products]


def _cart_total(rows: list[CartRow], currency: str) -> Decimal:
    return money.total((row.total for row in rows), currency)


def _back(request: HttpRequest, default: str, anchor: str = "") -> HttpResponse:
    target = request.POST.get("next") or ""
    if not (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        target = default
    return redirect(target.split("#")[0] + anchor)


def _shop_url(group: Group, md: MultiDistrib) -> str:
    return reverse("orders:shop", kwargs={"group_slug": group.slug, "md_id": md.pk})


# The shop --------------------------------------------------------------------------------------


@group_public
@require_GET
def shop(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Every product members can order for this distribution, by category and producer."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    now = timezone.now()
    _merge_session(request, md)
    distributions = selectors.shop_distributions(md, now)
    searching = bool(request.GET.get("q", "").strip())
    products = selectors.shop_products(distributions=distributions, with_description=searching)
    choices = selectors.shop_filters(distributions, products)
    form = forms.ShopFilterForm(request.GET or None, **choices)
    shown = selectors.filter_products(products, **form.values())
    shop_html.prepare(shown, group, md)
    cart, order = selectors.member_baskets(md=md, member=request.member)
    rows = _cart_rows(request, md, cart)
    in_cart = {row.product.pk: row for row in rows}
    fills = selectors.wholesale_fills(md=md, products=shown)
    for product in shown:
        product.cart_row = in_cart.get(product.pk)
        product.fill = fills.get(product.pk)
    sections = selectors.shop_sections(shown)
    labels = shop_html.Labels.current()
    for section in sections:
        section.producers = [
            (vendor, shop_html.product_cards(items, labels)) for vendor, items in section.producers
        ]
    return render(
        request,
        "orders/shop.html",
        {
            "group": group,
            "md": md,
            "state": md.state(now),
            "window": md.order_window(),
            "distributions": distributions,
            "sections": sections,
            "count": len(shown),
            "total_count": len(products),
            "form": form,
            "producer_options": shop_html.options(
                form.fields["producer"].choices, form.values()["vendor_id"]
            ),
            "category_options": shop_html.options(
                form.fields["category"].choices, form.values()["category_id"]
            ),
            "filtered": any(form.values().values()),
            "rows": rows,
            "cart_total": _cart_total(rows, group.currency),
            "order": order,
            "closing": sorted({d.orders_close_at for d in distributions}),
        },
    )


@group_public
@require_GET
def product_detail(
    request: HttpRequest, group_slug: str, md_id: int, product_id: int
) -> HttpResponse:
    group = request.group
    md = md_get(group=group, md_id=md_id)
    now = timezone.now()
    distributions = selectors.shop_distributions(md, now)
    product = selectors.shop_product_get(md=md, distributions=distributions, product_id=product_id)
    shop_html.prepare([product], group, md)
    product.image_url = product.image.url if product.image else ""
    cart, _order = selectors.member_baskets(md=md, member=request.member)
    rows = {row.product.pk: row for row in _cart_rows(request, md, cart)}
    product.cart_row = rows.get(product.pk)
    product.fill = selectors.wholesale_fills(md=md, products=[product]).get(product.pk)
    distribution = next(d for d in distributions if d.catalog_id == product.catalog_id)
    return render(
        request,
        "orders/product_detail.html",
        {
            "group": group,
            "md": md,
            "product": product,
            "vendor": product.catalog.vendor,
            "closes": distribution.orders_close_at,
        },
    )


@group_public
@require_POST
def cart_add(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Put products in the cart, without JavaScript.

    Two forms post here: the product page (``product`` and ``quantity``) and the shop, one form
    around every card: each ``q-<id>`` typed and different from the cart is set, and the
    button pressed (``add=<id>``) adds its product even with an empty field (one unit).
    """
    group = request.group
    md = md_get(group=group, md_id=md_id)
    back = _shop_url(group, md)
    wanted = _posted_single(request) if "product" in request.POST else _posted_shop(request)
    if wanted is None:
        return _back(request, back)
    products = selectors.products_by_id(md=md, ids=list(wanted))
    if not products:
        messages.error(request, _("This distribution does not supply this product."))
        return _back(request, back)
    cart, _order = selectors.member_baskets(md=md, member=request.member)
    current = {row.product.pk: row for row in _cart_rows(request, md, cart)}
    shop_html.prepare(list(products.values()), group, md)
    for pk in sorted(products):
        product = products[pk]
        raw_quantity, raw_tolerance, pressed = wanted[pk]
        row = current.get(pk)
        if raw_quantity in (None, ""):
            if not pressed:
                continue
            raw_quantity = shop_html.default_quantity(product)
        try:
            quantity = forms.input_to_quantity(product, raw_quantity) or Decimal(0)
            tolerance = forms.input_to_quantity(product, raw_tolerance)
        except forms.QuantityError as exc:
            messages.error(request, f"{product.display_name}: {exc}")
            continue
        if (
            row is not None
            and row.quantity == quantity
            and (tolerance is None or tolerance == row.tolerance)
        ):
            continue
        if row is None and quantity == 0:
            continue
        _set_in_cart(request, md, product, quantity, tolerance)
    pressed = request.POST.get("add") or request.POST.get("product") or ""
    return _back(request, back, f"#p{pressed}" if pressed.isdigit() else "")


def _posted_single(request: HttpRequest) -> dict[int, tuple[Any, Any, bool]] | None:
    try:
        pk = int(request.POST.get("product", ""))
    except ValueError:
        messages.error(request, _("Choose a product."))
        return None
    return {pk: (request.POST.get("quantity", ""), request.POST.get("tolerance"), True)}


def _posted_shop(request: HttpRequest) -> dict[int, tuple[Any, Any, bool]] | None:
    pressed = request.POST.get("add", "")
    wanted: dict[int, tuple[Any, Any, bool]] = {}
    for key, value in request.POST.items():
        if key.startswith("q-") and key[2:].isdigit():
            pk = int(key[2:])
            wanted[pk] = (value.strip(), request.POST.get(f"t-{pk}"), str(pk) == pressed)
    if pressed.isdigit() and int(pressed) not in wanted:
        wanted[int(pressed)] = ("", None, True)
    if not wanted:
        messages.error(request, _("Choose a product."))
        return None
    return wanted


def _set_in_cart(
    request: HttpRequest,
    md: MultiDistrib,
    product: Product,
    quantity: Decimal,
    tolerance: Decimal | None,
) -> bool:
    """Set a cart quantity (database for members, session otherwise) and say what happened."""
    try:
        if request.member is not None:
            check = services.cart_set(
                member=request.member,
                md=md,
                product=product,
                quantity=quantity,
                tolerance=tolerance,
                acting_user=request.user,
            )
        else:
            check = services.cart_check(
                md=md, product=product, quantity=quantity, tolerance=tolerance, now=timezone.now()
            )
            session_cart.put(request, md.pk, product.pk, check.quantity, check.tolerance)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    if check.message:
        messages.warning(request, check.message)
    elif check.quantity == 0:
        messages.info(
            request, _("%(product)s removed from your cart.") % {"product": product.display_name}
        )
    else:
        messages.success(
            request, _("%(product)s is in your cart.") % {"product": product.display_name}
        )
    return True


@group_public
@require_http_methods(["GET", "POST"])
def cart(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The cart: change quantities, remove products, go to the checkout."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    _merge_session(request, md)
    db_cart, order = selectors.member_baskets(md=md, member=request.member)
    rows = _cart_rows(request, md, db_cart)
    if request.method == "POST":
        products = {row.product.pk: row.product for row in rows}
        quantities, tolerances, errors = forms.posted_quantities(request.POST, products)
        remove = request.POST.get("remove")
        for pk, message in errors.items():
            messages.error(request, f"{products[pk].display_name}: {message}")
        for pk, product in products.items():
            if remove and str(pk) == remove:
                _set_in_cart(request, md, product, Decimal(0), None)
                continue
            row = next(r for r in rows if r.product.pk == pk)
            wanted = quantities.get(pk, row.quantity)
            tol = tolerances.get(pk, row.tolerance)
            if pk in errors or (wanted == row.quantity and tol == row.tolerance):
                continue
            _set_in_cart(request, md, product, wanted, tol)
        if request.POST.get("action") == "checkout" and not errors:
            return redirect("orders:checkout", group_slug=group.slug, md_id=md.pk)
        return redirect("orders:cart", group_slug=group.slug, md_id=md.pk)
    now = timezone.now()
    return render(
        request,
        "orders/cart.html",
        {
            "group": group,
            "md": md,
            "rows": rows,
            "total": _cart_total(rows, group.currency),
            "order": order,
            "state": md.state(now),
        },
    )


# Checkout ---------------------------------------------------------------------------------------


def _needs(group: Group, user: Any) -> tuple[bool, bool]:
    return (
        group.phone_required and not user.phone,
        group.address_required and not user.has_address,
    )


@group_public
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Log in or sign up on the way, join the group, give the details the group asks for,
    choose a time slot or home delivery, a payment, and confirm (spec §3.3)."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    now = timezone.now()
    _merge_session(request, md)
    # A member confirming their cart: its lines are read by ``order_place``, under its lock,
    # and here only when the page is shown again.
    confirming = request.method == "POST" and request.member is not None
    db_cart, order = selectors.member_baskets(md=md, member=request.member, lines=not confirming)
    context: dict[str, Any] = {"group": group, "md": md, "order": order}
    if not (confirming and db_cart is not None):
        rows = _cart_rows(request, md, db_cart)
        if not rows:
            messages.info(request, _("Your cart is empty."))
            return redirect("orders:shop", group_slug=group.slug, md_id=md.pk)
        context.update(rows=rows, total=_cart_total(rows, group.currency))
    if not request.user.is_authenticated:
        context["next"] = request.get_full_path()
        return render(request, "orders/checkout_login.html", context)
    user = request.user
    joining = request.member is None
    if joining and group.registration != Group.Registration.OPEN:
        context["closed_group"] = True
        return render(request, "orders/checkout_login.html", context)

    is_open = md.state(now) == State.OPEN
    slot_request = (
        distribution_selectors.slot_request_for(md=md, user=user) if md.slots_enabled else None
    )
    delivery_request = (
        distribution_selectors.delivery_request_for(md=md, user=user)
        if md.delivery_enabled
        else None
    )
    ask_slot = (
        is_open
        and md.slots_enabled
        and md.slots_resolved_at is None
        and not (slot_request and slot_request.slots.all())
        and delivery_request is None
    )
    ask_delivery = (
        is_open
        and md.delivery_enabled
        and delivery_request is None
        and not (order and order.delivery)
    )
    choices = selectors.payment_choices(group)
    moneypot = selectors.uses_moneypot(group)
    payment_choices = [] if moneypot else [(p.code, p.label) for p in choices]
    needs_phone, needs_address = _needs(group, user)
    data = request.POST if request.method == "POST" else None
    initial = {"payment_type": order.payment_type} if order and order.payment_type else {}
    form = forms.CheckoutForm(
        data,
        initial=initial,
        payment_choices=payment_choices,
        delivery_offered=ask_delivery,
        needs_phone=needs_phone,
        needs_address=needs_address,
        place_name=md.place.name,
    )
    slot_form = distribution_forms.SlotChoiceForm(data, md=md) if ask_slot else None
    delivery_form = (
        distribution_forms.DeliveryRequestForm(data, user=user, prefix="delivery")
        if ask_delivery
        else None
    )
    if request.method == "POST":
        wants_delivery = form.wants_delivery
        valid = form.is_valid()
        if slot_form is not None and not wants_delivery:
            valid = slot_form.is_valid() and valid
        if delivery_form is not None and wants_delivery:
            valid = delivery_form.is_valid() and valid
        if valid:
            placed = _checkout_confirm(
                request, md, db_cart, form, slot_form, delivery_form, wants_delivery, joining
            )
            if placed is not None:
                return placed
    if "rows" not in context:
        db_cart, order = selectors.member_baskets(md=md, member=request.member)
        rows = _cart_rows(request, md, db_cart)
        if not rows:
            messages.info(request, _("Your cart is empty."))
            return redirect("orders:shop", group_slug=group.slug, md_id=md.pk)
        context.update(rows=rows, total=_cart_total(rows, group.currency), order=order)
    context.update(
        {
            "form": form,
            "slot_form": slot_form,
            "delivery_form": delivery_form,
            "joining": joining,
            "slot_request": slot_request,
            "delivery_request": delivery_request,
            "moneypot": moneypot,
            "balance": payment_selectors.balance_for_member(group=group, member=request.member)
            if moneypot and request.member
            else None,
            "payment_help": {p.code: p.instructions(group) for p in choices},
            "is_open": is_open,
        }
    )
    return render(request, "orders/checkout.html", context)


def _checkout_confirm(request, md, cart, form, slot_form, delivery_form, wants_delivery, joining):
    """The steps after the forms are valid, each in its own transaction, then the order in one.

    Returns the redirect after placing, or None to show the form again with the errors.
    """
    group, user = request.group, request.user
    if joining:
        try:
            request.member = member_services.member_join(group=group, user=user, acting_user=user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return None
        _merge_session(request, md)
    changes = form.profile_changes()
    if changes:
        for name, value in changes.items():
            setattr(user, name, value)
        try:
            member_services.user_update_profile(user=user, changed=list(changes), acting_user=user)
        except ValidationError as exc:
            distribution_forms.add_service_errors(form, exc)
            return None
    try:
        if slot_form is not None and not wants_delivery:
            distribution_services.slot_request_save(
                md=md,
                user=user,
                slot_ids=[s.pk for s in slot_form.cleaned_data["slots"]],
                acting_user=user,
            )
        if delivery_form is not None and wants_delivery:
            distribution_services.delivery_request_save(
                md=md, user=user, acting_user=user, **delivery_form.cleaned_data
            )
    except ValidationError as exc:
        distribution_forms.add_service_errors(delivery_form if wants_delivery else slot_form, exc)
        return None
    if joining:
        cart, _order = selectors.member_baskets(md=md, member=request.member, lines=False)
    if cart is None:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:shop", group_slug=group.slug, md_id=md.pk)
    try:
        result = services.order_place(
            cart=cart,
            acting_user=user,
            payment_type=form.cleaned_data.get("payment_type", ""),
            delivery=wants_delivery,
            as_admin=False,
            md=md,
        )
    except ValidationError as exc:
        distribution_forms.add_service_errors(form, exc)
        return None
    for issue in result.issues:
        messages.warning(request, issue.message)
    if result.basket is None:
        if wants_delivery:
            _drop_delivery(md, user)
        messages.error(request, _("Nothing could be ordered: see the messages above."))
        return redirect("orders:cart", group_slug=group.slug, md_id=md.pk)
    messages.success(
        request,
        _(
            "Your order is confirmed: basket number %(number)s, code %(code)s. A confirmation is on its way by e-mail."
        )
        % {"number": result.basket.number, "code": result.basket.code},
    )
    return redirect(result.basket.get_absolute_url())


def _drop_delivery(md: MultiDistrib, user: Any) -> None:
    request = distribution_selectors.delivery_request_for(md=md, user=user)
    if request is not None:
        distribution_services.delivery_request_cancel(request=request, acting_user=user)


# The member's orders ---------------------------------------------------------------------------


@group_member_required
@require_http_methods(["GET", "POST"])
def basket(request: HttpRequest, group_slug: str, basket_code: str) -> HttpResponse:
    """An order: its lines, total and payment; change quantities or cancel while orders are open."""
    group = request.group
    order = selectors.basket_get_for_member(group=group, member=request.member, code=basket_code)
    md = order.multidistrib
    if order.is_cart:
        return redirect("orders:cart", group_slug=group.slug, md_id=md.pk)
    now = timezone.now()
    lines = list(order.lines.all())
    _attach_catalogs(md, [line.product for line in lines])
    open_ids = {d.catalog_id for d in md.distributions.all() if d.can_order_now(now)}
    editable = order.is_confirmed and md.validated_at is None
    if request.method == "POST" and editable:
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.order_cancel(basket=order, acting_user=request.user, as_admin=False)
                messages.success(request, _("Your order is cancelled."))
                return redirect(order.get_absolute_url())
            products = {
                line.product_id: line.product
                for line in lines
                if line.distribution.catalog_id in open_ids
            }
            quantities, tolerances, errors = forms.posted_quantities(request.POST, products)
            for pk, message in errors.items():
                messages.error(request, f"{products[pk].display_name}: {message}")
            if quantities:
                result = services.order_update(
                    md=md,
                    member=request.member,
                    quantities=quantities,
                    tolerances=tolerances,
                    acting_user=request.user,
                    as_admin=False,
                )
                for issue in result.issues:
                    messages.warning(request, issue.message)
                if result.changed:
                    messages.success(request, _("Your order is updated."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(order.get_absolute_url())
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
        entry["editable"] = editable and product.catalog_id in open_ids
    total = order.total(lines)
    return render(
        request,
        "orders/basket.html",
        {
            "group": group,
            "md": md,
            "order": order,
            "lines": lines,
            "products": list(by_product.values()),
            "total": total,
            "can_edit": editable and any(e["editable"] for e in by_product.values()),
            "can_cancel": editable
            and order.is_confirmed
            and all(line.distribution.catalog_id in open_ids for line in lines),
            "payment": selectors.payment_instructions(order, total),
            "payment_label": providers.type_label(order.payment_type) if order.payment_type else "",
            "slot_request": distribution_selectors.slot_request_for(md=md, user=request.user),
            "delivery_request": distribution_selectors.delivery_request_for(
                md=md, user=request.user
            ),
            "state": md.state(now),
        },
    )


@login_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    """A member's orders across all their groups (and carts left unconfirmed)."""
    data = selectors.my_orders(user=request.user)
    return render(request, "orders/my_orders.html", data)

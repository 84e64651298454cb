"""Member storefront: the shop of a distribution, a product, the cart, the checkout."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalogs.models import Product
from distributions.models import MultiDistrib
from distributions.selectors import md_get
from groups.models import Group
from groups.tenancy import group_public
from kernel import money
from kernel.numbers import parse_id
from kernel.redirects import redirect_back
from orders import feedback
from orders import forms as order_forms
from orders import selectors as order_selectors
from orders import services as order_services
from orders.models import Basket
from payments import selectors as payment_selectors
from shop import forms, selectors, services, session_cart, shop_html

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
        order_selectors.current_line_total(product, quantity, currency),
        order_forms.quantity_to_input(product, quantity),
        order_forms.quantity_to_input(product, tolerance),
    )


def _merge_session(request: HttpRequest, md: MultiDistrib) -> None:
    """A member arriving with a cart kept in the session before login: move it to the database."""
    if request.member is None:
        return
    items = session_cart.items(request, md.pk)
    if not items:
        return
    notes = order_services.cart_merge(
        member=request.member, md=md, items=items, acting_user=request.user
    )
    session_cart.clear(request, md.pk)
    for note in notes:
        messages.warning(request, note)


def _cart_rows(request: HttpRequest, md: MultiDistrib, cart: Basket | None) -> list[CartRow]:
    currency = md.group.currency
    if request.member is not None:
        if cart is None:
            return []
        lines = list(cart.lines.all())
        known = order_selectors.attach_catalogs(md, [line.product for line in lines])
        return [
            _row(line.product, line.quantity, line.tolerance, currency)
            for line in lines
            if line.product.catalog_id in known
        ]
    items = session_cart.items(request, md.pk)
    if not items:
        return []
    products = order_selectors.products_by_id(md=md, ids=list(items))
    return [_row(products[pk], q, t, currency) for pk, (q, t) in items.items() if pk in products]


def _cart_total(rows: list[CartRow], currency: str) -> Decimal:
    return money.total((row.total for row in rows), currency)


def _shop_url(group: Group, md: MultiDistrib) -> str:
    return reverse("shop:shop", kwargs={"group_slug": group.slug, "md_id": md.pk})


@group_public
@require_GET
def shop(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The shop's first screen (the categories with their counts, the first products), or a
    category, a search, a further page (``?page=``): plain links, no JavaScript needed to order.
    ``?chunk=1`` answers only the products and the link to the next ones, which
    ``static/js/shop.js`` fetches on scroll."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    now = timezone.now()
    _merge_session(request, md)
    distributions = order_selectors.shop_distributions(md, now)
    form = forms.ShopFilterForm(request.GET or None, **selectors.shop_filters(distributions))
    values = form.values()
    number = parse_id(request.GET.get("page")) or 1
    page = selectors.shop_page(distributions=distributions, page=number, **values)
    cart, order = order_selectors.member_baskets(md=md, member=request.member)
    rows = _cart_rows(request, md, cart)
    context = {
        "group": group,
        "md": md,
        "page": page,
        "sections": _sections(md, page.products, rows),
        "page_url": _page_url(request, page=page.page),
        "prev_url": _page_url(request, page=page.page - 1) if page.page > 1 else "",
        "next_url": _page_url(request, page=page.page + 1) if page.page < page.pages else "",
    }
    if request.GET.get("chunk"):
        return render(request, "orders/_shop_chunk.html", context)
    category = values["category_id"]
    context["categories"] = [
        (c, _page_url(request, category=c.id), c.id == category) for c in page.categories
    ]
    return render(
        request,
        "orders/shop.html",
        {
            **context,
            "state": md.state(now),
            "window": md.order_window(),
            "distributions": distributions,
            "form": form,
            "all_url": _page_url(request, category=None),
            "producer_options": shop_html.options(
                form.fields["producer"].choices, values["vendor_id"]
            ),
            "category_options": shop_html.options(
                [("", form.fields["category"].choices[0][1])]
                + [(c.id, f"{c.name} ({c.count})") for c in page.categories],
                category,
            ),
            "filtered": values != forms.ShopFilterForm().values(),
            "rows": rows,
            "cart_total": _cart_total(rows, group.currency),
            "order": order,
            "closing": sorted({d.orders_close_at for d in distributions}),
        },
    )


def _sections(md: MultiDistrib, products: list, rows: list[CartRow]) -> list:
    """The page's product cards, by category and producer: what is in the cart, the filling
    of wholesale units."""
    shop_html.prepare(products, md.group, md)
    in_cart = {row.product.pk: row for row in rows}
    fills = order_selectors.wholesale_fills(md=md, products=products)
    for product in products:
        product.cart_row = in_cart.get(product.pk)
        product.fill = fills.get(product.pk)
    sections = selectors.shop_sections(products)
    labels = shop_html.Labels.current()
    for section in sections:
        section.producers = [
            (vendor, shop_html.product_cards(items, labels)) for vendor, items in section.producers
        ]
    return sections


def _page_url(request: HttpRequest, **changes: Any) -> str:
    """This page's address with some query values changed (None: left out); a new category
    starts at its first page."""
    query = request.GET.copy()
    query.pop("chunk", None)
    if "category" in changes:
        query.pop("page", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None and not (key == "page" and value == 1):
            query[key] = str(value)
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


@group_public
@require_GET
def product_detail(
    request: HttpRequest, group_slug: str, md_id: int, product_id: int
) -> HttpResponse:
    group = request.group
    md = md_get(group=group, md_id=md_id)
    now = timezone.now()
    distributions = order_selectors.shop_distributions(md, now)
    product = selectors.shop_product_get(md=md, distributions=distributions, product_id=product_id)
    shop_html.prepare([product], group, md)
    product.image_url = product.image.url if product.image else ""
    cart, _order = order_selectors.member_baskets(md=md, member=request.member)
    rows = {row.product.pk: row for row in _cart_rows(request, md, cart)}
    product.cart_row = rows.get(product.pk)
    product.fill = order_selectors.wholesale_fills(md=md, products=[product]).get(product.pk)
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
        return redirect_back(request, back)
    products = order_selectors.products_by_id(md=md, ids=list(wanted))
    if not products:
        messages.error(request, _("This distribution does not supply this product."))
        return redirect_back(request, back)
    cart, _order = order_selectors.member_baskets(md=md, member=request.member)
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
            quantity = order_forms.input_to_quantity(product, raw_quantity) or Decimal(0)
            tolerance = order_forms.input_to_quantity(product, raw_tolerance)
        except order_forms.QuantityError as exc:
            messages.error(
                request,
                _("%(product)s: %(message)s") % {"product": product.display_name, "message": exc},
            )
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
    pressed = parse_id(request.POST.get("add") or request.POST.get("product"))
    return redirect_back(request, back, anchor=f"#p{pressed}" if pressed is not None else "")


def _posted_single(request: HttpRequest) -> dict[int, tuple[Any, Any, bool]] | None:
    pk = parse_id(request.POST.get("product"))
    if pk is None:
        messages.error(request, _("Choose a product."))
        return None
    return {pk: (request.POST.get("quantity", ""), request.POST.get("tolerance"), True)}


def _posted_shop(request: HttpRequest) -> dict[int, tuple[Any, Any, bool]] | None:
    pressed = parse_id(request.POST.get("add"))
    wanted: dict[int, tuple[Any, Any, bool]] = {}
    for key, value in request.POST.items():
        pk = parse_id(key[2:]) if key.startswith("q-") else None
        if pk is not None:
            wanted[pk] = (value.strip(), request.POST.get(f"t-{pk}"), pk == pressed)
    if pressed is not None and pressed not in wanted:
        wanted[pressed] = ("", None, True)
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
            check = order_services.cart_set(
                member=request.member,
                md=md,
                product=product,
                quantity=quantity,
                tolerance=tolerance,
                acting_user=request.user,
            )
        else:
            check = order_services.cart_check(
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
@require_GET
def cart(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The cart: change quantities, remove products, go to the checkout."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    _merge_session(request, md)
    db_cart, order = order_selectors.member_baskets(md=md, member=request.member)
    rows = _cart_rows(request, md, db_cart)
    return render(
        request,
        "orders/cart.html",
        {
            "group": group,
            "md": md,
            "rows": rows,
            "total": _cart_total(rows, group.currency),
            "order": order,
            "state": md.state(timezone.now()),
        },
    )


@group_public
@require_POST
def cart_update(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Save the cart's quantities (or remove the product whose button was pressed)."""
    md = md_get(group=request.group, md_id=md_id)
    _save_cart(request, md)
    return redirect("shop:cart", group_slug=request.group.slug, md_id=md.pk)


@group_public
@require_POST
def cart_checkout(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Save the cart's quantities and go to the checkout (back to the cart on a wrong one)."""
    md = md_get(group=request.group, md_id=md_id)
    target = "shop:cart" if _save_cart(request, md) else "shop:checkout"
    return redirect(target, group_slug=request.group.slug, md_id=md.pk)


def _save_cart(request: HttpRequest, md: MultiDistrib) -> bool:
    """Set the posted quantities of the cart; True when some quantity was not understood."""
    _merge_session(request, md)
    db_cart, _order = order_selectors.member_baskets(md=md, member=request.member)
    rows = {row.product.pk: row for row in _cart_rows(request, md, db_cart)}
    products = {pk: row.product for pk, row in rows.items()}
    quantities, tolerances, errors = order_forms.posted_quantities(request.POST, products)
    remove = request.POST.get("remove")
    feedback.show_input_errors(request, errors, products)
    for pk, product in products.items():
        if remove and str(pk) == remove:
            _set_in_cart(request, md, product, Decimal(0), None)
            continue
        row = rows[pk]
        wanted = quantities.get(pk, row.quantity)
        tol = tolerances.get(pk, row.tolerance)
        if pk in errors or (wanted == row.quantity and tol == row.tolerance):
            continue
        _set_in_cart(request, md, product, wanted, tol)
    return bool(errors)


@group_public
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Log in or sign up on the way, join the group, give the details the group asks for,
    choose a time slot or home delivery, a payment, and confirm (spec §3.3)."""
    group, user = request.group, request.user
    md = md_get(group=group, md_id=md_id)
    _merge_session(request, md)
    # A member confirming their cart: its lines are read by ``order_place``, under its lock,
    # and here only when the page is shown again.
    confirming = request.method == "POST" and request.member is not None
    db_cart, order = order_selectors.member_baskets(
        md=md, member=request.member, lines=not confirming
    )
    context: dict[str, Any] = {"group": group, "md": md, "order": order}
    if not (confirming and db_cart is not None) and not _with_rows(request, md, db_cart, context):
        return _cart_is_empty(request, md)
    if not user.is_authenticated:
        context["next"] = request.get_full_path()
        return render(request, "orders/checkout_login.html", context)
    joining = request.member is None
    if joining and group.registration != Group.Registration.OPEN:
        context["closed_group"] = True
        return render(request, "orders/checkout_login.html", context)
    options = selectors.checkout_options(md=md, user=user, order=order, now=timezone.now())
    data = request.POST if request.method == "POST" else None
    steps = forms.CheckoutForms(data, md=md, user=user, order=order, options=options)
    if data is not None and steps.is_valid():
        placed = _checkout_confirm(request, md, db_cart, steps, joining)
        if placed is not None:
            return placed
    if "rows" not in context:
        db_cart, context["order"] = order_selectors.member_baskets(md=md, member=request.member)
        if not _with_rows(request, md, db_cart, context):
            return _cart_is_empty(request, md)
    moneypot = options.moneypot and request.member is not None
    context.update(
        {
            "form": steps.form,
            "slot_form": steps.slot_form,
            "delivery_form": steps.delivery_form,
            "joining": joining,
            "slot_request": options.slot_request,
            "delivery_request": options.delivery_request,
            "moneypot": options.moneypot,
            "balance": payment_selectors.balance_for_member(group=group, member=request.member)
            if moneypot
            else None,
            "payment_help": {p.code: p.instructions(group) for p in options.payment_choices},
            "is_open": options.is_open,
        }
    )
    return render(request, "orders/checkout.html", context)


def _with_rows(
    request: HttpRequest, md: MultiDistrib, cart: Basket | None, context: dict[str, Any]
) -> bool:
    """Put the cart's rows and total in ``context``; False when the cart is empty."""
    rows = _cart_rows(request, md, cart)
    context.update(rows=rows, total=_cart_total(rows, md.group.currency))
    return bool(rows)


def _cart_is_empty(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    messages.info(request, _("Your cart is empty."))
    return redirect("shop:shop", group_slug=md.group.slug, md_id=md.pk)


def _checkout_confirm(
    request: HttpRequest,
    md: MultiDistrib,
    cart: Basket | None,
    steps: forms.CheckoutForms,
    joining: bool,
) -> HttpResponse | None:
    """Confirm through the checkout service; the redirect after placing, or None to show the
    forms again with the errors."""
    items = session_cart.items(request, md.pk) if joining else {}
    result = services.checkout_confirm(
        md=md,
        user=request.user,
        member=request.member,
        cart=cart,
        session_items=items,
        acting_user=request.user,
        site_url=request.build_absolute_uri("/").rstrip("/"),
        **steps.service_data(),
    )
    if joining and result.member is not None:
        request.member = result.member
        if items:
            session_cart.clear(request, md.pk)
        for note in result.merge_notes:
            messages.warning(request, note)
    if result.error is not None:
        steps.show_error(result.error_step, result.error)
        return None
    if result.empty:
        return _cart_is_empty(request, md)
    feedback.show_issues(request, result.issues, named=False)
    if result.pay_url:  # card payment: the order is placed once Stripe has the money
        return redirect(result.pay_url)
    if result.basket is None:
        messages.error(request, _("Nothing could be ordered: see the messages above."))
        return redirect("shop:cart", group_slug=md.group.slug, md_id=md.pk)
    messages.success(
        request,
        _(
            "Your order is confirmed: basket number %(number)s, code %(code)s. A confirmation is on its way by e-mail."
        )
        % {"number": result.basket.number, "code": result.basket.code},
    )
    return redirect(result.basket.get_absolute_url())

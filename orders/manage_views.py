"""Management screens: orders of a distribution, orders entered for members (spec §10),
non-finalised carts (spec §5) and wholesale balancing (spec §11).

Rights (decision 2): admins and members who manage all catalogs see a whole distribution; a
coordinator sees and changes only the lines of their own catalogs (403 without any).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalogs.access import (
    coordinated_catalog_ids,
    manages_all_catalogs,
    require_some_catalog_right,
)
from catalogs.models import Product
from catalogs.services import catalog_order_blockers
from distributions.models import MultiDistrib
from distributions.selectors import md_get
from groups.tenancy import get_for_group, group_member_required, group_permission_required
from kernel import money
from kernel.numbers import parse_id
from members.models import Member
from orders import feedback, forms, selectors, services
from payments import providers


def _scope(request: HttpRequest, md: MultiDistrib) -> tuple[set[int], bool]:
    """The distribution's catalogs the member manages, and whether that is all of them."""
    ids = {d.catalog_id for d in md.distributions.all()}
    if manages_all_catalogs(request):
        return ids, True
    mine = coordinated_catalog_ids(request) & ids
    if not mine:
        raise PermissionDenied
    return mine, False


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _to_md(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    return redirect("orders:manage_md", group_slug=request.group.slug, md_id=md.pk)


@group_member_required
@require_GET
def manage_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    require_some_catalog_right(request)
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    mds = list(selectors.md_list_with_orders(group=request.group, when=when)[:40])
    return render(
        request,
        "orders/manage_list.html",
        {"group": request.group, "mds": mds, "when": when, "now": timezone.now()},
    )


@group_member_required
@require_GET
def manage_md(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Every order of the distribution (or of the coordinator's catalogs), by basket number."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    scope, everything = _scope(request, md)
    baskets = selectors.md_orders(md=md, catalog_ids=None if everything else scope)
    currency = group.currency
    grand = []
    for basket in baskets:
        basket.payment_label = (
            providers.type_label(basket.payment_type) if basket.payment_type else ""
        )
        lines = list(basket.lines.all())
        basket.shown_total = basket.total(lines) if everything else basket.lines_total(lines)
        grand.append(basket.shown_total)
    carts = len(selectors.md_carts(md=md)) if everything else 0
    has_wholesale = Product.objects.filter(catalog_id__in=scope, wholesale=True).exists()
    return render(
        request,
        "orders/manage_md.html",
        {
            "group": group,
            "md": md,
            "baskets": baskets,
            "everything": everything,
            "grand_total": money.total(grand, currency),
            "carts_count": carts,
            "has_wholesale": has_wholesale,
            "members_form": forms.MemberChoiceForm(members=_members(group)),
            "changes": selectors.order_changes(md=md, basket=None, by_admin=True),
            "state": md.state(),
        },
    )


def _members(group):
    return (
        Member.objects.active()
        .filter(group=group)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )


@group_member_required
@require_GET
def manage_new(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Pick the member to enter an order for."""
    md = md_get(group=request.group, md_id=md_id)
    _scope(request, md)
    form = forms.MemberChoiceForm(request.GET or None, members=_members(request.group))
    if form.is_valid():
        return redirect(
            "orders:manage_member",
            group_slug=request.group.slug,
            md_id=md.pk,
            member_id=form.cleaned_data["member"].pk,
        )
    return render(
        request, "orders/manage_new.html", {"group": request.group, "md": md, "form": form}
    )


def _member_order(request: HttpRequest, md_id: int, member_id: int):
    """The distribution, the member, the catalogs the acting member manages there and the
    member's order (or None) with its quantities per product."""
    md = md_get(group=request.group, md_id=md_id)
    scope, everything = _scope(request, md)
    member = get_for_group(Member.objects.select_related("user"), request.group, pk=member_id)
    _cart, order = selectors.member_baskets(md=md, member=member)
    current: dict[int, dict[str, Decimal]] = {}
    if order is not None and order.is_confirmed:
        for line in order.lines.all():
            entry = current.setdefault(
                line.product_id, {"q": Decimal(0), "t": Decimal(0), "w": None}
            )
            entry["q"] += line.quantity
            entry["t"] += line.tolerance
            if line.actual_weight is not None:
                entry["w"] = (entry["w"] or Decimal(0)) + line.actual_weight
    return md, scope, everything, member, order, current


def _payment_form(
    request: HttpRequest, order: Any, everything: bool
) -> forms.AdminPaymentForm | None:
    """The payment type, for those who see the whole order, when the group offers some."""
    group = request.group
    choices = [(p.code, p.label) for p in selectors.payment_choices(group)] if everything else []
    if not choices:
        return None
    return forms.AdminPaymentForm(
        request.POST or None,
        payment_choices=choices,
        initial={"payment_type": order.payment_type if order else ""},
    )


@group_member_required
@require_GET
def manage_member(
    request: HttpRequest, group_slug: str, md_id: int, member_id: int
) -> HttpResponse:
    """Enter or change a member's order (spec §10): after the window closes too, until the
    distribution is validated; stock and ledger follow, every change is audited."""
    md, scope, everything, member, order, current = _member_order(request, md_id, member_id)
    return render(
        request,
        "orders/manage_member.html",
        {
            "group": request.group,
            "md": md,
            "member": member,
            "order": order,
            "rows": _member_rows(md, scope, current),
            "everything": everything,
            "changes": selectors.order_changes(md=md, basket=order, by_admin=True),
            "payment_form": _payment_form(request, order, everything),
            "total": order.total(list(order.lines.all())) if order and order.is_confirmed else None,
        },
    )


def _member_rows(md: MultiDistrib, scope: set[int], current: dict) -> list[dict[str, Any]]:
    blocked = {
        d.catalog_id
        for d in md.distributions.all()
        if d.catalog_id in scope and catalog_order_blockers(d.catalog, on_date=md.date)
    }
    rows = []
    for product in selectors.member_order_products(md=md, catalog_ids=scope):
        entry = current.get(product.pk, {"q": Decimal(0), "t": Decimal(0)})
        # Products that cannot be added (withdrawn, producer not allowed to take orders) are
        # shown only to lower a quantity already ordered.
        if not entry["q"] and (not product.active or product.catalog_id in blocked):
            continue
        rows.append(
            {
                "product": product,
                "input": forms.quantity_to_input(product, entry["q"]) if entry["q"] else None,
                "input_tolerance": forms.quantity_to_input(product, entry["t"])
                if entry["t"]
                else None,
                "weight": entry.get("w"),
            }
        )
    return rows


@group_member_required
@require_POST
def manage_member_save(
    request: HttpRequest, group_slug: str, md_id: int, member_id: int
) -> HttpResponse:
    """Save the quantities (and payment type) entered for the member, then the weights
    measured of variable-weight products (a product not ordered yet is ordered for the
    measured amount, billed by weight: issue 13)."""
    md, scope, everything, member, order, current = _member_order(request, md_id, member_id)
    by_id = {p.pk: p for p in selectors.member_order_products(md=md, catalog_ids=scope)}
    changed, tolerances, errors = forms.posted_order_changes(request.POST, by_id, current)
    weights, weight_errors = forms.posted_weights(request.POST, by_id, current)
    feedback.show_input_errors(request, {**errors, **weight_errors}, by_id)
    payment_form = _payment_form(request, order, everything)
    payment_type = None
    if payment_form is not None and payment_form.is_valid():
        payment_type = payment_form.cleaned_data["payment_type"]
    if not changed and not weights:
        if not errors and not weight_errors:
            messages.info(request, _("Nothing changed."))
        return _to_member(request, md, member)
    if changed:
        result = feedback.order_update(
            request,
            named=True,
            md=md,
            member=member,
            quantities=changed,
            tolerances=tolerances,
            acting_user=request.user,
            catalog_ids=scope,
            payment_type=payment_type,
            as_admin=True,
        )
        if result is None or (not result.changed and not weights):
            return _to_member(request, md, member)
    if weights and not feedback.order_weights_set(
        request, md=md, member=member, weights=weights, acting_user=request.user, catalog_ids=scope
    ):
        return _to_member(request, md, member)
    messages.success(
        request, _("The order of %(member)s is saved.") % {"member": member.user.display_name}
    )
    return _to_md(request, md)


@group_member_required
@require_POST
def manage_member_cancel(
    request: HttpRequest, group_slug: str, md_id: int, member_id: int
) -> HttpResponse:
    """Cancel the member's whole order (for those who see the whole distribution)."""
    md, _scope_ids, everything, member, order, _current = _member_order(request, md_id, member_id)
    if not everything or order is None:
        raise PermissionDenied
    try:
        services.order_cancel(basket=order, acting_user=request.user, as_admin=True)
    except ValidationError as exc:
        _error(request, exc)
        return _to_member(request, md, member)
    messages.success(request, _("The order is cancelled."))
    return _to_md(request, md)


def _to_member(request: HttpRequest, md: MultiDistrib, member: Member) -> HttpResponse:
    return redirect(
        "orders:manage_member", group_slug=request.group.slug, md_id=md.pk, member_id=member.pk
    )


@group_permission_required("can_manage_catalogs")
@require_GET
def manage_carts(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Carts never confirmed (spec §5): confirm one on the member's behalf, delete it, or
    remind the members by e-mail."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    carts = selectors.md_carts(md=md)
    currency = group.currency
    catalogs = {d.catalog_id: d.catalog for d in md.distributions.all()}
    for cart in carts:
        for line in cart.lines.all():
            line.product.catalog = catalogs.get(line.product.catalog_id, line.distribution.catalog)
        cart.shown_total = money.total(
            (
                selectors.current_line_total(line.product, line.quantity, currency)
                for line in cart.lines.all()
            ),
            currency,
        )
    return render(
        request,
        "orders/manage_carts.html",
        {"group": group, "md": md, "carts": carts, "state": md.state()},
    )


def _carts(request: HttpRequest, md_id: int, basket_code: str | None = None):
    """The distribution and its carts (only the one of ``basket_code`` when given: 404 if it
    is not one of them)."""
    md = md_get(group=request.group, md_id=md_id)
    carts = selectors.md_carts(md=md)
    if basket_code is not None:
        carts = [c for c in carts if c.code == basket_code]
        if not carts:
            raise Http404
    return md, carts


def _to_carts(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    return redirect("orders:manage_carts", group_slug=request.group.slug, md_id=md.pk)


def _remind(request: HttpRequest, md: MultiDistrib, carts: list) -> HttpResponse:
    try:
        sent = services.carts_remind(carts=carts, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("%(n)s reminder(s) sent.") % {"n": sent})
    return _to_carts(request, md)


@group_permission_required("can_manage_catalogs")
@require_POST
def manage_carts_remind(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """E-mail every member whose cart is not confirmed (sent after the commit)."""
    md, carts = _carts(request, md_id)
    return _remind(request, md, carts)


@group_permission_required("can_manage_catalogs")
@require_POST
def manage_cart_remind(
    request: HttpRequest, group_slug: str, md_id: int, basket_code: str
) -> HttpResponse:
    """E-mail the member of one cart (sent after the commit)."""
    md, carts = _carts(request, md_id, basket_code)
    return _remind(request, md, carts)


@group_permission_required("can_manage_catalogs")
@require_POST
def manage_cart_confirm(
    request: HttpRequest, group_slug: str, md_id: int, basket_code: str
) -> HttpResponse:
    """Confirm a cart on the member's behalf."""
    md, (cart,) = _carts(request, md_id, basket_code)
    try:
        result = services.order_place(cart=cart, acting_user=request.user, as_admin=True)
    except ValidationError as exc:
        _error(request, exc)
        return _to_carts(request, md)
    feedback.show_issues(request, result.issues, named=True)
    if result.basket is not None:
        messages.success(
            request,
            _("The order of %(member)s is confirmed (basket %(number)s).")
            % {"member": cart.member.user.display_name, "number": result.basket.number},
        )
    return _to_carts(request, md)


@group_permission_required("can_manage_catalogs")
@require_POST
def manage_cart_delete(
    request: HttpRequest, group_slug: str, md_id: int, basket_code: str
) -> HttpResponse:
    """Delete a cart never confirmed."""
    md, (cart,) = _carts(request, md_id, basket_code)
    try:
        services.cart_delete(cart=cart, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The cart is deleted."))
    return _to_carts(request, md)


@group_member_required
@require_GET
def manage_wholesale(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Balance the units of wholesale products, then confirm them (spec §11)."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    scope, _everything = _scope(request, md)
    board = selectors.wholesale_board(md=md, catalog_ids=scope)
    return render(
        request,
        "orders/manage_wholesale.html",
        {"group": group, "md": md, "state": md.state(), **board},
    )


def _to_wholesale(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    return redirect("orders:manage_wholesale", group_slug=request.group.slug, md_id=md.pk)


def _balance(request: HttpRequest, md_id: int, *, amounts: bool) -> HttpResponse:
    md = md_get(group=request.group, md_id=md_id)
    scope, _everything = _scope(request, md)
    product = _scoped_product(request, md, scope)
    try:
        if amounts:
            services.wholesale_set(
                md=md,
                product=product,
                amounts=_posted_amounts(request.POST),
                acting_user=request.user,
            )
        else:
            services.wholesale_apply(md=md, product=product, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("%(product)s is balanced.") % {"product": product.display_name})
    return _to_wholesale(request, md)


@group_member_required
@require_POST
def manage_wholesale_apply(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Balance a product by the allocation (first ordered, first served)."""
    return _balance(request, md_id, amounts=False)


@group_member_required
@require_POST
def manage_wholesale_save(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Balance a product with the quantities set by hand."""
    return _balance(request, md_id, amounts=True)


@group_member_required
@require_POST
def manage_wholesale_confirm(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Confirm the units of one catalog (refused while a total is not whole units)."""
    md = md_get(group=request.group, md_id=md_id)
    scope, _everything = _scope(request, md)
    catalog = next(
        (
            d.catalog
            for d in md.distributions.all()
            if str(d.catalog_id) == request.POST.get("catalog") and d.catalog_id in scope
        ),
        None,
    )
    if catalog is None:
        raise Http404
    try:
        services.wholesale_confirm(md=md, catalog=catalog, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request, _("The units of %(catalog)s are confirmed.") % {"catalog": catalog.name}
        )
    return _to_wholesale(request, md)


def _scoped_product(request: HttpRequest, md: MultiDistrib, scope: set[int]) -> Product:
    pk = parse_id(request.POST.get("product"))
    if pk is None:
        raise Http404
    product = (
        Product.objects.filter(pk=pk, group=request.group, catalog_id__in=scope, wholesale=True)
        .select_related("catalog")
        .first()
    )
    if product is None:
        raise Http404
    return product


def _posted_amounts(data: Any) -> dict[int, str]:
    amounts = {}
    for key, value in data.items():
        member_id = parse_id(key[2:]) if key.startswith("m-") else None
        if member_id is not None and value.strip() != "":
            amounts[member_id] = value
    return amounts

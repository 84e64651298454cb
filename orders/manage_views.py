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
from django.views.decorators.http import require_GET, require_http_methods

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
from members.models import Member
from orders import forms, selectors, services
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


@group_member_required
@require_http_methods(["GET", "POST"])
def manage_member(
    request: HttpRequest, group_slug: str, md_id: int, member_id: int
) -> HttpResponse:
    """Enter or change a member's order (spec §10): after the window closes too, until the
    distribution is validated; stock and ledger follow, every change is audited."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    scope, everything = _scope(request, md)
    member = get_for_group(Member.objects.select_related("user"), group, pk=member_id)
    products = selectors.member_order_products(md=md, catalog_ids=scope)
    _cart, order = selectors.member_baskets(md=md, member=member)
    current: dict[int, dict[str, Decimal]] = {}
    if order is not None and order.is_confirmed:
        for line in order.lines.all():
            entry = current.setdefault(line.product_id, {"q": Decimal(0), "t": Decimal(0)})
            entry["q"] += line.quantity
            entry["t"] += line.tolerance
    choices = [(p.code, p.label) for p in selectors.payment_choices(group)] if everything else []
    payment_form = forms.AdminPaymentForm(
        request.POST or None,
        payment_choices=choices,
        initial={"payment_type": order.payment_type if order else ""},
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                if not everything or order is None:
                    raise PermissionDenied
                services.order_cancel(basket=order, acting_user=request.user, as_admin=True)
                messages.success(request, _("The order is cancelled."))
                return _to_md(request, md)
            by_id = {p.pk: p for p in products}
            quantities, tolerances, errors = forms.posted_quantities(request.POST, by_id)
            for pk, message in errors.items():
                messages.error(request, f"{by_id[pk].display_name}: {message}")
            changed = {
                pk: q
                for pk, q in quantities.items()
                if q != current.get(pk, {}).get("q", Decimal(0))
                or tolerances.get(pk, Decimal(0)) != current.get(pk, {}).get("t", Decimal(0))
            }
            for pk in current:
                cleared = request.POST.get(f"q-{pk}") == ""
                if pk in by_id and cleared and pk not in errors:
                    changed[pk] = Decimal(0)  # a field emptied removes the product
            payment_type = None
            if choices and payment_form.is_valid():
                payment_type = payment_form.cleaned_data["payment_type"]
            if changed:
                result = services.order_update(
                    md=md,
                    member=member,
                    quantities=changed,
                    tolerances=tolerances,
                    acting_user=request.user,
                    catalog_ids=scope,
                    payment_type=payment_type,
                    as_admin=True,
                )
                for issue in result.issues:
                    messages.warning(request, f"{issue.product}: {issue.message}")
                if result.changed:
                    messages.success(
                        request,
                        _("The order of %(member)s is saved.")
                        % {"member": member.user.display_name},
                    )
                    return _to_md(request, md)
            elif not errors:
                messages.info(request, _("Nothing changed."))
        except ValidationError as exc:
            _error(request, exc)
        return redirect(
            "orders:manage_member", group_slug=group.slug, md_id=md.pk, member_id=member.pk
        )
    blocked = {
        d.catalog_id
        for d in md.distributions.all()
        if d.catalog_id in scope and catalog_order_blockers(d.catalog, on_date=md.date)
    }
    rows = []
    for product in products:
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
            }
        )
    return render(
        request,
        "orders/manage_member.html",
        {
            "group": group,
            "md": md,
            "member": member,
            "order": order,
            "rows": rows,
            "everything": everything,
            "payment_form": payment_form if choices else None,
            "total": order.total(list(order.lines.all())) if order and order.is_confirmed else None,
        },
    )


@group_permission_required("can_manage_catalogs")
@require_http_methods(["GET", "POST"])
def manage_carts(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Carts never confirmed (spec §5): confirm one on the member's behalf, delete it, or
    remind the members by e-mail."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    carts = selectors.md_carts(md=md)
    if request.method == "POST":
        action = request.POST.get("action")
        code = request.POST.get("code", "")
        chosen = [c for c in carts if c.code == code] if code else carts
        if code and not chosen:
            raise Http404
        try:
            if action == "confirm" and code:
                result = services.order_place(
                    cart=chosen[0], acting_user=request.user, as_admin=True
                )
                for issue in result.issues:
                    messages.warning(request, f"{issue.product}: {issue.message}")
                if result.basket is not None:
                    messages.success(
                        request,
                        _("The order of %(member)s is confirmed (basket %(number)s).")
                        % {
                            "member": chosen[0].member.user.display_name,
                            "number": result.basket.number,
                        },
                    )
            elif action == "delete" and code:
                services.cart_delete(cart=chosen[0], acting_user=request.user)
                messages.success(request, _("The cart is deleted."))
            elif action == "remind":
                sent = services.carts_remind(carts=chosen, acting_user=request.user)
                messages.success(request, _("%(n)s reminder(s) sent.") % {"n": sent})
        except ValidationError as exc:
            _error(request, exc)
        return redirect("orders:manage_carts", group_slug=group.slug, md_id=md.pk)
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


@group_member_required
@require_http_methods(["GET", "POST"])
def manage_wholesale(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Balance the units of wholesale products, then confirm them (spec §11)."""
    group = request.group
    md = md_get(group=group, md_id=md_id)
    scope, _everything = _scope(request, md)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("apply", "save"):
                product = _scoped_product(request, md, scope)
                if action == "apply":
                    services.wholesale_apply(md=md, product=product, acting_user=request.user)
                else:
                    amounts = _posted_amounts(request.POST)
                    services.wholesale_set(
                        md=md, product=product, amounts=amounts, acting_user=request.user
                    )
                messages.success(
                    request, _("%(product)s is balanced.") % {"product": product.display_name}
                )
            elif action == "confirm":
                catalog = next(
                    (
                        d.catalog
                        for d in md.distributions.all()
                        if str(d.catalog_id) == request.POST.get("catalog")
                        and d.catalog_id in scope
                    ),
                    None,
                )
                if catalog is None:
                    raise Http404
                services.wholesale_confirm(md=md, catalog=catalog, acting_user=request.user)
                messages.success(
                    request,
                    _("The units of %(catalog)s are confirmed.") % {"catalog": catalog.name},
                )
        except ValidationError as exc:
            _error(request, exc)
        return redirect("orders:manage_wholesale", group_slug=group.slug, md_id=md.pk)
    board = selectors.wholesale_board(md=md, catalog_ids=scope)
    return render(
        request,
        "orders/manage_wholesale.html",
        {"group": group, "md": md, "state": md.state(), **board},
    )


def _scoped_product(request: HttpRequest, md: MultiDistrib, scope: set[int]) -> Product:
    try:
        pk = int(request.POST.get("product", ""))
    except ValueError as exc:
        raise Http404 from exc
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
        if key.startswith("m-") and key[2:].isdigit() and value.strip() != "":
            amounts[int(key[2:])] = value
    return amounts

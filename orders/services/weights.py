"""An admin enters a weighed product's order as a measured amount (issue 13): 1.8 kg of a
piece sold per 1.5 kg at 15.00 bills 1.8 / 1.5 x 15.00 = 18.00, like the weights typed at the
validation (``orders.models.billed_quantity``).

``order_weights_set`` records the weights of a member's order, in the product's unit (kg, g,
L, cl); a product not ordered yet is first ordered for the measured amount (``order_update``:
stock, rules, e-mail), then weighed. The ledger's debt follows; an order paid by card that
comes out cheaper is refunded by card once committed (``card_refunds.order_refund_on_commit``).
Same locks and refusals as ``order_update`` (a validated distribution refuses).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalogs.models import Product
from distributions.models import MultiDistrib
from kernel.audit import log_action
from kernel.numbers import NumberError, parse_decimal
from members.models import Member
from orders import selectors
from orders.models import Basket, unit_size
from orders.services.ledger import _sync_ledger
from orders.services.loading import _lock_member, _share_md
from orders.services.ordering import _order_basket, order_update
from orders.services.results import OrderError
from payments.services import card_refunds

MAX_WEIGHT = Decimal("99999.999")
QTY_PLACES = Decimal("0.001")
# A weight beyond ten times what was ordered is a typing mistake (1437 for 1.437 kg).
WEIGHT_FACTOR_LIMIT = 10


def parse_weight(product: Product, raw: Any) -> Decimal | None:
    """A typed weight (``1,8`` or ``1.8``) in the product's unit; None when left empty."""
    try:
        weight = parse_decimal(raw, places=3, maximum=MAX_WEIGHT)
    except NumberError as exc:
        raise OrderError(_named(product, str(exc))) from exc
    if weight is not None and weight <= 0:
        raise OrderError(_named(product, _("Enter the weight measured, more than 0.")))
    return weight


def _named(product: Product, message: str) -> str:
    return _("%(product)s: %(message)s") % {"product": product.display_name, "message": message}


@transaction.atomic
def order_weights_set(
    *,
    md: MultiDistrib,
    member: Member,
    weights: dict[int, Any],
    acting_user: Any,
    catalog_ids: set[int] | None = None,
) -> Basket | None:
    """Record ``{product id: weight}`` on the member's order (empty: back to the ordered
    quantity). Returns the order, or None when nothing changed."""
    products = {
        p.pk: p
        for p in Product.objects.filter(
            group=md.group, pk__in=list(weights), variable_weight=True
        ).select_related("catalog")
    }
    if len(products) != len(weights):
        raise OrderError(_("Only products sold by variable weight are weighed."))
    if catalog_ids is not None and any(p.catalog_id not in catalog_ids for p in products.values()):
        raise OrderError(_("You do not manage this catalog."))
    parsed = {pk: parse_weight(products[pk], raw) for pk, raw in weights.items()}
    _share_md(md.pk)
    member = _lock_member(member)
    order = _order_basket(md, member)
    ordered = _ordered(order)
    missing = {
        pk: (w / unit_size(products[pk].unit_quantity)).quantize(QTY_PLACES, ROUND_HALF_UP)
        for pk, w in parsed.items()
        if w is not None and not ordered.get(pk)
    }
    if missing:
        # Ordered for the measured amount first (stock, rules, the member's e-mail).
        result = order_update(
            md=md,
            member=member,
            quantities=missing,
            acting_user=acting_user,
            catalog_ids=catalog_ids,
            as_admin=True,
        )
        if result.issues:
            raise OrderError([_named_issue(issue) for issue in result.issues])
        order = _order_basket(md, member)
        ordered = _ordered(order)
    md = selectors.md_for_orders(md.pk)
    if md.validated_at is not None:
        raise OrderError(_("This distribution is validated: its orders can no longer change."))
    if order is None or not order.is_confirmed:
        return None
    now = timezone.now()
    changed = []
    for pk, weight in parsed.items():
        lines = ordered.get(pk, [])
        if not lines:
            continue
        if len(lines) > 1:
            raise OrderError(
                _named(products[pk], _("several lines: weigh them on the validation page."))
            )
        line = lines[0]
        if weight == line.actual_weight:
            continue
        size = unit_size(products[pk].unit_quantity)
        if weight is not None and weight > line.quantity * size * WEIGHT_FACTOR_LIMIT:
            raise OrderError(
                _named(
                    products[pk],
                    _(
                        "%(weight)s is more than ten times the %(ordered)s ordered; check the weight."
                    )
                    % {
                        "weight": formats.number_format(weight.normalize()),
                        "ordered": formats.number_format((line.quantity * size).normalize()),
                    },
                )
            )
        changed.append({"line": line.pk, "before": str(line.actual_weight), "after": str(weight)})
        line.actual_weight = weight
        line.weight_unit_size = size if weight is not None else None
        line.actual_quantity = (
            None if weight is None else (weight / size).quantize(QTY_PLACES, ROUND_HALF_UP)
        )
        line.updated_at = now
        line.save(
            update_fields=["actual_quantity", "actual_weight", "weight_unit_size", "updated_at"]
        )
    if not changed:
        return order if missing else None
    order = Basket.objects.select_related("member__user", "multidistrib", "group").get(pk=order.pk)
    _sync_ledger(order, acting_user=acting_user)
    Basket.objects.filter(pk=order.pk).update(updated_at=now)
    log_action(
        action="orders.weights_set",
        acting_user=acting_user,
        group=md.group,
        obj=order,
        lines=changed,
        total=str(order.total(list(order.lines.all()))),
    )
    card_refunds.order_refund_on_commit(
        group=md.group,
        member=order.member,
        reference=order.code,
        reason=card_refunds.platform_reason(gettext_noop("Lighter weight at the distribution")),
        acting_user=acting_user,
    )
    return order


def _ordered(order: Basket | None) -> dict[int, list]:
    lines: dict[int, list] = {}
    if order is None or not order.is_confirmed:
        return lines
    for line in order.lines.select_for_update().order_by("pk"):
        if line.quantity > 0:
            lines.setdefault(line.product_id, []).append(line)
    return lines


def _named_issue(issue: Any) -> str:
    return _("%(product)s: %(message)s") % {"product": issue.product, "message": issue.message}

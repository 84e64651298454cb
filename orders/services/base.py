"""What the order services share: errors, the rules of what can be ordered, stock, lines, the
ledger and the e-mails.

Locks, always in this order so two transactions never wait on each other in a circle: the
member's row (``members.Member``, also what the payments services lock), the baskets, the
products in id order (through the conditional stock ``UPDATE``), and last the distribution's
basket counter. The distribution row itself is never locked here: the distributions services
lock it and then call our hooks, which lock members and products.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalogs.exceptions import ProductQuantityError
from catalogs.models import Catalog, Product
from catalogs.services import catalog_order_blockers, product_validate_quantity
from distributions.models import Distribution, MultiDistrib, State
from groups.models import PaymentType
from kernel import money
from kernel.mail import send_email_to_user
from members.models import Member
from orders import wholesale
from orders.models import Basket, BasketCounter, OrderLine
from payments import providers
from payments import services as payments
from payments.models import ONTHESPOT

ZERO = Decimal("0")


class OrderError(ValidationError):
    """An expected refusal, with a translated message to show as is."""


@dataclass
class LineIssue:
    """A product that could not be ordered (or not all of it), and why (user-requests item 2)."""

    product: str
    message: str
    product_id: int | None = None


@dataclass
class OrderResult:
    basket: Basket | None
    changed: bool = False
    issues: list[LineIssue] = field(default_factory=list)


# Reading --------------------------------------------------------------------------------------


def md_for_orders(md_id: int) -> MultiDistrib:
    """The distribution with its group, place, catalogs and producers (2 queries)."""
    md = (
        MultiDistrib.objects.select_related("group", "place")
        .prefetch_related(
            Prefetch(
                "distributions", queryset=Distribution.objects.select_related("catalog__vendor")
            )
        )
        .get(pk=md_id)
    )
    for distribution in md.distributions.all():
        distribution.multidistrib = md
    return md


def distribution_of(md: MultiDistrib, catalog_id: int) -> Distribution | None:
    for distribution in md.distributions.all():
        if distribution.catalog_id == catalog_id:
            distribution.multidistrib = md
            return distribution
    return None


def group_today(md: MultiDistrib):
    return timezone.localdate(timezone.now(), md.group.tzinfo)


def lock_member(member: Member | int, *, related: bool = True) -> Member:
    """The member's row, locked (an id spares loading a member only to lock it), with its user
    and group, whose rows the join locks too; only the member's row when ``related`` is False
    (see ``order_place``)."""
    pk = member if isinstance(member, int) else member.pk
    queryset = Member.objects.select_for_update()
    if related:
        queryset = queryset.select_related("user", "group")
    return queryset.get(pk=pk)


# What can be ordered (spec §3.2) ---------------------------------------------------------------


def refusal(
    product: Product,
    md: MultiDistrib,
    *,
    now: datetime,
    by_admin: bool = False,
    adding: bool = True,
) -> str | None:
    """Why ``product`` cannot be ordered (or changed) at ``md`` now; None when it can.

    Members order while the catalog's window is open. Admins enter orders for members until
    the distribution is validated, window or not (spec §3.7, §10). Removing quantities needs
    only the window (members) or an unvalidated distribution (admins).
    """
    name = product.display_name
    if md.validated_at is not None:
        return _("This distribution is validated: its orders can no longer change.")
    distribution = distribution_of(md, product.catalog_id)
    if distribution is None or product.group_id != md.group_id:
        return _("This distribution does not supply %(product)s.") % {"product": name}
    catalog: Catalog = distribution.catalog
    if not by_admin and (not catalog.users_can_order or distribution.state(now) != State.OPEN):
        return _("Orders for %(catalog)s are closed.") % {"catalog": catalog.name}
    if not adding:
        return None
    if not product.active:
        return _("%(product)s is no longer offered.") % {"product": name}
    if catalog.catalog_type != Catalog.Type.VARIABLE:
        return _("%(product)s is not sold in the shop.") % {"product": name}
    on_date = md.date if by_admin else timezone.localdate(now, md.group.tzinfo)
    blockers = catalog_order_blockers(catalog, on_date=on_date)
    if blockers:
        return blockers[0]
    return None


def validate_quantity(product: Product, quantity: Any, *, allow_zero: bool = True) -> Decimal:
    """The quantity as a Decimal, or OrderError with the catalogs' message (0 allowed: remove)."""
    if allow_zero and quantity not in (None, ""):
        with contextlib.suppress(TypeError, ValueError):
            if money.to_decimal(quantity) == 0:
                return ZERO
    try:
        value = product_validate_quantity(product, quantity)
    except ProductQuantityError as exc:
        raise OrderError(exc.messages[0], code=exc.code) from exc
    if product.multi_weight and value != value.to_integral_value():
        raise OrderError(
            _("%(product)s is weighed piece by piece: enter a whole number of pieces.")
            % {"product": product.name},
            code="quantity_not_whole",
        )
    return value


def validate_tolerance(product: Product, tolerance: Any) -> Decimal:
    if not product.wholesale or tolerance in (None, ""):
        return ZERO
    try:
        value = money.to_decimal(tolerance)
    except (TypeError, ValueError) as exc:
        raise OrderError(_("Enter a quantity.")) from exc
    if value < 0:
        raise OrderError(_("The tolerance cannot be negative."))
    return value.quantize(Decimal("0.001"))


def floor_valid(product: Product, amount: Decimal | None) -> Decimal:
    """The largest quantity of ``product`` not above ``amount`` that can be ordered."""
    if amount is None or amount <= 0:
        return ZERO
    if not product.allows_decimal_quantity or product.multi_weight:
        return amount.to_integral_value(rounding=ROUND_DOWN)
    step = product.small_quantity if product.bulk and product.small_quantity else None
    if step:
        return (amount // step) * step
    return amount.quantize(Decimal("0.001"), rounding=ROUND_DOWN)


def current_line_total(product: Product, quantity: Decimal, currency: str) -> Decimal:
    """What a cart line costs at today's price and catalog fee (``product.catalog`` loaded)."""
    fee = product.catalog.fee_percent
    return money.quantize(quantity * product.price * (Decimal(100) + fee) / Decimal(100), currency)


# Stock (decision 6) ----------------------------------------------------------------------------


def stock_tracked(product: Product) -> bool:
    return product.catalog.stock_tracked


def take_stock(product: Product, quantity: Decimal) -> bool:
    """Take ``quantity`` from the stock if it is there; False (nothing changed) otherwise.

    One conditional ``UPDATE … WHERE stock >= quantity``: the database re-checks the condition
    on the row as it is when the row lock is granted, so two checkouts can never both take the
    last units, and the ``CHECK (stock >= 0)`` constraint is the last guard. A product without
    stock (null) is not limited.
    """
    if quantity <= 0 or not stock_tracked(product):
        return True
    updated = (
        Product.objects.filter(pk=product.pk)
        .filter(Q(stock__isnull=True) | Q(stock__gte=quantity))
        .update(stock=F("stock") - quantity)
    )
    return updated == 1


def give_back_stock(product: Product, quantity: Decimal) -> None:
    if quantity <= 0 or not stock_tracked(product):
        return
    Product.objects.filter(pk=product.pk, stock__isnull=False).update(stock=F("stock") + quantity)


def stock_left(product: Product) -> Decimal | None:
    if not stock_tracked(product):
        return None
    return Product.objects.filter(pk=product.pk).values_list("stock", flat=True).first()


def stock_message(product: Product, left: Decimal | None, *, kept: Decimal | None = None) -> str:
    """The one message for short stock, in the cart and at checkout (decision 6)."""
    from catalogs.templatetags.catalogs_tags import qty

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


# Lines -----------------------------------------------------------------------------------------


def new_line(
    basket: Basket,
    distribution: Distribution,
    product: Product,
    quantity: Decimal,
    *,
    acting_user: Any,
    now: datetime,
    tolerance: Decimal = ZERO,
) -> OrderLine:
    """A line at the product's price, VAT and catalog fee of this moment (decision 7)."""
    return OrderLine(
        group_id=basket.group_id,
        basket=basket,
        distribution=distribution,
        product=product,
        product_name=product.display_name[:200],
        quantity=quantity,
        tolerance=tolerance,
        unit_price=product.price,
        vat_rate=product.vat_rate,
        fee_percent=distribution.catalog.fee_percent,
        created_at=now,
        updated_at=now,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )


def _same_price(line: OrderLine, product: Product, fee: Decimal) -> bool:
    return (
        line.unit_price == product.price
        and line.vat_rate == product.vat_rate
        and line.fee_percent == fee
        and line.actual_quantity is None
    )


def add_quantity(
    basket: Basket,
    lines: list[OrderLine],
    distribution: Distribution,
    product: Product,
    quantity: Decimal,
    *,
    acting_user: Any,
    now: datetime,
    insert: list[OrderLine] | None = None,
) -> list[OrderLine]:
    """Add ``quantity`` of ``product`` to an order (spec §3.4) and return the product's lines.

    The quantity merges into the product's line at the same price; when the price, VAT or fee
    changed since, a new line keeps the old quantity at its old price (decision 7 fixes the
    spec's re-pricing quirk). A product weighed piece by piece gets one line per piece.

    ``insert``: new lines are appended to it, unsaved, for the caller to write them all in one
    INSERT (``OrderLine.objects.bulk_create``); without it they are saved here.
    """
    if product.multi_weight:
        created = [
            new_line(basket, distribution, product, Decimal(1), acting_user=acting_user, now=now)
            for _i in range(int(quantity))
        ]
        if insert is None:
            OrderLine.objects.bulk_create(created)
        else:
            insert.extend(created)
        return [*lines, *created]
    fee = distribution.catalog.fee_percent
    same = next((line for line in lines if _same_price(line, product, fee)), None)
    if same is not None:
        same.quantity += quantity
        same.updated_at = now
        if same.pk is not None:
            same.save(update_fields=["quantity", "updated_at"])
        return lines
    line = new_line(basket, distribution, product, quantity, acting_user=acting_user, now=now)
    if insert is None:
        line.save()
    else:
        insert.append(line)
    return [*lines, line]


def remove_quantity(lines: list[OrderLine], quantity: Decimal, *, now: datetime) -> list[OrderLine]:
    """Take ``quantity`` off the product's lines, newest first; return the lines left."""
    left = quantity
    kept = []
    for line in sorted(lines, key=lambda x: (x.created_at, x.pk), reverse=True):
        if left > 0:
            part = min(line.quantity, left)
            line.quantity -= part
            left -= part
            if line.quantity == 0:
                line.delete()
                continue
            line.updated_at = now
            line.save(update_fields=["quantity", "updated_at"])
        kept.append(line)
    return kept


def set_wholesale_claims(
    product: Product, lines: list[OrderLine], tolerance: Decimal, *, now: datetime
) -> None:
    """Keep a wholesale product's claims and tolerance in step with its lines (see wholesale).

    Lines not written yet (see ``add_quantity``'s ``insert``) are only changed in memory."""
    if not product.wholesale or not lines:
        return
    # Unsaved lines are the newest, in the order they were made.
    newest = max(
        enumerate(lines), key=lambda x: (x[1].created_at, x[1].pk is None, x[1].pk or 0, x[0])
    )[1]
    for line in lines:
        wanted_t = tolerance if line is newest else ZERO
        claims = wholesale.claims_update(
            line.claims,
            quantity=wholesale.to_base(product, line.quantity),
            tolerance=wholesale.to_base(product, wanted_t),
            at=now.isoformat(),
        )
        if claims != line.claims or line.tolerance != wanted_t:
            line.claims = claims
            line.tolerance = wanted_t
            if line.pk is not None:
                line.save(update_fields=["claims", "tolerance"])


# Numbers, ledger, e-mails -----------------------------------------------------------------------


def assign_number(basket: Basket) -> None:
    """The basket's number in its distribution, taken last so the counter's lock is brief.

    One ``UPDATE … RETURNING`` (PostgreSQL, SQLite ≥ 3.35) increments and reads the counter;
    the counter row is created the first time.
    """
    if basket.number is not None:
        return
    table = BasketCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE multidistrib_id = %s RETURNING last"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [basket.multidistrib_id])
        row = cursor.fetchone()
        if row is None:
            BasketCounter.objects.get_or_create(multidistrib_id=basket.multidistrib_id)
            cursor.execute(sql, [basket.multidistrib_id])
            row = cursor.fetchone()
    basket.number = row[0]
    Basket.objects.filter(pk=basket.pk).update(number=basket.number)


def payment_choices(group) -> list[providers.PaymentProvider]:
    """The offline ways a member can pay at checkout (online payment is a later step)."""
    if not group.payments_enabled:
        return []
    return [p for p in providers.checkout_choices(group) if p.code != PaymentType.ONLINE]


def uses_moneypot(group) -> bool:
    return group.payments_enabled and PaymentType.MONEYPOT in providers.accepted_types(group)


def check_payment_type(group, payment_type: str) -> str:
    if not group.payments_enabled:
        return ""
    if uses_moneypot(group):
        return PaymentType.MONEYPOT
    codes = [p.code for p in payment_choices(group)]
    if payment_type and payment_type not in codes:
        raise OrderError({"payment_type": _("Choose one of the payment types offered.")})
    return payment_type


def debt_label(md: MultiDistrib) -> str:
    """The ledger label, in the platform's language so every row of a group reads alike."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Order for %(date)s") % {"date": md.date.strftime("%d/%m/%Y")}


def sync_ledger(basket: Basket, *, acting_user: Any, lines: list[OrderLine] | None = None) -> None:
    """Make the member's debt for this basket equal its total (one debt per member and
    distribution, referenced by the basket's code), and bring the payment announced at
    checkout to the same amount. Runs in the caller's transaction; a money-pot group refuses
    an order the prepaid balance cannot pay (MoneyPotInsufficientError rolls everything back).
    """
    group = basket.group
    if not group.payments_enabled:
        return
    amount = (
        basket.total(lines if lines is not None else list(basket.lines.all()))
        if basket.is_confirmed
        else Decimal("0.00")
    )
    kwargs = {
        "group": group,
        "member": basket.member,
        "reference": basket.code,
        "amount": amount,
        "label": debt_label(basket.multidistrib),
        "acting_user": acting_user,
    }
    if uses_moneypot(group):
        payments.moneypot_debit(**kwargs)
        return
    # The debt, and the payment announced at checkout brought to the same amount. When the
    # group stopped accepting the type since the checkout, the debt is still exact; the
    # announced payment is only a hint for the cash desk and stays as is.
    payments.order_ledger_set(payment_type=basket.payment_type, **kwargs)


def payment_instructions(basket: Basket, total: Decimal) -> str:
    group = basket.group
    if not group.payments_enabled or not basket.payment_type:
        return ""
    code = basket.payment_type
    if code not in providers.PROVIDERS:
        return ""
    return providers.provider_for(code).instructions(group, amount=total, reference=basket.code)


def basket_email_context(basket: Basket) -> dict[str, Any]:
    lines = list(
        basket.lines.select_related("product", "distribution__catalog__vendor").order_by(
            "distribution__catalog__name", "product_name", "pk"
        )
    )
    for line in lines:
        line.group = basket.group
        line.display_quantity = display_quantity(line.product, line.quantity)  # type: ignore[attr-defined]
    total = basket.total(lines)
    md = basket.multidistrib
    return {
        "basket": basket,
        "md": md,
        "lines": lines,
        "total": total,
        "currency": basket.group.currency,
        "payment": payment_instructions(basket, total),
        "payment_label": providers.type_label(basket.payment_type)
        if basket.payment_type and basket.payment_type != ONTHESPOT
        else (str(providers.PROVIDERS[ONTHESPOT].label) if basket.payment_type else ""),
        "url": settings.SITE_URL + basket.get_absolute_url(),
        "shop_url": settings.SITE_URL
        + reverse("orders:shop", kwargs={"group_slug": basket.group.slug, "md_id": md.pk}),
        "cart_url": settings.SITE_URL
        + reverse("orders:cart", kwargs={"group_slug": basket.group.slug, "md_id": md.pk}),
    }


def display_quantity(product: Product, quantity: Decimal) -> str:
    """``2`` for pieces, ``2.5 kg`` of a crate of 10 kg (members think in kg, not in crates)."""
    from catalogs.templatetags.catalogs_tags import qty

    if product.wholesale:
        return f"{qty(wholesale.to_base(product, quantity))} {product.get_unit_type_display()}"
    return qty(quantity)


def send_basket_email(name: str, basket: Basket, **extra: Any) -> None:
    """E-mail the basket's member: queued after the commit (``orders.tasks``), rendered in a
    worker, so the order's transaction never waits for it."""
    from orders.tasks import basket_email_send

    if "issues" in extra:
        extra["issues"] = [asdict(issue) for issue in extra["issues"]]
    basket_id = basket.pk
    transaction.on_commit(
        lambda: basket_email_send.delay(basket_id=basket_id, name=name, extra=extra)
    )


def deliver_basket_email(name: str, basket: Basket, **extra: Any) -> None:
    context = basket_email_context(basket)
    context.update(extra)
    send_email_to_user(name=name, user=basket.member.user, group=basket.group, context=context)


def touch(basket: Basket, now: datetime, *fields: str) -> None:
    """Save ``fields`` of the basket, and its ``updated_at`` as ``now`` (one UPDATE)."""
    basket.updated_at = now
    Basket.objects.filter(pk=basket.pk).update(
        **{name: getattr(basket, name) for name in ("updated_at", *fields)}
    )

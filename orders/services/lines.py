"""Order lines (spec §3.4, decision 7), basket numbers and the basket's timestamp."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from catalogs.models import Product
from distributions.models import Distribution
from orders import wholesale
from orders.models import Basket, BasketCounter, OrderLine
from orders.services.results import ZERO


def _new_line(
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


def _add_quantity(
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
            _new_line(basket, distribution, product, Decimal(1), acting_user=acting_user, now=now)
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
    line = _new_line(basket, distribution, product, quantity, acting_user=acting_user, now=now)
    if insert is None:
        line.save()
    else:
        insert.append(line)
    return [*lines, line]


def _remove_quantity(
    lines: list[OrderLine], quantity: Decimal, *, now: datetime
) -> list[OrderLine]:
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


def _set_wholesale_claims(
    product: Product, lines: list[OrderLine], tolerance: Decimal, *, now: datetime
) -> None:
    """Keep a wholesale product's claims and tolerance in step with its lines (see wholesale).

    Lines not written yet (see ``_add_quantity``'s ``insert``) are only changed in memory."""
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


def _assign_number(basket: Basket) -> None:
    """The basket's number in its distribution, taken last so the counter's lock is brief.

    On PostgreSQL one statement increments the counter and writes the number on the basket (an
    ``UPDATE … RETURNING`` in a ``WITH``: one round trip of the checkout's 30 fewer); elsewhere
    one ``UPDATE … RETURNING`` (SQLite ≥ 3.35) then the basket's ``UPDATE``. The counter row is
    created the first time.
    """
    if basket.number is not None:
        return
    table = BasketCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE multidistrib_id = %s RETURNING last"  # noqa: S608
    params: list[Any] = [basket.multidistrib_id]
    written = connection.vendor == "postgresql"
    if written:
        sql = (
            f"WITH counter AS ({sql}) UPDATE {Basket._meta.db_table} SET number = counter.last "  # noqa: S608
            "FROM counter WHERE id = %s RETURNING counter.last"
        )
        params.append(basket.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            BasketCounter.objects.get_or_create(multidistrib_id=basket.multidistrib_id)
            cursor.execute(sql, params)
            row = cursor.fetchone()
    basket.number = row[0]
    if not written:
        Basket.objects.filter(pk=basket.pk).update(number=basket.number)


def _touch(basket: Basket, now: datetime, *fields: str) -> None:
    """Save ``fields`` of the basket, and its ``updated_at`` as ``now`` (one UPDATE)."""
    basket.updated_at = now
    Basket.objects.filter(pk=basket.pk).update(
        **{name: getattr(basket, name) for name in ("updated_at", *fields)}
    )

"""Wholesale units: products sold by the crate or box (spec §11, peers.md §5a).

A wholesale product is a whole unit of size ``U`` in its base unit (a 10 kg crate of apples, a
box of 6 bottles). Members order parts of it, in the base unit (2.5 kg, 1 bottle), and may
accept a **tolerance**: a little more, only if that completes a unit. The group orders whole
units from the producer. Everything here is a pure function of Decimals in base units.

The rules are Foodsoft's (peers.md §5a), which keep Cagette's (spec §11) when nobody gives a
tolerance:

* units to order: ``floor(Q / U)``, plus one when the remainder ``r = Q mod U`` is positive and
  ``r + T >= U`` (tolerance only completes a unit that already holds firm orders);
* missing, shown to members live: ``U - (r + T)``, shown as 0 when negative or equal to ``U``
  (Cagette's ``missing``: 0 for a multiple of ``U``, else ``U - Q mod U``);
* allocation when orders close, first ordered first served: the available ``units x U`` goes
  to the firm claims oldest first, then what is left to the tolerances oldest first. A claim is
  one increase of a member's order (``OrderLine.claims``), so a member who adds later queues
  only the addition.

Quantities are stored in product units with 3 decimals (a crate of 6 holds 0.167 per bottle),
so the base amount of a line is recovered by rounding: whole pieces, or 3 decimals of kg / L.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal("0")
THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class Fill:
    size: Decimal  # U: base units in one wholesale unit
    firm: Decimal  # Q: what members ordered
    tolerance: Decimal  # T: what they accept on top to complete a unit
    full_units: int  # floor(Q / U)
    units: int  # what to order from the producer
    missing: Decimal  # what members must still add to fill the next unit; 0 when nothing

    @property
    def remainder(self) -> Decimal:
        return self.firm - self.full_units * self.size

    @property
    def progress(self) -> int:
        """How full the unit being filled is, in percent, counting tolerance (for a bar)."""
        if self.missing == 0:
            return 100 if self.firm else 0
        return int((self.size - self.missing) * 100 / self.size)

    @property
    def is_whole(self) -> bool:
        return self.remainder == 0


def fill(size: Decimal, firm: Decimal, tolerance: Decimal = ZERO) -> Fill:
    if size <= 0:
        raise ValueError("A wholesale unit has a positive size.")
    full = int((firm / size).to_integral_value(rounding=ROUND_DOWN))
    remainder = firm - full * size
    units = full + (1 if remainder > 0 and remainder + tolerance >= size else 0)
    missing = size - (remainder + tolerance)
    if missing <= 0 or missing == size:
        missing = ZERO
    return Fill(size, firm, tolerance, full, units, missing)


@dataclass(frozen=True)
class Claim:
    line_id: int
    at: str  # ISO datetime: ISO strings of one time zone sort chronologically
    quantity: Decimal
    tolerance: Decimal
    order: int = 0  # tie-breaker for claims made at the same instant


def allocate(size: Decimal, claims: Iterable[Claim]) -> tuple[Fill, dict[int, Decimal]]:
    """First ordered, first served: the base amount each line gets (0 for lines left out)."""
    claims = sorted(claims, key=lambda c: (c.at, c.order, c.line_id))
    firm = sum((c.quantity for c in claims), ZERO)
    tolerance = sum((c.tolerance for c in claims), ZERO)
    result = fill(size, firm, tolerance)
    left = result.units * size
    granted: dict[int, Decimal] = {c.line_id: ZERO for c in claims}
    for field in ("quantity", "tolerance"):
        for claim in claims:
            if left <= 0:
                break
            part = min(getattr(claim, field), left)
            granted[claim.line_id] += part
            left -= part
    return result, granted


# Base units ↔ product units -------------------------------------------------------------------


def unit_size(product) -> Decimal:
    """Base units in one unit of the product: its quantity per unit (1 when not given)."""
    return product.unit_quantity or Decimal(1)


def counts_pieces(product) -> bool:
    return product.unit_type == "piece"


def base_step(product) -> Decimal:
    """The grid of base amounts a line can hold exactly once stored with 3 decimals.

    Whole pieces for a box of pieces; hundredths (10 g, 10 ml) for a crate of up to 10 kg or L;
    a thousandth of the crate for bigger ones (25 g steps in a 25 kg sack).
    """
    size = unit_size(product)
    grid = size * THOUSANDTH
    if counts_pieces(product):
        return max(Decimal(1), grid.normalize())
    return max(Decimal("0.01"), grid.normalize())


def to_base(product, quantity: Decimal) -> Decimal:
    """Product units → base units: 0.167 box of 6 → 1 bottle; 0.25 crate of 10 kg → 2.5 kg."""
    step = base_step(product)
    return ((quantity * unit_size(product)) / step).to_integral_value(rounding=ROUND_HALF_UP) * step


def base_total(product, quantities: Iterable[Decimal]) -> Decimal:
    """The base amount of several lines: each line's own base amount (``to_base``), summed.

    Never the sum of the stored product units converted once: 26 lines of 0.5 kg of a 1.3 kg
    bag store 0.385 each, whose sum (10.010 bags) reads 13.01 kg and 1.29 kg missing, where
    the lines hold 13 kg, exactly 10 bags (issue 13). Members' "missing" figure and the
    admins' confirmation both add up this way, so they always agree.
    """
    return sum((to_base(product, quantity) for quantity in quantities), ZERO)


def from_base(product, base: Decimal) -> Decimal:
    """Base units → product units, 3 decimals (what an order line stores)."""
    return (base / unit_size(product)).quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def base_round_trips(product, base: Decimal) -> bool:
    """Whether a base amount is on the product's grid, so it survives being stored."""
    return base % base_step(product) == 0 and to_base(product, from_base(product, base)) == base


# Claims ---------------------------------------------------------------------------------------


def claims_total(claims: list[dict]) -> tuple[Decimal, Decimal]:
    return (
        sum((Decimal(c["q"]) for c in claims), ZERO),
        sum((Decimal(c["t"]) for c in claims), ZERO),
    )


def claims_update(
    claims: list[dict], *, quantity: Decimal, tolerance: Decimal, at: str
) -> list[dict]:
    """The claims after the member's order became ``quantity`` (+ ``tolerance``), in base units.

    An increase is a new claim at ``at``; a decrease takes from the newest claims first (of
    quantity and of tolerance separately), dropping claims left empty.
    """
    rows = [{"at": c["at"], "q": Decimal(c["q"]), "t": Decimal(c["t"])} for c in claims]
    have_q, have_t = claims_total(claims)
    add_q, add_t = quantity - have_q, tolerance - have_t
    for key, delta in (("q", add_q), ("t", add_t)):
        if delta < 0:
            take = -delta
            for row in reversed(rows):
                part = min(row[key], take)
                row[key] -= part
                take -= part
                if take == 0:
                    break
    if add_q > 0 or add_t > 0:
        rows.append({"at": at, "q": max(add_q, ZERO), "t": max(add_t, ZERO)})
    return [
        {"at": r["at"], "q": _text(r["q"]), "t": _text(r["t"])}
        for r in rows
        if r["q"] > 0 or r["t"] > 0
    ]


def _text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def line_allocation(product: Any, lines: list[Any]) -> tuple[Fill, dict[int, Decimal]]:
    """The fill of ``product`` and the base amount each line would get (first come first served)."""
    claims = []
    for line in lines:
        rows = line.claims or [
            {
                "at": line.created_at.isoformat(),
                "q": str(to_base(product, line.quantity)),
                "t": str(to_base(product, line.tolerance)),
            }
        ]
        for index, row in enumerate(rows):
            claims.append(
                Claim(
                    line_id=line.pk,
                    at=row["at"],
                    quantity=Decimal(row["q"]),
                    tolerance=Decimal(row["t"]),
                    order=index,
                )
            )
    return allocate(unit_size(product), claims)

"""What the order services return or raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from orders.models import Basket

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

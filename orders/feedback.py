"""What the order screens tell the person after a save: refused inputs and refused lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from orders import services
from orders.services.results import LineIssue, OrderResult


def _named(product: str, message: str) -> str:
    return _("%(product)s: %(message)s") % {"product": product, "message": message}


def show_input_errors(request: HttpRequest, errors: Mapping[int, str], products: Mapping) -> None:
    """One message per product whose posted quantity was refused, named after the product."""
    for pk, message in errors.items():
        messages.error(request, _named(products[pk].display_name, message))


def show_issues(request: HttpRequest, issues: Iterable[LineIssue], *, named: bool) -> None:
    for issue in issues:
        messages.warning(request, _named(issue.product, issue.message) if named else issue.message)


def order_update(request: HttpRequest, *, named: bool, **data: Any) -> OrderResult | None:
    """Run the order update; its refusal or the lines it could not take become messages.
    None when it was refused as a whole."""
    try:
        result = services.order_update(**data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None
    show_issues(request, result.issues, named=named)
    return result


def order_weights_set(request: HttpRequest, **data: Any) -> bool:
    """Record the weights typed by an admin; a refusal becomes messages (False)."""
    try:
        services.order_weights_set(**data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    return True

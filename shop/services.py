"""The checkout (spec §3.3): join the group, complete the profile, choose a time slot or home
delivery, then place the order. Each step is a service of its own app with its own transaction,
so a later failure leaves the earlier steps done (the member joined, the profile saved); the one
step undone is the home delivery when nothing at all could be ordered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from distributions import selectors as distribution_selectors
from distributions import services as distribution_services
from distributions.models import MultiDistrib
from groups.models import PaymentType
from members import services as member_services
from members.models import Member
from orders import selectors
from orders.models import Basket
from orders.services import LineIssue, card_checkout_start, cart_merge, order_place


@dataclass
class CheckoutResult:
    """What ``checkout_confirm`` did.

    ``member``: the member after the join step (None when joining failed). ``merge_notes``: the
    products of the session cart left out or clamped when it joined the member's cart.
    ``error_step`` (``join``, ``profile``, ``slot``, ``delivery``, ``order``) and ``error``: the
    step that refused, to show with the form that asked for it. ``empty``: no cart to order.
    Otherwise ``basket`` is the order (None when nothing could be ordered) and ``issues`` say
    which products could not be ordered, or not all of them.
    """

    member: Member | None
    merge_notes: list[str] = field(default_factory=list)
    error_step: str = ""
    error: ValidationError | None = None
    empty: bool = False
    basket: Basket | None = None
    issues: list[LineIssue] = field(default_factory=list)
    # Card payment (issue 17): the Stripe page to send the member to; the order is placed
    # once Stripe says the money was taken.
    pay_url: str = ""


def checkout_confirm(
    *,
    md: MultiDistrib,
    user: Any,
    member: Member | None,
    cart: Basket | None,
    session_items: dict[int, tuple[Any, Any]] | None = None,
    profile_changes: dict[str, str] | None = None,
    slot_ids: list[int] | None = None,
    delivery: dict[str, Any] | None = None,
    payment_type: str = "",
    acting_user: Any,
    site_url: str = "",
) -> CheckoutResult:
    """Confirm ``user``'s cart for ``md`` once the checkout's forms are valid.

    ``member`` None: the user joins the group first (open registration), and the cart kept in
    the session before (``session_items``) joins theirs; ``cart`` is then read after the join.
    ``profile_changes`` are saved on the user; ``slot_ids`` (a time-slot request) or
    ``delivery`` (the home-delivery address: the order is delivered) are saved next; then
    ``order_place`` confirms the cart, sending its e-mail after the commit. When nothing could
    be ordered, the delivery request just made is withdrawn.
    """
    result = CheckoutResult(member=member)
    if member is None:
        try:
            result.member = member_services.member_join(
                group=md.group, user=user, acting_user=acting_user
            )
        except ValidationError as exc:
            return _refused(result, "join", exc)
        if session_items:
            result.merge_notes = cart_merge(
                member=result.member, md=md, items=session_items, acting_user=acting_user
            )
    if profile_changes:
        for name, value in profile_changes.items():
            setattr(user, name, value)
        try:
            member_services.user_update_profile(
                user=user, changed=list(profile_changes), acting_user=acting_user
            )
        except ValidationError as exc:
            return _refused(result, "profile", exc)
    wants_delivery = delivery is not None
    try:
        if slot_ids is not None:
            distribution_services.slot_request_save(
                md=md, user=user, slot_ids=slot_ids, acting_user=acting_user
            )
        if wants_delivery:
            distribution_services.delivery_request_save(
                md=md, user=user, acting_user=acting_user, **delivery
            )
    except ValidationError as exc:
        return _refused(result, "delivery" if wants_delivery else "slot", exc)
    if member is None:
        cart, _order = selectors.member_baskets(md=md, member=result.member, lines=False)
    if cart is None:
        result.empty = True
        return result
    if payment_type == PaymentType.ONLINE and md.group.payments_enabled:
        return _card_checkout(result, md, cart, wants_delivery, acting_user, site_url)
    try:
        placed = order_place(
            cart=cart,
            acting_user=acting_user,
            payment_type=payment_type,
            delivery=wants_delivery,
            as_admin=False,
            md=md,
        )
    except ValidationError as exc:
        return _refused(result, "order", exc)
    result.basket, result.issues = placed.basket, placed.issues
    if placed.basket is None and wants_delivery:
        _drop_delivery(md, user, acting_user)
    return result


def _card_checkout(
    result: CheckoutResult,
    md: MultiDistrib,
    cart: Basket,
    delivery: bool,
    acting_user: Any,
    site_url: str,
) -> CheckoutResult:
    """Card payment: hold the cart and open the Stripe page (``orders.services.card``)."""
    member = result.member
    if member is None:
        return _refused(result, "join", ValidationError(_("The payment could not start.")))
    try:
        started = card_checkout_start(
            md=md,
            member=member,
            cart=cart,
            delivery=delivery,
            acting_user=acting_user,
            site_url=site_url,
        )
    except ValidationError as exc:
        return _refused(result, "order", exc)
    result.issues, result.pay_url = started.issues, started.pay_url
    if not started.pay_url and not started.issues:
        return _refused(result, "order", ValidationError(_("The payment could not start.")))
    return result


def _refused(result: CheckoutResult, step: str, exc: ValidationError) -> CheckoutResult:
    result.error_step, result.error = step, exc
    return result


def _drop_delivery(md: MultiDistrib, user: Any, acting_user: Any) -> None:
    request = distribution_selectors.delivery_request_for(md=md, user=user)
    if request is not None:
        distribution_services.delivery_request_cancel(request=request, acting_user=acting_user)

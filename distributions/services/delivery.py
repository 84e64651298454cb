"""Home delivery (spec §10): a distribution may bring orders to members' addresses."""

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distributions.cycles import aware
from distributions.models import DeliveryRequest, MultiDistrib, SlotRequest, State
from distributions.services.closed import refuse_if_closed
from kernel.audit import log_action
from kernel.money import quantize
from members.models import Member, User


@transaction.atomic
def delivery_configure(
    *,
    md: MultiDistrib,
    enabled: bool,
    fee: Decimal,
    start_time: time | None,
    end_time: time | None,
    note: str,
    acting_user: Any,
) -> MultiDistrib:
    """Offer (or stop offering) delivery at this distribution, with a fee and a window."""
    md = MultiDistrib.objects.select_for_update().select_related("group", "place").get(pk=md.pk)
    refuse_if_closed(md)
    asked = DeliveryRequest.objects.filter(multidistrib=md).count()
    if not enabled and asked:
        raise ValidationError(
            _(
                "%(n)s member(s) asked for delivery: delivery cannot be turned off. Remove their requests first."
            )
            % {"n": asked}
        )
    if fee is None or fee < 0:
        raise ValidationError({"fee": _("The fee cannot be negative.")})
    tz = md.group.tzinfo
    md.delivery_enabled = enabled
    md.delivery_fee = quantize(fee, md.group.currency)
    md.delivery_note = note.strip()
    if enabled:
        if start_time is None or end_time is None:
            raise ValidationError({"start_time": _("Give the delivery window.")})
        md.delivery_starts_at = aware(md.date, start_time, tz)
        md.delivery_ends_at = aware(md.date, end_time, tz)
    else:
        md.delivery_starts_at = md.delivery_ends_at = None
    try:
        md.full_clean()
    except ValidationError as exc:
        mapping = {"delivery_starts_at": "start_time", "delivery_ends_at": "end_time"}
        raise ValidationError({mapping.get(k, k): v for k, v in exc.message_dict.items()}) from exc
    md.save(
        update_fields=[
            "delivery_enabled",
            "delivery_fee",
            "delivery_note",
            "delivery_starts_at",
            "delivery_ends_at",
        ]
    )
    log_action(
        action="delivery.configured",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        enabled=enabled,
        fee=md.delivery_fee,
    )
    return md


@transaction.atomic
def delivery_request_save(
    *,
    md: MultiDistrib,
    user: User,
    address1: str,
    address2: str = "",
    postcode: str,
    city: str,
    phone: str = "",
    note: str = "",
    acting_user: Any,
    now: datetime | None = None,
) -> DeliveryRequest:
    """A member asks for delivery to an address (required), while orders are open.

    The fee is the one in force now. A delivered member needs no time slot: their slot choice
    is dropped. This is the step the checkout calls when the distribution offers delivery.
    """
    now = now or timezone.now()
    md = (
        MultiDistrib.objects.select_for_update()
        .select_related("group")
        .prefetch_related("distributions")
        .get(pk=md.pk)
    )
    if not md.delivery_enabled:
        raise ValidationError(_("This distribution does not offer home delivery."))
    if md.state(now) != State.OPEN:
        raise ValidationError(_("Orders are not open: delivery cannot be asked now."))
    if not Member.objects.of_user(group=md.group, user=user).exists():
        raise ValidationError(_("Only members of the group can ask for delivery."))
    errors = {}
    for name, value in (("address1", address1), ("postcode", postcode), ("city", city)):
        if not (value or "").strip():
            errors[name] = [_("This field is required for a delivery.")]
    if errors:
        raise ValidationError(errors)
    request = DeliveryRequest.objects.filter(multidistrib=md, user=user).first() or DeliveryRequest(
        group=md.group, multidistrib=md, user=user
    )
    request.address1 = address1.strip()
    request.address2 = (address2 or "").strip()
    request.postcode = postcode.strip()
    request.city = city.strip()
    request.phone = (phone or "").strip()
    request.note = (note or "").strip()
    request.fee = md.delivery_fee
    request.full_clean()
    request.save()
    SlotRequest.objects.filter(multidistrib=md, user=user, assigned_manually=False).delete()
    log_action(action="delivery.requested", acting_user=acting_user, group=md.group, obj=md)
    return request


@transaction.atomic
def delivery_request_cancel(
    *, request: DeliveryRequest, acting_user: Any, now: datetime | None = None
) -> None:
    """The member withdraws while orders are open; an admin may remove it until validation."""
    now = now or timezone.now()
    md = request.multidistrib
    by_self = getattr(acting_user, "pk", None) == request.user_id
    refuse_if_closed(md)
    if by_self and md.state(now) != State.OPEN:
        raise ValidationError(_("Orders are closed: ask the group's team to change your delivery."))
    log_action(
        action="delivery.cancelled",
        acting_user=acting_user,
        group=request.group,
        obj=md,
        member=request.user_id,
    )
    request.delete()

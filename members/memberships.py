"""Membership fees (spec §5, decision 3): the period rule, who is up to date, recording and
deleting a fee.

The period rule is a pure function of a date and the group's renewal day and month: a date
before the renewal date of its calendar year belongs to the previous period. A period is stored
as its first calendar year and named "2026" when the renewal falls in January or February,
"2026-2027" otherwise.

The ledger rows of a fee (a debt and its payment, net zero, spec §5) belong to the payments app,
which sits to the right of this one: it registers its writers here in ``AppConfig.ready``
(``register_ledger``); ``membership_record`` and ``membership_delete`` call them inside their
transaction, so a fee and its rows are written or removed together.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date as date_type
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group, PaymentType
from kernel.audit import log_action
from kernel.money import quantize, to_decimal
from members.models import Member, Membership

# Offline types a fee may be paid with (spec §5: cash, cheque, transfer or card terminal).
FEE_PAYMENT_TYPES = (
    PaymentType.CASH,
    PaymentType.CHEQUE,
    PaymentType.TRANSFER,
    PaymentType.CARD_TERMINAL,
)
# The periods offered when recording a fee: up to 4 back and 1 ahead (spec §5).
PERIODS_BACK = 4
PERIODS_AHEAD = 1


class MembershipFeeError(ValidationError):
    """An expected refusal, with a translated message to show as is."""


# --- the period rule ------------------------------------------------------------------------


def renewal_date(year: int, month: int, day: int) -> date_type:
    """The renewal date in ``year``; a day the month lacks (30 February) is its last day."""
    return date_type(year, month, min(day, calendar.monthrange(year, month)[1]))


def period_year(day: date_type, *, month: int, renewal_day: int) -> int:
    """The period ``day`` belongs to: before the renewal date of its year, the previous one."""
    if day < renewal_date(day.year, month, renewal_day):
        return day.year - 1
    return day.year


def period_name(year: int, *, month: int) -> str:
    """ "2026" when the renewal is in January or February, else "2026-2027" (spec §5)."""
    return str(year) if month <= 2 else f"{year}-{year + 1}"


def period_bounds(year: int, *, month: int, renewal_day: int) -> tuple[date_type, date_type]:
    """First and last day of the period."""
    start = renewal_date(year, month, renewal_day)
    return start, renewal_date(year + 1, month, renewal_day) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    year: int
    name: str
    start: date_type
    end: date_type


def group_today(group: Group) -> date_type:
    return timezone.localdate(timezone=group.tzinfo)


def group_period(group: Group, year: int) -> Period:
    month, day = group.membership_renewal_month, group.membership_renewal_day
    start, end = period_bounds(year, month=month, renewal_day=day)
    return Period(year, period_name(year, month=month), start, end)


def current_period(group: Group, today: date_type | None = None) -> Period:
    today = today or group_today(group)
    year = period_year(
        today, month=group.membership_renewal_month, renewal_day=group.membership_renewal_day
    )
    return group_period(group, year)


def period_choices(group: Group, today: date_type | None = None) -> list[Period]:
    """The periods a fee may be recorded for: the current one first, then 1 ahead, 4 back."""
    current = current_period(group, today).year
    years = [current, *range(current + 1, current + PERIODS_AHEAD + 1)]
    years += range(current - 1, current - PERIODS_BACK - 1, -1)
    return [group_period(group, y) for y in years]


def renewal_refusal(group: Group) -> str | None:
    """Why memberships cannot be turned on: the group needs a valid renewal date."""
    month, day = group.membership_renewal_month, group.membership_renewal_day
    if not month or not day:
        return _("Set the renewal date before turning membership fees on.")
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return _("This renewal date does not exist.")
    # 29 February is allowed (the 28th in other years); 30 February or 31 April are not.
    if day > calendar.monthrange(2024, month)[1]:
        return _("This renewal date does not exist.")
    return None


def fee_payment_types(group: Group) -> list[tuple[str, str]]:
    """The group's offline types a fee may be paid with; all four when it accepts none of them."""
    labels = dict(PaymentType.choices)
    accepted = [t for t in FEE_PAYMENT_TYPES if t in (group.payment_types or [])]
    return [(t, str(labels[t])) for t in accepted or FEE_PAYMENT_TYPES]


# --- who is up to date ----------------------------------------------------------------------


def _paid(year: int) -> Exists:
    return Exists(Membership.objects.filter(member=OuterRef("pk"), year=year))


def members_up_to_date(group: Group, today: date_type | None = None) -> QuerySet[Member]:
    """Active members with a fee for the current period (empty when fees are off)."""
    if not group.has_membership:
        return Member.objects.none()
    year = current_period(group, today).year
    return Member.objects.active().filter(_paid(year), group=group)


def members_to_renew(group: Group, today: date_type | None = None) -> QuerySet[Member]:
    """Active members without a fee for the current period (empty when fees are off)."""
    if not group.has_membership:
        return Member.objects.none()
    year = current_period(group, today).year
    return Member.objects.active().filter(group=group).exclude(_paid(year))


def members_to_renew_list(group: Group, today: date_type | None = None) -> QuerySet[Member]:
    """``members_to_renew`` with their user and the last period they paid (``last_year``)."""
    return (
        members_to_renew(group, today)
        .select_related("user")
        .annotate(last_year=Max("fees__year"))
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def has_valid_membership(member: Member, today: date_type | None = None) -> bool:
    """A fee for the current period (spec §5); False when the group has fees off."""
    group = member.group
    if not group.has_membership:
        return False
    year = current_period(group, today).year
    return Membership.objects.filter(member=member, year=year).exists()


def valid_member_ids(group: Group, member_ids: Iterable[int], today: date_type | None = None):
    """The ids among ``member_ids`` with a valid membership, in one query."""
    if not group.has_membership:
        return set()
    year = current_period(group, today).year
    return set(
        Membership.objects.filter(group=group, year=year, member_id__in=list(member_ids))
        .values_list("member_id", flat=True)
        .distinct()
    )


def membership_required(group: Group) -> bool:
    return bool(group.has_membership and group.membership_required_to_order)


def order_refusal(
    member: Member | None, today: date_type | None = None, *, by_admin: bool = False
) -> str | None:
    """Why ``member`` may not place an order (decision 3), or None when they may."""
    if member is None or not membership_required(member.group):
        return None
    if has_valid_membership(member, today):
        return None
    period = current_period(member.group, today)
    if by_admin:
        return _(
            "This member has no membership fee recorded for %(period)s and the group requires one to order: record the fee first."
        ) % {"period": period.name}
    return _(
        "Your membership fee for %(period)s is not recorded yet: the group requires it before you can order."
    ) % {"period": period.name}


def fees_for_member(member: Member) -> QuerySet[Membership]:
    return Membership.objects.filter(member=member).select_related("recorded_by")


def fee_stats(group: Group) -> list[dict[str, Any]]:
    """Per period: number of fees and amount collected, newest first."""
    rows = (
        Membership.objects.filter(group=group)
        .values("year")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-year")
    )
    month = group.membership_renewal_month
    return [
        {
            "year": r["year"],
            "name": period_name(r["year"], month=month),
            "count": r["count"],
            "total": quantize(r["total"] or Decimal("0"), group.currency),
        }
        for r in rows
    ]


def fee_stats_for_multidistrib(group: Group, multidistrib_id: int) -> dict[str, Any]:
    """Fees collected at one distribution (the cash report)."""
    agg = Membership.objects.filter(group=group, multidistrib_id=multidistrib_id).aggregate(
        count=Count("pk"), total=Sum("amount")
    )
    return {
        "count": agg["count"],
        "total": quantize(agg["total"] or Decimal("0"), group.currency),
    }


# --- ledger hooks (registered by the payments app) ------------------------------------------

LedgerWriter = Callable[..., str]
LedgerReverser = Callable[..., None]
_ledger: dict[str, Any] = {}


def register_ledger(*, record: LedgerWriter, reverse: LedgerReverser) -> None:
    """``record(fee=, period_name=, acting_user=) -> reference`` writes the debt and payment of
    a fee; ``reverse(fee=, acting_user=)`` writes the rows cancelling them exactly."""
    _ledger["record"], _ledger["reverse"] = record, reverse


# ``fn(group, today) -> [(multidistrib id, label)]``: the distributions a fee may be linked to
# (spec §5: from 3 months ago to 5 days ahead), registered by the distributions app.
_distribution_choices: list[Callable[[Group, date_type], list[tuple[int, str]]]] = []


def register_distribution_choices(fn: Callable[[Group, date_type], list[tuple[int, str]]]):
    if fn not in _distribution_choices:
        _distribution_choices.append(fn)
    return fn


def distribution_choices(group: Group, today: date_type | None = None) -> list[tuple[int, str]]:
    today = today or group_today(group)
    return [choice for fn in _distribution_choices for choice in fn(group, today)]


def _uses_ledger(group: Group) -> bool:
    return bool(group.has_payments)


# --- writes ---------------------------------------------------------------------------------


def _amount(group: Group, value: Any) -> Decimal:
    if value in (None, ""):
        if group.membership_fee is None:
            raise MembershipFeeError({"amount": _("Enter the amount of the fee.")})
        value = group.membership_fee
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise MembershipFeeError({"amount": _("Enter an amount.")}) from exc
    if not amount.is_finite() or amount <= 0:
        raise MembershipFeeError({"amount": _("The amount must be greater than zero.")})
    if quantize(amount, group.currency) != amount:
        raise MembershipFeeError({"amount": _("Use at most two decimal places.")})
    return quantize(amount, group.currency)


def membership_check(
    *, group: Group, year: int, payment_type: str, today: date_type | None = None
) -> None:
    """Refuse what no fee of this group may have (before any member is looked at)."""
    if not group.has_membership:
        raise MembershipFeeError(_("Membership fees are off in this group's settings."))
    refusal = renewal_refusal(group)
    if refusal:
        raise MembershipFeeError(refusal)
    if year not in {p.year for p in period_choices(group, today)}:
        raise MembershipFeeError({"year": _("Choose one of the periods offered.")})
    types = dict(fee_payment_types(group))
    if _uses_ledger(group) and payment_type not in types:
        raise MembershipFeeError({"payment_type": _("Choose how the fee was paid.")})
    if payment_type and payment_type not in types:
        raise MembershipFeeError({"payment_type": _("Choose how the fee was paid.")})


@transaction.atomic
def membership_record(
    *,
    group: Group,
    member: Member,
    year: int,
    acting_user: Any,
    amount: Any = None,
    paid_on: date_type | None = None,
    payment_type: str = "",
    multidistrib_id: int | None = None,
    today: date_type | None = None,
) -> Membership:
    """Record that ``member`` paid their fee for period ``year`` (spec §5).

    In a group with accounts, the payments app writes the fee's debt and its payment (balance
    unchanged). One fee per member and period: a second one is refused (and the database's
    unique constraint stands behind the check).
    """
    membership_check(group=group, year=year, payment_type=payment_type, today=today)
    if member.group_id != group.pk or member.left_at is not None:
        raise MembershipFeeError(_("This person is not a member of this group."))
    value = _amount(group, amount)
    member = Member.objects.select_for_update().get(pk=member.pk)
    period = group_period(group, year)
    if Membership.objects.filter(member=member, year=year).exists():
        raise MembershipFeeError(
            _("A fee is already recorded for %(period)s.") % {"period": period.name}
        )
    fee = Membership(
        group=group,
        member=member,
        year=year,
        amount=value,
        paid_on=paid_on or group_today(group),
        payment_type=payment_type,
        multidistrib_id=multidistrib_id,
        recorded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            fee.save()
    except IntegrityError as exc:  # a simultaneous request recorded it first
        raise MembershipFeeError(
            _("A fee is already recorded for %(period)s.") % {"period": period.name}
        ) from exc
    if _uses_ledger(group):
        if "record" not in _ledger:
            raise RuntimeError("No ledger writer registered for membership fees.")
        fee.ledger_reference = _ledger["record"](
            fee=fee, period_name=period.name, acting_user=acting_user
        )
        fee.save(update_fields=["ledger_reference"])
    log_action(
        action="membership.recorded",
        acting_user=acting_user,
        group=group,
        obj=fee,
        member=member.pk,
        period=period.name,
        amount=str(fee.amount),
        payment_type=payment_type,
        reference=fee.ledger_reference,
    )
    return fee


@transaction.atomic
def membership_delete(*, fee: Membership, acting_user: Any) -> None:
    """Delete a fee; its ledger rows are cancelled by new rows that reverse them exactly."""
    fee = Membership.objects.select_for_update().select_related("group").get(pk=fee.pk)
    group = fee.group
    if fee.ledger_reference:
        if "reverse" not in _ledger:
            raise RuntimeError("No ledger writer registered for membership fees.")
        _ledger["reverse"](fee=fee, acting_user=acting_user)
    log_action(
        action="membership.deleted",
        acting_user=acting_user,
        group=group,
        obj=fee,
        member=fee.member_id,
        period=group_period(group, fee.year).name,
        amount=str(fee.amount),
        payment_type=fee.payment_type,
        paid_on=fee.paid_on.isoformat(),
        reference=fee.ledger_reference,
    )
    fee.delete()


@dataclass
class BatchResult:
    recorded: list[Membership]
    errors: list[tuple[Member, str]]


def membership_record_batch(
    *, group: Group, members: list[Member], year: int, acting_user: Any, **fields: Any
) -> BatchResult:
    """Record the same fee for several members; each one in its own transaction, and a refusal
    for one (already paid, left the group) is reported with their name, the others recorded."""
    membership_check(
        group=group, year=year, payment_type=fields.get("payment_type", ""), today=None
    )
    result = BatchResult([], [])
    for member in members:
        try:
            fee = membership_record(
                group=group, member=member, year=year, acting_user=acting_user, **fields
            )
        except ValidationError as exc:
            result.errors.append((member, " ".join(exc.messages)))
        else:
            result.recorded.append(fee)
    return result


# --- opting out of the reminders -------------------------------------------------------------

REMINDER_OFF_SALT = "members.membership-reminder-off"


def reminder_off_token(user: Any) -> str:
    """A signed token for the one-click "stop these reminders" link of the reminder e-mail."""
    return signing.dumps(user.pk, salt=REMINDER_OFF_SALT, compress=True)


def reminder_off_user(token: str) -> Any:
    """The user a token names, or None (forged, or an account gone); no expiry: the link of an
    old e-mail still works."""
    from members.models import User

    try:
        pk = signing.loads(token, salt=REMINDER_OFF_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk, is_active=True).first() if isinstance(pk, int) else None


@transaction.atomic
def reminders_off(*, user: Any, acting_user: Any) -> None:
    """Turn the membership renewal reminders off for ``user`` (their profile preference)."""
    if user.notify_membership_reminder:
        user.notify_membership_reminder = False
        user.save(update_fields=["notify_membership_reminder"])
    log_action(action="membership.reminders_off", acting_user=acting_user, obj=user)

"""Membership renewal reminders (decision 3, spec §5 and §7), sent by a daily job.

For each live group with membership fees on, in the group's time zone:

* members whose fee covers the current period, when it ends within ``group.membership_reminder_days``
  days and they have not paid the next one: a reminder for the next period;
* members without a fee for the current period who ordered in the last ``RECENT_ORDER_DAYS``
  days: a reminder for the current period.

At most one reminder per member and period (``members.MembershipReminder``, unique on both:
a re-run, or two workers at once, send nothing more). Members who turned the reminder off in
their profile (``User.notify_membership_reminder``) get none; the mail says where to turn it off.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse

from groups.models import Group
from kernel.mail import send_email_to_user
from members import memberships
from members.models import Member, MembershipReminder
from orders.models import Basket

RECENT_ORDER_DAYS = 92


def _recipients(queryset, year: int):
    return (
        queryset.filter(user__is_active=True, user__notify_membership_reminder=True)
        .exclude(membership_reminders__year=year)
        .select_related("user")
        .order_by("pk")
    )


def _expiring(group: Group, today: date) -> tuple[int, list[Member]]:
    """Members up to date whose period ends within the group's lead time, for the next period."""
    period = memberships.current_period(group, today)
    if (period.end - today).days >= group.membership_reminder_days:
        return period.year + 1, []
    up = memberships.members_up_to_date(group, today).exclude(fees__year=period.year + 1)
    return period.year + 1, list(_recipients(up, period.year + 1))


def _lapsed_customers(group: Group, today: date) -> tuple[int, list[Member]]:
    """Members without a fee for the current period who ordered lately."""
    period = memberships.current_period(group, today)
    recent = Basket.objects.filter(
        state=Basket.State.CONFIRMED,
        multidistrib__group=group,
        multidistrib__date__gte=today - timedelta(days=RECENT_ORDER_DAYS),
    ).values("member_id")
    lapsed = memberships.members_to_renew(group, today).filter(pk__in=recent)
    return period.year, list(_recipients(lapsed, period.year))


def _send(group: Group, member: Member, year: int, *, expiring: bool) -> bool:
    try:
        with transaction.atomic():
            MembershipReminder.objects.create(member=member, year=year)
            send_email_to_user(
                name="membership_reminder",
                user=member.user,
                group=group,
                context={
                    "period": memberships.group_period(group, year),
                    "expiring": expiring,
                    "group_url": group.get_absolute_url(),
                    "preferences_url": reverse("members:profile"),
                    "off_url": reverse(
                        "members:fee_reminders_off",
                        args=[memberships.reminder_off_token(member.user)],
                    ),
                },
            )
    except IntegrityError:  # sent already, by an earlier run or a simultaneous one
        return False
    return True


def membership_reminders_send(*, today: date | None = None) -> int:
    """Send the reminders due; returns how many were sent."""
    sent = 0
    groups = Group.objects.alive().filter(has_membership=True).select_related("contact")
    for group in groups:
        if memberships.renewal_refusal(group):
            continue
        day = today or memberships.group_today(group)
        for finder, expiring in ((_expiring, True), (_lapsed_customers, False)):
            year, members = finder(group, day)
            sent += sum(_send(group, m, year, expiring=expiring) for m in members)
    return sent

"""Reads of the messaging app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone

from kernel.models import OutboxMail
from kernel.outbox import failed_mail_count, failed_mails
from members.models import Member, User, active_member_q
from messaging import audiences
from messaging.models import Message

HISTORY_SIZE = 50

__all__ = [
    "audience_options",
    "failed_mail_count",
    "failed_mails",
    "message_delivery",
    "message_get",
    "message_history",
    "opted_out_counts",
]


def _may_see_all(perms: frozenset[str]) -> bool:
    return "admin" in perms


def message_history(*, group: Any, user: Any, perms: frozenset[str]) -> QuerySet[Message]:
    """The group's latest messages for admins; one's own for the other senders."""
    messages = Message.objects.filter(group=group).select_related("sender")
    if not _may_see_all(perms):
        messages = messages.filter(sender=user)
    return messages.order_by("-created_at", "-pk")[:HISTORY_SIZE]


def message_get(*, group: Any, user: Any, perms: frozenset[str], message_id: int) -> Message:
    message = (
        Message.objects.filter(group=group, pk=message_id).select_related("sender", "group").first()
    )
    if message is None or (not _may_see_all(perms) and message.sender_id != user.pk):
        raise Http404
    return message


def audience_options(*, group: Any, user: Any, now: datetime | None = None) -> list[dict]:
    """Every list with its size now: ``value`` (``key`` or ``key:id``), ``label``, ``count``."""
    now = now or timezone.now()
    options = []
    catalogs = distributions = None
    for audience in audiences.REGISTRY.values():
        if not audience.available(group):
            options.append(_option(audience.key, str(audience.label), None, False))
            continue
        if audience.param == "catalog":
            catalogs = catalogs or audiences.catalog_choices(group, now)
            params = [(c.pk, c.name) for c in catalogs]
        elif audience.param == "distribution":
            distributions = distributions or list(audiences.upcoming_distributions(group, now))
            params = [
                (md.pk, formats.date_format(timezone.localtime(md.start_at, group.tzinfo), "l j F"))
                for md in distributions
            ]
        else:
            count = audience.users(group, None, now, user).count()
            options.append(_option(audience.key, str(audience.label), count, True))
            continue
        sizes = audience.counts_by_key(group, now) if audience.counts_by_key else None
        for pk, name in params:
            if sizes is None:
                count = audience.users(group, pk, now, user).count()
            else:
                count = sizes.get(pk, 0)
            options.append(
                _option(f"{audience.key}:{pk}", f"{audience.label} · {name}", count, True)
            )
    return options


def _option(value: str, label: str, count: int | None, available: bool) -> dict:
    return {"value": value, "label": label, "count": count, "available": available}


def message_delivery(message: Message) -> dict[str, int]:
    """How many of the message's mails are sent, waiting, failed."""
    rows = (
        OutboxMail.objects.filter(tag=message.tag)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["status"]: row["n"] for row in rows}
    return {
        "sent": counts.get(OutboxMail.Status.SENT, 0),
        "waiting": sum(
            counts.get(s, 0)
            for s in (OutboxMail.Status.QUEUED, OutboxMail.Status.SENDING, OutboxMail.Status.RETRY)
        ),
        "failed": counts.get(OutboxMail.Status.FAILED, 0),
    }


NOTIFICATION_FLAGS = (
    "notify_orders_open",
    "notify_orders_closing",
    "notify_distribution_reminder",
    "notify_distribution_reminder_4h",
    "notify_volunteer_alerts",
    "notify_order_changes",
)


# Mails only admins (and the group contact) receive: counted among them.
ADMIN_FLAGS = ("notify_distribution_validation",)


def opted_out_counts(group: Any) -> dict[str, int]:
    """For each automatic mail, how many of the group's members turned it off (``total``
    members); for the admins' mails, how many of its ``admins`` did."""
    members = audiences._members(group)
    admins = Q(
        pk__in=Member.objects.filter(active_member_q(), group=group, is_admin=True).values(
            "user_id"
        )
    )
    aggregates = {
        flag: Count("pk", filter=Q(**{flag: False}))
        for flag in NOTIFICATION_FLAGS
        if hasattr(User, flag)
    }
    aggregates |= {flag: Count("pk", filter=admins & Q(**{flag: False})) for flag in ADMIN_FLAGS}
    result = members.aggregate(total=Count("pk"), admins=Count("pk", filter=admins), **aggregates)
    return {key: value or 0 for key, value in result.items()}

"""Mail of the distribution day sent by the hourly jobs.

* Producer order forms (spec §7, §15): when a catalog's order window closes, its producer receives
  the PDF of what to prepare (``day.mail.producer_form_send``, which the team may also send by
  hand as often as needed). Sent automatically once per catalog and distribution
  (``DayMailSent``'s unique constraint); through the outbox, which retries a mail server that is
  away, and a form whose mail failed for good is written again by the next run.
* Distribution to validate (spec §7): at the clock hour a distribution starts, its group's
  admins and contact who keep ``notify_distribution_validation`` are told what validating it
  means, once each (outbox key ``to_validate:<md>:<user>``), in their language; payments groups.
* Reminders to validate (spec §6 item 9): the group contact is reminded once the distribution
  has ended and is still not validated, and again three days later; payments groups only.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from day.mail import automatic_form_q, producer_form_send
from day.models import DayMailSent
from distributions.models import Distribution, MultiDistrib
from groups.models import live_group_q
from kernel.mail import send_email_to_user
from kernel.models import OutboxMail
from members.models import Member, User, active_member_q
from orders.models import Basket, OrderLine

logger = logging.getLogger(__name__)

# Windows that closed longer ago than this are not sent automatically (first deployment, or a
# job that did not run for days): the team sends them by hand if needed.
CATCH_UP = timedelta(days=2)
LATE_REMINDER_AFTER = timedelta(days=3)
REMINDER_WINDOW = timedelta(days=30)


def producer_forms_due(now=None) -> list[Distribution]:
    """Catalogs whose window closed lately, with orders, whose form was not sent automatically."""
    now = now or timezone.now()
    with_orders = OrderLine.objects.filter(
        basket__state=Basket.State.CONFIRMED, quantity__gt=0
    ).values("distribution_id")
    # Sent for this catalog at this date: a catalog postponed to another date gets its form again.
    sent = DayMailSent.objects.filter(
        automatic_form_q(),
        distribution_id=OuterRef("pk"),
        multidistrib_id=OuterRef("multidistrib_id"),
    )
    return list(
        Distribution.objects.filter(
            live_group_q("multidistrib__group"),
            orders_close_at__lte=now,
            orders_close_at__gt=now - CATCH_UP,
            multidistrib__validated_at__isnull=True,
            pk__in=with_orders,
        )
        .exclude(Exists(sent))
        .select_related("catalog__vendor", "multidistrib__group")
        .order_by("orders_close_at", "pk")
    )


def producer_forms_send_due(now=None) -> int:
    """Send the forms due; one producer's failure neither stops the others nor is forgotten:
    the first error is raised once every form was tried (and the next run tries it again)."""
    count = 0
    errors: list[Exception] = []
    for distribution in producer_forms_due(now):
        try:
            if producer_form_send(distribution=distribution) is not None:
                count += 1
        except Exception as exc:  # reported below, after the other producers
            logger.exception("Order form of distribution %s not sent", distribution.pk)
            errors.append(exc)
    if errors:
        raise errors[0]
    return count


def validation_reminders_send(now=None) -> int:
    """Remind group contacts of ended distributions still not validated (once, then at +3 days)."""
    now = now or timezone.now()
    mds = (
        MultiDistrib.objects.filter(
            live_group_q("group"),
            end_at__lte=now,
            end_at__gt=now - REMINDER_WINDOW,
            validated_at__isnull=True,
            cancelled_at__isnull=True,
            group__has_payments=True,
            group__shop_mode=True,
            group__contact__isnull=False,
            pk__in=Basket.objects.filter(state=Basket.State.CONFIRMED).values("multidistrib_id"),
        )
        .select_related("group__contact", "place")
        .order_by("end_at", "pk")
    )
    sent = 0
    for md in mds:
        kind = (
            DayMailSent.Kind.VALIDATION_REMINDER_LATE
            if md.end_at <= now - LATE_REMINDER_AFTER
            else DayMailSent.Kind.VALIDATION_REMINDER
        )
        try:
            with transaction.atomic():
                DayMailSent.objects.create(
                    group=md.group,
                    multidistrib=md,
                    kind=kind,
                    recipients=[md.group.contact.email],
                )
                send_email_to_user(
                    name="day_validation_reminder",
                    user=md.group.contact,
                    context={"md": md, "late": kind == DayMailSent.Kind.VALIDATION_REMINDER_LATE},
                    group=md.group,
                )
        except IntegrityError:
            continue
        sent += 1
    return sent


def _validation_mds(**filters: Any) -> Any:
    """Payments groups' distributions not validated, with orders, as the validation page has."""
    return (
        MultiDistrib.objects.filter(
            live_group_q("group"),
            validated_at__isnull=True,
            cancelled_at__isnull=True,
            group__has_payments=True,
            group__shop_mode=True,
            pk__in=Basket.objects.filter(state=Basket.State.CONFIRMED).values("multidistrib_id"),
            **filters,
        )
        .select_related("group__contact", "place")
        .order_by("start_at", "pk")
    )


def validation_due_send(now: datetime | None = None) -> int:
    """ "A distribution to validate": at the clock hour it starts, to the group's admins and
    contact (spec §7), each once; returns the mails written."""
    now = now or timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    sent = 0
    for md in _validation_mds(start_at__gte=hour, start_at__lt=hour + timedelta(hours=1)):
        admins = Member.objects.filter(active_member_q(), group=md.group, is_admin=True)
        recipients = User.objects.filter(
            Q(pk__in=admins.values("user_id")) | Q(pk=md.group.contact_id),
            is_active=True,
            notify_distribution_validation=True,
        ).order_by("pk")
        for user in recipients:
            key = f"to_validate:{md.pk}:{user.pk}"
            if OutboxMail.objects.filter(key=key).exists():
                continue
            send_email_to_user(
                name="distribution_to_validate",
                user=user,
                group=md.group,
                context={"md": md},
                key=key,
                tag="to_validate",
            )
            sent += 1
    return sent

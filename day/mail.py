"""Mail of the distribution day: producer order forms and reminders to validate.

* Producer order forms (spec §7, §15): when a catalog's order window closes, its producer
  (the vendor's e-mail and the people managing the vendor's account) receives the PDF of what to
  prepare. The hourly job sends it once per catalog and distribution (``DayMailSent``'s unique
  constraint); the team may send it again by hand as often as needed.
* Reminders to validate (spec §6 item 9): the group contact is reminded once the distribution
  has ended and is still not validated, and again three days later; payments groups only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from day import pdf
from day.exports import file_name
from day.models import DayMailSent, SummaryDocument
from distributions.models import Distribution, MultiDistrib
from groups.models import live_group_q
from kernel.audit import log_action
from kernel.mail import render_email, send_email_to_user
from orders.models import Basket, OrderLine

logger = logging.getLogger(__name__)

# Windows that closed longer ago than this are not sent automatically (first deployment, or a
# job that did not run for days): the team sends them by hand if needed.
CATCH_UP = timedelta(days=2)
LATE_REMINDER_AFTER = timedelta(days=3)
REMINDER_WINDOW = timedelta(days=30)


def producer_form_recipients(distribution: Distribution) -> list[str]:
    vendor = distribution.catalog.vendor
    addresses = [vendor.email, *vendor.managers.values_list("email", flat=True)]
    seen: list[str] = []
    for address in addresses:
        if address and address.lower() not in (a.lower() for a in seen):
            seen.append(address)
    return seen


def producer_form_send(
    *, distribution: Distribution, acting_user: Any = None, by_hand: bool = False
) -> DayMailSent | None:
    """Build the order form of one catalog and mail it to its producer.

    Automatic sending (``by_hand=False``) happens once: returns None when it was already sent
    or there is nobody to send it to. The PDF is built here, so call it from a worker.
    """
    recipients = producer_form_recipients(distribution)
    if not recipients:
        return None
    md = distribution.multidistrib
    group = md.group
    try:
        with transaction.atomic():
            sent = DayMailSent.objects.create(
                group=group,
                multidistrib=md,
                distribution=distribution,
                kind=DayMailSent.Kind.PRODUCER_FORM,
                recipients=recipients,
                by_hand=by_hand,
                sent_by=acting_user if getattr(acting_user, "pk", None) else None,
            )
            language = settings.LANGUAGE_CODE
            context = pdf.context_for(
                SummaryDocument.Kind.PRODUCER_FORM, group, md, distribution=distribution
            )
            content = pdf.render_pdf(pdf.render_html(context, language))
            mail_context = {
                "group": group,
                "md": md,
                "catalog": distribution.catalog,
                "vendor": distribution.catalog.vendor,
                "products": context["products"],
            }
            subject, text, html = render_email("day_producer_form", mail_context, language)
            log_action(
                action="orders.producer_form_sent",
                acting_user=acting_user,
                group=group,
                obj=distribution,
                recipients=recipients,
                by_hand=by_hand,
            )
            reply_to = [group.contact.email] if group.contact_id else []
            attachment = file_name(f"order-form-{distribution.catalog_id}", group, md, "pdf")

            def deliver() -> None:
                message = EmailMultiAlternatives(
                    subject=subject,
                    body=text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=recipients,
                    reply_to=reply_to or None,
                )
                message.attach_alternative(html, "text/html")
                message.attach(attachment, content, "application/pdf")
                message.send()

            # Sent before the record commits: a failure (SMTP down) rolls the record back, so the
            # next hourly run tries again; the PDF is attached, the mail leaves from this worker.
            deliver()
    except IntegrityError:
        return None  # already sent automatically
    return sent


def producer_forms_due(now=None) -> list[Distribution]:
    """Catalogs whose window closed lately, with orders, whose form was not sent automatically."""
    now = now or timezone.now()
    with_orders = OrderLine.objects.filter(
        basket__state=Basket.State.CONFIRMED, quantity__gt=0
    ).values("distribution_id")
    # Sent for this catalog at this date: a catalog postponed to another date gets its form again.
    sent = DayMailSent.objects.filter(
        kind=DayMailSent.Kind.PRODUCER_FORM,
        by_hand=False,
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


@transaction.atomic
def producer_form_resend(*, distribution: Distribution, acting_user: Any) -> bool:
    """Send the order form again by hand, from a worker after commit.

    False when the producer has no e-mail address: nothing is queued.
    """
    if not producer_form_recipients(distribution):
        return False
    from day.tasks import producer_form_send  # day.tasks imports this module

    user_id = getattr(acting_user, "pk", None)
    transaction.on_commit(lambda: producer_form_send.delay(distribution.pk, user_id))
    return True

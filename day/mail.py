"""The producer order form (spec §7, §15): the PDF of what to prepare, mailed to the producer
(the vendor's e-mail and the people managing the vendor's account).

The team sends it by hand from the day page as often as needed; the hourly job of
``messaging.notifications.day`` sends it once when a catalog's order window closes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction

from day import pdf
from day.exports import file_name
from day.models import DayMailSent, SummaryDocument
from distributions.models import Distribution
from kernel.audit import log_action
from kernel.mail import render_email


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

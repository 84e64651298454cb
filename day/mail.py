"""The producer order form (spec §7, §15): the PDF of what to prepare, mailed to the producer
(the vendor's e-mail and the people managing the vendor's account).

The team sends it by hand from the day page as often as needed; the hourly job of
``messaging.notifications.day`` sends it once when a catalog's order window closes. Like every
mail it goes through the outbox (``kernel.outbox``): written with its ``DayMailSent`` row in one
transaction, delivered after commit, retried while the mail server is away. A form counts as
sent on the day page once the outbox delivered it; an automatic one whose mail failed for good
is written again by the next hourly run.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from day import pdf
from day.exports import file_name
from day.models import DayMailSent, SummaryDocument
from distributions.models import Distribution
from kernel.audit import log_action
from kernel.mail import platform_from, render_email
from kernel.models import OutboxMail
from kernel.outbox import Attachment, Draft, outbox_add, store_attachments


def producer_form_recipients(distribution: Distribution) -> list[str]:
    vendor = distribution.catalog.vendor
    addresses = [vendor.email, *vendor.managers.values_list("email", flat=True)]
    seen: list[str] = []
    for address in addresses:
        if address and address.lower() not in (a.lower() for a in seen):
            seen.append(address)
    return seen


def producer_form_tag(sent_id: int) -> str:
    """The outbox tag of the mail of one ``DayMailSent`` row: its delivery is read there."""
    return f"day_mail:{sent_id}"


def _mail_of_sent(status: str) -> Exists:
    """The ``DayMailSent`` row (outer query) has an outbox mail in ``status``."""
    return Exists(
        OutboxMail.objects.filter(
            status=status,
            tag=Concat(Value("day_mail:"), Cast(OuterRef("pk"), CharField())),
        )
    )


def automatic_form_q() -> Q:
    """Automatic order forms that count as sent or on their way: those whose mail failed for
    good do not (the next hourly run writes the form again)."""
    return Q(kind=DayMailSent.Kind.PRODUCER_FORM, by_hand=False) & ~Q(
        _mail_of_sent(OutboxMail.Status.FAILED)
    )


def producer_form_deliveries(rows: list[DayMailSent]) -> None:
    """Give each row ``delivery``: its outbox mail (sent, waiting, retrying, failed), one
    query for all."""
    tags = {producer_form_tag(row.pk): row for row in rows}
    mails = {
        mail.tag: mail
        for mail in OutboxMail.objects.filter(tag__in=list(tags)).only(
            "tag", "status", "tries", "last_error", "next_try_at", "sent_at"
        )
    }
    for tag, row in tags.items():
        row.delivery = mails.get(tag)  # type: ignore[attr-defined]


def producer_form_send(
    *, distribution: Distribution, acting_user: Any = None, by_hand: bool = False
) -> DayMailSent | None:
    """Build the order form of one catalog and write its mail to the outbox, which delivers it
    after commit (and retries it when the mail server is away).

    Automatic sending (``by_hand=False``) happens once: returns None when it was already sent
    (or is on its way) or there is nobody to send it to. A form whose mail failed for good is
    not sent: the automatic sending replaces it. The PDF is built here, so call it from a
    worker. The day page shows a form as sent only once the outbox delivered it.
    """
    recipients = producer_form_recipients(distribution)
    if not recipients:
        return None
    md = distribution.multidistrib
    group = md.group
    try:
        with transaction.atomic():
            if not by_hand:
                DayMailSent.objects.filter(
                    kind=DayMailSent.Kind.PRODUCER_FORM,
                    by_hand=False,
                    multidistrib=md,
                    distribution=distribution,
                ).filter(_mail_of_sent(OutboxMail.Status.FAILED)).delete()
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
            attachment = file_name(f"order-form-{distribution.catalog_id}", group, md, "pdf")
            outbox_add(
                [
                    Draft(
                        kind="day_producer_form",
                        to=recipients,
                        subject=subject,
                        text=text,
                        html=html,
                        reply_to=[group.contact.email] if group.contact_id else [],
                        from_email=platform_from(),
                        attachments=store_attachments(
                            [Attachment(attachment, content, "application/pdf")]
                        ),
                        group=group,
                        tag=producer_form_tag(sent.pk),
                    )
                ]
            )
            log_action(
                action="orders.producer_form_sent",
                acting_user=acting_user,
                group=group,
                obj=distribution,
                recipients=recipients,
                by_hand=by_hand,
            )
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

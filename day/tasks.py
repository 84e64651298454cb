"""Celery tasks of the distribution day: thin adapters, ids in, a service called."""

from celery import shared_task
from django.contrib.auth import get_user_model

from day import mail, pdf, validation
from day.models import DistributionValidation
from distributions.models import Distribution


def _user(user_id):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


@shared_task(acks_late=True)
def summary_pdf_build(document_id: int) -> int | None:
    document = pdf.document_build(document_id=document_id)
    return document.pk if document is not None else None


@shared_task(acks_late=True)
def summary_pdf_part(document_id: int, index: int) -> int | None:
    document = pdf.document_build_part(document_id=document_id, index=index)
    return document.pk if document is not None else None


@shared_task(acks_late=True)
def distribution_validate(validation_id: int) -> str:
    row = (
        DistributionValidation.objects.select_related("group", "multidistrib", "started_by")
        .filter(pk=validation_id, status=DistributionValidation.Status.RUNNING)
        .first()
    )
    if row is None:
        return "gone"
    try:
        validation.distribution_validate(
            group=row.group, md=row.multidistrib, acting_user=row.started_by, validation=row
        )
    except validation.DayError:
        return "refused"  # the row holds the reason, shown by the progress page
    return "done"


@shared_task
def producer_form_send(distribution_id: int, user_id: int | None = None) -> bool:
    distribution = (
        Distribution.objects.select_related("catalog__vendor", "multidistrib__group")
        .filter(pk=distribution_id)
        .first()
    )
    if distribution is None:
        return False
    sent = mail.producer_form_send(
        distribution=distribution, acting_user=_user(user_id), by_hand=True
    )
    return sent is not None

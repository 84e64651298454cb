from celery import shared_task

from payments.stripe import services as stripe_services


@shared_task
def stripe_reconcile() -> list[str]:
    """Hourly: paid sessions the webhooks missed, abandoned sessions' stock (spec §3.3 step 6)."""
    return stripe_services.reconcile().lines()


@shared_task
def stripe_md_refunds(*, md_id: int, acting_user_id: int | None = None) -> str:
    """A cancelled distribution's card refunds, in the worker (many orders). Idempotent: what
    is left to refund is read again, so a second run refunds nothing more."""
    from django.contrib.auth import get_user_model

    from distributions.models import MultiDistrib

    md = MultiDistrib.objects.select_related("group").filter(pk=md_id).first()
    if md is None:
        return "no distribution"
    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    result = stripe_services.md_refunds_run(md=md, acting_user=user)
    return f"{len(result.refunds)} refunds, {len(result.failed)} failed"

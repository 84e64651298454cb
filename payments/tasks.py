from celery import shared_task

from payments.stripe import services as stripe_services


@shared_task
def stripe_reconcile() -> list[str]:
    """Hourly: paid sessions the webhooks missed, abandoned sessions' stock (spec §3.3 step 6)."""
    return stripe_services.reconcile().lines()

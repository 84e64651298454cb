"""Beat jobs (schedules in settings.CELERY_BEAT_SCHEDULE): thin wrappers around services."""

from celery import shared_task

from distributions import services


@shared_task
def slots_resolve_due() -> int:
    return services.slots_resolve_due()

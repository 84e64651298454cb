from celery import shared_task

from groups import services


@shared_task
def groups_purge_deleted() -> int:
    return services.group_purge_deleted()

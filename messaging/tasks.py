"""Tasks of messaging: writing a message's mails, and the beat jobs of the automatic
notifications (schedules in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from messaging import services
from messaging.notifications import day, duties, members, memberships, wholesale


@shared_task
def message_write_task(*, message_id: int) -> int:
    return services.message_write(message_id=message_id)


@shared_task
def messages_resume() -> int:
    return services.messages_resume()


@shared_task
def duty_reminders_send() -> int:
    return duties.duty_reminders_send()


@shared_task
def vacant_roles_alerts_send() -> int:
    return duties.vacant_roles_alerts_send()


@shared_task
def producer_forms_send_due() -> int:
    return day.producer_forms_send_due()


@shared_task
def validation_due_send() -> int:
    return day.validation_due_send()


@shared_task
def validation_reminders_send() -> int:
    return day.validation_reminders_send()


@shared_task
def distribution_reminders_24h_send() -> int:
    return members.distribution_reminders_send(hours=24)


@shared_task
def distribution_reminders_4h_send() -> int:
    return members.distribution_reminders_send(hours=4)


@shared_task
def orders_open_send() -> int:
    return members.orders_open_send()


@shared_task
def orders_closing_send() -> int:
    return members.orders_closing_send()


@shared_task
def membership_reminders_send() -> int:
    return memberships.membership_reminders_send()


@shared_task
def wholesale_adjust_send() -> int:
    return wholesale.wholesale_adjust_send()

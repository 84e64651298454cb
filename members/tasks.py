"""Tasks of the members app: thin adapters, ids in."""

from celery import shared_task


@shared_task
def member_import_mails(*, group_id: int, created_ids: list[int], added_ids: list[int]) -> int:
    """After an import: the set-password mail to each new account, the "added" mail to the
    others (rendered here, not in the request: 10,000 mails take seconds)."""
    from groups.models import Group
    from members.models import User
    from members.services.invitations import send_account_created, send_member_added

    group = Group.objects.get(pk=group_id)
    count = 0
    for user in User.objects.filter(pk__in=created_ids).iterator(chunk_size=500):
        send_account_created(user=user, group=group)
        count += 1
    for user in User.objects.filter(pk__in=added_ids).iterator(chunk_size=500):
        send_member_added(user=user, group=group)
        count += 1
    return count

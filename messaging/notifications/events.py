"""Mails on an event of another app, heard without that app knowing messaging.

* New member joined (spec §7, open groups): ``members.services.member_join`` writes the audit
  entry ``member.joined`` (only a member joining by themself does; admins adding or importing
  members write other actions). Its creation tells the group contact, once per entry.
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from kernel.mail import send_email_to_user
from kernel.models import LogEntry
from members.models import Member

JOINED = "member.joined"


def log_entry_saved(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if created and instance.action == JOINED:
        pk = instance.pk
        transaction.on_commit(lambda: member_joined_send(log_entry_id=pk))


def member_joined_send(*, log_entry_id: int) -> bool:
    entry = LogEntry.objects.filter(pk=log_entry_id, action=JOINED).select_related("group").first()
    if entry is None or entry.group is None or entry.group.deleted_at is not None:
        return False
    group = entry.group
    member = (
        Member.objects.active()
        .filter(group=group, pk=entry.object_id if entry.object_id.isdigit() else None)
        .select_related("user")
        .first()
    )
    contact = group.contact if group.contact_id else None
    if member is None or contact is None or contact.pk == member.user_id:
        return False
    url = reverse("members:list", kwargs={"group_slug": group.slug})
    send_email_to_user(
        name="member_joined",
        user=contact,
        group=group,
        context={"member": member.user, "url": f"{settings.SITE_URL}{url}?q={member.user.email}"},
        key=f"member_joined:{entry.pk}",
        tag="member_joined",
    )
    return True

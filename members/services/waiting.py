"""The waiting list (spec §4.3): a person asks, admins with the members right accept or refuse,
the person may withdraw, and a member may be moved back to the list."""

from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from groups.models import Group
from kernel.audit import log_action
from kernel.mail import send_email_to_user
from members.models import JoinRequest, Member, User
from members.selectors import member_managers
from members.services import MembershipError, member_add


@transaction.atomic
def join_request_create(*, group: Group, user: User, message: str, acting_user: Any) -> JoinRequest:
    if group.registration != Group.Registration.WAITING_LIST:
        raise MembershipError(_("This group does not keep a waiting list."))
    if Member.objects.of_user(group=group, user=user).exists():
        raise MembershipError(_("You are already a member of this group."))
    if JoinRequest.objects.filter(group=group, user=user).exists():
        raise MembershipError(_("You are already on this group's waiting list."))
    request = JoinRequest.objects.create(group=group, user=user, message=message.strip()[:1000])
    log_action(action="waiting_list.asked", acting_user=acting_user, group=group, obj=request)
    for manager in member_managers(group=group):
        send_email_to_user(
            name="waiting_list_request",
            user=manager,
            context={"person": user, "request": request},
            group=group,
        )
    return request


@transaction.atomic
def join_request_withdraw(*, group: Group, user: User, acting_user: Any) -> None:
    deleted, _rows = JoinRequest.objects.filter(group=group, user=user).delete()
    if not deleted:
        raise MembershipError(_("You are not on this group's waiting list."))
    log_action(action="waiting_list.withdrawn", acting_user=acting_user, group=group, obj=user)


@transaction.atomic
def join_requests_decide(
    *, group: Group, request_ids: list[int], accept: bool, acting_user: Any
) -> int:
    """Accept or refuse requests of ``group`` (one or many); each person is told by e-mail."""
    requests = list(
        JoinRequest.objects.select_for_update()
        .filter(group=group, pk__in=request_ids)
        .select_related("user")
    )
    for request in requests:
        if accept:
            member_add(group=group, user=request.user, acting_user=acting_user)
        log_action(
            action="waiting_list.accepted" if accept else "waiting_list.refused",
            acting_user=acting_user,
            group=group,
            obj=request.user,
            message=request.message,
        )
        send_email_to_user(
            name="waiting_list_accepted" if accept else "waiting_list_refused",
            user=request.user,
            context={},
            group=group,
        )
    JoinRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
    return len(requests)


@transaction.atomic
def members_move_to_waiting_list(*, group: Group, member_ids: list[int], acting_user: Any) -> int:
    """Put members back on the waiting list: never oneself, never an admin (spec §4.3)."""
    members = list(
        Member.objects.active()
        .select_for_update()
        .filter(group=group, pk__in=member_ids)
        .select_related("user")
    )
    for member in members:
        if member.user_id == getattr(acting_user, "pk", None):
            raise MembershipError(_("You cannot move yourself to the waiting list."))
        if member.is_admin:
            raise MembershipError(
                _("%(name)s is an admin of the group and cannot be moved to the waiting list.")
                % {"name": member.user.display_name}
            )
    from members.services import member_leave

    note = _("Moved to the waiting list by %(name)s on %(date)s") % {
        "name": getattr(acting_user, "display_name", ""),
        "date": formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
    }
    for member in members:
        member_leave(member=member, acting_user=acting_user)
        JoinRequest.objects.get_or_create(group=group, user=member.user, defaults={"message": note})
    return len(members)

"""Writes for members and accounts."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group
from groups.services import group_and_place_create
from kernel.audit import log_action
from kernel.mail import send_email_to_user
from members.models import Member, User


class MembershipError(ValidationError):
    pass


@transaction.atomic
def member_join(*, group: Group, user: User, acting_user: Any) -> Member:
    """Join an open group; other registration modes are handled by the group's admins.
    The audit entry ``member.joined`` makes messaging tell the group's contact (spec §4.3)."""
    existing = Member.objects.select_for_update().filter(group=group, user=user).first()
    if existing and existing.left_at is None:
        return existing
    if group.registration != Group.Registration.OPEN:
        raise MembershipError(
            _("This group does not take members directly. Contact the person in charge.")
        )
    if existing:
        existing.left_at = None
        existing.joined_at = timezone.now()
        existing.save(update_fields=["left_at", "joined_at"])
        member = existing
    else:
        member = Member.objects.create(group=group, user=user)
    log_action(action="member.joined", acting_user=acting_user, group=group, obj=member)
    return member


@transaction.atomic
def member_add(*, group: Group, user: User, acting_user: Any, **rights: bool) -> Member:
    """Add a user to a group regardless of its registration mode (admins, imports, seeds)."""
    member, created = Member.objects.get_or_create(group=group, user=user, defaults=rights)
    if not created:
        if member.left_at is None:
            return member
        # A former member comes back with the rights given now, none kept from before.
        member.left_at = None
        member.joined_at = timezone.now()
        for name in ("is_admin", *Member.RIGHTS):
            setattr(member, name, bool(rights.get(name, False)))
        member.save(update_fields=["left_at", "joined_at", "is_admin", *Member.RIGHTS])
    log_action(action="member.added", acting_user=acting_user, group=group, obj=member)
    return member


@transaction.atomic
def member_leave(*, member: Member, acting_user: Any) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    if (
        member.is_admin
        and not Member.objects.active()
        .filter(group_id=member.group_id, is_admin=True)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise MembershipError(
            _("You are the group's only admin: name another admin before leaving.")
        )
    # Decision 17: leaving drops every right and coordination (kept in the audit entry), so
    # coming back starts as a plain member and nobody acts with the rights of someone gone.
    held = sorted(member.perms)
    coordinated = list(member.coordinated_catalogs.values_list("pk", flat=True))
    member.left_at = timezone.now()
    member.is_admin = False
    for name in Member.RIGHTS:
        setattr(member, name, False)
    member.save(update_fields=["left_at", "is_admin", *Member.RIGHTS])
    member.coordinated_catalogs.clear()
    log_action(
        action="member.left",
        acting_user=acting_user,
        group=member.group,
        obj=member,
        rights=held,
        coordinated_catalogs=coordinated,
    )
    return member


@transaction.atomic
def member_rights_update(*, member: Member, rights: dict[str, bool], acting_user: Any) -> Member:
    """Replace a member's rights. Nobody can remove their own admin right (spec §4.2)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if (
        member.user_id == getattr(acting_user, "pk", None)
        and member.is_admin
        and not rights.get("is_admin", False)
    ):
        raise PermissionDenied(_("You cannot remove your own admin right."))
    before = {name: getattr(member, name) for name in ("is_admin", *Member.RIGHTS)}
    for name, value in rights.items():
        if name in before:
            setattr(member, name, bool(value))
    after = {name: getattr(member, name) for name in before}
    if after != before:
        member.save(update_fields=list(before))
        log_action(
            action="member.rights_changed",
            acting_user=acting_user,
            group=member.group,
            obj=member,
            before=before,
            after=after,
        )
    return member


@transaction.atomic
def user_update_profile(*, user: User, changed: list[str], acting_user: Any) -> User:
    user.full_clean()
    user.save(update_fields=changed or None)
    log_action(action="user.profile_changed", acting_user=acting_user, obj=user, fields=changed)
    return user


@transaction.atomic
def group_create(*, acting_user: Any, **details: Any) -> Group:
    """Create a group and its first place (``groups.services.group_and_place_create`` takes
    ``details``), make the creator its admin with every right and welcome them by e-mail."""
    group = group_and_place_create(acting_user=acting_user, **details)
    Member.objects.create(
        group=group,
        user=acting_user,
        is_admin=True,
        **dict.fromkeys(Member.RIGHTS, True),
    )
    log_action(
        action="group.created", acting_user=acting_user, group=group, obj=group, name=group.name
    )
    send_email_to_user(name="group_created", user=acting_user, context={}, group=group)
    return group


@transaction.atomic
def member_remove(*, member: Member, acting_user: Any) -> Member:
    """An admin removes a member (spec §4.6): never oneself; orders and ledger rows stay."""
    if member.user_id == getattr(acting_user, "pk", None):
        raise MembershipError(_("You cannot remove yourself: leave the group instead."))
    member = member_leave(member=member, acting_user=acting_user)
    log_action(action="member.removed", acting_user=acting_user, group=member.group, obj=member)
    return member

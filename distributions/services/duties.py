"""Volunteer duties (spec §8): roles, how many people each distribution needs, sign-up and
withdrawal, admin assignment. The automatic reminders and calls for volunteers are sent by
``messaging.notifications.duties``."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from distributions.models import Duty, DutyNeed, MultiDistrib, VolunteerRole
from distributions.services.closed import refuse_if_closed
from kernel.audit import log_action
from kernel.mail import send_email_to_user
from members.models import Member, User, active_member_q


def _refuse_if_validated(md: MultiDistrib) -> None:
    """Validated or cancelled: the volunteers' board no longer changes."""
    refuse_if_closed(md)


# Roles ------------------------------------------------------------------------------------


@transaction.atomic
def role_save(*, role: VolunteerRole, acting_user: Any) -> VolunteerRole:
    created = role.pk is None
    role.full_clean()
    role.save()
    if created and role.catalog_id:
        # The catalog's upcoming distributions need this role from now on.
        needs = [
            DutyNeed(group=role.group, multidistrib_id=md_id, role=role, people=1)
            for md_id in MultiDistrib.objects.filter(
                group=role.group,
                distributions__catalog=role.catalog_id,
                start_at__gt=timezone.now(),
                validated_at__isnull=True,
                cancelled_at__isnull=True,
            ).values_list("pk", flat=True)
        ]
        DutyNeed.objects.bulk_create(needs, ignore_conflicts=True)
    log_action(
        action="volunteer_role.created" if created else "volunteer_role.changed",
        acting_user=acting_user,
        group=role.group,
        obj=role,
        name=role.name,
    )
    return role


@transaction.atomic
def role_delete(*, role: VolunteerRole, force: bool = False, acting_user: Any) -> None:
    """Delete a role; one that volunteers hold needs ``force`` (their duties go with it)."""
    held = Duty.objects.filter(need__role=role).count()
    if held and not force:
        raise ValidationError(
            _(
                "Volunteers hold this role at %(n)s distribution(s). Confirm to delete it with their duties."
            )
            % {"n": held}
        )
    log_action(
        action="volunteer_role.deleted",
        acting_user=acting_user,
        group=role.group,
        obj=role,
        name=role.name,
        duties=held,
    )
    role.delete()


# Needs per distribution ------------------------------------------------------------------


@transaction.atomic
def duty_needs_set(*, md: MultiDistrib, people: dict[int, int], acting_user: Any) -> MultiDistrib:
    """Set how many people each role needs at ``md`` ({role id: people}, 0 = not needed).

    A role cannot need fewer people than have already signed up for it.
    """
    md = MultiDistrib.objects.select_for_update().select_related("group").get(pk=md.pk)
    _refuse_if_validated(md)
    roles = {r.pk: r for r in VolunteerRole.objects.filter(group=md.group, pk__in=list(people))}
    if len(roles) != len(people):
        raise ValidationError(_("Choose roles of this group."))
    needs = {
        n.role_id: n
        for n in DutyNeed.objects.filter(multidistrib=md).annotate(held=Count("duties"))
    }
    errors = []
    for role_id, wanted in people.items():
        need = needs.get(role_id)
        held = need.held if need else 0
        if wanted < held:
            errors.append(
                _(
                    "%(role)s: %(n)s volunteer(s) already signed up; remove them before needing fewer people."
                )
                % {"role": roles[role_id].name, "n": held}
            )
    if errors:
        raise ValidationError(errors)
    changed = {}
    for role_id, wanted in people.items():
        need = needs.get(role_id)
        if wanted == 0:
            if need:
                need.delete()
                changed[roles[role_id].name] = 0
        elif need is None:
            DutyNeed.objects.create(group=md.group, multidistrib=md, role_id=role_id, people=wanted)
            changed[roles[role_id].name] = wanted
        elif need.people != wanted:
            need.people = wanted
            need.full_clean()
            need.save(update_fields=["people"])
            changed[roles[role_id].name] = wanted
    if changed:
        log_action(
            action="distribution.duties_changed",
            acting_user=acting_user,
            group=md.group,
            obj=md,
            people=changed,
        )
    return md


# Volunteers ------------------------------------------------------------------------------


def _is_member(user: User, group_id: int) -> bool:
    return Member.objects.of_user(group=group_id, user=user).exists()


@transaction.atomic
def duty_signup(
    *, need: DutyNeed, user: User, acting_user: Any, now: datetime | None = None
) -> Duty:
    """Take a role at a distribution: the member themselves, or an admin assigning them.

    Members sign up within the group's window (duty_signup_days before, until the start); admins
    may assign until the distribution is validated. A role takes as many people as it needs.
    """
    now = now or timezone.now()
    need = (
        DutyNeed.objects.select_for_update()
        .select_related("multidistrib", "multidistrib__group", "role")
        .get(pk=need.pk)
    )
    md = need.multidistrib
    _refuse_if_validated(md)
    if not _is_member(user, md.group_id):
        raise ValidationError(_("Only members of the group can volunteer."))
    by_self = getattr(acting_user, "pk", None) == user.pk
    if by_self and not md.volunteers_can_join(now):
        if now >= md.start_at:
            raise ValidationError(_("This distribution has started."))
        raise ValidationError(
            _("Sign-up for this distribution opens on %(date)s.")
            % {
                "date": formats.date_format(
                    timezone.localtime(
                        md.start_at - timedelta(days=md.group.duty_signup_days), md.group.tzinfo
                    ),
                    "SHORT_DATE_FORMAT",
                )
            }
        )
    if Duty.objects.filter(need=need, user=user).exists():
        raise ValidationError(_("This person already holds this role."))
    if need.duties.count() >= need.people:
        raise ValidationError(_("This role is already filled."))
    try:
        with transaction.atomic():
            duty = Duty.objects.create(
                group=md.group,
                need=need,
                user=user,
                assigned_by=None if by_self else acting_user,
            )
    except IntegrityError as exc:
        raise ValidationError(_("This person already holds this role.")) from exc
    log_action(
        action="duty.signed_up" if by_self else "duty.assigned",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        role=need.role.name,
        volunteer=user.pk,
    )
    return duty


@transaction.atomic
def duty_remove(*, duty: Duty, acting_user: Any) -> None:
    """An admin takes a volunteer off a role.

    The volunteer is told by e-mail (in their language, after commit): which distribution and
    role, who removed them, and where to see the distribution's volunteers. Nobody is told when
    the admins remove themselves.
    """
    duty = Duty.objects.select_related(
        "need__multidistrib__group",
        "need__multidistrib__group__contact",
        "need__multidistrib__place",
        "need__role",
        "need__role__catalog__vendor",
        "user",
    ).get(pk=duty.pk)
    md = duty.need.multidistrib
    _refuse_if_validated(md)
    role, volunteer = duty.need.role, duty.user
    log_action(
        action="duty.removed",
        acting_user=acting_user,
        group=duty.group,
        obj=md,
        role=role.name,
        volunteer=volunteer.pk,
    )
    duty.delete()
    if getattr(acting_user, "pk", None) != volunteer.pk and volunteer.is_active:
        duty_mail_send(
            "duty_removed",
            volunteer,
            md,
            {
                "role": role,
                "remover": getattr(acting_user, "display_name", ""),
                "calendar_url": _calendar_url(md),
            },
        )


def _catalog_managers(group_id: int, catalog_id: int | None) -> list[User]:
    """Who answers for a role: admins for a general role, the catalog's coordinators otherwise."""
    rights = Q(is_admin=True)
    if catalog_id is not None:
        rights |= Q(can_manage_catalogs=True) | Q(coordinated_catalogs=catalog_id)
    return list(
        User.objects.filter(
            memberships__in=Member.objects.active().filter(group_id=group_id).filter(rights)
        ).distinct()
    )


@transaction.atomic
def duty_withdraw(
    *, duty: Duty, reason: str, acting_user: Any, now: datetime | None = None
) -> None:
    """A volunteer gives up their role, with a reason (spec §8 unsubscribeFromRole).

    Far enough ahead (before the call for volunteers), the role's coordinators are told;
    later, every member who accepts volunteer alerts is asked to step in.
    """
    now = now or timezone.now()
    duty = Duty.objects.select_related(
        "need__multidistrib__group", "need__multidistrib__place", "need__role", "user"
    ).get(pk=duty.pk)
    if getattr(acting_user, "pk", None) != duty.user_id:
        raise PermissionDenied(_("You can only withdraw yourself from a role."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you withdraw, for the other volunteers.")})
    md = duty.need.multidistrib
    _refuse_if_validated(md)
    if now >= md.start_at:
        raise ValidationError(_("This distribution has started."))
    role, volunteer, group = duty.need.role, duty.user, md.group
    log_action(
        action="duty.withdrawn",
        acting_user=acting_user,
        group=group,
        obj=md,
        role=role.name,
        reason=reason,
    )
    duty.delete()
    early = now <= md.start_at - timedelta(days=group.vacant_roles_mail_days)
    if early:
        recipients = _catalog_managers(group.pk, role.catalog_id)
    else:
        recipients = list(
            User.objects.filter(
                active_member_q("memberships"),
                memberships__group=group,
                notify_volunteer_alerts=True,
                is_active=True,
            )
        )
    for user in recipients:
        if user.pk == volunteer.pk:
            continue
        duty_mail_send(
            "duty_withdrawn",
            user,
            md,
            {
                "role": role,
                "volunteer": volunteer,
                "reason": reason,
                "everyone": not early,
            },
        )


# E-mails ------------------------------------------------------------------------------------


def _calendar_url(md: MultiDistrib, *, anchor: bool = True) -> str:
    """The duty calendar, at this distribution's section when ``anchor``."""
    url = reverse("distributions:duties", kwargs={"group_slug": md.group.slug})
    return f"{url}#md-{md.pk}" if anchor else url


def duty_mail_send(name: str, user: User, md: MultiDistrib, context: dict[str, Any]) -> None:
    """One e-mail about a distribution's duties, in the recipient's language and the group's
    time zone (also used by the automatic reminders of ``messaging``)."""
    group = md.group
    with translation.override(user.language), timezone.override(group.tzinfo):
        send_email_to_user(
            name=name,
            user=user,
            group=group,
            context={
                "md": md,
                "start": timezone.localtime(md.start_at, group.tzinfo),
                "calendar_url": _calendar_url(md, anchor=False),
                **context,
            },
        )

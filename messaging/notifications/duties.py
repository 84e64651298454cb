"""Duty reminders and calls for volunteers (spec §8), sent by the hourly jobs.

* Reminder: each volunteer, ``group.volunteers_mail_days`` before the distribution, once per duty
  (``Duty.reminded_at``).
* Call for volunteers: ``group.vacant_roles_mail_days`` before a distribution with vacant roles,
  once (``MultiDistrib.vacant_roles_mailed_at``), to every member who accepts volunteer alerts;
  one mail per person and day listing that day's distributions in all their groups (digest).

Both texts may be the group's own, with tokens filled in here.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from distributions.models import Duty, DutyNeed, MultiDistrib
from distributions.services import duty_mail_send
from groups.models import live_group_q
from kernel.mail import send_email_to_user
from kernel.models import OutboxMail
from members.models import Member, User, active_member_q

TAG_DATE = "[DATE_DISTRIBUTION]"
TAG_PLACE = "[LIEU_DISTRIBUTION]"
TAG_VOLUNTEERS = "[LISTE_BENEVOLES]"
TAG_MISSING = "[ROLES_MANQUANTS]"


def default_volunteers_text() -> str:
    return _(
        "Hello,\n\nThank you for volunteering at the distribution of [DATE_DISTRIBUTION] at [LIEU_DISTRIBUTION].\n\nThe volunteers on duty:\n[LISTE_BENEVOLES]\n\nPlease arrive a little before the start. If you cannot come, withdraw from your role on the duty calendar as soon as possible so someone can replace you.\n\nSee you there!"
    )


def default_vacant_text() -> str:
    return _(
        "Hello,\n\nVolunteers are still needed for the distribution of [DATE_DISTRIBUTION] at [LIEU_DISTRIBUTION]:\n[ROLES_MANQUANTS]\n\nSign up on the duty calendar. Thank you!"
    )


def _date_text(md: MultiDistrib) -> str:
    local = timezone.localtime(md.start_at, md.group.tzinfo)
    return _("%(date)s at %(time)s") % {
        "date": formats.date_format(local, "l j F Y"),
        "time": formats.time_format(local, "H:i"),
    }


def _place_text(md: MultiDistrib) -> str:
    address = md.place.full_address
    return f"{md.place.name} ({address})" if address else md.place.name


def _fill(text: str, md: MultiDistrib, **tokens: str) -> str:
    values = {TAG_DATE: _date_text(md), TAG_PLACE: _place_text(md), **tokens}
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def _volunteer_lines(duties: list[Duty]) -> str:
    return "\n".join(
        "- " + _("%(role)s: %(name)s") % {"role": d.need.role.name, "name": d.user.household_name}
        for d in duties
    )


def _missing_lines(needs: list[DutyNeed]) -> str:
    lines = []
    for need in needs:
        missing = need.people - need.held
        if missing > 0:
            label = str(need.role)
            lines.append(f"- {label}" if missing == 1 else f"- {label} x {missing}")
    return "\n".join(lines)


def duty_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each volunteer of their duty, group.volunteers_mail_days before (hourly job).

    Each duty is reminded once (``Duty.reminded_at``); a volunteer holding several roles at one
    distribution gets one e-mail. Someone signing up after the usual day is reminded at the next
    run. Returns the number of e-mails queued.
    """
    now = now or timezone.now()
    due = (
        Duty.objects.filter(
            live_group_q("need__multidistrib__group"),
            reminded_at__isnull=True,
            need__multidistrib__start_at__gt=now,
            need__multidistrib__start_at__lte=now + timedelta(days=15),
            need__multidistrib__validated_at__isnull=True,
            need__multidistrib__cancelled_at__isnull=True,
        )
        .select_related("need__multidistrib__group")
        .order_by("need__multidistrib_id", "user_id")
    )
    per_md: dict[int, set[int]] = defaultdict(set)
    mds: dict[int, MultiDistrib] = {}
    for duty in due:
        md = duty.need.multidistrib
        if md.start_at - timedelta(days=md.group.volunteers_mail_days) > now:
            continue
        per_md[md.pk].add(duty.user_id)
        mds[md.pk] = md
    sent = 0
    for md_id, user_ids in per_md.items():
        md = MultiDistrib.objects.select_related("group", "group__contact", "place").get(pk=md_id)
        for user_id in sorted(user_ids):
            with transaction.atomic():
                # Claiming the rows first makes a concurrent run skip them: never two reminders.
                claimed = Duty.objects.filter(
                    need__multidistrib=md, user_id=user_id, reminded_at__isnull=True
                ).update(reminded_at=now)
                if not claimed:
                    continue
                duties = list(
                    Duty.objects.filter(need__multidistrib=md)
                    .select_related("user", "need__role")
                    .order_by("need__role__name", "pk")
                )
                user = next(d.user for d in duties if d.user_id == user_id)
                with translation.override(user.language):
                    template = md.group.volunteers_mail_content.strip() or default_volunteers_text()
                    text = _fill(template, md, **{TAG_VOLUNTEERS: _volunteer_lines(duties)})
                duty_mail_send(
                    "duty_reminder",
                    user,
                    md,
                    {
                        "message": text,
                        "roles": [d.need.role for d in duties if d.user_id == user_id],
                    },
                )
                sent += 1
    return sent


def _vacancies(md: MultiDistrib) -> str:
    """The vacant roles of ``md`` as lines ("- Caisse x 2"); empty when every role is held."""
    needs = list(
        DutyNeed.objects.filter(multidistrib=md)
        .select_related("role", "role__catalog", "role__catalog__vendor")
        .annotate(held=Count("duties"))
    )
    return _missing_lines(needs)


def _local_day(md: MultiDistrib) -> date:
    return timezone.localtime(md.start_at, md.group.tzinfo).date()


def vacant_roles_alerts_send(*, now: datetime | None = None) -> int:
    """Call for volunteers, group.vacant_roles_mail_days before a distribution with vacant roles.

    Each distribution is called for once (``MultiDistrib.vacant_roles_mailed_at``), while sign-up
    is open, to every member who accepts volunteer alerts. **Digest**: a person gets one mail per
    local day (once-only key ``duty_vacant:<user>:<day>``), sent when the first of that day's
    distributions in their groups comes due and listing every distribution of that day that
    needs volunteers, in all their groups: a distribution coming due later that day finds them
    told already. Returns the number of e-mails queued.
    """
    now = now or timezone.now()
    candidates = MultiDistrib.objects.filter(
        live_group_q("group"),
        validated_at__isnull=True,
        cancelled_at__isnull=True,
        start_at__gt=now,
        start_at__lte=now + timedelta(days=15),
    ).select_related("group", "group__contact", "place")
    open_mds = [md for md in candidates.order_by("start_at", "pk") if md.volunteers_can_join(now)]
    missing = {md.pk: _vacancies(md) for md in open_mds}
    open_mds = [md for md in open_mds if missing[md.pk]]
    due = [
        md
        for md in open_mds
        if md.vacant_roles_mailed_at is None
        and md.start_at - timedelta(days=md.group.vacant_roles_mail_days) <= now
    ]
    if not due:
        return 0
    sent = 0
    with transaction.atomic():
        # Claiming first makes a concurrent run skip them: never two calls for one distribution.
        claimed = [
            md
            for md in due
            if MultiDistrib.objects.filter(pk=md.pk, vacant_roles_mailed_at__isnull=True).update(
                vacant_roles_mailed_at=now
            )
        ]
        wanted: set[tuple[int, date]] = set()
        for md in claimed:
            for user_id in _alert_recipients([md.group_id]).values_list("pk", flat=True):
                wanted.add((user_id, _local_day(md)))
        if not wanted:
            return 0
        users = {u.pk: u for u in User.objects.filter(pk__in={u for u, _day in wanted})}
        groups_of: dict[int, set[int]] = defaultdict(set)
        for user_id, group_id in Member.objects.filter(
            active_member_q(), user_id__in=users
        ).values_list("user_id", "group_id"):
            groups_of[user_id].add(group_id)
        for user_id, day in sorted(wanted):
            user = users[user_id]
            mds = [
                md for md in open_mds if md.group_id in groups_of[user_id] and _local_day(md) == day
            ]
            if mds and _call_for_volunteers(user, mds, missing, day):
                sent += 1
    return sent


def _alert_recipients(group_ids: list[int]) -> QuerySet[User]:
    return User.objects.filter(
        active_member_q("memberships"),
        memberships__group_id__in=group_ids,
        notify_volunteer_alerts=True,
        is_active=True,
    ).distinct()


def _call_for_volunteers(
    user: User, mds: list[MultiDistrib], missing: dict[int, str], day: date
) -> bool:
    """One mail listing the distributions of ``day`` that need volunteers; False when the
    person was told of that day already."""
    items = []
    with translation.override(user.language):
        for md in mds:
            template = md.group.vacant_roles_mail_content.strip() or default_vacant_text()
            with timezone.override(md.group.tzinfo):
                text = _fill(template, md, **{TAG_MISSING: missing[md.pk]})
            items.append(
                {
                    "md": md,
                    "group": md.group,
                    "message": text,
                    "calendar_url": reverse(
                        "distributions:duties", kwargs={"group_slug": md.group.slug}
                    ),
                }
            )
    groups = {md.group for md in mds}
    first = mds[0]
    key = f"duty_vacant:{user.pk}:{day.isoformat()}"
    if OutboxMail.objects.filter(key=key).exists():
        return False
    with timezone.override(first.group.tzinfo):
        send_email_to_user(
            name="duty_vacant",
            user=user,
            group=next(iter(groups)) if len(groups) == 1 else None,
            context={
                "md": first,
                "start": timezone.localtime(first.start_at, first.group.tzinfo),
                "calendar_url": items[0]["calendar_url"],
                "items": items,
            },
            key=key,
            tag="duty_vacant",
        )
    return True

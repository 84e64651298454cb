"""Duty reminders and calls for volunteers (spec §8), sent by the hourly jobs.

* Reminder: each volunteer, ``group.volunteers_mail_days`` before the distribution, once per duty
  (``Duty.reminded_at``).
* Call for volunteers: ``group.vacant_roles_mail_days`` before a distribution with vacant roles,
  once (``MultiDistrib.vacant_roles_mailed_at``), to every member who accepts volunteer alerts.

Both texts may be the group's own, with tokens filled in here.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from distributions.models import Duty, DutyNeed, MultiDistrib
from distributions.services import duty_mail_send
from groups.models import live_group_q
from members.models import User, active_member_q

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


def vacant_roles_alerts_send(*, now: datetime | None = None) -> int:
    """Call for volunteers, group.vacant_roles_mail_days before a distribution with vacant roles.

    Sent once per distribution (``MultiDistrib.vacant_roles_mailed_at``), while sign-up is open,
    to every member who accepts volunteer alerts. Returns the number of e-mails queued.
    """
    now = now or timezone.now()
    candidates = MultiDistrib.objects.filter(
        live_group_q("group"),
        vacant_roles_mailed_at__isnull=True,
        validated_at__isnull=True,
        start_at__gt=now,
        start_at__lte=now + timedelta(days=15),
    ).select_related("group", "group__contact", "place")
    sent = 0
    for md in candidates:
        group = md.group
        if md.start_at - timedelta(days=group.vacant_roles_mail_days) > now:
            continue
        if not md.volunteers_can_join(now):
            continue
        needs = list(
            DutyNeed.objects.filter(multidistrib=md)
            .select_related("role", "role__catalog", "role__catalog__vendor")
            .annotate(held=Count("duties"))
        )
        if not any(n.people > n.held for n in needs):
            continue
        with transaction.atomic():
            claimed = MultiDistrib.objects.filter(
                pk=md.pk, vacant_roles_mailed_at__isnull=True
            ).update(vacant_roles_mailed_at=now)
            if not claimed:
                continue
            recipients = User.objects.filter(
                active_member_q("memberships"),
                memberships__group=group,
                notify_volunteer_alerts=True,
                is_active=True,
            ).order_by("pk")
            for user in recipients:
                with translation.override(user.language):
                    template = group.vacant_roles_mail_content.strip() or default_vacant_text()
                    text = _fill(template, md, **{TAG_MISSING: _missing_lines(needs)})
                duty_mail_send("duty_vacant", user, md, {"message": text})
                sent += 1
    return sent

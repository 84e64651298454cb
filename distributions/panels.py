"""Panels for the home page and the group page (registered in DistributionsConfig.ready)."""

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distributions import selectors
from distributions.models import Distribution, MultiDistrib
from kernel import home


def home_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    """The user's next distributions across their groups, with closing times and producers."""
    if not groups:
        return []
    now = timezone.now()
    mds = selectors.md_upcoming_for_groups(groups=groups, now=now)
    if not mds:
        return []
    return [{"template": "distributions/_home_panel.html", "mds": mds, "now": now}]


def group_panel(request: Any, group: Any) -> list[dict[str, Any]]:
    """The group's next distributions on its page; members also get their links."""
    now = timezone.now()
    return [
        {
            "template": "distributions/_group_panel.html",
            "mds": selectors.md_upcoming_for_group(group=group, now=now),
            "now": now,
            "is_member": request.member is not None,
        }
    ]


def manage_actions(request: Any, group: Any) -> list[home.ActionItem]:
    """The management home's items about distributions (two queries)."""
    if "can_manage_catalogs" not in request.group_perms:
        return []
    now = timezone.now()
    to_validate = list(
        MultiDistrib.objects.filter(
            group=group, validated_at__isnull=True, cancelled_at__isnull=True
        )
        .past(now)
        .order_by("start_at")
        .values_list("pk", flat=True)
    )
    items = []
    if to_validate:
        items.append(
            home.ActionItem(
                key="distributions_to_validate",
                label=ngettext(
                    "%(count)d past distribution to validate.",
                    "%(count)d past distributions to validate.",
                    len(to_validate),
                )
                % {"count": len(to_validate)},
                count=len(to_validate),
                url=reverse("day:validate", args=[group.slug, to_validate[0]]),
                urgency=home.URGENT,
                hint=_("Validating confirms the orders and payments of the day."),
            )
        )
    window = now + timedelta(days=max(group.duty_signup_days, 14))
    upcoming = selectors.md_list(group=group, when="upcoming", now=now).filter(start_at__lte=window)
    vacant = [(md, md.people_needed - md.volunteers_count) for md in upcoming]
    vacant = [(md, n) for md, n in vacant if n > 0]
    if vacant:
        total = sum(n for _md, n in vacant)
        items.append(
            home.ActionItem(
                key="vacant_roles",
                label=ngettext(
                    "%(count)d volunteer missing for the next distributions.",
                    "%(count)d volunteers missing for the next distributions.",
                    total,
                )
                % {"count": total},
                count=total,
                url=reverse("distributions:manage_duties", args=[group.slug, vacant[0][0].pk]),
                urgency=home.SOON,
            )
        )
    return items


def start_steps(request: Any, group: Any) -> list[home.StartStep]:
    """Guided start: a first distribution (or cycle), then a catalog taking part in it, which
    opens its orders on the dates chosen (two queries)."""
    return [
        home.StartStep(
            key="distribution",
            label=_("Plan a first distribution, or a cycle of them."),
            done=MultiDistrib.objects.filter(group=group).exists(),
            url=reverse("distributions:manage_create", args=[group.slug]),
            order=30,
        ),
        home.StartStep(
            key="open_orders",
            label=_("Open orders: add a catalog to a distribution."),
            done=Distribution.objects.filter(group=group).exists(),
            url=reverse("distributions:manage_list", args=[group.slug]),
            order=40,
        ),
    ]

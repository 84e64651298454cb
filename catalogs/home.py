"""Home page panels (``kernel.home``): the producer space, producers whose legal data is
incomplete (for those managing catalogs), and the catalogs a member coordinates."""

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogs.models import Catalog, Vendor, VendorInvitation
from catalogs.selectors import catalogs_with_incomplete_legal_data, group_today
from groups.models import live_group_q
from kernel import home
from members.models import active_member_q


def home_panels(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    """At most four queries, whatever the number of groups or producers."""
    user = request.user
    panels: list[dict[str, Any]] = []
    vendors = list(Vendor.objects.filter(managers=user).order_by("name"))
    invitations = list(
        VendorInvitation.objects.filter(
            live_group_q("group"), status=VendorInvitation.Status.PENDING
        )
        .filter(Q(email__iexact=user.email) | Q(vendor__managers=user))
        .select_related("group")
        .distinct()
    )
    if vendors or invitations:
        panels.append(
            {
                "template": "catalogs/home_producer_panel.html",
                "vendors": vendors,
                "incomplete": [v for v in vendors if not v.legal_data_complete],
                "invitations": invitations,
            }
        )
    managed = [g for g in groups if "can_manage_catalogs" in getattr(g, "viewer_perms", ())]
    blocked = catalogs_with_incomplete_legal_data(groups=managed)
    if blocked:
        panels.append({"template": "catalogs/home_legal_panel.html", "catalogs": blocked})
    if groups:
        catalogs = list(
            Catalog.objects.filter(
                active_member_q("coordinators"), group__in=groups, coordinators__user=user
            )
            .select_related("group", "vendor")
            .order_by("group__name", "name")
        )
        current = [c for c in catalogs if not c.is_ended(group_today(c.group))]
        if current:
            panels.append({"template": "catalogs/home_coordinator_panel.html", "catalogs": current})
    return panels


ENDING_SOON_DAYS = 30


def manage_actions(request: Any, group: Any) -> list[home.ActionItem]:
    """The management home's items about catalogs (two queries)."""
    if "can_manage_catalogs" not in request.group_perms:
        return []
    url = reverse("catalogs:list", args=[group.slug])
    blocked = catalogs_with_incomplete_legal_data(groups=[group])
    producers = len({c.vendor_id for c in blocked})
    today = group_today(group)
    ending = Catalog.objects.filter(
        group=group, end_date__gte=today, end_date__lte=today + timedelta(days=ENDING_SOON_DAYS)
    ).count()
    return [
        home.ActionItem(
            key="producers_incomplete_legal_data",
            label=ngettext(
                "%(count)d producer's legal data is incomplete: their catalog cannot open orders.",
                "%(count)d producers' legal data is incomplete: their catalogs cannot open orders.",
                producers,
            )
            % {"count": producers},
            count=producers,
            url=url,
            urgency=home.SOON,
        ),
        home.ActionItem(
            key="catalogs_ending_soon",
            label=ngettext(
                "%(count)d catalog ends within %(days)d days.",
                "%(count)d catalogs end within %(days)d days.",
                ending,
            )
            % {"count": ending, "days": ENDING_SOON_DAYS},
            count=ending,
            url=url,
            urgency=home.LATER,
            hint=_("Extend it or prepare the next one so orders can go on."),
        ),
    ]


def start_steps(request: Any, group: Any) -> list[home.StartStep]:
    """Guided start: a first producer and their catalog (one query)."""
    return [
        home.StartStep(
            key="catalog",
            label=_("Add a first producer and their catalog of products."),
            done=Catalog.objects.filter(group=group, products__isnull=False).exists(),
            url=reverse("catalogs:create", args=[group.slug]),
            order=20,
        )
    ]

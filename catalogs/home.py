"""Home page panels (``kernel.home``): the producer space, producers whose legal data is
incomplete (for those managing catalogs), and the catalogs a member coordinates."""

from typing import Any

from django.db.models import Q

from catalogs.models import Catalog, Vendor, VendorInvitation
from catalogs.selectors import catalogs_with_incomplete_legal_data, group_today
from groups.models import live_group_q
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

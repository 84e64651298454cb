"""The home page panel: the user's balance in each of their groups that manages payments."""

from typing import Any

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kernel import home
from kernel.money import quantize
from payments import selectors
from payments.models import COUNTED, Operation


def balances_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    """One query whatever the number of groups; no panel when every account is at zero."""
    by_pk = {g.pk: g for g in groups}
    if not by_pk or not request.user.is_authenticated:
        return []
    pending = Q(is_money=True, state=Operation.State.PENDING)
    rows = (
        Operation.objects.filter(member__user=request.user, group_id__in=list(by_pk))
        .values("group_id")
        .annotate(balance=Sum("amount", filter=COUNTED), pending=Sum("amount", filter=pending))
        .order_by()
    )
    accounts = []
    for row in rows:
        group = by_pk[row["group_id"]]
        balance = quantize(row["balance"] or 0, group.currency)
        announced = quantize(row["pending"] or 0, group.currency)
        if balance or announced:
            accounts.append({"group": group, "balance": balance, "pending": announced})
    if not accounts:
        return []
    accounts.sort(key=lambda a: a["group"].name)
    return [{"template": "payments/_home_panel.html", "accounts": accounts}]


def manage_actions(request: Any, group: Any) -> list[home.ActionItem]:
    """The management home's item about payments announced and not received (one query)."""
    if "can_manage_payments" not in request.group_perms:
        return []
    count = selectors.pending_list(group=group).count()
    return [
        home.ActionItem(
            key="pending_payments",
            label=ngettext(
                "%(count)d payment announced, not received yet.",
                "%(count)d payments announced, not received yet.",
                count,
            )
            % {"count": count},
            count=count,
            url=reverse("payments:pending", args=[group.slug]),
            urgency=home.LATER,
            hint=_("Confirm them when the money arrives."),
        )
    ]


def payout_actions(request: Any, group: Any) -> list[home.ActionItem]:
    """Validated distributions whose card takings wait for a payout request (manual payouts)."""
    if "can_manage_payments" not in request.group_perms:
        return []
    from payments.stripe.selectors import payouts_to_request

    count = len(payouts_to_request(group=group))
    return [
        home.ActionItem(
            key="payouts_to_request",
            label=ngettext(
                "%(count)d distribution's card takings can be paid out.",
                "%(count)d distributions' card takings can be paid out.",
                count,
            )
            % {"count": count},
            count=count,
            url=reverse("payments:online", args=[group.slug]),
            urgency=home.LATER,
            hint=_("Request the payout once the distribution is validated."),
        )
    ]

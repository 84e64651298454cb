"""Reads about members. The member-list filters are here, one spelling for the list page, its
exports and the other apps' audiences (messaging, membership fees): ``member_list``."""

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groups.models import Group, live_group_q
from kernel.models import OutboxMail
from members import memberships
from members.models import Invitation, JoinRequest, Member, User, active_member_q

RIGHT_FILTER = (
    Q(is_admin=True)
    | Q(can_manage_catalogs=True)
    | Q(can_manage_members=True)
    | Q(can_manage_payments=True)
    | Q(can_send_messages=True)
)

# The filters of the member list (spec §4.6). "waiting" is not a member filter: the waiting list
# has its own page (``join_requests``). Fee filters ("up to date", "to renew") are added by the
# membership fees (issue 15) through ``register_filter``.
FILTERS = ("all", "with_rights", "without_rights", "ordered", "never_ordered", "never_logged_in")

_extra_filters: dict[str, tuple[str, object]] = {}


def register_filter(name: str, label: Any, fn) -> None:
    """Another app adds a filter: ``fn(queryset, group) -> queryset`` (e.g. membership fees)."""
    _extra_filters[name] = (label, fn)


def extra_filters() -> dict[str, tuple[str, object]]:
    return dict(_extra_filters)


def _confirmed_basket_q(group: Group, since: date | None, until: date | None) -> Q:
    q = Q(baskets__state="confirmed", baskets__group=group)
    if since:
        q &= Q(baskets__multidistrib__date__gte=since)
    if until:
        q &= Q(baskets__multidistrib__date__lte=until)
    return q


def _ordered(group: Group, since: date | None, until: date | None) -> Exists:
    inner = Member.objects.filter(pk=OuterRef("pk")).filter(
        _confirmed_basket_q(group, since, until)
    )
    return Exists(inner)


def _up_to_date(qs: QuerySet[Member], group: Group) -> QuerySet[Member]:
    return qs.filter(pk__in=memberships.members_up_to_date(group).values("pk"))


def _to_renew(qs: QuerySet[Member], group: Group) -> QuerySet[Member]:
    return qs.filter(pk__in=memberships.members_to_renew(group).values("pk"))


register_filter("up_to_date", _("Membership up to date"), _up_to_date)
register_filter("to_renew", _("Membership to renew"), _to_renew)


def member_list(
    *,
    group: Group,
    search: str = "",
    rights: str = "",
    filter: str = "all",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Member]:
    """Active members of ``group``, searched and filtered, ordered by name.

    ``filter``: ``all``; ``with_rights`` / ``without_rights``; ``ordered`` (a confirmed basket,
    at a distribution between ``since`` and ``until`` when given); ``never_ordered`` (no confirmed
    basket ever in this group); ``never_logged_in``; or a name registered by another app. The
    query count does not depend on the number of members.
    """
    qs = Member.objects.active().filter(group=group).select_related("user")
    if search:
        for term in search.split():
            qs = qs.filter(
                Q(user__first_name__icontains=term)
                | Q(user__last_name__icontains=term)
                | Q(user__email__icontains=term)
                | Q(user__first_name2__icontains=term)
                | Q(user__last_name2__icontains=term)
                | Q(user__email2__icontains=term)
                | Q(user__city__icontains=term)
                | Q(user__address1__icontains=term)
                | Q(user__postcode__icontains=term)
            )
    if rights == "with" or filter == "with_rights":
        qs = qs.filter(RIGHT_FILTER)
    elif rights == "without" or filter == "without_rights":
        qs = qs.exclude(RIGHT_FILTER)
    if filter == "ordered":
        qs = qs.filter(_ordered(group, since, until))
    elif filter == "never_ordered":
        qs = qs.exclude(_ordered(group, None, None))
    elif filter == "never_logged_in":
        qs = qs.filter(user__last_login__isnull=True)
    elif filter in _extra_filters:
        qs = _extra_filters[filter][1](qs, group)  # type: ignore[operator]
    return qs.order_by("user__last_name", "user__first_name", "user__email")


def member_get(*, group: Group, member_id: int) -> Member | None:
    return Member.objects.active().filter(group=group, pk=member_id).select_related("user").first()


def member_managers(*, group: Group) -> list[User]:
    """Users who manage the members of ``group`` (admins included): told of waiting-list requests."""
    return list(
        User.objects.filter(
            (Q(memberships__is_admin=True) | Q(memberships__can_manage_members=True))
            & active_member_q("memberships")
            & Q(memberships__group=group),
            is_active=True,
        ).distinct()
    )


def join_requests(*, group: Group) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(group=group).select_related("user").order_by("created_at")


def pending_requests_count(group: Group) -> int:
    """Waiting-list requests awaiting a decision (the management home shows the number)."""
    return JoinRequest.objects.filter(group=group).count()


def user_join_requests(*, user: User) -> QuerySet[JoinRequest]:
    """The user's own pending requests, for their "my groups" page."""
    return (
        JoinRequest.objects.filter(live_group_q("group"), user=user)
        .select_related("group")
        .order_by("group__name")
    )


def user_join_request(*, group: Group, user: User) -> JoinRequest | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return JoinRequest.objects.filter(group=group, user=user).first()


def invitations(*, group: Group) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(group=group)
        .select_related("invited_by", "accepted_by")
        .order_by("accepted_at", "-sent_at")
    )


def invitations_with_delivery(*, group: Group, limit: int = 200) -> list[Invitation]:
    """The invitations page's rows, each with ``delivery``: the outbox row of its last mail
    (sent, waiting, retrying or failed with the error), or None (sent before the outbox, or
    purged). Two queries whatever the number of invitations."""
    rows = list(invitations(group=group)[:limit])
    tags = {f"invitation:{inv.pk}": inv for inv in rows}
    last: dict[str, OutboxMail] = {}
    mails = (
        OutboxMail.objects.filter(tag__in=list(tags))
        .only("tag", "status", "tries", "last_error", "next_try_at", "sent_at", "created_at")
        .order_by("-created_at", "-pk")
    )
    for mail in mails:
        last.setdefault(mail.tag, mail)
    for tag, inv in tags.items():
        inv.delivery = last.get(tag)  # type: ignore[attr-defined]
    return rows


def user_memberships(*, user: User) -> list[Member]:
    """The user's active memberships in live groups, with their group."""
    return list(
        Member.objects.active()
        .filter(live_group_q("group"), user=user)
        .select_related("group")
        .order_by("group__name")
    )


# Audiences of the messaging app ------------------------------------------------------------------


def waiting_list_users(group: Group) -> QuerySet[User]:
    """The people who asked to join and wait for an answer."""
    return User.objects.filter(join_requests__group=group)


def membership_users(group: Group, *, up_to_date: bool) -> QuerySet[User]:
    """The members whose membership fee is paid for the current period, or still to pay."""
    chosen = memberships.members_up_to_date if up_to_date else memberships.members_to_renew
    return User.objects.filter(pk__in=chosen(group).values("user_id"))

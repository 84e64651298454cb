"""The lists a message can go to (spec §6), as a registry.

Each ``Audience`` returns the *users* of active members of one group (never anyone from another
group, never a member who left: ``_members``). Lists that take a parameter (a catalog, a
distribution) offer their choices through ``choices``.

Lists that depend on work still to come plug in by name: "waiting list" reads
``members.selectors.waiting_list_users(group)`` and the membership lists
``members.selectors.membership_users(group, up_to_date=…)`` (fees, issue 15) when those functions
exist; until then they show as unavailable. Another list is one ``register(Audience(...))`` call.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalogs.models import Catalog
from distributions.models import Duty, MultiDistrib
from members.models import Member, User, active_member_q
from orders.models import Basket, OrderLine

UPCOMING = timedelta(days=14)
TEST = "test"


@dataclass(frozen=True)
class Audience:
    key: str
    label: str | Promise
    # (group, param, now, user) → the users; param is the chosen catalog or distribution id.
    users: Callable[[Any, int | None, datetime, Any], QuerySet[User]]
    # "catalog" or "distribution" when the list takes one, else "".
    param: str = ""
    # False while the feature it needs is not there (shown greyed out).
    available: Callable[[Any], bool] = lambda group: True
    # Lists that take a parameter: (group, now) → {param: size} for every param in one query,
    # built on the same filter as ``users`` (the compose page's sizes).
    counts_by_key: Callable[[Any, datetime], dict[int, int]] | None = None


REGISTRY: dict[str, Audience] = {}


def register(audience: Audience) -> None:
    REGISTRY[audience.key] = audience


def _members(group: Any) -> QuerySet[User]:
    """Users of the group's active members: the base of every list."""
    return User.objects.filter(
        is_active=True,
        pk__in=Member.objects.filter(active_member_q(), group=group).values("user_id"),
    )


def _confirmed_baskets(group: Any) -> QuerySet[Basket]:
    return Basket.objects.filter(group=group, state=Basket.State.CONFIRMED)


def _ordering_users(baskets: QuerySet[Basket]) -> QuerySet[Any]:
    return baskets.filter(lines__quantity__gt=0).values("member__user_id")


def _open_mds(group: Any, now: datetime) -> QuerySet[MultiDistrib]:
    return MultiDistrib.objects.filter(
        group=group,
        orders_open_at__lte=now,
        orders_close_at__gt=now,
        validated_at__isnull=True,
        cancelled_at__isnull=True,
    )


def next_distribution(group: Any, now: datetime) -> MultiDistrib | None:
    return (
        MultiDistrib.objects.filter(group=group, start_at__gte=now)
        .order_by("start_at", "pk")
        .first()
    )


def upcoming_distributions(group: Any, now: datetime) -> QuerySet[MultiDistrib]:
    return (
        MultiDistrib.objects.filter(group=group, start_at__gte=now, start_at__lte=now + UPCOMING)
        .select_related("place")
        .order_by("start_at", "pk")
    )


def _all(group, param, now, user):
    return _members(group)


def _board(group, param, now, user):
    rights = Q(is_admin=True)
    for name in Member.RIGHTS:
        rights |= Q(**{name: True})
    holders = Member.objects.filter(active_member_q(), rights, group=group).values("user_id")
    coordinators = Member.objects.filter(
        active_member_q(), group=group, coordinated_catalogs__isnull=False
    ).values("user_id")
    contact = Q(pk=group.contact_id) if group.contact_id else Q(pk__in=[])
    return _members(group).filter(Q(pk__in=holders) | Q(pk__in=coordinators) | contact)


def _with_open_orders(group, param, now, user):
    baskets = _confirmed_baskets(group).filter(multidistrib__in=_open_mds(group, now))
    return _members(group).filter(pk__in=_ordering_users(baskets))


def _without_open_orders(group, param, now, user):
    return _members(group).exclude(pk__in=_with_open_orders(group, param, now, user).values("pk"))


def _next_md_orders(group, now):
    md = next_distribution(group, now)
    baskets = _confirmed_baskets(group).filter(multidistrib=md)
    return _members(group).filter(pk__in=_ordering_users(baskets)) if md else User.objects.none()


def _with_next_order(group, param, now, user):
    return _next_md_orders(group, now)


def _without_next_order(group, param, now, user):
    if next_distribution(group, now) is None:
        return User.objects.none()
    return _members(group).exclude(pk__in=_next_md_orders(group, now).values("pk"))


def _grouped(rows: QuerySet[Any], key: str, user_path: str) -> dict[int, int]:
    """Sizes of a parameterised list for every parameter at once: distinct users per ``key``,
    counting only the group's active members (as ``_members`` does for one list)."""
    counted = (
        rows.values(key)
        .annotate(n=Count(user_path, distinct=True))
        .order_by()
        .values_list(key, "n")
    )
    return dict(counted)


# Each parameterised list is one filter builder (the rows that put a user on the list, with
# the parameter's path and the user's path), read by its ``users`` and its ``counts_by_key``.
def _catalog_lines(group: Any) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(
        group=group, basket__state=Basket.State.CONFIRMED, quantity__gt=0
    )


CATALOG_KEY, CATALOG_USER = "distribution__catalog_id", "basket__member__user_id"


def _catalog_customers(group, param, now, user):
    lines = _catalog_lines(group).filter(**{CATALOG_KEY: param}).values(CATALOG_USER)
    return _members(group).filter(pk__in=lines)


def _catalog_counts(group, now):
    lines = _catalog_lines(group).filter(**{f"{CATALOG_USER}__in": _members(group)})
    return _grouped(lines, CATALOG_KEY, CATALOG_USER)


def _collecting_baskets(group: Any, now: datetime) -> QuerySet[Basket]:
    md = upcoming_distributions(group, now)
    return _confirmed_baskets(group).filter(multidistrib__in=md, lines__quantity__gt=0)


def _distribution_collectors(group, param, now, user):
    baskets = _collecting_baskets(group, now).filter(multidistrib_id=param)
    return _members(group).filter(pk__in=baskets.values("member__user_id"))


def _collector_counts(group, now):
    baskets = _collecting_baskets(group, now).filter(member__user__in=_members(group))
    return _grouped(baskets, "multidistrib_id", "member__user_id")


def _duties(group: Any) -> QuerySet[Duty]:
    return Duty.objects.filter(group=group)


def _distribution_volunteers(group, param, now, user):
    duties = _duties(group).filter(need__multidistrib_id=param).values("user_id")
    return _members(group).filter(pk__in=duties)


def _volunteer_counts(group, now):
    duties = _duties(group).filter(user__in=_members(group))
    return _grouped(duties, "need__multidistrib_id", "user_id")


def _never_logged_in(group, param, now, user):
    return _members(group).filter(last_login__isnull=True)


def _test(group, param, now, user):
    return User.objects.filter(pk=user.pk)


def _plugged(name: str) -> Callable[..., QuerySet[User]] | None:
    """A selector of the members app that may not exist yet (waiting list, membership fees)."""
    module = importlib.import_module("members.selectors")
    return getattr(module, name, None)


def _plug(name: str, members_only: bool = True, **kwargs: Any):
    def users(group, param, now, user):
        selector = _plugged(name)
        if selector is None:
            return User.objects.none()
        chosen = selector(group, **kwargs).values("pk")
        # People on the waiting list are not members yet: that list is taken as it comes.
        base = _members(group) if members_only else User.objects.filter(is_active=True)
        return base.filter(pk__in=chosen)

    return users


for _audience in (
    Audience(TEST, _("Test: only me"), _test),
    Audience("all", _("All members"), _all),
    Audience("board", _("The board (admins, coordinators, group contact)"), _board),
    Audience("open_orders", _("Members with an order in the open catalogs"), _with_open_orders),
    Audience(
        "no_open_orders", _("Members without an order in the open catalogs"), _without_open_orders
    ),
    Audience("next_order", _("Members with an order at the next distribution"), _with_next_order),
    Audience(
        "no_next_order", _("Members without an order at the next distribution"), _without_next_order
    ),
    Audience(
        "catalog",
        _("Customers of a catalog"),
        _catalog_customers,
        param="catalog",
        counts_by_key=_catalog_counts,
    ),
    Audience(
        "distribution",
        _("Members collecting at a distribution"),
        _distribution_collectors,
        param="distribution",
        counts_by_key=_collector_counts,
    ),
    Audience(
        "volunteers",
        _("Volunteers of a distribution"),
        _distribution_volunteers,
        param="distribution",
        counts_by_key=_volunteer_counts,
    ),
    Audience("never_logged_in", _("Members who never logged in"), _never_logged_in),
    Audience(
        "waiting_list",
        _("Waiting list"),
        _plug("waiting_list_users", members_only=False),
        available=lambda group: _plugged("waiting_list_users") is not None,
    ),
    Audience(
        "membership_ok",
        _("Membership up to date"),
        _plug("membership_users", up_to_date=True),
        available=lambda group: group.has_membership and _plugged("membership_users") is not None,
    ),
    Audience(
        "membership_renew",
        _("Membership to renew"),
        _plug("membership_users", up_to_date=False),
        available=lambda group: group.has_membership and _plugged("membership_users") is not None,
    ),
):
    register(_audience)


def catalog_choices(group: Any, now: datetime) -> list[Catalog]:
    return list(
        Catalog.objects.filter(group=group, end_date__gte=timezone.localdate(now))
        .select_related("vendor")
        .order_by("name")
    )


def resolve(
    group: Any, key: str, param: int | None, user: Any, now: datetime | None = None
) -> QuerySet[User]:
    """The users of one list; an unknown list or a parameter of another group gives nobody."""
    now = now or timezone.now()
    audience = REGISTRY.get(key)
    if audience is None or not audience.available(group):
        return User.objects.none()
    if audience.param == "catalog" and not Catalog.objects.filter(pk=param, group=group).exists():
        return User.objects.none()
    if (
        audience.param == "distribution"
        and not MultiDistrib.objects.filter(pk=param, group=group).exists()
    ):
        return User.objects.none()
    return audience.users(group, param, now, user).order_by("pk")

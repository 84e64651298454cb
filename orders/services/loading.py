"""Rows the order services load: the member locked first (see the lock order in
``orders.services``), the distribution's catalogs."""

from __future__ import annotations

from distributions.models import Distribution, MultiDistrib
from members.models import Member


def _distribution_of(md: MultiDistrib, catalog_id: int) -> Distribution | None:
    for distribution in md.distributions.all():
        if distribution.catalog_id == catalog_id:
            distribution.multidistrib = md
            return distribution
    return None


def _lock_member(member: Member | int, *, related: bool = True) -> Member:
    """The member's row, locked (an id spares loading a member only to lock it), with its user
    and group, whose rows the join locks too; only the member's row when ``related`` is False
    (see ``order_place``)."""
    pk = member if isinstance(member, int) else member.pk
    queryset = Member.objects.select_for_update()
    if related:
        queryset = queryset.select_related("user", "group")
    return queryset.get(pk=pk)

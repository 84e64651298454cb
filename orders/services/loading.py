"""Rows the order services load: the member locked first (see the lock order in
``orders.services``), the distribution's catalogs."""

from __future__ import annotations

from django.db import connection

from distributions.models import Distribution, MultiDistrib
from members.models import Member

# ``MultiDistrib._meta.db_table``, written out (tests/day/test_validation_concurrency.py pins it).
_SHARE_MD_SQL = 'SELECT 1 FROM "distributions_multidistrib" WHERE id = %s FOR SHARE'


def _share_md(md_id: int) -> None:
    """Take a shared lock on the distribution's row, first of all the order services' locks.

    Order writes share it (they never wait on each other for it); the validation of the
    distribution takes it exclusively (``day.validation``). So an order written while a
    validation runs waits for it to commit, then reads ``validated_at`` and is refused; and a
    validation waits for the order writes under way. Taken before the member's row, like the
    distributions services (the distribution, then members): no wait in a circle (issue 13).
    PostgreSQL only (``FOR SHARE``); SQLite runs one writing transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_SHARE_MD_SQL, [md_id])


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

"""Distributions from a file (issue 19, item 3): every line through ``md_create``, all or
nothing; the errors of every line are collected (one savepoint per line) before giving up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from catalogs.models import Catalog
from distributions.imports import DistributionRow
from distributions.services.planning import md_create
from groups.models import Group
from kernel.audit import log_action


class _DryRunError(Exception):
    pass


def md_import(
    *, group: Group, rows: list[DistributionRow], acting_user: Any, dry_run: bool = False
) -> int:
    """Create one general distribution per line. Raises a ``ValidationError`` listing every
    refused line (``Line n: …``) and writes nothing then. ``dry_run`` checks without writing:
    the preview shows exactly what the confirmation would refuse."""
    try:
        with transaction.atomic():
            count = _import(group, rows, acting_user)
            if dry_run:
                raise _DryRunError
    except _DryRunError:
        pass
    return count


def _import(group: Group, rows: list[DistributionRow], acting_user: Any) -> int:
    places = {p.pk: p for p in group.places.all()}
    catalogs = {c.pk: c for c in Catalog.objects.filter(group=group)}
    errors: list[str] = []
    for row in rows:
        try:
            with transaction.atomic():
                place = places.get(row.place_id)
                chosen = [catalogs[i] for i in row.catalog_ids if i in catalogs]
                if place is None or len(chosen) != len(row.catalog_ids):
                    raise ValidationError(_("a place or a catalog was deleted meanwhile"))
                md_create(
                    group=group,
                    place=place,
                    day=row.day,
                    start_time=row.start_time,
                    end_time=row.end_time,
                    orders_open_at=row.orders_open_at,
                    orders_close_at=row.orders_close_at,
                    catalogs=chosen,
                    acting_user=acting_user,
                )
        except ValidationError as error:
            errors.append(
                _("Line %(line)s: %(problems)s.")
                % {
                    "line": row.line,
                    "problems": pgettext("list separator", "; ").join(
                        m.rstrip(".") for m in error.messages
                    ),
                }
            )
    if errors:
        raise ValidationError(errors)
    log_action(
        action="distributions.imported", acting_user=acting_user, group=group, rows=len(rows)
    )
    return len(rows)

"""Access rules of group views (design §4), declared on each view and enforced by
``members.tenancy.GroupMiddleware`` before the view runs.

* ``group_public``: anyone, including anonymous visitors;
* ``group_member_required``: anonymous → login; not a member → 404;
* ``group_permission_required(right)``: as above, then a member without the right → 403.

A group view that declares no rule is a programming error, so a view cannot ship open by accident.
These live in ``groups`` (not with the middleware in ``members``) so that every app's views can
use them, ``groups``' own included.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import Http404

PUBLIC = "public"
MEMBER = "member"

# The rights a member may hold in a group (booleans on ``members.Member``); ``admin`` implies all.
MEMBER_RIGHTS = (
    "can_manage_catalogs",
    "can_manage_members",
    "can_manage_payments",
    "can_send_messages",
)
ANY_RIGHT = "any"  # a member holding at least one right: the management home
RIGHTS = frozenset(("admin", ANY_RIGHT, *MEMBER_RIGHTS))


def group_public(view: Callable) -> Callable:
    view.group_access = (PUBLIC, None)
    return view


def group_member_required(view: Callable) -> Callable:
    view.group_access = (MEMBER, None)
    return view


def group_permission_required(right: str) -> Callable[[Callable], Callable]:
    if right not in RIGHTS:
        raise ImproperlyConfigured(f"Unknown group right {right!r}")

    def decorator(view: Callable) -> Callable:
        view.group_access = (MEMBER, right)
        return view

    return decorator


def get_for_group(queryset: models.QuerySet | type[models.Model], group: Any, **lookup: Any):
    """Fetch one object of this group, or 404: objects of other groups do not exist here."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    obj = qs.filter(group=group, **lookup).first()
    if obj is None:
        raise Http404
    return obj

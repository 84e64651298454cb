"""Tenancy and permissions in one place (design §4).

Every URL under ``/g/<group_slug>/`` is resolved here: the group is loaded (404 when unknown or
deleted), then the member and their rights, and the view's declared access rule is enforced
before the view runs. A group view that declares no rule is a programming error, so a view
cannot ship open by accident.

Rules, declared with the decorators below:

* ``group_public``: anyone, including anonymous visitors;
* ``group_member_required``: anonymous → login; not a member → 404;
* ``group_permission_required(right)``: as above, then a member without the right → 403.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.utils import translation

from groups.models import Group
from members.models import Member

PUBLIC = "public"
MEMBER = "member"

ANY_RIGHT = "any"  # a member holding at least one right: the management home
RIGHTS = frozenset(("admin", ANY_RIGHT, *Member.RIGHTS))


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


def member_for(user: Any, group: Group) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(group=group, user=user, left_at__isnull=True).first()


class GroupMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.group = None
        request.member = None
        request.group_perms = frozenset()
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: dict
    ):
        slug = view_kwargs.get("group_slug")
        if slug is None:
            return None
        access = getattr(view_func, "group_access", None)
        if access is None:
            raise ImproperlyConfigured(
                f"{view_func.__module__}.{view_func.__name__} is a group view without an access rule"
            )
        group = Group.objects.alive().filter(slug=slug).first()
        if group is None:
            raise Http404("No such group")
        member = member_for(request.user, group)
        request.group = group
        request.member = member
        request.group_perms = member.perms if member else frozenset()

        kind, right = access
        if kind == PUBLIC:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if member is None:
            raise Http404("Not a member of this group")
        if right == ANY_RIGHT:
            if not request.group_perms:
                raise PermissionDenied
        elif right is not None and right not in request.group_perms:
            raise PermissionDenied
        return None


def require_right(request: HttpRequest, right: str) -> None:
    """For views whose rule depends on the object (a coordinator of one catalog, say)."""
    if right not in request.group_perms:
        raise PermissionDenied


def get_for_group(queryset: models.QuerySet | type[models.Model], group: Group, **lookup: Any):
    """Fetch one object of this group, or 404: objects of other groups do not exist here."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    obj = qs.filter(group=group, **lookup).first()
    if obj is None:
        raise Http404
    return obj


class UserLanguageMiddleware:
    """French first: the user's preference, else the language cookie, else French.

    Browsers' Accept-Language is ignored on purpose: the product is French by default and the
    switch in the footer sets the cookie (and the preference of a logged-in user).
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        supported = {code for code, _name in settings.LANGUAGES}
        lang = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in supported:
            lang = user.language
        if lang is None:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            lang = cookie if cookie in supported else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response

"""Tenant resolution (design §4): every URL under ``/g/<group_slug>/`` goes through
``GroupMiddleware``, which loads the group (404 when unknown or deleted), the member and their
rights, and enforces the access rule the view declared with ``groups.tenancy``'s decorators.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import translation

from groups.models import Group
from groups.tenancy import ANY_RIGHT, PUBLIC
from members.models import Member


def member_for(user: Any, group: Group) -> Member | None:
    """The active member of ``user`` in ``group``, or None (anonymous users included)."""
    return Member.objects.of_user(group=group, user=user).first()


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

"""The site's own address for links in e-mails (issue 18).

``SITE_URL`` when it is set. Without it, the address the server answered the current request on
(``runserver`` on port 8105 writes links to port 8105, not 8000); outside a request (a task, a
command), the default ``http://127.0.0.1:8000``. The request's host has already been checked
against ``ALLOWED_HOSTS`` by Django.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings

_request_root: ContextVar[str] = ContextVar("request_root", default="")


def site_url() -> str:
    if getattr(settings, "SITE_URL_FROM_REQUEST", False):
        root = _request_root.get()
        if root:
            return root
    return settings.SITE_URL


class SiteURLMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if not getattr(settings, "SITE_URL_FROM_REQUEST", False):
            return self.get_response(request)
        token = _request_root.set(request.build_absolute_uri("/").rstrip("/"))
        try:
            return self.get_response(request)
        finally:
            _request_root.reset(token)

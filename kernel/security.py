"""What every request goes through for safety (docs/security.md).

* ``ControlCharactersMiddleware`` refuses, at the edge, a request whose path, query string or
  form fields hold a NUL or another control character (tab and line ends in form fields aside):
  no database, template or file format downstream has to cope with them. The refusal is a 400
  page with a translated message, never a 500.
* ``ContentSecurityPolicyMiddleware`` sends the Content-Security-Policy that the pages satisfy:
  scripts from this site only (no inline script or event handler: ``static/js/app.js`` holds the
  small behaviours), no plugin, no framing, forms posting to this site.
* ``media_serve`` hands out uploaded files: images of an allowed type inline, anything else as
  an attachment, so a file uploaded as a logo cannot run as a page of this site.
"""

import functools
import re
from collections.abc import Callable
from pathlib import PurePosixPath

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.static import serve

# C0 controls and DEL; tab, line feed and carriage return are allowed in form fields only.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FIELD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(request: HttpRequest) -> bool:
    if CONTROL.search(request.path):
        return True
    for key, values in request.GET.lists():
        if CONTROL.search(key) or any(CONTROL.search(v) for v in values):
            return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, values in request.POST.lists():
            if FIELD_CONTROL.search(key) or any(FIELD_CONTROL.search(v) for v in values):
                return True
    return False


class ControlCharactersMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request):
            return render(
                request,
                "400.html",
                {"message": _("The request holds invisible control characters; remove them.")},
                status=400,
            )
        return self.get_response(request)


def content_security_policy() -> str:
    return _policy(tuple(settings.CSP_IMG_HOSTS), tuple(settings.STRIPE_PAGE_HOSTS))


@functools.lru_cache(maxsize=8)
def _policy(img_hosts: tuple[str, ...], stripe_hosts: tuple[str, ...]) -> str:
    """Built once per set of hosts (tests change them with the settings)."""
    tiles = " ".join(img_hosts)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        # Style attributes remain in templates; styles cannot run code.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: {tiles}".strip(),
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        # Stripe's payment and onboarding pages follow a form's redirect (issue 17).
        "form-action": " ".join(["'self'", *stripe_hosts]),
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The Django admin and its import-export pages still carry inline scripts of their own.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response


INLINE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded files: allowed images inline, anything else downloaded, never rendered here."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if PurePosixPath(path).suffix.lower() not in INLINE_TYPES:
        response.headers["Content-Disposition"] = "attachment"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

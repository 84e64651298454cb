"""Where to send a person back to: ``next`` is taken only as a path of this site.

``redirect("abc")`` would take ``abc`` for a URL name and fail (an error 500), and a full URL
could send people to another site: only an absolute path (``/…``, not ``//…``) is accepted.
"""

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_path(value: str | None) -> str | None:
    """``value`` when it is a path of this site, else None."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return None
    return value


def redirect_back(request: HttpRequest, default: str, *, anchor: str = "") -> HttpResponseRedirect:
    """To the ``next`` path posted or given in the query string, else to ``default`` (a path)."""
    target = safe_path(request.POST.get("next") or request.GET.get("next")) or default
    return HttpResponseRedirect(target.split("#")[0] + anchor)

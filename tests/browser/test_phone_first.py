"""Issue 18, phone first: every management page of the demo, and the member's own pages, at
360 px and at 1280 px — nothing wider than the screen (``scrollWidth``), French pages with no
English sentence left, and axe finds no serious issue."""

import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.utils.timezone import now

from tests.browser.test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "cagette-demo"
ADMIN = "admin@demo.cagette.localhost"
MEMBER = "membre@demo.cagette.localhost"
MAX_PAGES = 90
# Links that are files, not pages, or that would change the session.
SKIP = re.compile(
    r"\.(csv|xlsx|pdf|ics)$|/(csv|xlsx|pdf|download|export|print|file)/|/logout/|/admin/"
)
# Words of English sentences that no French page should show (the data of the demo is French).
ENGLISH = re.compile(
    r"\b(the|and|your|with|this field|please|enter a|cancel|save|delete|orders close|"
    r"distribution day|balance|members?|catalogs?|payments?)\b",
    re.IGNORECASE,
)
OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= doc.clientWidth) return null;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= doc.clientWidth + 1 || r.width === 0) continue;
    let p = el.parentElement, clipped = false;
    while (p && p !== document.body) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) { clipped = true; break; }
      p = p.parentElement;
    }
    if (!clipped) out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.right));
  }
  return doc.scrollWidth + 'px: ' + out.slice(-3).join(', ');
}"""


def _login(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", re.sub(r"/[A-Z0-9]{8}/", "/CODE/", path))


def _pages(page, base, starts, prefix) -> list[str]:
    """Pages reached from ``starts`` by links under ``prefix``, one per shape of URL."""
    seen, found, queue = set(), [], deque(starts)
    while queue and len(found) < MAX_PAGES:
        path = queue.popleft()
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        response = page.goto(base + path)
        if (
            response is None
            or response.status != 200
            or "text/html" not in (response.headers.get("content-type", ""))
        ):
            continue
        found.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(urljoin(base + path, href))
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if (
                parts.netloc == urlsplit(base).netloc
                and any(parts.path.startswith(p) for p in prefix)
                and not SKIP.search(parts.path)
                and _shape(target) not in seen
            ):
                queue.append(target)
    return found


def _check(page, base, paths, problems, *, axe: bool):
    for path in paths:
        page.goto(base + path)
        if page.evaluate("document.documentElement.lang") != "fr":
            problems.append(f"{path}: not in French")
        if wide := page.evaluate(OVERFLOW):
            problems.append(f"{path} at {page.viewport_size['width']} px is {wide}")
        text = page.inner_text("main")
        if english := ENGLISH.findall(text):
            problems.append(f"{path}: English words {sorted(set(english))[:5]}")
        if axe and (found := axe_violations(page)):
            problems.append(f"{path}: axe {found}")


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


def management_pages_check(live_server, browser, width: int, height: int) -> list[str]:
    """Walk the demo's management pages as its admin at this width; the problems found."""
    base = live_server.url
    problems: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    _login(page, base, ADMIN)
    paths = _pages(page, base, ["/g/demo/manage/"], ["/g/demo/manage/"])
    print(len(paths), "management pages")
    assert len(paths) > 30, paths
    _check(page, base, paths, problems, axe=True)
    context.close()
    return problems


def test_every_management_page_fits_a_phone(live_server, browser, demo):
    """At 360 px (the desktop width is ``test_desktop_fit.py``, so the two run side by side)."""
    problems = management_pages_check(live_server, browser, 360, 780)
    assert problems == [], "\n".join(problems)


def test_the_members_pages_fit_a_phone(live_server, browser, demo):
    base = live_server.url
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="fr-FR")
    page = context.new_page()
    _login(page, base, MEMBER)
    starts = ["/", "/g/demo/", "/g/demo/account/", "/orders/", "/g/demo/distributions/"]
    paths = _pages(page, base, starts, ["/g/demo/", "/orders/", "/account/"])
    print(len(paths), "member pages")
    assert len(paths) > 8, paths
    _check(page, base, paths, problems, axe=True)
    context.close()
    assert problems == [], "\n".join(problems)


def test_a_negative_quantity_is_answered_in_french_whatever_the_browser(live_server, browser, demo):
    """The add-to-cart form leaves checking to the server (``novalidate``): an English browser
    showed its own English bubble for -1; the member's French page answers in French."""
    from distributions.models import Distribution

    base = live_server.url
    distribution = (
        Distribution.objects.filter(group__slug="demo", multidistrib__orders_close_at__gt=now())
        .select_related("catalog")
        .order_by("multidistrib__start_at")
        .first()
    )
    product = distribution.catalog.products.filter(active=True, variable_weight=False).first()
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-US")
    page = context.new_page()
    _login(page, base, MEMBER)
    page.goto(f"{base}/g/demo/shop/{distribution.multidistrib_id}/products/{product.pk}/")
    page.fill("form.add-form input[name=quantity]", "-1")
    page.click("form.add-form button[type=submit]")
    message = page.inner_text(".messages")
    context.close()
    assert message and not ENGLISH.search(message), message

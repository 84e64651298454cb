"""Every form of every group page, filled with hostile values, never ends in an error 500.

The walk is the isolation test's (every URL pattern under ``/g/<group_slug>/``, with its sample
objects), done as the group's admin, who reaches every page, plus the pages of one's own account.
Each page is fetched, its forms are read from the HTML (fields, selects, the URL they post to)
and each form is posted once per hostile value, every free-text field holding that value and
the other fields keeping what the page proposed, then once more with every field (hidden ids,
selects, boxes) holding a hostile value, as a forged request would. Then:

* no response is an error 500 (the test client re-raises the view's exception);
* nothing of the other group changed (its rows, counted table by table, and its ledger sum);
* a form answered with errors shows them in French (no English text of Django's or ours).

``FUZZ_PROFILE=deep`` (``make fuzz``) posts every value of the dictionary plus Hypothesis-made
text to each form; the default profile posts a rotating share of it, to keep ``make test`` fast.
"""

import copy
import json
import os
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_isolation import build_url, group_patterns, sample_kwargs

DEEP = os.environ.get("FUZZ_PROFILE") == "deep"

NASTY = [
    "NaN",
    "-Infinity",
    "1e30",
    "-1",
    "99999999999999999999",
    "0.0000001",
    "1,5",
    '=HYPERLINK("http://evil.example";"x")',
    "<script>alert(1)</script><b onmouseover=alert(1)>x</b>",
    "Ligne\rX-INJECT:1\nSuite",
    "\u202eeliforp\u0301\u0301\u0301 עברית",
    "x" * 100_000,
    "' OR 1=1 --",
    "../../etc/passwd",
    "",
]
# The values each form gets in the default profile: cheap ones first, the rest by rotation.
FAST_COUNT = 4

# Free-text input types: the ones a hostile value goes into.
TEXT_TYPES = {"text", "number", "email", "tel", "url", "search", "date", "time", "datetime-local"}
TEXT_TYPES |= {"textarea", "password", "month", "week", "color"}

ENGLISH = re.compile(
    r"\b(This field is required|Enter a (valid|whole|number)|Ensure this value|Select a valid"
    r"|must be|is not|cannot be|should be|Invalid|too (long|short|large|small))\b"
)

STATS = {"pages": 0, "forms": 0, "requests": 0, "errors_500": 0}


def record(figures: dict) -> None:
    """Add a test's figures to the run's report (printed by tests/conftest.py at the end)."""
    from tests.conftest import FUZZ_REPORT

    FUZZ_REPORT.parent.mkdir(parents=True, exist_ok=True)
    with FUZZ_REPORT.open("a", encoding="utf-8") as out:
        out.write(json.dumps(figures) + "\n")


class FormReader(HTMLParser):
    """The POST forms of a page: their action and fields with the values the page proposes."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._orphans: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "id": a.get("id", ""),
                "method": a.get("method", "get").lower(),
                "action": a.get("action", ""),
                "fields": {},
                "text": set(),
            }
            self.forms.append(self._form)
            return
        owner = self._form
        if a.get("form"):
            owner = next((f for f in self.forms if f["id"] == a["form"]), None)
            if owner is None:
                self._orphans.append((tag, a))
                return
        if owner is None:
            return
        self._field(owner, tag, a)

    def _field(self, form, tag, a):
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in form["fields"]:
                    form["fields"][name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                form["fields"][name] = a.get("value", "")
                if kind in TEXT_TYPES:
                    form["text"].add(name)
        elif tag == "select" and name:
            self._select = name
            form["fields"].setdefault(name, "")
            self._select_form = form
        elif tag == "option" and self._select:
            if "selected" in a or not self._select_form["fields"].get(self._select):
                self._select_form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = ""
            form["text"].add(name)
            self._textarea_form = form

    def handle_data(self, data):
        if self._textarea:
            self._textarea_form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def close(self):
        super().close()
        for tag, a in self._orphans:
            owner = next((f for f in self.forms if f["id"] == a["form"]), None)
            if owner is not None:
                self._field(owner, tag, a)


def post_forms(html: str, page_url: str) -> list[dict]:
    reader = FormReader()
    reader.feed(html)
    reader.close()
    forms = []
    for form in reader.forms:
        if form["method"] != "post":
            continue
        target = urljoin(page_url, form["action"] or page_url)
        if urlsplit(target).netloc not in ("", "testserver") or target.startswith("/admin/"):
            continue
        parts = urlsplit(target)
        forms.append({**form, "url": parts.path + (f"?{parts.query}" if parts.query else "")})
    return forms


def tenant_fingerprint(group) -> dict:
    """Rows of each group-owned table for ``group``, and its ledger sum."""
    found = {}
    for model in apps.get_models():
        if any(f.name == "group" and f.is_relation for f in model._meta.fields):
            found[model._meta.label] = model._default_manager.filter(group=group).count()
    operation = apps.get_model("payments", "Operation")
    found["ledger"] = operation.objects.filter(group=group).aggregate(s=Sum("amount"))["s"]
    return found


def english_errors(html: str) -> list[str]:
    errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)</', html, flags=re.S)
    return [e for e in errors if ENGLISH.search(e)]


def values_for(index: int) -> list[str]:
    if DEEP:
        return NASTY
    return [NASTY[(index * FAST_COUNT + k) % len(NASTY)] for k in range(FAST_COUNT)]


def fuzz_form(client, form, values, report, *, every_field=False):
    """Post ``form`` once per value: into its free-text fields, or with ``every_field`` into
    every field (hidden ids, selects and boxes included, as a forged request would)."""
    for value in values:
        data = dict(form["fields"])
        for name in form["fields"] if every_field else form["text"]:
            data[name] = value
        report["requests"] += 1
        # Each post is undone afterwards, so that a form it reaches (leave the group, delete a
        # place) does not change the pages the next posts are made from.
        # The client's cookies are restored too (the log-out and language forms change them).
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            try:
                response = client.post(form["url"], data)
            except Exception as exc:  # the test client re-raises what would be an error 500
                report["failures"].append(f"POST {form['url']} with {value[:40]!r}: {exc!r}")
                response = None
            transaction.set_rollback(True)
        client.cookies = cookies
        if response is None:
            continue
        if response.status_code >= 500:
            report["failures"].append(f"POST {form['url']} → {response.status_code}")
        elif response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            english = english_errors(response.content.decode())
            if english:
                report["failures"].append(f"POST {form['url']}: English errors {english[:3]}")


def group_pages(world):
    kwargs = {"group_slug": world.group.slug, **sample_kwargs(world)}
    for _name, (route, _pattern) in sorted(group_patterns().items()):
        yield build_url(route, kwargs)
    yield from ("/account/profile/", "/orders/", "/calendar/", "/groups/new/")


def producer_pages(world):
    """The producer space of a producer account with a catalog, a product and a group link."""
    from tests.catalogs.factories import ProducerCatalogFactory, ProducerProductFactory
    from tests.factories import UserFactory

    user = UserFactory(email="producteur@example.org")
    producer_catalog = ProducerCatalogFactory()
    producer_catalog.vendor.managers.add(user)
    product = ProducerProductFactory(producer_catalog=producer_catalog)
    vendor = producer_catalog.vendor
    pages = [
        "/producer/",
        "/producer/profiles/new/",
        f"/producer/profiles/{vendor.pk}/",
        f"/producer/profiles/{vendor.pk}/catalogs/new/",
        f"/producer/catalogs/{producer_catalog.pk}/",
        f"/producer/catalogs/{producer_catalog.pk}/edit/",
        f"/producer/catalogs/{producer_catalog.pk}/products/new/",
        f"/producer/products/{product.pk}/",
    ]
    return user, pages


def fuzz_pages(client, urls, report, seen) -> None:
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        STATS["pages"] += 1
        for form in post_forms(response.content.decode(), url):
            key = (form["url"], tuple(sorted(form["fields"])))
            if not form["fields"] or key in seen:
                continue
            seen.add(key)
            STATS["forms"] += 1
            if form["text"]:
                fuzz_form(client, form, values_for(len(seen)), report)
            forged = NASTY if DEEP else [NASTY[len(seen) % len(NASTY)]]
            fuzz_form(client, form, forged, report, every_field=True)


@pytest.mark.django_db(transaction=False)
def test_every_form_survives_hostile_values_without_error_500(world, client_for):
    """As the admin (every group page), the member (their own order) and a producer account."""
    before = tenant_fingerprint(world.other_group)
    report = {"requests": 0, "failures": []}
    seen: set = set()
    fuzz_pages(client_for(world.admin), list(group_pages(world)), report, seen)
    fuzz_pages(client_for(world.member), list(group_pages(world)), report, seen)
    producer, pages = producer_pages(world)
    fuzz_pages(client_for(producer), pages, report, seen)
    STATS["requests"] += report["requests"]
    STATS["errors_500"] += sum("→ 5" in f or "Error" in f for f in report["failures"])
    record(STATS)
    assert tenant_fingerprint(world.other_group) == before
    assert report["failures"] == [], "\n".join(report["failures"])
    assert STATS["forms"] >= 30


@pytest.mark.django_db
@settings(
    max_examples=60 if DEEP else 8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_the_public_cart_and_the_profile_take_any_text(world, client_for, text):
    """Hypothesis-made text into the two forms anyone (a visitor, a new member) reaches first."""
    from tests.catalogs.factories import isolation_samples
    from tests.distributions.samples import distribution_samples

    samples = {**distribution_samples(world), **isolation_samples(world)}
    client = client_for(world.member)
    report = {"requests": 0, "failures": []}
    url = f"/g/{world.group.slug}/shop/{samples['md_id']}/cart/add/"
    cart = {"url": url, "fields": {"product": str(samples["product_id"])}, "text": {"quantity"}}
    profile = {"url": "/account/profile/", "fields": {}, "text": {"first_name", "phone"}}
    fuzz_form(client, cart, [text], report)
    fuzz_form(client, profile, [text], report)
    record({"requests": report["requests"], "errors_500": len(report["failures"])})
    assert report["failures"] == [], "\n".join(report["failures"])

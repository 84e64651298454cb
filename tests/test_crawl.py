"""Crawl the seeded demo as each persona: no page may crash, every French page says so.

Starting from "/" (and a few entry points), every same-site link reachable by GET is
followed breadth-first, up to a bound per persona. Each path is visited with at most one
query string, and each URL shape (numbers replaced by "#") at most a few times, so
filters, pagination and long lists of similar objects do not make the crawl explode.
"""

import io
import re
import time
import traceback
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from members.models import User

MAX_PAGES = 400
PER_SHAPE = 3  # e.g. at most 3 of /g/demo/products/#/edit/
DOMAIN = "demo.cagette.localhost"

# (persona, email or None for anonymous, entry points)
PERSONAS = [
    ("anonymous", None, ["/", "/g/demo/"]),
    ("admin", f"admin@{DOMAIN}", ["/", "/g/demo/", "/g/demo/manage/"]),
    ("coordinator", f"coordination@{DOMAIN}", ["/", "/g/demo/", "/g/demo/manage/"]),
    ("member", f"membre@{DOMAIN}", ["/", "/g/demo/"]),
    ("producer", f"producteur@{DOMAIN}", ["/", "/producer/"]),
    ("operator", f"operateur@{DOMAIN}", ["/", "/g/demo/", "/g/demo/manage/", "/admin/"]),
]

SKIPPED_PREFIXES = ("/static/", "/media/", "/language/", "/accounts/logout/", "/admin/logout/")
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:")


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html" and self.html_lang is None:
            self.html_lang = attrs.get("lang") or ""
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"].strip())


def same_site_target(base: str, href: str) -> str | None:
    """The path (with query) a link leads to on this site, or None to skip it."""
    if not href or href.startswith("#") or href.lower().startswith(SKIPPED_SCHEMES):
        return None
    parts = urlsplit(urljoin(f"http://testserver{base}", href))
    if parts.scheme not in ("http", "https") or parts.netloc not in ("testserver", ""):
        return None
    path = parts.path or "/"
    if path.startswith(SKIPPED_PREFIXES):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/#", path)


def crawl(persona: str, client: Client, entry_points: list[str]) -> tuple[list[str], dict]:
    failures: list[str] = []
    stats = {"pages": 0, "client_errors": [], "slowest": (0.0, "")}
    queue = deque((url, "(entry)") for url in entry_points)
    seen_urls: set[str] = set(entry_points)
    seen_query_paths: set[str] = set()  # paths already visited with a query string
    shapes: dict[str, int] = {}
    raised: set[tuple[str, str]] = set()
    while queue and stats["pages"] < MAX_PAGES:
        url, referrer = queue.popleft()
        stats["pages"] += 1
        started = time.monotonic()
        try:
            response = client.get(url)
        except Exception as exc:
            # One traceback per view and error; later hits of the same one just list the URL.
            key = (shape(url.split("?", 1)[0]), repr(exc))
            if key in raised:
                failures.append(f"[{persona}] GET {url} raised the same {type(exc).__name__}")
            else:
                raised.add(key)
                failures.append(
                    f"[{persona}] GET {url} (linked from {referrer}) raised:\n"
                    + traceback.format_exc()
                )
            continue
        stats["slowest"] = max(stats["slowest"], (time.monotonic() - started, url))
        status = response.status_code
        if status >= 500:
            failures.append(f"[{persona}] GET {url} (linked from {referrer}) -> {status}")
            continue
        if status in (301, 302, 303, 307, 308):
            targets = [response["Location"]]
        elif status >= 400:
            stats["client_errors"].append(f"[{persona}] GET {url} (from {referrer}) -> {status}")
            continue
        else:
            content_type = response.get("Content-Type", "")
            if "text/html" not in content_type or response.get(
                "Content-Disposition", ""
            ).startswith("attachment"):
                continue  # a download: its status is all we check
            parser = LinkParser()
            parser.feed(response.content.decode(response.charset or "utf-8", "replace"))
            if parser.html_lang is not None and parser.html_lang != "fr":
                failures.append(
                    f'[{persona}] GET {url} -> <html lang="{parser.html_lang}">, expected "fr"'
                )
            targets = parser.links
        for href in targets:
            target = same_site_target(url, href)
            if target is None or target in seen_urls:
                continue
            path = target.split("?", 1)[0]
            if "?" in target and path in seen_query_paths:
                continue
            if shapes.get(shape(path), 0) >= PER_SHAPE:
                continue
            if "?" in target:
                seen_query_paths.add(path)
            shapes[shape(path)] = shapes.get(shape(path), 0) + 1
            seen_urls.add(target)
            queue.append((target, url))
    return failures, stats


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for every persona (the crawl only reads it) and rolled back after
    the last one, so that no other test module sees it. ``make test`` sends a whole file to one
    xdist worker (``--dist loadfile``), so it is seeded once there too."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(
    ("persona", "email", "entry_points"), PERSONAS, ids=[p[0] for p in PERSONAS]
)
def test_crawl_demo_as_persona(seeded_demo, persona, email, entry_points):
    client = Client()
    if email is not None:
        user = User.objects.filter(email=email).first()
        assert user is not None, f"the demo has no {persona} login ({email})"
        client.force_login(user)
    failures, stats = crawl(persona, client, entry_points)
    seconds, slowest = stats["slowest"]
    summary = [f"{persona}: {stats['pages']} pages, slowest {slowest} ({seconds:.2f} s)"]
    summary += stats["client_errors"]
    print("\n".join(summary))
    assert not failures, f"{len(failures)} failing page(s):\n\n" + "\n\n".join(failures)

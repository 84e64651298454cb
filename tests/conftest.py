"""Personas in two groups (healthchecks' alice/bob/charlie), shared by every test."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from tests.factories import MemberFactory, PlaceFactory, UserFactory

IN_CI = bool(os.environ.get("CI"))
# The longest file: under xdist (`make test`, --dist loadfile) a file runs whole on one worker,
# so it starts first rather than leaving one worker alone with it at the end.
LONGEST_FIRST = "tests/test_crawl.py"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """After pytest-django's ordering (its database tests first): the crawl, a database test
    without transactions, moves to the front; the rest keeps its order."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))


@pytest.fixture(autouse=True)
def _french_by_default(settings):
    """Tests run in French, the default language, unless they switch."""
    settings.LANGUAGE_CODE = "fr"
    with translation.override("fr"):
        yield


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _celery_join_flag_reset():
    """Eager tasks set a process-wide Celery flag while they run and put back what they found:
    tasks queued from several threads at once (the concurrency tests) can leave it set, and a
    later ``result.get()`` in this process would be refused. Start each test with it cleared."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@dataclass
class World:
    group: object
    other_group: object
    admin: object
    coordinator: object
    member: object
    outsider: object  # a member (and admin) of the other group only
    place: object
    other_place: object


@pytest.fixture
def world(db):
    place = PlaceFactory(group__name="La Cagette", group__slug="la-cagette")
    other_place = PlaceFactory(group__name="Autre groupe", group__slug="autre")
    group, other_group = place.group, other_place.group
    group.main_place = place
    group.save(update_fields=["main_place"])
    other_group.main_place = other_place
    other_group.save(update_fields=["main_place"])
    admin = UserFactory(email="admin@example.org", first_name="Alice", last_name="Admin")
    coordinator = UserFactory(email="coord@example.org", first_name="Corentin", last_name="Coord")
    member = UserFactory(email="member@example.org", first_name="Maëlle", last_name="Membre")
    outsider = UserFactory(email="outsider@example.org", first_name="Oscar", last_name="Outsider")
    MemberFactory(group=group, user=admin, is_admin=True)
    MemberFactory(group=group, user=coordinator, can_manage_catalogs=True)
    MemberFactory(group=group, user=member)
    MemberFactory(group=other_group, user=outsider, is_admin=True)
    group.contact = admin
    group.save(update_fields=["contact"])
    return World(group, other_group, admin, coordinator, member, outsider, place, other_place)


@pytest.fixture
def client_for(db):
    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def requires_postgres(db):
    """Skip outside CI when the database is not PostgreSQL; in CI, a skip is a failure."""
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("needs PostgreSQL, and CI must run it")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections_at_the_end(django_db_setup, django_db_blocker):
    """Worker processes and threads may still hold a session; drop them so the test DB can go."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


# The fuzzing figure at the end of the run (tests/security/test_fuzz.py), also when pytest-xdist
# ran the tests in workers: each fuzzing test adds its figures to a small file under ``var/``
# (``tests.security.test_fuzz.record``); the process printing the summary adds them up.
FUZZ_REPORT = Path(__file__).resolve().parent.parent / "var" / "fuzz-report.jsonl"


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller, or a run without xdist
        FUZZ_REPORT.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter):
    if hasattr(terminalreporter.config, "workerinput") or not FUZZ_REPORT.exists():
        return
    total = {"requests": 0, "forms": 0, "pages": 0, "errors_500": 0}
    for line in FUZZ_REPORT.read_text(encoding="utf-8").splitlines():
        for key, value in json.loads(line).items():
            total[key] += value
    FUZZ_REPORT.unlink(missing_ok=True)
    terminalreporter.write_line(
        "fuzz: {requests} requests into {forms} forms of {pages} pages, "
        "{errors_500} errors 500".format(**total)
    )

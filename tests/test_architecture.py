"""Dependencies point one way (design §3, docs/architecture.md "Apps and dependencies").

An app imports only from apps to its left in ``LAYERS``; ``payments`` never imports ``orders``
(the order says so already: it is spelled out because the ledger must stay ignorant of baskets).
``cagette`` is the project's wiring (settings, root URLs, Celery app, WSGI, ``seed_demo``): it may
import every app and no app imports it. Imports inside functions count too; migrations are
generated history and are not read.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS = [
    "kernel",
    "groups",
    "members",
    "catalogs",
    "distributions",
    "payments",
    "orders",
    "day",
    "messaging",
    "reports",
]
WIRING = "cagette"
RANK = {name: index for index, name in enumerate(LAYERS)}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every absolute module a source imports, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(app: str, source: str, where: str = "<source>") -> list[str]:
    """The imports of ``source`` (a module of ``app``) that go against the order."""
    found = []
    for line, module in imported_modules(source):
        target = module.split(".")[0]
        if target == app:
            continue
        if target == WIRING and app != WIRING:
            found.append(f"{where}:{line}: {app} imports the wiring module {module}")
        elif target in RANK and app in RANK and RANK[target] > RANK[app]:
            found.append(f"{where}:{line}: {app} imports {module}, which sits to its right")
    return found


def project_modules():
    for app in [*LAYERS, WIRING]:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield app, path


def test_every_app_imports_only_from_apps_to_its_left():
    found = []
    for app, path in project_modules():
        found.extend(violations(app, path.read_text(), str(path.relative_to(ROOT))))
    assert found == []


def test_every_project_app_is_placed_in_the_order():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == {*LAYERS, WIRING}


@pytest.mark.parametrize(
    ("app", "source"),
    [
        ("kernel", "from groups.models import Group"),
        ("groups", "from members.models import Member"),
        ("payments", "from orders.models import Basket"),
        ("payments", "def f():\n    import orders.selectors\n"),
        ("orders", "from day import validation"),
        ("day", "from messaging import services"),
        ("catalogs", "from cagette.settings import DEBUG"),
    ],
)
def test_an_import_against_the_order_is_reported(app, source):
    assert violations(app, source)


@pytest.mark.parametrize(
    ("app", "source"),
    [
        ("groups", "from kernel.money import quantize"),
        ("orders", "from payments import selectors"),
        ("messaging", "from day.models import DayMailSent"),
        ("cagette", "from messaging import demo"),
        ("day", "from . import summaries"),
    ],
)
def test_an_import_along_the_order_is_accepted(app, source):
    assert violations(app, source) == []

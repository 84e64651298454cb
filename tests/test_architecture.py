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
    "shop",
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
        ("orders", "from shop import views"),
        ("payments", "from shop.session_cart import items"),
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
        ("shop", "from orders import services"),
        ("day", "from shop.shop_html import money_html"),
        ("messaging", "from day.models import DayMailSent"),
        ("cagette", "from messaging import demo"),
        ("day", "from . import summaries"),
    ],
)
def test_an_import_along_the_order_is_accepted(app, source):
    assert violations(app, source) == []


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_no_view_is_longer_than_60_lines():
    """Views stay thin: a longer one holds a workflow that belongs in a service."""
    long_views = []
    for _app, path in project_modules():
        if not (path.name.endswith("views.py") or path.parent.name == "views"):
            continue
        for node in _functions(ast.parse(path.read_text())):
            if node.name.startswith("_"):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > 60:
                long_views.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert long_views == []


def test_no_view_dispatches_on_a_posted_action():
    """One URL per action, so the isolation crawl walks each action's rights."""
    found = []
    for _app, path in project_modules():
        source = path.read_text()
        for needle in ('POST.get("action")', "POST.get('action')", 'POST["action"]'):
            if needle in source:
                found.append(f"{path.relative_to(ROOT)}: {needle}")
    assert found == []


def test_tenancy_facts_and_the_ledger_are_read_in_one_place():
    """ "Active member" and "live group" are spelled by their model modules only; the ledger table
    is queried by ``payments`` only (its selectors fold the corrections)."""
    found = []
    for app, path in project_modules():
        source = path.read_text()
        rel = path.relative_to(ROOT)
        for raw in ("left_at__isnull", "deleted_at__isnull"):
            if raw in source and path.name != "models.py":
                found.append(f"{rel}: {raw}")
        if app != "payments" and ("Operation.objects" in source):
            found.append(f"{rel}: Operation.objects")
    assert found == []


def test_no_module_carries_a_day_prefix():
    """The distribution day is its own app (``day/``), not ``day_*`` modules elsewhere."""
    assert [p.name for _app, p in project_modules() if p.name.startswith("day_")] == []

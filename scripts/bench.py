"""``make bench``: the performance budgets of design §9 for the shop and the checkout.

Seeds its own data in a database of its own, never the development one: on the PostgreSQL server
of ``DATABASE_URL`` when it is set, the database it names with ``_bench`` appended
(``cagette_bench`` for ``…/cagette``; dropped and created again), otherwise a SQLite file in a
temporary folder. Then prints:

* the shop page of a distribution with 10, 1,000 and 10,000 products in 20 catalogs (for the
  largest its first screen, then what is loaded on demand: the next chunk, a far page, a
  category, a search): the number of SQL queries (in process) and the median and 95th
  percentile times, in process and over HTTP, and the bytes transferred, plain and gzipped
  (budgets: 100 KiB gzipped at 1,000 products; 300 KiB and 150 ms for the 10,000-product
  shop's first screen);
* 200 checkouts posted at once, through gunicorn on loopback, each buying one unit of a product
  with 50 units left: orders per second, errors, how many were sold and the oversold count, and
  where the CPU went: gunicorn's workers, the database (PostgreSQL: the backends of
  the bench database), this script's 200 client threads and the Celery worker, per checkout.
  Before the measure, 16 other buyers (2 per gunicorn thread) check out another product of the
  same distribution at once, half of them served: a server that has been running has served
  checkouts before, so the measure leaves out each thread's first database connection and
  each process's first import of the checkout's code and broker connection (together 2 to 3 ms
  of gunicorn's CPU per checkout of the 200 on the 2-CPU development box).

The confirmation e-mails leave as in production (``docker-compose.yml``): when Redis answers on
127.0.0.1:6379 (or ``$BENCH_REDIS``), a real Celery worker of one process, started on a queue of
its own before the checkouts, renders and sends them (to files) while the checkouts run, on the
same CPUs; the request only queues the task after its commit. The rate counts from the first
request to the last answer, not until the last e-mail, which is reported on its own line (and
the run fails when some are missing). Without Redis the tasks run eagerly, in the request after
the commit, and the output says so.

Budgets (design §9): shop ≤ 12 queries at every size, the same at 10 and 1,000 products, median
≤ 80 ms (10 and 1,000 products) and ≤ 150 ms (each page of the 10,000-product shop but the
search); checkout: exactly 50
sold, 0 errors, ≥ 100 orders/s. The exit status is 1 when a budget is missed.

Options through the environment: ``BENCH_WORKERS`` (gunicorn processes, default 4),
``BENCH_THREADS`` (threads per process, default 2), ``BENCH_RUNS`` (shop requests per size,
default 40), ``BENCH_BUYERS`` (default 200), ``BENCH_STOCK`` (default 50), ``BENCH_REDIS``
(default ``redis://127.0.0.1:6379/14``), ``BENCH_ONLY=checkout`` (seed and measure the checkout
only, to compare its CPU per checkout between two commits in a few minutes).
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8199"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
BUYERS = int(os.environ.get("BENCH_BUYERS", "200"))
STOCK = int(os.environ.get("BENCH_STOCK", "50"))
# Buyers of another product who check out first, so that every gunicorn thread has served a
# checkout (connections open, code paths loaded) before the measure, as in a running server.
WARMUP = 2 * WORKERS * THREADS
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
ONLY = os.environ.get("BENCH_ONLY", "")
if ONLY not in ("", "checkout"):
    raise SystemExit(f"BENCH_ONLY={ONLY!r}: only 'checkout' is known")

SETTINGS = '''"""Settings for scripts/bench.py: production-like (DEBUG off), its own database."""
import os
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ["DEBUG"] = "0"
from cagette.settings import *  # noqa
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {  # the project's storages (files under CAGETTE_VAR_DIR), static files unhashed
    **STORAGES,
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Written to files, so that the e-mails sent can be counted.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.path.join(os.environ["CAGETTE_VAR_DIR"], "outbox")
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "handlers": {"console": {"class": "logging.StreamHandler"}},
           "root": {"handlers": ["console"], "level": "WARNING"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers wait for the lock instead of failing when a read transaction upgrades.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
'''


def _redis_up() -> bool:
    host_port = REDIS.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=1):
            return True
    except OSError:
        return False


def _prepare_database(workdir: Path) -> tuple[dict[str, str], str]:
    env = dict(os.environ)
    env["CAGETTE_VAR_DIR"] = str(workdir)
    env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(workdir), str(ROOT), env.get("PYTHONPATH", "")])
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CELERY_QUEUE"):
        env.pop(name, None)
    if _redis_up():
        env["CELERY_BROKER_URL"] = REDIS
        env["CELERY_QUEUE"] = f"bench-checkout-{os.getpid()}"
        env["REDIS_URL"] = REDIS  # a shared cache, as production settings require
    else:
        env["SINGLE_PROCESS"] = "1"  # no login rate limit is exercised without Redis
    url = os.environ.get("DATABASE_URL")
    if not url:
        env.pop("DATABASE_URL", None)
        return env, f"SQLite {workdir / 'cagette.sqlite3'}"
    import psycopg

    parts = urlsplit(url)
    # The database of DATABASE_URL with "_bench" appended: two people benching on one server
    # with databases of their own do not drop each other's.
    name = f"{parts.path.strip('/') or 'cagette'}_bench"
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"Unexpected database name in DATABASE_URL: {name!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    env["CONN_MAX_AGE"] = "60"
    return env, f"PostgreSQL {name}"


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path[:0] = [p for p in env["PYTHONPATH"].split(os.pathsep) if p]
    import django

    django.setup()


# Data -------------------------------------------------------------------------------------------


def _siret(seed: int) -> str:
    from catalogs.validators import luhn_valid

    base = f"{seed:08d}"[-8:]
    siren = next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))
    return next(siren + "0001" + str(d) for d in range(10) if luhn_valid(siren + "0001" + str(d)))


def _catalogs(group, count: int, products: int, offset: int) -> list:
    from datetime import timedelta

    from django.utils import timezone

    from catalogs.models import Catalog, Product, Vendor
    from catalogs.reference import taxonomy

    kinds = sorted(taxonomy().kinds)[:60]
    today = timezone.localdate()
    catalogs = []
    for i in range(count):
        vendor = Vendor.objects.create(
            name=f"Producteur {offset + i:03d}",
            city="Arles",
            postcode="13200",
            legal_name=f"EARL Producteur {offset + i}",
            siret=_siret(52000000 + offset + i),
            legal_status=6598,
            naf_code="0113Z",
            registered_address="Chemin des Mas",
            registered_postcode="13200",
            registered_city="Arles",
        )
        catalogs.append(
            Catalog.objects.create(
                group=group,
                vendor=vendor,
                name=f"Catalogue {offset + i:03d}",
                start_date=today - timedelta(days=10),
                end_date=today + timedelta(days=300),
                stock_tracked=True,
            )
        )
    rows = []
    for n in range(products):
        catalog = catalogs[n % count]
        rows.append(
            Product(
                group=group,
                catalog=catalog,
                name=f"Produit {offset + n:05d}",
                ref=f"B{offset + n:06d}",
                description="Un produit de saison, cultivé près d'ici.",
                taxonomy=kinds[n % len(kinds)],
                unit_type="kg" if n % 3 else "piece",
                unit_quantity=Decimal("1") if n % 3 else None,
                price=Decimal(150 + (n * 37) % 900) / 100,
                organic=n % 4 == 0,
                stock=Decimal(100) if n % 5 == 0 else None,
            )
        )
    Product.objects.bulk_create(rows)
    return catalogs


def seed() -> dict:
    from datetime import time as clock
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from catalogs.models import Product
    from distributions import services as distribution_services
    from groups.models import Group, Place
    from members.models import Member, User
    from orders import selectors, services

    group = Group.objects.create(name="Banc d'essai", slug="banc")
    places = [
        Place.objects.create(group=group, name=f"Lieu {i}", postcode="13200", city="Arles")
        for i in range(3)
    ]
    admin = User.objects.create_user("admin@bench.localhost", "x", first_name="Ad")
    Member.objects.create(group=group, user=admin, is_admin=True)
    now = timezone.now()
    day = timezone.localdate(now, group.tzinfo) + timedelta(days=5)

    def md_for(place, catalogs):
        return distribution_services.md_create(
            group=group,
            place=place,
            day=day,
            start_time=clock(18, 0),
            end_time=clock(20, 0),
            orders_open_at=now - timedelta(hours=1),
            orders_close_at=now + timedelta(days=3),
            catalogs=catalogs,
            acting_user=admin,
        )

    shops = {}
    if ONLY != "checkout":
        shops["small"] = md_for(places[0], _catalogs(group, 20, 10, 0)).pk
        shops["large"] = md_for(places[1], _catalogs(group, 20, 1000, 1000)).pk
        huge_place = Place.objects.create(
            group=group, name="Lieu 3", postcode="13200", city="Arles"
        )
        shops["huge"] = md_for(huge_place, _catalogs(group, 20, 10000, 10000)).pk
    checkout_catalogs = _catalogs(group, 1, 0, 5000)
    target = Product.objects.create(
        group=group,
        catalog=checkout_catalogs[0],
        name="Le dernier produit",
        ref="LAST",
        price=Decimal("4.20"),
        stock=Decimal(STOCK),
    )
    warm_target = Product.objects.create(
        group=group,
        catalog=checkout_catalogs[0],
        name="Le produit d'échauffement",
        ref="WARM",
        price=Decimal("3.10"),
        stock=Decimal(WARMUP // 2),
    )
    checkout_md = md_for(places[2], checkout_catalogs)

    User.objects.bulk_create(
        User(email=f"buyer{i}@bench.localhost", first_name="Buyer", last_name=f"{i:03d}")
        for i in range(BUYERS + WARMUP)
    )
    users = list(
        User.objects.filter(email__endswith="@bench.localhost", first_name="Buyer").order_by("pk")
    )
    Member.objects.bulk_create(Member(group=group, user=u) for u in users)
    md = selectors.md_for_orders(checkout_md.pk)
    sessions = []
    members = Member.objects.filter(group=group, user__in=users).select_related("user")
    for i, member in enumerate(members.order_by("pk")):
        product = target if i < BUYERS else warm_target
        services.cart_set(
            member=member, md=md, product=product, quantity=1, acting_user=member.user
        )
        store = SessionStore()
        store[SESSION_KEY] = str(member.user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    store = SessionStore()
    store[SESSION_KEY] = str(admin.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    store.create()
    return {
        **shops,
        "checkout": checkout_md.pk,
        "product": target.pk,
        "sessions": sessions[:BUYERS],
        "warm_sessions": sessions[BUYERS:],
        "admin_session": store.session_key,
        "admin": admin,
    }


# Measures ---------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def shop_in_process(data: dict, url: str) -> tuple[int, float, float, int]:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(data["admin"])
    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    products = response.content.decode().count('<article class="product')
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return len(queries), statistics.median(times), percentile(times, 0.95), products


def shop_pages(data: dict) -> list[tuple[str, str, int, int]]:
    """The shop pages measured: (label, path, median budget in ms, gzipped budget in KiB; 0
    for none). The first screen of each shop, then what a member of the 10,000-product shop
    loads on demand: the next chunk (what shop.js fetches on scroll), a category, a search."""
    from catalogs.reference import taxonomy

    kinds = sorted(taxonomy().kinds)[:60]
    category = taxonomy().kind(kinds[0]).category_id
    huge = f"/g/banc/shop/{data['huge']}/"
    return [
        ("10 products", f"/g/banc/shop/{data['small']}/", 80, 0),
        ("1,000 products", f"/g/banc/shop/{data['large']}/", 80, 100),
        ("10,000: first screen", huge, 150, 300),
        ("10,000: next chunk (JS)", f"{huge}?page=2&chunk=1", 150, 300),
        ("10,000: page 100", f"{huge}?page=100", 150, 300),
        ("10,000: a category", f"{huge}?category={category}", 150, 300),
        ("10,000: a search", f"{huge}?q=produit+10042", 0, 300),
    ]


def http_request(
    method: str, path: str, *, session: str, body: str = "", csrf: str = "", gzip: bool = False
):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
    cookies = f"sessionid={session}" + (f"; csrftoken={csrf}" if csrf else "")
    headers = {"Cookie": cookies, "Host": f"{HOST}:{PORT}"}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    http_request.last_bytes = len(response.read())  # type: ignore[attr-defined]
    conn.close()
    return response.status, response.getheader("Location") or ""


def shop_bytes(data: dict, url: str) -> tuple[int, int]:
    """What the shop page weighs over the wire: plain, and gzipped as browsers ask for it."""
    http_request("GET", url, session=data["admin_session"])
    plain = http_request.last_bytes  # type: ignore[attr-defined]
    http_request("GET", url, session=data["admin_session"], gzip=True)
    return plain, http_request.last_bytes  # type: ignore[attr-defined]


def shop_over_http(data: dict, url: str) -> tuple[float, float]:
    for _ in range(3):
        status, _ = http_request("GET", url, session=data["admin_session"])
        if status != 200:
            raise SystemExit(f"{url} answered {status} over HTTP")
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        http_request("GET", url, session=data["admin_session"])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.95)


def checkouts(data: dict) -> dict:
    from django.middleware.csrf import _get_new_csrf_string

    path = f"/g/banc/shop/{data['checkout']}/checkout/"
    barrier = threading.Barrier(len(data["sessions"]))
    lock = threading.Lock()
    outcome = {"placed": 0, "refused": 0, "errors": 0, "other": 0}
    latencies: list[float] = []

    def buy(session: str) -> None:
        csrf = _get_new_csrf_string()
        body = f"csrfmiddlewaretoken={csrf}&payment_type=onthespot"
        barrier.wait(timeout=60)
        start = time.perf_counter()
        try:
            status, location = http_request("POST", path, session=session, body=body, csrf=csrf)
        except OSError:
            status, location = 0, ""
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(elapsed)
            if status >= 500 or status == 0:
                outcome["errors"] += 1
            elif status == 302 and "/orders/" in location:
                outcome["placed"] += 1
            elif status == 302 and "/cart/" in location:
                outcome["refused"] += 1
            else:
                outcome["other"] += 1

    threads = [threading.Thread(target=buy, args=(s,)) for s in data["sessions"]]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    outcome["seconds"] = elapsed
    outcome["per_second"] = len(threads) / elapsed
    outcome["median_ms"] = statistics.median(latencies)
    outcome["p95_ms"] = percentile(latencies, 0.95)
    return outcome


def sold(data: dict) -> tuple[Decimal, Decimal]:
    from django.db.models import Sum

    from catalogs.models import Product
    from orders.models import OrderLine

    total = OrderLine.objects.filter(
        product_id=data["product"], basket__state="confirmed"
    ).aggregate(s=Sum("quantity"))["s"] or Decimal(0)
    left = Product.objects.get(pk=data["product"]).stock
    return total, left


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) used so far by one process (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick


def _workers_cpu(master: int, *, with_master: bool = False) -> float:
    """CPU seconds used so far by the children of ``master`` (gunicorn's or Celery's workers)."""
    total = _cpu_of(master) if with_master else 0.0
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += _cpu_of(int(entry.parent.name))
    return total


def _database_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend of the bench database (none on SQLite;
    the server must be on this machine for /proc to see it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return {pid: _cpu_of(pid) for pid in pids}


def _outbox_count(workdir: Path) -> int:
    """E-mails written by the file backend so far (one Message-ID header each)."""
    count = 0
    for path in (workdir / "outbox").glob("*"):
        with path.open("rb") as handle:
            count += sum(1 for line in handle if line.startswith(b"Message-ID:"))
    return count


def _start_worker(env: dict[str, str], workdir: Path) -> subprocess.Popen | None:
    """A Celery worker of one process on the bench's own queue, when Redis answers."""
    if not env.get("CELERY_BROKER_URL"):
        return None
    log = (workdir / "celery.log").open("w")
    # Our own interpreter with fixed arguments: nothing comes from outside.
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cagette",
            "worker",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _purge_queue(env: dict[str, str]) -> None:
    """Remove what the bench's queue left in Redis: the queue (empty when the worker kept up),
    its priority lists and kombu's bindings, all named after it (the name is this run's)."""
    if not env.get("CELERY_BROKER_URL"):
        return
    import redis

    name = env["CELERY_QUEUE"]
    client = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    try:
        for key in client.scan_iter(match=f"*{name}*"):
            text = key.decode(errors="replace")
            if text == name or text.startswith(name + "\x06") or text.endswith("." + name):
                client.delete(key)
    finally:
        client.close()


def _start_gunicorn(env: dict[str, str], workdir: Path) -> subprocess.Popen:
    log = (workdir / "gunicorn.log").open("w")
    # Our own interpreter with fixed arguments: nothing comes from outside.
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cagette.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--backlog",
            "1024",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/", headers={"Host": f"{HOST}:{PORT}"})
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")


def shop_measures(data: dict) -> list[str]:
    """The shop pages of design §9 (in process, over HTTP, bytes); the budgets missed."""
    failures = []
    print(f"\nShop page ({RUNS} requests each, in process then over HTTP)")
    print(
        "  page                         products  queries  median ms  p95 ms"
        "  | HTTP median ms  p95 ms  | KiB  gzipped KiB"
    )
    results = {}
    for label, url, budget_ms, budget_kib in shop_pages(data):
        queries, median, p95, shown = shop_in_process(data, url)
        http_median, http_p95 = shop_over_http(data, url)
        plain, packed = shop_bytes(data, url)
        results[label] = queries
        print(
            f"  {label:<28} {shown:>8}  {queries:>7}  {median:>9.1f}  {p95:>6.1f}"
            f"  | {http_median:>14.1f}  {http_p95:>6.1f}  | {plain / 1024:>4.0f}"
            f"  {packed / 1024:>11.1f}"
        )
        if budget_kib and packed > budget_kib * 1024:
            failures.append(f"{label}: {packed / 1024:.0f} KiB gzipped (budget {budget_kib} KiB)")
        if queries > 12:
            failures.append(f"{label}: {queries} queries (budget 12)")
        if budget_ms and median > budget_ms:
            failures.append(f"{label}: median {median:.0f} ms (budget {budget_ms} ms)")
    if len({results[label] for label in ("10 products", "1,000 products")}) != 1:
        failures.append("shop page: the number of queries grows with the products")
    return failures


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="cagette-bench-"))
    (workdir / "bench_settings.py").write_text(SETTINGS, encoding="utf-8")
    env, where = _prepare_database(workdir)
    _setup_django(env)
    from django.core.management import call_command

    print(f"Database: {where}")
    print("Migrating and seeding…", flush=True)
    call_command("migrate", verbosity=0)
    data = seed()
    from django.db import connection

    connection.close()
    worker = _start_worker(env, workdir)

    failures = []
    server = _start_gunicorn(env, workdir)
    try:
        if ONLY != "checkout":
            failures += shop_measures(data)

        print(
            f"\nCheckout: {BUYERS} buyers at once, {STOCK} units left "
            f"(gunicorn {WORKERS} workers x {THREADS} threads on loopback)"
        )
        warm = checkouts({**data, "sessions": data["warm_sessions"]})
        deadline = time.perf_counter() + 60
        while _outbox_count(workdir) < warm["placed"] and time.perf_counter() < deadline:
            time.sleep(0.1)
        print(
            f"  warm-up first, not counted: {WARMUP} buyers of another product "
            f"({warm['placed']} placed, {warm['refused']} refused, {warm['errors']} errors)"
        )
        mails_before = _outbox_count(workdir)
        db_before = _database_cpu()
        worker_before = _workers_cpu(worker.pid, with_master=True) if worker else 0.0
        cpu_before = _workers_cpu(server.pid)
        client_before = os.times()
        outcome = checkouts(data)
        client_after = os.times()
        outcome["cpu_ms"] = (_workers_cpu(server.pid) - cpu_before) * 1000 / BUYERS
        outcome["client_ms"] = (
            (
                (client_after.user - client_before.user)
                + (client_after.system - client_before.system)
            )
            * 1000
            / BUYERS
        )
        db_after = _database_cpu()
        outcome["db_ms"] = (
            sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items()) * 1000 / BUYERS
            if db_after
            else None
        )
        # The e-mails of the orders placed: wait for the worker (at once when eager).
        done = time.perf_counter()
        mails = _outbox_count(workdir) - mails_before
        while mails < outcome["placed"] and time.perf_counter() - done < 120:
            time.sleep(0.1)
            mails = _outbox_count(workdir) - mails_before
        outcome["mails"] = mails
        outcome["mails_after_s"] = time.perf_counter() - done
        outcome["worker_ms"] = (
            (_workers_cpu(worker.pid, with_master=True) - worker_before) * 1000 / max(mails, 1)
            if worker
            else None
        )
    finally:
        for process in (server, worker):
            if process is None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _purge_queue(env)
    total, left = sold(data)
    oversold = max(Decimal(0), total - STOCK)
    print(
        f"  {outcome['per_second']:.0f} checkouts/s ({outcome['seconds']:.2f} s for {BUYERS}), "
        f"latency median {outcome['median_ms']:.0f} ms, p95 {outcome['p95_ms']:.0f} ms"
    )
    db = f"{outcome['db_ms']:.1f} ms" if outcome["db_ms"] is not None else "in gunicorn (SQLite)"
    print(
        f"  CPU per checkout ({os.cpu_count()} CPUs): gunicorn {outcome['cpu_ms']:.1f} ms, "
        f"database {db}, client threads {outcome['client_ms']:.1f} ms"
    )
    print(
        f"  orders placed {outcome['placed']}, refused for stock {outcome['refused']}, "
        f"errors {outcome['errors']}, other answers {outcome['other']}"
    )
    print(f"  units sold {total:f}, left {left:f}, oversold {oversold:f}")
    if worker is not None:
        print(
            f"  confirmation e-mails: {outcome['mails']} sent by the Celery worker, the last "
            f"{outcome['mails_after_s']:.1f} s after the last answer "
            f"(worker CPU {outcome['worker_ms']:.1f} ms per e-mail)"
        )
    else:
        print(
            f"  confirmation e-mails: {outcome['mails']} rendered and sent in the requests "
            "(no Redis: Celery runs eagerly)"
        )
    if outcome["mails"] != outcome["placed"]:
        failures.append(f"checkout: {outcome['mails']} e-mails for {outcome['placed']} orders")
    if oversold or total != STOCK or left != 0:
        failures.append(f"checkout: {total} sold of {STOCK}, {oversold} oversold")
    if outcome["errors"] or outcome["other"]:
        failures.append(
            f"checkout: {outcome['errors']} errors, {outcome['other']} unexpected answers"
        )
    if outcome["per_second"] < 100:
        failures.append(f"checkout: {outcome['per_second']:.0f} orders/s (budget 100)")

    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print("\nBudgets missed:")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print("\nAll budgets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

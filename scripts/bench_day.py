"""Distribution-day budgets (design §9): member summary of 1,000 baskets x 8 lines (queries,
HTML, CSV, PDF) and validation of 1,000 baskets. Run from the project root:

    python scripts/bench_day.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://... python scripts/bench_day.py

Prints one line per scenario with its figure and budget. Called by ``make bench``.

The PDF is built as in production: when Redis answers on 127.0.0.1:6379 (or $BENCH_REDIS), a
real Celery worker with two processes (this box's cores) is started on a queue of its own and
the time is measured from the request to the stored file. Without Redis the tasks run in this
process, one part after the other, and the line says so.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("CAGETTE_VAR_DIR", tempfile.mkdtemp(prefix="bench-day-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cagette.settings")
os.environ.setdefault("DEBUG", "1")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKER_PROCESSES", "2"))


def _redis_up() -> bool:
    host_port = REDIS.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=1):
            return True
    except OSError:
        return False


WORKER = None
if _redis_up():
    os.environ["CELERY_BROKER_URL"] = REDIS
    os.environ["CELERY_QUEUE"] = f"bench-day-{os.getpid()}"
    WORKER = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cagette",
            "worker",
            f"--concurrency={WORKER_PROCESSES}",
            "--loglevel=" + os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "w"),  # noqa: SIM115
    )

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

BASKETS, LINES = 1000, 8


def setup():
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from catalogs.models import Catalog, Product, Vendor
    from distributions.models import Distribution, MultiDistrib
    from groups.models import Group, Place
    from members.models import Member, User
    from orders.models import Basket, OrderLine
    from payments.models import Operation

    call_command("migrate", verbosity=0)
    group = Group.objects.create(
        name="Bench", slug=f"bench-{int(time.time())}", payment_types=["cash", "cheque", "transfer"]
    )
    place = Place.objects.create(group=group, name="Halle", postcode="13200", city="Arles")
    from datetime import time as dtime

    from distributions.cycles import aware

    start = aware(timezone.localdate() - timedelta(days=1), dtime(18, 0), group.tzinfo)
    md = MultiDistrib(
        group=group,
        place=place,
        start_at=start,
        end_at=start + timedelta(hours=2),
        orders_open_at=start - timedelta(days=7),
        orders_close_at=start - timedelta(days=1),
    )
    md.full_clean()
    md.save()
    distributions, products = [], []
    for c in range(4):
        vendor = Vendor.objects.create(name=f"Ferme {c}", email=f"f{c}-{group.slug}@example.org")
        catalog = Catalog.objects.create(
            group=group,
            vendor=vendor,
            name=f"Catalogue {c}",
            start_date=start.date() - timedelta(days=30),
            end_date=start.date() + timedelta(days=30),
        )
        distributions.append(
            Distribution.objects.create(
                group=group,
                multidistrib=md,
                catalog=catalog,
                orders_open_at=md.orders_open_at,
                orders_close_at=md.orders_close_at,
            )
        )
        for p in range(5):
            products.append(
                (
                    len(distributions) - 1,
                    Product.objects.create(
                        group=group,
                        catalog=catalog,
                        name=f"Produit {c}-{p}",
                        price=Decimal("2.35") + p,
                        vat_rate=Decimal("5.5"),
                        variable_weight=p == 0,
                    ),
                )
            )
    users = User.objects.bulk_create(
        [
            User(email=f"b{i}-{group.slug}@example.org", first_name="B", last_name=f"Membre{i:04d}")
            for i in range(BASKETS)
        ]
    )
    members = Member.objects.bulk_create([Member(group=group, user=u) for u in users])
    baskets = Basket.objects.bulk_create(
        [
            Basket(
                group=group,
                multidistrib=md,
                member=m,
                number=i + 1,
                state="confirmed",
                payment_type="cheque",
            )
            for i, m in enumerate(members)
        ]
    )
    lines, ops = [], []
    for i, basket in enumerate(baskets):
        total = Decimal("0")
        for j in range(LINES):
            d, product = products[(i + j) % len(products)]
            lines.append(
                OrderLine(
                    group=group,
                    basket=basket,
                    distribution=distributions[d],
                    product=product,
                    product_name=product.name,
                    quantity=Decimal(1 + j % 3),
                    unit_price=product.price,
                    vat_rate=product.vat_rate,
                )
            )
            total += product.price * (1 + j % 3)
        ops.append(
            Operation(
                group=group,
                member=basket.member,
                kind="order",
                amount=-total,
                label="Commande",
                state="pending",
                reference=basket.code,
            )
        )
        ops.append(
            Operation(
                group=group,
                member=basket.member,
                kind="payment",
                amount=total,
                label="Chèque",
                state="pending",
                is_money=True,
                payment_type="cheque",
                reference=basket.code,
            )
        )
    OrderLine.objects.bulk_create(lines, batch_size=2000)
    Operation.objects.bulk_create(ops, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have done: plans for real row counts
    return group, md


def main():
    from django.template.loader import render_to_string

    from day import exports, pdf, summaries, validation

    group, md = setup()
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            context = pdf.context_for("members", group, md)
            html = render_to_string(
                "day/print.html", {**context, "font_size": "1em", "sizes": [], "size": "m"}
            )
            times.append((time.perf_counter() - t) * 1000)
    print(
        f"member summary HTML, {BASKETS} baskets x {LINES} lines: first {times[0]:.0f} ms, "
        f"median of 5 {statistics.median(times):.0f} ms (budget 400 ms), "
        f"{len(ctx.captured_queries)} queries (budget 10), {len(html) // 1024} KiB"
    )
    t = time.perf_counter()
    first = None
    size = 0
    for chunk in exports.exporter("members", group, md, "fr").csv_chunks():
        if first is None:
            first = time.perf_counter() - t
        size += len(chunk)
    print(
        f"member CSV streamed: first bytes after {first * 1000:.0f} ms, all {size // 1024} KiB in "
        f"{(time.perf_counter() - t) * 1000:.0f} ms"
    )
    t = time.perf_counter()
    document = pdf.document_request(
        group=group, md=md, kind="signature", language="fr", acting_user=None
    )
    while document.status not in ("done", "failed") and time.perf_counter() - t < 300:
        time.sleep(0.1)
        document.refresh_from_db()
    elapsed = time.perf_counter() - t
    if document.status != "done":
        raise SystemExit(f"the PDF was not built: {document.status} {document.error}")
    where = (
        f"a Celery worker of {WORKER_PROCESSES} process(es)"
        if WORKER
        else "this process (no Redis: tasks run eagerly)"
    )
    with document.file.open() as file:
        size = len(file.read())
    print(
        f"signature sheet PDF: {elapsed:.1f} s in {where}, {document.parts} parts "
        f"(budget 15 s in a worker), {size // 1024} KiB"
    )
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        result = validation.distribution_validate(group=group, md=md, acting_user=None)
        elapsed = time.perf_counter() - t
    print(
        f"validation of {result.baskets} baskets: {elapsed:.2f} s (budget 5 s), "
        f"{len(ctx.captured_queries)} queries ({validation.CHUNK} baskets per ledger call)"
    )
    if summaries.member_summary(group=group, md=md).baskets != BASKETS:
        raise SystemExit("the summary lost baskets")
    from payments.models import Operation

    confirmed = Operation.objects.filter(group=group, is_money=True, state="confirmed").count()
    if confirmed != BASKETS or md.__class__.objects.get(pk=md.pk).validated_at is None:
        raise SystemExit(f"the validation did not confirm every payment ({confirmed})")


if __name__ == "__main__":
    try:
        main()
    finally:
        if WORKER is not None:
            WORKER.terminate()
            try:
                WORKER.wait(timeout=30)
            except subprocess.TimeoutExpired:
                WORKER.kill()

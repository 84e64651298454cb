"""Issue 19's budgets: the order lines of a year (100,000 lines) as a streamed file, the period
report over that year and the archive of the whole group. Run from the project root:

    python scripts/bench_reports.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://... python scripts/bench_reports.py

Seeds 50 weekly distributions x 250 baskets x 8 lines in 4 catalogs, with the ledger's rows of
each basket (a debt and a payment). Prints one line per scenario with its figure and budget and
exits with status 1 when a budget is missed. Called by ``make bench``. ``BENCH_XLSX=0`` skips
the XLSX (minutes on a small box); ``BENCH_DISTRIBUTIONS`` and ``BENCH_BASKETS`` size the data.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("CAGETTE_VAR_DIR", tempfile.mkdtemp(prefix="bench-reports-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cagette.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

DISTRIBUTIONS = int(os.environ.get("BENCH_DISTRIBUTIONS", "50"))
BASKETS, LINES = int(os.environ.get("BENCH_BASKETS", "250")), 8


def setup():
    from datetime import time as dtime
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from catalogs.models import Catalog, Product, Vendor
    from distributions.cycles import aware
    from distributions.models import Distribution, MultiDistrib
    from groups.models import Group, Place
    from members.models import Member, User
    from orders.models import Basket, OrderLine
    from payments.models import Operation

    call_command("migrate", verbosity=0)
    slug = f"bench-{int(time.time())}"
    group = Group.objects.create(name="Bench", slug=slug, payment_types=["cash", "cheque"])
    place = Place.objects.create(group=group, name="Halle", postcode="13200", city="Arles")
    group.main_place = place
    group.save(update_fields=["main_place"])
    admin = User.objects.create_user(email=f"admin-{slug}@example.org")
    users = User.objects.bulk_create(
        [
            User(email=f"b{i}-{slug}@example.org", first_name="B", last_name=f"Membre{i:04d}")
            for i in range(BASKETS)
        ]
    )
    Member.objects.create(group=group, user=admin, is_admin=True)
    members = Member.objects.bulk_create([Member(group=group, user=u) for u in users])
    today = timezone.localdate()
    first_day = today - timedelta(weeks=DISTRIBUTIONS)
    catalogs, products = [], []
    for c in range(4):
        vendor = Vendor.objects.create(name=f"Ferme {c}", email=f"f{c}-{slug}@example.org")
        catalog = Catalog.objects.create(
            group=group,
            vendor=vendor,
            name=f"Catalogue {c}",
            start_date=first_day - timedelta(days=1),
            end_date=today + timedelta(days=30),
        )
        catalogs.append(catalog)
        for p in range(5):
            products.append(
                (
                    c,
                    Product.objects.create(
                        group=group,
                        catalog=catalog,
                        name=f"Produit {c}-{p}",
                        price=Decimal("2.35") + p,
                        vat_rate=Decimal("5.5") if p % 2 else Decimal("20"),
                    ),
                )
            )
    for week in range(DISTRIBUTIONS):
        start = aware(first_day + timedelta(weeks=week), dtime(18, 0), group.tzinfo)
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
        distributions = [
            Distribution.objects.create(
                group=group,
                multidistrib=md,
                catalog=catalog,
                orders_open_at=md.orders_open_at,
                orders_close_at=md.orders_close_at,
            )
            for catalog in catalogs
        ]
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
                c, product = products[(i + j) % len(products)]
                lines.append(
                    OrderLine(
                        group=group,
                        basket=basket,
                        distribution=distributions[c],
                        product=product,
                        product_name=product.name,
                        quantity=Decimal(1 + j % 3),
                        unit_price=product.price,
                        vat_rate=product.vat_rate,
                    )
                )
                total += product.price * (1 + j % 3)
            for kind, amount, is_money in (("order", -total, False), ("payment", total, True)):
                ops.append(
                    Operation(
                        group=group,
                        member=basket.member,
                        kind=kind,
                        amount=amount,
                        label="Commande" if kind == "order" else "Chèque",
                        state="confirmed",
                        confirmed_at=start,
                        date=start.date(),
                        is_money=is_money,
                        payment_type="cheque" if is_money else "",
                        reference=basket.code,
                    )
                )
        OrderLine.objects.bulk_create(lines, batch_size=2000)
        Operation.objects.bulk_create(ops, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return group, admin, first_day, today


def main() -> int:
    from reports import archive, selectors

    t = time.perf_counter()
    group, admin, start, end = setup()
    lines = DISTRIBUTIONS * BASKETS * LINES
    print(
        f"seeded {lines:,} order lines in {time.perf_counter() - t:.0f} s ({connection.vendor}), "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    failed = False
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    query = {"start": start.isoformat(), "end": end.isoformat()}
    # A server that has been running: its code imported, its translations and templates loaded.
    client.get(f"/g/{group.slug}/manage/reports/period/", {"start": end.isoformat(), "end": end})
    for fmt in ("csv", "xlsx") if os.environ.get("BENCH_XLSX", "1") != "0" else ("csv",):
        t, cpu = time.perf_counter(), time.process_time()
        response = client.get(
            f"/g/{group.slug}/manage/reports/period/lines/", {**query, "format": fmt}
        )
        chunks = iter(response.streaming_content)
        first_chunk = next(chunks)
        first = time.perf_counter() - t
        size = len(first_chunk) + sum(len(c) for c in chunks)
        total, cpu = time.perf_counter() - t, time.process_time() - cpu
        # The budget is the streamed CSV's; the XLSX streams too (kernel.exporters), no budget.
        ok = fmt == "xlsx" or (total <= 10 and first <= 0.2)
        failed |= not ok
        budget = "budget first byte 200 ms, all 10 s" if fmt == "csv" else "no budget"
        print(
            f"{lines:,} order lines as {fmt.upper()}: first bytes after {first * 1000:.0f} ms, "
            f"{size // 1024} KiB in {total:.1f} s, {cpu:.1f} s of this process's CPU "
            f"({budget}){'' if ok else ' MISSED'}"
        )
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        report = selectors.period_report(group=group, start=start, end=end)
        elapsed = time.perf_counter() - t
    print(
        f"period report over {len(report.distributions)} distributions: {elapsed:.1f} s, "
        f"{len(ctx.captured_queries)} queries, total {report.totals.total}"
    )
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        selectors.statistics(group=group, today=end)
        elapsed = time.perf_counter() - t
    print(f"statistics page's reads: {elapsed * 1000:.0f} ms, {len(ctx.captured_queries)} queries")
    t, cpu = time.perf_counter(), time.process_time()
    content = archive.build_archive(group)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    failed |= elapsed > 30
    print(
        f"group archive: {elapsed:.1f} s, {cpu:.1f} s of this process's CPU, "
        f"{len(content) // 1024} KiB zipped (budget 30 s){'' if elapsed <= 30 else ' MISSED'}"
    )
    t = time.perf_counter()
    result = archive.load_archive(content, slug=f"{group.slug}-copy")
    print(
        f"group archive imported as a new group: {time.perf_counter() - t:.1f} s, "
        f"{result.counts['order_lines']:,} order lines, {result.counts['operations']:,} operations"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

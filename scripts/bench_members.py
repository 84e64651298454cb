"""Import budgets (design §9): 10,000 members previewed and imported in ≤ 30 s, then the
set-password mails rendered (the task the import queues); 5,000 products imported into a
catalog in ≤ 15 s, then updated. Run from the project root:

    python scripts/bench_members.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://... python scripts/bench_members.py

Called by ``make bench``. E-mails go to Django's in-memory backend (rendered, not sent); the
tasks run in this process.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("CAGETTE_VAR_DIR", tempfile.mkdtemp(prefix="bench-members-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cagette.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

logging.getLogger("celery").setLevel(logging.WARNING)

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

ROWS = int(os.environ.get("BENCH_MEMBER_ROWS", "10000"))
BUDGET = 30.0
HEADER = "firstName;lastName;email;phone;firstName2;lastName2;email2;phone2;address1;address2;zipCode;city"


def main() -> int:
    from members.models import Member, User
    from members.services import group_create
    from members.services.imports import import_apply, import_preview

    call_command("migrate", verbosity=0)
    stamp = int(time.time())
    admin = User.objects.create_user(f"bench-admin-{stamp}@bench.invalid", "x", first_name="B")
    group = group_create(acting_user=admin, name=f"Bench {stamp}", **_place())
    lines = [HEADER] + [
        f"prénom{i};NOM{i};p{i}-{stamp}@bench.invalid;612345678;;;;;{i} rue;;69001;Lyon"
        for i in range(ROWS)
    ]
    data = "\n".join(lines).encode()
    start = time.perf_counter()
    preview = import_preview(group=group, data=data, filename="members.csv")
    previewed = time.perf_counter() - start
    if preview.errors:
        raise SystemExit(f"The bench file was refused: {preview.errors[:3]}")
    mail.outbox = []
    with transaction.atomic():
        import_apply(group=group, preview=preview, mode="accounts", acting_user=admin)
        imported = time.perf_counter() - start
        mails_start = time.perf_counter()
    mailed = time.perf_counter() - mails_start  # on commit: the mail task ran eagerly
    members = Member.objects.active().filter(group=group).count()
    print(
        f"Member import, {ROWS:,} rows: preview {previewed:.1f} s, preview + import "
        f"{imported:.1f} s (budget {BUDGET:.0f} s); {members:,} members; then "
        f"{len(mail.outbox):,} set-password mails rendered by the task in {mailed:.1f} s"
    )
    products_ok = _products(group, admin)
    return 0 if imported <= BUDGET and products_ok else 1


PRODUCT_ROWS, PRODUCT_BUDGET = 5000, 15.0
PRODUCT_HEADER = "productName;price;ref;desc;qt;unit;organic;variableWeight;vat;stock;category"


def _products(group, admin) -> bool:
    """5,000 products imported into a new catalog, then the same file again (all updated)."""
    from datetime import timedelta

    from django.utils import timezone

    from catalogs.models import Catalog, Vendor
    from catalogs.services import product_import

    vendor = Vendor.objects.create(name="Producteur du banc", city="Lyon", postcode="69001")
    today = timezone.localdate()
    catalog = Catalog.objects.create(
        group=group,
        vendor=vendor,
        name="Catalogue du banc",
        start_date=today,
        end_date=today + timedelta(days=300),
    )
    lines = [PRODUCT_HEADER] + [
        f"Produit {i};{i % 50 + 1},{i % 100:02d};REF-{i};Description {i};1;kg;{i % 2};0;5,5;"
        f"{i % 30};carottes"
        for i in range(PRODUCT_ROWS)
    ]
    data = "\n".join(lines).encode()
    times = []
    for content in (data, data.replace(b";5,5;", b";20;")):
        start = time.perf_counter()
        report = product_import(
            catalog=catalog, data=content, filename="products.csv", acting_user=admin
        )
        times.append(time.perf_counter() - start)
    print(
        f"Product import, {PRODUCT_ROWS:,} rows: created in {times[0]:.1f} s, all updated in "
        f"{times[1]:.1f} s (budget {PRODUCT_BUDGET:.0f} s); {report.updated:,} updated"
    )
    return max(times) <= PRODUCT_BUDGET


def _place() -> dict:
    from groups.forms import GroupCreateForm

    form = GroupCreateForm(
        {
            "name": "Bench",
            "group_type": GroupCreateForm.base_fields["group_type"].initial,
            "place_name": "Salle",
            "address1": "1 rue",
            "postcode": "69001",
            "city": "Lyon",
            "country": "FR",
        }
    )
    if not form.is_valid():
        raise SystemExit(f"The bench group was refused: {form.errors}")
    details = dict(form.cleaned_data)
    details.pop("name")
    return details


if __name__ == "__main__":
    sys.exit(main())

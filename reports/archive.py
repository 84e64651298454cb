"""A whole group as one archive, and back (issue 19, item 4; user-requests: leaving a host).

The archive is a ZIP file:

- ``manifest.json``: ``format`` (``cagette-group-archive``), ``version`` (``VERSION``), the
  archive's own ``id`` (a UUID), when it was made, the group's slug and each table's row count;
- ``data.json``: ``{table: [row, …]}`` in ``TABLES`` order, each row the model's database
  columns (``catalog_id`` for a foreign key, the *exported* ids), many-to-many fields as lists of
  ids; decimals, dates and UUIDs as text;
- ``csv/<table>.csv``: the same rows, one file per table, for spreadsheets (comma, ISO dates);
- ``files/<storage name>``: uploaded files the rows name (logo, producers' and products' photos).

The schema is documented in ``docs/reports.md``; a change of a table's columns raises
``VERSION``. ``load_archive`` imports into any instance: every row gets a new id, users are
matched by e-mail (or created without a password: they log in by code or reset it), the ledger
and the orders are copied as they are (dates, states and amounts exact, written as history, not
re-computed by the services). Importing an archive a second time changes nothing: the import is
recorded in the audit trail with the archive's id.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from catalogs.models import Catalog, Product, Vendor
from day.models import BasketAbsence, BasketValidation, CashFloat, DistributionValidation
from distributions.models import (
    DeliveryRequest,
    Distribution,
    DistributionCycle,
    Duty,
    DutyNeed,
    MultiDistrib,
    SlotRequest,
    TimeSlot,
    VolunteerRole,
)
from groups.models import Group, Place
from kernel.audit import log_action
from kernel.models import LogEntry
from members.models import Member, Membership, User
from orders.models import (
    Basket,
    BasketCounter,
    OrderLine,
    WholesaleConfirmation,
    new_basket_code,
)
from payments import selectors as payment_selectors
from payments.models import Operation

FORMAT = "cagette-group-archive"
VERSION = 3  # 2: membership fees; 3: cancelled distributions, baskets validated alone, cash floats
IMPORT_ACTION = "group.imported"
BATCH = 2000

# What a user row carries: never a password or a platform right.
USER_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "address1",
    "address2",
    "postcode",
    "city",
    "country",
    "first_name2",
    "last_name2",
    "email2",
    "phone2",
    "language",
    "date_joined",
)


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    rows: Callable[[Group], models.QuerySet]


TABLES: tuple[Table, ...] = (
    Table("group", Group, lambda g: Group.objects.filter(pk=g.pk)),
    Table("places", Place, lambda g: Place.objects.filter(group=g)),
    Table("members", Member, lambda g: Member.objects.filter(group=g)),
    Table("vendors", Vendor, lambda g: Vendor.objects.filter(catalogs__group=g).distinct()),
    Table("catalogs", Catalog, lambda g: Catalog.objects.filter(group=g)),
    Table("products", Product, lambda g: Product.objects.filter(group=g)),
    Table("cycles", DistributionCycle, lambda g: DistributionCycle.objects.filter(group=g)),
    Table("volunteer_roles", VolunteerRole, lambda g: VolunteerRole.objects.filter(group=g)),
    Table("multidistribs", MultiDistrib, lambda g: MultiDistrib.objects.filter(group=g)),
    Table("distributions", Distribution, lambda g: Distribution.objects.filter(group=g)),
    Table("duty_needs", DutyNeed, lambda g: DutyNeed.objects.filter(group=g)),
    Table("duties", Duty, lambda g: Duty.objects.filter(group=g)),
    Table("time_slots", TimeSlot, lambda g: TimeSlot.objects.filter(group=g)),
    Table("slot_requests", SlotRequest, lambda g: SlotRequest.objects.filter(group=g)),
    Table("delivery_requests", DeliveryRequest, lambda g: DeliveryRequest.objects.filter(group=g)),
    Table("baskets", Basket, lambda g: Basket.objects.filter(group=g)),
    Table(
        "basket_counters",
        BasketCounter,
        lambda g: BasketCounter.objects.filter(multidistrib__group=g),
    ),
    Table("order_lines", OrderLine, lambda g: OrderLine.objects.filter(group=g)),
    Table(
        "wholesale_confirmations",
        WholesaleConfirmation,
        lambda g: WholesaleConfirmation.objects.filter(group=g),
    ),
    Table("operations", Operation, lambda g: payment_selectors.operations_of_group(group=g)),
    Table("memberships", Membership, lambda g: Membership.objects.filter(group=g)),
    Table(
        "validations",
        DistributionValidation,
        lambda g: DistributionValidation.objects.filter(group=g),
    ),
    Table("absences", BasketAbsence, lambda g: BasketAbsence.objects.filter(group=g)),
    Table(
        "basket_validations",
        BasketValidation,
        lambda g: BasketValidation.objects.filter(group=g),
    ),
    Table("cash_floats", CashFloat, lambda g: CashFloat.objects.filter(group=g)),
)
TABLE_NAMES = ("users", *(t.name for t in TABLES))

# Columns left out of the archive: the group's deletion marks, a vendor's producer account.
SKIPPED = {
    Group: {"deleted_at", "deleted_by_id"},
    Vendor: set(),
}


def _columns(model: type[models.Model]) -> list[models.Field]:
    skipped = SKIPPED.get(model, set())
    return [f for f in model._meta.concrete_fields if f.attname not in skipped]


def _m2m(model: type[models.Model]) -> list[models.ManyToManyField]:
    """Many-to-many fields the archive carries: the plain ones between rows of the group
    (a vendor's managers — producer accounts — stay on their instance)."""
    return [
        f
        for f in model._meta.many_to_many
        if f.remote_field.through._meta.auto_created and model is not Vendor
    ]


# Export ----------------------------------------------------------------------------------------


# Values as JSON has them: converted once, for the JSON and the CSV files alike.
_PLAIN: dict[type, Callable[[Any], Any]] = {
    Decimal: str,
    datetime: datetime.isoformat,
    date: date.isoformat,
    time: time.isoformat,
    uuid.UUID: str,
}


def _plain(value: Any) -> Any:
    convert = _PLAIN.get(type(value))
    return convert(value) if convert is not None else value


def _rows(table: Table, group: Group) -> Iterable[dict[str, Any]]:
    columns = [f.attname for f in _columns(table.model)]
    queryset = table.rows(group).order_by("pk")
    m2m = {f.name: f for f in _m2m(table.model)}
    links: dict[str, dict[int, list[int]]] = {}
    for name, field in m2m.items():
        through = field.remote_field.through
        source = field.m2m_field_name() + "_id"
        target = field.m2m_reverse_field_name() + "_id"
        pairs = through.objects.filter(**{f"{source}__in": queryset.values("pk")}).order_by(
            source, target
        )
        found: dict[int, list[int]] = {}
        for a, b in pairs.values_list(source, target):
            found.setdefault(a, []).append(b)
        links[name] = found
    for values in queryset.values_list(*columns).iterator(chunk_size=BATCH):
        row = dict(zip(columns, map(_plain, values), strict=True))
        for name in m2m:
            row[name] = links[name].get(row["id"], [])
        yield row


def _user_ids(data: dict[str, list[dict]]) -> set[int]:
    ids: set[int] = set()
    for table in TABLES:
        user_columns = [
            f.attname for f in _columns(table.model) if f.is_relation and f.related_model is User
        ]
        for row in data[table.name]:
            ids.update(row[c] for c in user_columns if row[c] is not None)
    return ids


def collect(group: Group) -> dict[str, list[dict]]:
    data = {table.name: list(_rows(table, group)) for table in TABLES}
    users = User.objects.filter(pk__in=_user_ids(data)).order_by("pk").values_list(*USER_FIELDS)
    return {"users": [dict(zip(USER_FIELDS, map(_plain, u), strict=True)) for u in users], **data}


def _files(data: dict[str, list[dict]]) -> list[str]:
    names = []
    for table in TABLES:
        for field in _columns(table.model):
            if isinstance(field, models.FileField):
                names.extend(row[field.attname] for row in data[table.name] if row[field.attname])
    return sorted(set(names))


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    if rows:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(list(rows[0]))
        lists = [k for k, v in rows[0].items() if isinstance(v, list | dict)]
        for row in rows:
            if lists:
                row = {**row, **{k: json.dumps(row[k]) for k in lists}}
            writer.writerow(row.values())
    return out.getvalue().encode("utf-8")


def build_archive(group: Group) -> bytes:
    data = collect(group)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "id": str(uuid.uuid4()),
        "exported_at": timezone.now().isoformat(),
        "group": group.slug,
        "tables": {name: len(rows) for name, rows in data.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("data.json", json.dumps(data, separators=(",", ":")))
        for name, rows in data.items():
            archive.writestr(f"csv/{name}.csv", _csv(rows))
        for name in _files(data):
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as f:
                    archive.writestr(f"files/{name}", f.read())
    return out.getvalue()


def file_name(group: Group) -> str:
    return f"{slugify(group.slug)}-{timezone.localdate().isoformat()}.cagette.zip"


# Import ----------------------------------------------------------------------------------------


class ArchiveError(Exception):
    pass


@dataclass
class ImportResult:
    group: Group
    created: bool
    counts: dict[str, int]


def read_archive(content: bytes) -> tuple[dict, dict[str, list[dict]], zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        manifest = json.loads(archive.read("manifest.json"))
        data = json.loads(archive.read("data.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ArchiveError(f"Not a group archive: {error}") from error
    if manifest.get("format") != FORMAT:
        raise ArchiveError("Not a group archive (unknown format).")
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            f"Archive version {manifest.get('version')} is not supported (expected {VERSION})."
        )
    missing = [name for name in TABLE_NAMES if name not in data]
    if missing:
        raise ArchiveError(f"Tables missing from the archive: {', '.join(missing)}.")
    return manifest, data, archive


def _import_users(rows: list[dict]) -> dict[int, int]:
    emails = {row["email"].lower(): row for row in rows}
    existing = {
        u.email.lower(): u.pk
        for u in User.objects.filter(email__in=[r["email"] for r in rows])
        # Case differences: the database refuses two e-mails that differ only by case.
    }
    if len(existing) < len(emails):
        lowered = Q()
        for email in emails:
            lowered |= Q(email__iexact=email)
        existing.update({u.email.lower(): u.pk for u in User.objects.filter(lowered)})
    mapping: dict[int, int] = {}
    for row in rows:
        key = row["email"].lower()
        if key not in existing:
            fields = {k: v for k, v in row.items() if k not in ("id", "email")}
            fields["date_joined"] = _value(
                User._meta.get_field("date_joined"), fields["date_joined"]
            )
            user = User(email=row["email"], **fields)
            user.set_unusable_password()
            user.save()
            existing[key] = user.pk
        mapping[row["id"]] = existing[key]
    return mapping


def _value(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return value
    return field.to_python(value)


def _vendor_match(row: dict) -> int | None:
    """The producer account's record with this e-mail on this instance, if any."""
    if not row.get("email"):
        return None
    return (
        Vendor.objects.filter(owner_group__isnull=True, email__iexact=row["email"])
        .values_list("pk", flat=True)
        .first()
    )


def load_archive(
    content: bytes, *, slug: str | None = None, acting_user: Any = None
) -> ImportResult:
    """Create the archive's group on this instance, all or nothing; a second import of the
    same archive returns the group it created."""
    manifest, data, archive = read_archive(content)
    done = (
        LogEntry.objects.filter(action=IMPORT_ACTION, data__archive=manifest["id"])
        .select_related("group")
        .first()
    )
    if done is not None and done.group is not None:
        return ImportResult(done.group, False, {})
    slug = slug or manifest["group"]
    if Group.objects.filter(slug=slug).exists():
        raise ArchiveError(f"A group with the address {slug!r} exists; choose another one.")
    with transaction.atomic(), _dates_as_given():
        result = _load(data, archive, slug)
        log_action(
            action=IMPORT_ACTION,
            acting_user=acting_user,
            group=result.group,
            obj=result.group,
            archive=manifest["id"],
            source=manifest["group"],
        )
    return result


@contextmanager
def _dates_as_given() -> Iterator[None]:
    """``auto_now`` fields keep the archive's dates while rows are copied (history, not a
    change); the import runs in a management command or a request of its own."""
    fields = [
        f
        for t in TABLES
        for f in t.model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _load(data: dict[str, list[dict]], archive: zipfile.ZipFile, slug: str) -> ImportResult:
    maps: dict[type[models.Model], dict[int, int]] = {User: _import_users(data["users"])}
    deferred: list[tuple[type[models.Model], int, str, type[models.Model], int]] = []
    counts = {"users": len(data["users"])}
    codes: dict[str, str] = {}  # basket codes already taken here → their new code
    group: Group | None = None
    for table in TABLES:
        model = table.model
        rows = data[table.name]
        counts[table.name] = len(rows)
        columns = _columns(model)
        m2m = _m2m(model)
        maps[model] = {}
        if model is Vendor:
            rows = _reuse_vendors(rows, maps[model], data["group"][0]["id"])
        elif model is Basket:
            rows = _fresh_codes(rows, codes)
        elif model is Operation:
            rows = [{**r, "reference": codes.get(r["reference"], r["reference"])} for r in rows]
        objects: list[models.Model] = []
        olds: list[int] = []
        batch_ids: set[int] = set()

        def flush(objects=objects, olds=olds, batch_ids=batch_ids, model=model) -> None:
            created = model.objects.bulk_create(objects)
            for old, obj in zip(olds, created, strict=True):
                maps[model][old] = obj.pk
            objects.clear()
            olds.clear()
            batch_ids.clear()

        for row in rows:
            values: dict[str, Any] = {}
            for field in columns:
                if field.primary_key:
                    continue
                raw = row.get(field.attname)
                if field.is_relation and raw is not None:
                    target = field.related_model
                    if target is model and raw in batch_ids:
                        flush()
                    if target not in maps or (target is not model and raw not in maps[target]):
                        # Not created yet (the group's main place) or left out: set afterwards.
                        if target in maps or any(t.model is target for t in TABLES):
                            deferred.append((model, row["id"], field.attname, target, raw))
                        values[field.attname] = None
                        continue
                    values[field.attname] = maps[target][raw]
                elif isinstance(field, models.FileField):
                    values[field.attname] = _restore_file(archive, raw)
                else:
                    values[field.attname] = _value(field, raw)
            if model is Group:
                values["slug"] = slug
            objects.append(model(**values))
            olds.append(row["id"])
            batch_ids.add(row["id"])
            if len(objects) >= BATCH:
                flush()
        if objects:
            flush()
        if model is Group:
            group = Group.objects.get(pk=maps[Group][rows[0]["id"]])
        for field in m2m:
            through = field.remote_field.through
            source = field.m2m_field_name() + "_id"
            target_name = field.m2m_reverse_field_name() + "_id"
            target_map = maps[field.related_model]
            through.objects.bulk_create(
                through(**{source: maps[model][row["id"]], target_name: target_map[other]})
                for row in rows
                for other in row.get(field.name, [])
                if other in target_map
            )
    for model, old, attname, target, raw in deferred:
        new = maps.get(target, {}).get(raw)
        if new is not None:
            model.objects.filter(pk=maps[model][old]).update(**{attname: new})
    if group is None:
        raise ArchiveError("The archive has no group.")
    return ImportResult(group, True, counts)


def _reuse_vendors(rows: list[dict], mapping: dict[int, int], old_group_id: int) -> list[dict]:
    """Producer accounts already on this instance are reused; the others are created, private
    to the new group (their account, if any, stays on the instance they come from)."""
    remaining = []
    for row in rows:
        existing = _vendor_match(row)
        if existing is not None:
            mapping[row["id"]] = existing
        else:
            row = {**row, "owner_group_id": old_group_id}
            # One producer per e-mail on an instance: a record another group typed in keeps it.
            if row["email"] and Vendor.objects.filter(email__iexact=row["email"]).exists():
                row["email"] = ""
            remaining.append(row)
    return remaining


def _fresh_codes(rows: list[dict], codes: dict[str, str]) -> list[dict]:
    """Basket codes are unique on an instance and name the ledger's rows (``reference``): a
    code already taken here gets a new one, and the operations follow it."""
    taken = set(
        Basket.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", flat=True)
    )
    if not taken:
        return rows
    result = []
    for row in rows:
        if row["code"] in taken:
            codes[row["code"]] = new_basket_code()
            row = {**row, "code": codes[row["code"]]}
        result.append(row)
    return result


def _restore_file(archive: zipfile.ZipFile, name: str | None) -> str:
    if not name:
        return ""
    try:
        content = archive.read(f"files/{name}")
    except KeyError:
        return ""
    return default_storage.save(name, ContentFile(content))

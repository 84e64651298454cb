"""Import of the member list (spec §4.5): a CSV (``;`` or ``,``) or XLSX file with the spec's
twelve columns and a header row; a preview; all or nothing; then accounts or invitations."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Group
from kernel.audit import audit_entry, log_action, log_actions
from kernel.tables import TableError, read_table
from members.models import Member, User
from members.services.invitations import (
    InvitationReport,
    invitations_send,
    users_by_email,
)

COLUMNS = (
    ("first_name", "firstName", gettext_lazy("First name")),
    ("last_name", "lastName", gettext_lazy("Last name")),
    ("email", "email", gettext_lazy("E-mail")),
    ("phone", "phone", gettext_lazy("Phone")),
    ("first_name2", "firstName2", gettext_lazy("First name (second person)")),
    ("last_name2", "lastName2", gettext_lazy("Last name (second person)")),
    ("email2", "email2", gettext_lazy("E-mail (second person)")),
    ("phone2", "phone2", gettext_lazy("Phone (second person)")),
    ("address1", "address1", gettext_lazy("Address")),
    ("address2", "address2", gettext_lazy("Address (continued)")),
    ("postcode", "zipCode", gettext_lazy("Postcode")),
    ("city", "city", gettext_lazy("City")),
)
FIELDS = [name for name, _header, _label in COLUMNS]
LABELS = {name: label for name, _header, label in COLUMNS}
LIMITS = {
    f.name: f.max_length for f in User._meta.concrete_fields if getattr(f, "max_length", None)
}
PHONE = re.compile(r"^\+?\d{6,15}$")


class MemberImportError(ValidationError):
    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__([f"{line}: {message}" for line, message in errors])


@dataclass
class ImportRow:
    line: int
    data: dict[str, str]
    user: User | None = None  # an existing account
    is_member: bool = False


@dataclass
class ImportPreview:
    new: list[ImportRow] = field(default_factory=list)
    existing: list[ImportRow] = field(default_factory=list)
    members: list[ImportRow] = field(default_factory=list)
    duplicates: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def to_add(self) -> int:
        return len(self.new) + len(self.existing)


def clean_name(value: str) -> str:
    value = " ".join(value.split())
    if value and (value.islower() or value.isupper()):
        value = "-".join(part.capitalize() for part in value.title().split("-"))
    return value


def clean_phone(value: str) -> str:
    value = re.sub(r"[\s.\-/()]", "", value)
    if len(value) == 9 and value.isdigit() and not value.startswith("0"):
        value = "0" + value  # a spreadsheet dropped the leading zero
    return value


def _row_errors(data: dict[str, str]) -> list[str]:
    errors = []
    if not data["first_name"] or not data["last_name"]:
        errors.append(_("first and last names are required"))
    if not data["email"]:
        errors.append(_("an e-mail address is required, to log in"))
    for key in ("email", "email2"):
        if data[key]:
            try:
                validate_email(data[key])
            except ValidationError:
                errors.append(_("“%(value)s” is not an e-mail address") % {"value": data[key]})
    if data["email2"] and data["email2"] == data["email"]:
        errors.append(_("the second e-mail must differ from the first"))
    for key in ("phone", "phone2"):
        if data[key] and not PHONE.match(data[key]):
            errors.append(_("“%(value)s” is not a phone number") % {"value": data[key]})
    if any(data[k] for k in ("address1", "postcode", "city")) and not all(
        data[k] for k in ("address1", "postcode", "city")
    ):
        errors.append(_("an address needs its street, postcode and city"))
    for key, value in data.items():
        if LIMITS.get(key) and len(value) > LIMITS[key]:
            errors.append(
                _("%(column)s is longer than %(max)d characters")
                % {"column": LABELS[key], "max": LIMITS[key]}
            )
    return errors


def import_preview(*, group: Group, data: bytes, filename: str) -> ImportPreview:
    """Read and check the file without writing anything: new people, existing accounts,
    people already members, duplicates ignored, and every bad line with its reason."""
    preview = ImportPreview()
    try:
        table = read_table(data, filename)
    except TableError as exc:
        preview.errors.append((0, str(exc)))
        return preview
    if not table.rows:
        preview.errors.append((0, _("The file has no member line.")))
        return preview
    rows: list[ImportRow] = []
    for cells, line in zip(table.rows, table.lines, strict=True):
        texts = ["" if c is None else str(c).strip().strip('"') for c in cells]
        extra = [t for t in texts[len(FIELDS) :] if t]
        if extra:
            preview.errors.append((line, _("%(count)d columns expected") % {"count": len(FIELDS)}))
            continue
        texts += [""] * (len(FIELDS) - len(texts))
        values = dict(zip(FIELDS, texts[: len(FIELDS)], strict=True))
        for key in ("first_name", "last_name", "first_name2", "last_name2"):
            values[key] = clean_name(values[key])
        for key in ("email", "email2"):
            values[key] = values[key].lower()
        for key in ("phone", "phone2"):
            values[key] = clean_phone(values[key])
        values["city"] = " ".join(values["city"].split())
        errors = _row_errors(values)
        if errors:
            preview.errors.append((line, "; ".join(errors)))
            continue
        rows.append(ImportRow(line=line, data=values))
    if preview.errors:
        return preview
    accounts = users_by_email([r.data["email"] for r in rows] + [r.data["email2"] for r in rows])
    member_ids = set(
        Member.objects.active()
        .filter(group=group, user__in={u.pk for u in accounts.values()})
        .values_list("user_id", flat=True)
    )
    seen: set[str] = set()
    for row in rows:
        addresses = [a for a in (row.data["email"], row.data["email2"]) if a]
        if row.data["email"] in seen:
            preview.duplicates.append(row)
            continue
        seen.update(addresses)
        matches = {accounts[a].pk: accounts[a] for a in addresses if a in accounts}
        if len(matches) > 1:
            preview.errors.append(
                (row.line, _("the two e-mail addresses belong to two different accounts"))
            )
            continue
        row.user = next(iter(matches.values()), None)
        if row.user is None:
            preview.new.append(row)
        elif row.user.pk in member_ids:
            row.is_member = True
            preview.members.append(row)
        else:
            preview.existing.append(row)
    return preview


@dataclass
class ImportResult:
    created: int = 0
    added: int = 0
    invitations: InvitationReport | None = None


@transaction.atomic
def import_apply(
    *, group: Group, preview: ImportPreview, mode: str, acting_user: Any
) -> ImportResult:
    """``mode="accounts"``: create the new accounts (set-password mail) and add existing ones
    (an "added" mail); ``mode="invite"``: send an invitation to every address not yet a member.
    Refuses a preview with errors: nothing is written."""
    if preview.errors:
        raise MemberImportError(preview.errors)
    result = ImportResult()
    if mode == "invite":
        emails = [r.data["email"] for r in preview.new + preview.existing]
        result.invitations = invitations_send(group=group, emails=emails, acting_user=acting_user)
        return result
    now = timezone.now()
    users = []
    for row in preview.new:
        user = User(**row.data, date_joined=now, language=getattr(acting_user, "language", "fr"))
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=500)
    users = list(User.objects.filter(email__in=[u.email for u in users]))
    existing = [row.user for row in preview.existing if row.user is not None]
    former = {
        m.user_id: m for m in Member.objects.filter(group=group, user__in=[u.pk for u in existing])
    }
    for member in former.values():
        member.left_at = None
        member.joined_at = now
    Member.objects.bulk_update(list(former.values()), ["left_at", "joined_at"], batch_size=500)
    Member.objects.bulk_create(
        [
            Member(group=group, user=u, joined_at=now)
            for u in users + existing
            if u.pk not in former
        ],
        batch_size=500,
    )
    log_actions(
        [
            audit_entry(action="member.imported", acting_user=acting_user, group=group, obj=u)
            for u in users + existing
        ]
    )
    log_action(
        action="member.import",
        acting_user=acting_user,
        group=group,
        created=len(users),
        added=len(existing),
    )
    from members.tasks import member_import_mails

    created_ids, added_ids = [u.pk for u in users], [u.pk for u in existing]
    transaction.on_commit(
        lambda: member_import_mails.delay(
            group_id=group.pk, created_ids=created_ids, added_ids=added_ids
        )
    )
    result.created, result.added = len(users), len(existing)
    return result

"""Opening balances from a file (issue 19, item 3): a group moving from another tool brings each
member's balance, one line per member — a positive amount is money the member has in advance, a
negative one a debt. Read here (bounded, ``kernel.tables``), all lines checked before anything is
written; written by ``payments.services.opening_balances_record``.

Columns (first line, any order and case, French or English names): ``email`` (a member of the
group), ``amount`` (decimal comma or point), optional ``label`` and ``date`` (31/12/2026 or
2026-12-31). CSV with either separator, or XLSX.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from groups.models import Group
from kernel.numbers import NumberError, parse_decimal
from kernel.tables import TableError, read_table
from members.models import Member

MAX_AMOUNT = Decimal("100000")
HEADERS = {
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
    "amount": "amount",
    "montant": "amount",
    "solde": "amount",
    "balance": "amount",
    "label": "label",
    "libellé": "label",
    "libelle": "label",
    "date": "date",
}


@dataclass(frozen=True)
class OpeningRow:
    line: int
    member_id: int
    name: str
    email: str
    amount: Decimal
    label: str
    date: date | None

    def as_data(self) -> list:
        return [
            self.line,
            self.member_id,
            self.name,
            self.email,
            str(self.amount),
            self.label,
            self.date.isoformat() if self.date else "",
        ]

    @classmethod
    def from_data(cls, data: list) -> OpeningRow:
        line, member_id, name, email, amount, label, day = data
        return cls(
            int(line),
            int(member_id),
            str(name),
            str(email),
            Decimal(amount),
            str(label),
            date.fromisoformat(day) if day else None,
        )


def _date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a day, no time
        except ValueError:
            continue
    raise ValueError(text)


def read_opening_balances(
    *, group: Group, data: bytes, filename: str
) -> tuple[list[OpeningRow], list[str]]:
    """The file's lines, or the errors (each with its line in the file); never both."""
    try:
        table = read_table(data, filename)
    except TableError as error:
        return [], [str(error)]
    columns: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = HEADERS.get(str(header or "").strip().lstrip("\ufeff").casefold())
        if key and key not in columns:
            columns[key] = index
    missing = [name for name in ("email", "amount") if name not in columns]
    if missing:
        return [], [
            _("The first line must name the columns %(columns)s.")
            % {"columns": "email, amount (montant)"}
        ]
    members = {
        m.user.email.casefold(): m
        for m in Member.objects.filter(group=group).select_related("user")
    }
    rows: list[OpeningRow] = []
    errors: list[str] = []
    seen: dict[int, int] = {}

    def cell(row: list, name: str) -> str:
        index = columns.get(name)
        value = row[index] if index is not None and index < len(row) else None
        return "" if value is None else str(value).strip()

    for row, line in zip(table.rows, table.lines, strict=False):
        if not any(str(c or "").strip() for c in row):
            continue
        email = cell(row, "email")
        member = members.get(email.casefold())
        problems = []
        if member is None:
            problems.append(
                _("no member of the group has the e-mail “%(email)s”") % {"email": email}
            )
        try:
            amount = parse_decimal(
                cell(row, "amount"), places=2, maximum=MAX_AMOUNT, minimum=-MAX_AMOUNT
            )
        except NumberError as error:
            problems.append(str(error))
            amount = None
        else:
            if not amount:
                problems.append(_("the amount is empty or zero"))
        try:
            day = _date(cell(row, "date"))
        except ValueError:
            problems.append(_("the date is not a date such as 31/12/2026"))
            day = None
        if member is not None and member.pk in seen:
            problems.append(
                _("this member is already on line %(line)s") % {"line": seen[member.pk]}
            )
        if problems:
            errors.append(
                _("Line %(line)s: %(problems)s.")
                % {"line": line, "problems": pgettext("list separator", "; ").join(problems)}
            )
            continue
        assert member is not None and amount is not None  # noqa: S101 - checked above
        seen[member.pk] = line
        rows.append(
            OpeningRow(
                line=line,
                member_id=member.pk,
                name=member.user.household_name,
                email=member.user.email,
                amount=amount,
                label=cell(row, "label")[:128],
                date=day,
            )
        )
    if not rows and not errors:
        errors.append(_("The file has no line to import."))
    return ([] if errors else rows), errors

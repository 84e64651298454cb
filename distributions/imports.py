"""Distributions from a file (issue 19, item 3): one line per distribution — ``date``,
``start``, ``end``, optional ``place`` (a place of the group by name; the main place when
empty), ``catalogs`` (names separated by ``|`` or ``,``), ``opens`` and ``closes`` (the orders'
window, a date or a date and time; by default 14 days before at 08:00 and the day before at
23:59). French or English column names, any order; CSV with either separator, or XLSX.

Read and checked here; written by ``distributions.services.md_import`` (all or nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from catalogs.models import Catalog
from distributions.cycles import aware
from groups.models import Group
from kernel.tables import TableError, read_table

HEADERS = {
    "date": "date",
    "day": "date",
    "jour": "date",
    "start": "start",
    "début": "start",
    "debut": "start",
    "end": "end",
    "fin": "end",
    "place": "place",
    "lieu": "place",
    "catalogs": "catalogs",
    "catalogues": "catalogs",
    "opens": "opens",
    "ouverture": "opens",
    "closes": "closes",
    "fermeture": "closes",
}
# The last one is how a spreadsheet's date cell is read (kernel.tables).
DATE_PATTERNS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%Y-%m-%d %H:%M:%S")
TIME_PATTERNS = ("%H:%M", "%Hh%M", "%Hh", "%H:%M:%S")
MAX_ROWS = 500


@dataclass(frozen=True)
class DistributionRow:
    line: int
    day: date
    start_time: time
    end_time: time
    place_id: int
    place_name: str
    catalog_ids: tuple[int, ...]
    catalog_names: tuple[str, ...]
    orders_open_at: datetime
    orders_close_at: datetime

    def as_data(self) -> list:
        return [
            self.line,
            self.day.isoformat(),
            self.start_time.isoformat(),
            self.end_time.isoformat(),
            self.place_id,
            self.place_name,
            list(self.catalog_ids),
            list(self.catalog_names),
            self.orders_open_at.isoformat(),
            self.orders_close_at.isoformat(),
        ]

    @classmethod
    def from_data(cls, data: list) -> DistributionRow:
        line, day, start, end, place_id, place, ids, names, opens, closes = data
        return cls(
            int(line),
            date.fromisoformat(day),
            time.fromisoformat(start),
            time.fromisoformat(end),
            int(place_id),
            str(place),
            tuple(int(i) for i in ids),
            tuple(str(n) for n in names),
            datetime.fromisoformat(opens),
            datetime.fromisoformat(closes),
        )


def _parse(text: str, patterns: tuple[str, ...]) -> datetime:
    for pattern in patterns:
        try:
            return datetime.strptime(text.strip(), pattern)  # noqa: DTZ007 - local, made aware below
        except ValueError:
            continue
    raise ValueError(text)


def _moment(text: str, default_time: time) -> tuple[date, time]:
    """``31/12/2026`` or ``31/12/2026 18:30``."""
    day_text, _sep, hour_text = text.strip().partition(" ")
    day = _parse(day_text, DATE_PATTERNS).date()
    return day, _parse(hour_text, TIME_PATTERNS).time() if hour_text else default_time


def read_distributions(
    *, group: Group, data: bytes, filename: str
) -> tuple[list[DistributionRow], list[str]]:
    """The file's distributions, or the errors (each with its line); never both."""
    try:
        table = read_table(data, filename)
    except TableError as error:
        return [], [str(error)]
    columns: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = HEADERS.get(str(header or "").strip().lstrip("\ufeff").casefold())
        if key and key not in columns:
            columns[key] = index
    if any(name not in columns for name in ("date", "start", "end")):
        return [], [
            _("The first line must name the columns %(columns)s.")
            % {"columns": "date, start (début), end (fin)"}
        ]
    if len(table.rows) > MAX_ROWS:
        return [], [_("At most %(count)s distributions per file.") % {"count": MAX_ROWS}]
    places = {p.name.casefold(): p for p in group.places.all()}
    main_place = group.main_place
    catalogs = {c.name.casefold(): c for c in Catalog.objects.filter(group=group)}
    tz = group.tzinfo
    rows: list[DistributionRow] = []
    errors: list[str] = []

    def cell(row: list, name: str) -> str:
        index = columns.get(name)
        value = row[index] if index is not None and index < len(row) else None
        if isinstance(value, datetime):
            return value.strftime("%d/%m/%Y %H:%M")
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, time):
            return value.strftime("%H:%M")
        return "" if value is None else str(value).strip()

    for row, line in zip(table.rows, table.lines, strict=False):
        if not any(str(c or "").strip() for c in row):
            continue
        problems: list[str] = []
        day = start = end = None
        try:
            day = _parse(cell(row, "date"), DATE_PATTERNS).date()
        except ValueError:
            problems.append(_("the date is not a date such as 31/12/2026"))
        try:
            start = _parse(cell(row, "start"), TIME_PATTERNS).time()
            end = _parse(cell(row, "end"), TIME_PATTERNS).time()
        except ValueError:
            problems.append(_("the hours are not hours such as 18:30"))
        if start and end and end <= start:
            problems.append(_("the distribution must end after it starts"))
        place_name = cell(row, "place")
        place = places.get(place_name.casefold()) if place_name else main_place
        if place is None:
            problems.append(
                _("the group has no place named “%(name)s”") % {"name": place_name}
                if place_name
                else _("give a place: the group has no main place")
            )
        names = [n.strip() for n in re.split(r"[|,]", cell(row, "catalogs")) if n.strip()]
        unknown = [n for n in names if n.casefold() not in catalogs]
        if unknown:
            problems.append(
                _("the group has no catalog named %(names)s")
                % {
                    "names": pgettext("list separator", ", ").join(
                        _("“%(name)s”") % {"name": n} for n in unknown
                    )
                }
            )
        opens = closes = None
        if day is not None:
            try:
                opens_day, opens_time = (
                    _moment(cell(row, "opens"), time(8, 0))
                    if cell(row, "opens")
                    else (day - timedelta(days=14), time(8, 0))
                )
                closes_day, closes_time = (
                    _moment(cell(row, "closes"), time(23, 59))
                    if cell(row, "closes")
                    else (day - timedelta(days=1), time(23, 59))
                )
                opens = aware(opens_day, opens_time, tz)
                closes = aware(closes_day, closes_time, tz)
            except ValueError:
                problems.append(_("the orders' window is not a date such as 31/12/2026 18:00"))
            if opens and closes and start and opens > closes:
                problems.append(_("orders must open before they close"))
            if closes and start and closes > aware(day, start, tz):
                problems.append(_("orders must close before the distribution starts"))
        if problems:
            errors.append(
                _("Line %(line)s: %(problems)s.")
                % {"line": line, "problems": pgettext("list separator", "; ").join(problems)}
            )
            continue
        assert day and start and end and place and opens and closes  # noqa: S101 - checked
        chosen = [catalogs[n.casefold()] for n in names]
        rows.append(
            DistributionRow(
                line=line,
                day=day,
                start_time=start,
                end_time=end,
                place_id=place.pk,
                place_name=place.name,
                catalog_ids=tuple(c.pk for c in chosen),
                catalog_names=tuple(c.name for c in chosen),
                orders_open_at=opens,
                orders_close_at=closes,
            )
        )
    if not rows and not errors:
        errors.append(_("The file has no line to import."))
    return ([] if errors else rows), errors

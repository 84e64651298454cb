"""The "to renew" list as a file (decision 12), through ``kernel.exporters``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from groups.models import Group
from kernel.exporters import ListExporter
from members import memberships
from members.models import Member


class ToRenewExporter(ListExporter):
    sheet_title = gettext_lazy("Memberships to renew")
    columns = (
        gettext_lazy("Last name"),
        gettext_lazy("First name"),
        gettext_lazy("E-mail"),
        gettext_lazy("Phone"),
        gettext_lazy("Last period paid"),
    )
    column_widths = (20, 20, 32, 16, 16)

    def __init__(self, group: Group, members: QuerySet[Member], *, language: str) -> None:
        super().__init__(language=language)
        self.group, self.members = group, members

    def rows(self) -> Iterable[Sequence]:
        month = self.group.membership_renewal_month
        for m in self.members.iterator(chunk_size=500):
            last = getattr(m, "last_year", None)
            yield (
                m.user.last_name,
                m.user.first_name,
                m.user.email,
                m.user.phone,
                memberships.period_name(last, month=month) if last else "",
            )


def to_renew_response(group: Group, fmt: str, language: str) -> HttpResponseBase:
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    period = memberships.current_period(group)
    name = f"memberships-to-renew-{slugify(group.slug)}-{period.name}.{fmt}"
    members = memberships.members_to_renew_list(group)
    return ToRenewExporter(group, members, language=language).response(fmt, name)

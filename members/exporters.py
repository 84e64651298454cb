"""The member list as a file, through the project's exporter (decision 12)."""

from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.exporters import ListExporter


class MemberExporter(ListExporter):
    columns = (
        _("First name"),
        _("Last name"),
        _("E-mail"),
        _("Phone"),
        _("First name (second person)"),
        _("Last name (second person)"),
        _("E-mail (second person)"),
        _("Phone (second person)"),
        _("Address"),
        _("Address (continued)"),
        _("Postcode"),
        _("City"),
        _("Joined"),
        _("Last login"),
    )
    sheet_title = "Members"

    def __init__(self, members, *, language: str) -> None:
        super().__init__(language=language)
        self.members = members

    def rows(self) -> Iterable[Sequence]:
        for m in self.members.iterator(chunk_size=2000):
            u = m.user
            yield (
                u.first_name,
                u.last_name,
                u.email,
                u.phone,
                u.first_name2,
                u.last_name2,
                u.email2,
                u.phone2,
                u.address1,
                u.address2,
                u.postcode,
                u.city,
                timezone.localdate(m.joined_at),
                timezone.localdate(u.last_login) if u.last_login else None,
            )

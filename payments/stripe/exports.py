"""The per-distribution proof of card payments (spec §3.2 "Justificatif"): every payment and
refund with its platform fee and net, as CSV or XLSX through ``kernel.exporters``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kernel.exporters import ListExporter


class CardProofExporter(ListExporter):
    sheet_title = gettext_lazy("Card payments")
    columns = (
        gettext_lazy("Date"),
        gettext_lazy("Type"),
        gettext_lazy("Member"),
        pgettext_lazy("noun", "Order"),
        gettext_lazy("Stripe id"),
        gettext_lazy("Amount"),
        gettext_lazy("Platform fee"),
        gettext_lazy("Net"),
        gettext_lazy("Status"),
    )
    column_widths = (17, 14, 28, 12, 30, 10, 10, 10, 10)

    def __init__(self, rows: list[dict[str, Any]], *, language: str) -> None:
        super().__init__(language=language)
        self._rows = rows

    def rows(self) -> Iterable[Sequence]:
        kinds = {"payment": _("Card payment"), "refund": _("Card refund")}
        for row in self._rows:
            when = timezone.localtime(row["date"]).strftime("%Y-%m-%d %H:%M") if row["date"] else ""
            yield [
                when,
                kinds[row["kind"]],
                row["member"],
                row["reference"],
                row["stripe"],
                row["amount"],
                row["fee"],
                row["net"],
                row["status"],
            ]

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogs.models import Catalog
from groups.models import Group
from payments.forms import DateInput


class DatesForm(forms.Form):
    """A period (at most three years) and the file's format."""

    FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)")]
    MAX_DAYS = 3 * 366

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="csv", required=False)

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate(timezone=group.tzinfo)
        self.fields["start"].initial = (today - timedelta(days=90)).replace(day=1)
        self.fields["end"].initial = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["format"] = cleaned.get("format") or "csv"
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end must come after the start."))
            elif end - start > timedelta(days=self.MAX_DAYS):
                self.add_error("end", _("Export at most three years at a time."))
        return cleaned


class PeriodForm(DatesForm):
    """The period report's: a period, the file's format and, optionally, one catalog."""

    catalog = forms.ModelChoiceField(
        label=_("Catalog"),
        queryset=Catalog.objects.none(),
        required=False,
        empty_label=_("All catalogs"),
    )
    field_order = ("start", "end", "catalog", "format")

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, group=group, **kwargs)
        self.fields["catalog"].queryset = Catalog.objects.filter(group=group).order_by("name")  # type: ignore[attr-defined]

"""Input validation for the distributions screens; services do the writing.

Dates and times are typed separately (date and time inputs work on every phone) and combined
into aware datetimes in the group's time zone.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogs.models import Catalog
from distributions.cycles import aware
from distributions.models import DistributionCycle, DutyNeed, MultiDistrib, TimeSlot, VolunteerRole
from groups.models import Group
from kernel import forms as kernel_forms
from kernel.numbers import DecimalInputField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE, **kwargs)


def time_field(label, **kwargs) -> forms.TimeField:
    return forms.TimeField(label=label, widget=TIME, **kwargs)


def add_service_errors(form: forms.Form, exc: ValidationError, mapping: dict | None = None) -> None:
    """Show a service's ValidationError next to the matching fields (or above the form).

    Only for a posted form: a button refused by a service says why in a message instead."""
    mapping = mapping or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        target = mapping.get(field, field)
        form.add_error(target if target in form.fields else None, messages)


class RowIdsChoiceField(kernel_forms.RowIdsChoiceField):
    widget = forms.CheckboxSelectMultiple


class CatalogChoiceField(RowIdsChoiceField):
    def label_from_instance(self, obj: Catalog) -> str:
        return f"{obj.name} ({obj.vendor.name})"


class MultiDistribForm(forms.Form):
    """Create or edit one general distribution (spec §4.1)."""

    place = kernel_forms.RowIdChoiceField(label=_("Place"), queryset=None, empty_label=None)
    day = date_field(_("Date"))
    start_time = time_field(_("Starts at"))
    end_time = time_field(_("Ends at"))
    open_date = date_field(_("Orders open on"))
    open_time = time_field(_("at"))
    close_date = date_field(_("Orders close on"))
    close_time = time_field(_("at"))

    ERRORS = {
        "date": "day",
        "end_at": "end_time",
        "start_at": "start_time",
        "orders_open_at": "open_date",
        "orders_close_at": "close_date",
    }

    def __init__(self, *args, group: Group, md: MultiDistrib | None = None, **kwargs):
        if md is not None:
            tz = group.tzinfo
            opens = timezone.localtime(md.orders_open_at, tz)
            closes = timezone.localtime(md.orders_close_at, tz)
            kwargs.setdefault(
                "initial",
                {
                    "place": md.place_id,
                    "day": md.date,
                    "start_time": md.local_start.time(),
                    "end_time": md.local_end.time(),
                    "open_date": opens.date(),
                    "open_time": opens.time(),
                    "close_date": closes.date(),
                    "close_time": closes.time(),
                },
            )
        else:
            today = timezone.localdate(timezone.now(), group.tzinfo)
            kwargs.setdefault(
                "initial",
                {
                    "place": group.main_place_id,
                    "day": today + timedelta(days=30),
                    "start_time": time(19, 0),
                    "end_time": time(20, 0),
                    "open_date": today + timedelta(days=10),
                    "open_time": time(8, 0),
                    "close_date": today + timedelta(days=20),
                    "close_time": time(23, 59),
                },
            )
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["place"].queryset = group.places.order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The distribution must end after it starts."))
        tz = self.group.tzinfo
        if cleaned.get("open_date") and cleaned.get("open_time"):
            cleaned["orders_open_at"] = aware(cleaned["open_date"], cleaned["open_time"], tz)
        if cleaned.get("close_date") and cleaned.get("close_time"):
            cleaned["orders_close_at"] = aware(cleaned["close_date"], cleaned["close_time"], tz)
        opens, closes, day = (
            cleaned.get("orders_open_at"),
            cleaned.get("orders_close_at"),
            cleaned.get("day"),
        )
        if day and start and closes and closes > aware(day, start, tz):
            self.add_error("close_date", _("Orders must close before the distribution starts."))
        if opens and closes and opens > closes:
            self.add_error("open_date", _("Orders must open before they close."))
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "place": c["place"],
            "day": c["day"],
            "start_time": c["start_time"],
            "end_time": c["end_time"],
            "orders_open_at": c["orders_open_at"],
            "orders_close_at": c["orders_close_at"],
        }


class MultiDistribEditForm(MultiDistribForm):
    realign_catalogs = forms.BooleanField(
        label=_("Give every catalog these order dates"),
        required=False,
        help_text=_(
            "Otherwise a catalog keeps order dates customised for it; the others follow these."
        ),
    )


class CycleForm(forms.Form):
    """A recurring cycle (spec §4.2); its defaults are the original's."""

    place = kernel_forms.RowIdChoiceField(label=_("Place"), queryset=None, empty_label=None)
    cycle_type = forms.ChoiceField(
        label=_("Frequency"),
        choices=DistributionCycle.CycleType.choices,
        widget=forms.RadioSelect,
        initial=DistributionCycle.CycleType.WEEKLY,
    )
    start_date = date_field(_("First distribution"))
    end_date = date_field(_("Until"))
    start_time = time_field(_("Starts at"))
    end_time = time_field(_("Ends at"))
    open_days_before = forms.IntegerField(
        label=_("Orders open (days before)"), min_value=0, max_value=365
    )
    open_time = time_field(_("at"))
    close_days_before = forms.IntegerField(
        label=_("Orders close (days before)"), min_value=0, max_value=365
    )
    close_time = time_field(_("at"))
    catalogs = CatalogChoiceField(
        label=_("Catalogs taking part"),
        queryset=Catalog.objects.none(),
        required=False,
        help_text=_("Each catalog joins the distributions within its own dates."),
    )

    def __init__(self, *args, group: Group, catalogs: list[Catalog], **kwargs):
        today = timezone.localdate(timezone.now(), group.tzinfo)
        kwargs.setdefault(
            "initial",
            {
                "place": group.main_place_id,
                "start_date": today,
                "end_date": today + timedelta(days=30),
                "start_time": time(19, 0),
                "end_time": time(20, 0),
                "open_days_before": 10,
                "open_time": time(8, 0),
                "close_days_before": 2,
                "close_time": time(23, 55),
            },
        )
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["place"].queryset = group.places.order_by("name")
        self.fields["catalogs"].queryset = Catalog.objects.filter(
            pk__in=[c.pk for c in catalogs]
        ).select_related("vendor")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end must be after the start."))
        start_time, end_time = cleaned.get("start_time"), cleaned.get("end_time")
        if start_time and end_time and end_time <= start_time:
            self.add_error("end_time", _("The distribution must end after it starts."))
        return cleaned

    def times(self):
        from distributions.cycles import CycleTimes

        c = self.cleaned_data
        return CycleTimes(
            start_time=c["start_time"],
            end_time=c["end_time"],
            open_days_before=c["open_days_before"],
            open_time=c["open_time"],
            close_days_before=c["close_days_before"],
            close_time=c["close_time"],
        )

    def service_kwargs(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {
            "group": self.group,
            "place": c["place"],
            "cycle_type": c["cycle_type"],
            "start_date": c["start_date"],
            "end_date": c["end_date"],
            "times": self.times(),
            "catalogs": list(c["catalogs"]),
        }


class CatalogsForm(forms.Form):
    catalogs = CatalogChoiceField(
        label=_("Catalogs taking part"), queryset=Catalog.objects.none(), required=False
    )

    def __init__(self, *args, choices: list[Catalog], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalogs"].queryset = Catalog.objects.filter(
            pk__in=[c.pk for c in choices]
        ).select_related("vendor")


class OpenOrdersForm(forms.Form):
    catalogs = CatalogChoiceField(
        label=_("Open orders for"), queryset=Catalog.objects.none(), required=True
    )
    close_date = date_field(_("Orders close on"), required=False)
    close_time = time_field(_("at"), required=False)

    def __init__(self, *args, group: Group, choices: list[Catalog], **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["catalogs"].queryset = Catalog.objects.filter(
            pk__in=[c.pk for c in choices]
        ).select_related("vendor")
        self.fields["close_date"].help_text = _("Leave empty to keep each catalog's closing date.")

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("close_date"), cleaned.get("close_time")
        if (day is None) != (at is None):
            self.add_error("close_date", _("Give both the date and the time, or neither."))
        cleaned["closes_at"] = aware(day, at, self.group.tzinfo) if day and at else None
        return cleaned


class WindowForm(forms.Form):
    """One catalog's own order window."""

    open_date = date_field(_("Orders open on"))
    open_time = time_field(_("at"))
    close_date = date_field(_("Orders close on"))
    close_time = time_field(_("at"))

    ERRORS = {"orders_open_at": "open_date", "orders_close_at": "close_date"}

    def __init__(self, *args, group: Group, opens: datetime, closes: datetime, **kwargs):
        tz = group.tzinfo
        opens, closes = timezone.localtime(opens, tz), timezone.localtime(closes, tz)
        kwargs.setdefault(
            "initial",
            {
                "open_date": opens.date(),
                "open_time": opens.time(),
                "close_date": closes.date(),
                "close_time": closes.time(),
            },
        )
        super().__init__(*args, **kwargs)
        self.group = group

    def clean(self):
        cleaned = super().clean()
        tz = self.group.tzinfo
        if cleaned.get("open_date") and cleaned.get("open_time"):
            cleaned["orders_open_at"] = aware(cleaned["open_date"], cleaned["open_time"], tz)
        if cleaned.get("close_date") and cleaned.get("close_time"):
            cleaned["orders_close_at"] = aware(cleaned["close_date"], cleaned["close_time"], tz)
        return cleaned


class RoleForm(forms.ModelForm):
    class Meta:
        model = VolunteerRole
        fields = ["name", "catalog"]

    def __init__(self, *args, group: Group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalog"].queryset = Catalog.objects.filter(group=group).select_related(
            "vendor"
        )
        self.fields["catalog"].empty_label = _("General role (every distribution)")


class DutyNeedsForm(forms.Form):
    """How many people each role needs at one distribution (0: not needed)."""

    def __init__(self, *args, roles: list[VolunteerRole], needs: list[DutyNeed], **kwargs):
        super().__init__(*args, **kwargs)
        current = {n.role_id: n.people for n in needs}
        self.roles = roles
        for role in roles:
            self.fields[f"role_{role.pk}"] = forms.IntegerField(
                label=str(role),
                min_value=0,
                max_value=20,
                initial=current.get(role.pk, 0),
            )

    def rows(self):
        return [(role, self[f"role_{role.pk}"]) for role in self.roles]

    def people(self) -> dict[int, int]:
        return {role.pk: self.cleaned_data[f"role_{role.pk}"] for role in self.roles}


class DutyAssignForm(forms.Form):
    need = kernel_forms.RowIdChoiceField(label=_("Role"), queryset=DutyNeed.objects.none())
    user = kernel_forms.RowIdChoiceField(label=_("Member"), queryset=None)

    def __init__(self, *args, md: MultiDistrib, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = DutyNeed.objects.filter(multidistrib=md).select_related(
            "role", "role__catalog", "role__catalog__vendor"
        )
        self.fields["user"].queryset = members


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The other volunteers or the coordinators will read it."),
    )


class SlotsConfigForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Length of a slot (minutes)"), min_value=5, max_value=240, initial=15
    )
    start_time = time_field(_("First slot starts at"))
    end_time = time_field(_("Last slot ends at"))
    capacity = forms.IntegerField(
        label=_("Most members per slot"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Leave empty for no limit."),
    )

    def __init__(self, *args, md: MultiDistrib, **kwargs):
        slots = list(md.slots.all())
        kwargs.setdefault(
            "initial",
            {
                "minutes": md.slot_minutes or 15,
                "start_time": timezone.localtime(slots[0].start_at, md.group.tzinfo).time()
                if slots
                else md.local_start.time(),
                "end_time": timezone.localtime(slots[-1].end_at, md.group.tzinfo).time()
                if slots
                else md.local_end.time(),
                "capacity": slots[0].capacity if slots else None,
            },
        )
        super().__init__(*args, **kwargs)


class SlotChoiceField(RowIdsChoiceField):
    def label_from_instance(self, obj: TimeSlot) -> str:
        return str(obj)


class SlotChoiceForm(forms.Form):
    """The member's step: every slot they could come in (checkout plugs this in)."""

    slots = SlotChoiceField(
        label=_("When can you come?"),
        queryset=TimeSlot.objects.none(),
        help_text=_("Tick every slot that suits you: the more you tick, the easier it is."),
        error_messages={"required": _("Choose at least one of the slots offered.")},
    )

    def __init__(self, *args, md: MultiDistrib, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slots"].queryset = TimeSlot.objects.filter(multidistrib=md).select_related(
            "group"
        )


class SlotOverrideForm(forms.Form):
    user = kernel_forms.RowIdChoiceField(label=_("Member"), queryset=None)
    slot = kernel_forms.RowIdChoiceField(
        label=_("Slot"), queryset=TimeSlot.objects.none(), required=False
    )

    def __init__(self, *args, md: MultiDistrib, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members
        self.fields["slot"].queryset = TimeSlot.objects.filter(multidistrib=md).select_related(
            "group"
        )
        self.fields["slot"].empty_label = _("No slot")


# A delivery fee beyond this is a typing mistake (design §10: bounded inputs).
MAX_DELIVERY_FEE = Decimal("1000")


class DeliveryConfigForm(forms.Form):
    enabled = forms.BooleanField(label=_("Offer home delivery"), required=False)
    fee = DecimalInputField(
        label=_("Delivery fee"),
        places=2,
        maximum=MAX_DELIVERY_FEE,
        initial=Decimal("0.00"),
        help_text=_("0 for free delivery."),
    )
    start_time = time_field(_("Deliveries from"), required=False)
    end_time = time_field(_("until"), required=False)
    note = forms.CharField(
        label=_("Information for members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Area served, how the delivery works..."),
    )

    def __init__(self, *args, md: MultiDistrib, **kwargs):
        tz = md.group.tzinfo
        kwargs.setdefault(
            "initial",
            {
                "enabled": md.delivery_enabled,
                "fee": md.delivery_fee,
                "start_time": timezone.localtime(md.delivery_starts_at, tz).time()
                if md.delivery_starts_at
                else md.local_end.time(),
                "end_time": timezone.localtime(md.delivery_ends_at, tz).time()
                if md.delivery_ends_at
                else None,
                "note": md.delivery_note,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enabled"):
            if not cleaned.get("start_time"):
                self.add_error("start_time", _("Give the delivery window."))
            if not cleaned.get("end_time"):
                self.add_error("end_time", _("Give the delivery window."))
        return cleaned


class DeliveryRequestForm(forms.Form):
    """The member's address for a delivery (required); prefilled from their profile."""

    address1 = forms.CharField(label=_("Address"), max_length=128)
    address2 = forms.CharField(label=_("Address (continued)"), max_length=128, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=16)
    city = forms.CharField(label=_("City"), max_length=64)
    phone = forms.CharField(label=_("Phone"), max_length=24, required=False)
    note = forms.CharField(
        label=_("Instructions for the delivery"),
        max_length=255,
        required=False,
        help_text=_("Door code, floor..."),
    )

    def __init__(self, *args, user, existing=None, **kwargs):
        source = existing or user
        kwargs.setdefault(
            "initial",
            {
                "address1": source.address1,
                "address2": source.address2,
                "postcode": source.postcode,
                "city": source.city,
                "phone": source.phone,
                "note": getattr(existing, "note", ""),
            },
        )
        super().__init__(*args, **kwargs)


class CancelForm(forms.Form):
    """Cancelling a whole distribution: the reason told to the members (optional)."""

    reason = forms.CharField(
        label=_("Reason told to the members"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

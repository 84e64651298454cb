import calendar
import zoneinfo
from decimal import Decimal
from functools import lru_cache

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from groups.models import Group, PaymentType, Place
from kernel.images import ImageFormField
from kernel.numbers import DecimalInputField, NumberError, parse_decimal


class MapPointMixin:
    """Latitude and longitude are filled by clicking the map, or typed by hand."""

    def clean(self):
        cleaned = super().clean()
        if "latitude" in self.errors or "longitude" in self.errors:
            return cleaned
        lat, lng = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lng is None):
            raise forms.ValidationError(_("Give both the latitude and the longitude, or neither."))
        return cleaned


class GroupCreateForm(MapPointMixin, forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=64)
    group_type = forms.ChoiceField(
        label=_("How will the group work?"),
        choices=[
            (
                Group.GroupType.PRODUCER_DRIVE,
                _("Producers' drive: members order what they want for each distribution"),
            ),
            (
                Group.GroupType.GROUPED_ORDERS,
                _("Grouped orders: market mode with membership and a waiting list"),
            ),
            (Group.GroupType.CSA, _("CSA mode (AMAP): members subscribe to contracts")),
        ],
        initial=Group.GroupType.PRODUCER_DRIVE,
        widget=forms.RadioSelect,
    )
    place_name = forms.CharField(label=_("Name of the distribution place"), max_length=64)
    address1 = forms.CharField(label=_("Address"), max_length=128, required=False)
    address2 = forms.CharField(label=_("Address (continued)"), max_length=128, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=16)
    city = forms.CharField(label=_("City"), max_length=64)
    country = forms.ChoiceField(label=_("Country"), choices=Place.COUNTRIES, initial="FR")
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=Decimal("-90"),
        max_value=Decimal("90"),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=Decimal("-180"),
        max_value=Decimal("180"),
    )


class PlaceForm(MapPointMixin, forms.ModelForm):
    class Meta:
        model = Place
        fields = [
            "name",
            "address1",
            "address2",
            "postcode",
            "city",
            "country",
            "latitude",
            "longitude",
        ]


# Where groups run (Place.COUNTRIES), the French overseas departments and territories, then the
# rest of Europe: offered first.
COMMON_TIME_ZONES = (
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Zurich",
    "Europe/Luxembourg",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Berlin",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "America/Miquelon",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "Pacific/Wallis",
    "America/Toronto",
    "America/Vancouver",
    "Europe/Amsterdam",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Vienna",
    "Europe/Prague",
    "Europe/Warsaw",
    "Europe/Copenhagen",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Helsinki",
    "Europe/Athens",
    "Europe/Bucharest",
    "Atlantic/Canary",
)


def _zone_label(name: str) -> str:
    return name.replace("_", " ")


@lru_cache(maxsize=1)
def _available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # reads the database's folders: once


@lru_cache(maxsize=1)
def _other_time_zones() -> tuple[str, ...]:
    """Every "Region/City" zone of the time zone database, sorted, and UTC; not the legacy
    aliases ("US/Eastern", "GB", "Etc/GMT+1")."""
    legacy = ("Etc/", "SystemV/", "US/", "posix/", "right/")
    zones = {z for z in _available_time_zones() if "/" in z and not z.startswith(legacy)}
    return (*sorted(zones - set(COMMON_TIME_ZONES)), "UTC")


def time_zone_choices(current: str = "") -> list:
    """Grouped choices for a select: the common zones first, then all others by name. A valid
    zone already stored but not listed (an old alias) is kept so that saving does not fail."""
    available = _available_time_zones()
    common = [(z, _zone_label(z)) for z in COMMON_TIME_ZONES if z in available]
    others = [(z, _zone_label(z)) for z in _other_time_zones()]
    listed = {z for z, _label in common + others}
    if current and current not in listed and current in available:
        common.insert(0, (current, _zone_label(current)))
    return [(_("Common time zones"), common), (_("All time zones"), others)]


class GroupGeneralForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    time_zone = forms.ChoiceField(
        label=capfirst(Group._meta.get_field("time_zone").verbose_name),
        help_text=_("Distribution dates and hours are given in this time zone."),
        error_messages={"invalid_choice": _("Unknown time zone.")},
    )

    class Meta:
        model = Group
        field_classes = {"logo": ImageFormField}
        fields = [
            "name",
            "intro",
            "home_text",
            "sheet_text",
            "website",
            "logo",
            "contact",
            "legal_representative",
            "registration",
            "phone_required",
            "address_required",
            "hide_phone",
            "listed_on_map",
            "show_third_category_level",
            "time_zone",
        ]
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "home_text": forms.Textarea(attrs={"rows": 4}),
            "sheet_text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = (
            get_user_model()
            # ``members`` is the reverse accessor of members.Member (an app to the right).
            .objects.filter(memberships__in=self.instance.members.active())
            .order_by("last_name", "first_name")
        )
        self.fields["contact"].queryset = members
        self.fields["legal_representative"].queryset = members
        self.fields["time_zone"].choices = time_zone_choices(self.instance.time_zone)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The logo must weigh less than 2 MB."))
        return logo


class GroupPaymentsForm(forms.ModelForm):
    payment_types = forms.MultipleChoiceField(
        label=_("Accepted payment types"),
        choices=[c for c in PaymentType.choices if c[0] != PaymentType.ONLINE],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Group
        fields = [
            "has_payments",
            "payment_types",
            "cheque_payee",
            "iban",
            "allow_negative_moneypot",
            "moneypot_floor",
            "currency",
        ]

    def clean_currency(self):
        from babel.numbers import get_currency_name

        code = self.cleaned_data["currency"].strip().upper()
        if len(code) != 3 or get_currency_name(code, locale="en") == code:
            raise forms.ValidationError(
                _("Enter a three-letter ISO currency code such as EUR or CHF.")
            )
        return code

    def clean_iban(self):
        return "".join(self.cleaned_data.get("iban", "").split()).upper()

    def clean(self):
        cleaned = super().clean()
        types = cleaned.get("payment_types") or []
        # Card payment is switched on and off on the online payment page (issue 17), where
        # the group's Stripe account is checked: this form keeps it as it is.
        if PaymentType.ONLINE in (self.instance.payment_types or []) and "payment_types" in cleaned:
            types = cleaned["payment_types"] = [*types, PaymentType.ONLINE]
        if PaymentType.MONEYPOT in types and len(types) > 1:
            self.add_error(
                "payment_types", _("The money pot cannot be combined with other payment types.")
            )
        if PaymentType.TRANSFER in types and not cleaned.get("iban"):
            self.add_error("iban", _("Give the IBAN members should transfer to."))
        return cleaned


class GroupMembershipForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = [
            "has_membership",
            "membership_fee",
            "membership_renewal_month",
            "membership_renewal_day",
            "membership_required_to_order",
            "membership_payment_info",
            "membership_reminder_days",
        ]
        widgets = {"membership_payment_info": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_field = self.fields["membership_fee"]
        self.fields["membership_fee"] = DecimalInputField(
            label=model_field.label,
            help_text=model_field.help_text,
            places=2,
            maximum=Decimal("9999.99"),
            required=False,
        )

    def clean(self):
        cleaned = super().clean()
        month = cleaned.get("membership_renewal_month")
        day = cleaned.get("membership_renewal_day")
        if cleaned.get("has_membership") and (not month or not day):
            self.add_error(
                "has_membership", _("Set the renewal date before turning membership fees on.")
            )
        elif month in range(1, 13) and day and day > calendar.monthrange(2024, month)[1]:
            self.add_error("membership_renewal_day", _("This renewal date does not exist."))
        if cleaned.get("membership_required_to_order") and not cleaned.get("has_membership"):
            self.add_error(
                "membership_required_to_order",
                _("Turn membership fees on to require them for ordering."),
            )
        return cleaned


class GroupVolunteersForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = [
            "duty_signup_days",
            "volunteers_mail_days",
            "volunteers_mail_content",
            "vacant_roles_mail_days",
            "vacant_roles_mail_content",
        ]
        widgets = {
            "volunteers_mail_content": forms.Textarea(attrs={"rows": 5}),
            "vacant_roles_mail_content": forms.Textarea(attrs={"rows": 5}),
        }


class VatRatesForm(forms.Form):
    """Up to four label/rate pairs; rows with an empty label are dropped (spec §1.4)."""

    ROWS = 4

    def __init__(self, *args, rates=None, **kwargs):
        super().__init__(*args, **kwargs)
        rates = list(rates or [])
        for i in range(self.ROWS):
            initial = rates[i] if i < len(rates) else {}
            self.fields[f"label_{i}"] = forms.CharField(
                label=_("Label"), max_length=32, required=False, initial=initial.get("label", "")
            )
            self.fields[f"rate_{i}"] = forms.CharField(
                label=_("Rate (%)"), max_length=8, required=False, initial=initial.get("rate", "")
            )

    def rows(self):
        return [(self[f"label_{i}"], self[f"rate_{i}"]) for i in range(self.ROWS)]

    def clean(self):
        cleaned = super().clean()
        rates = []
        for i in range(self.ROWS):
            label = (cleaned.get(f"label_{i}") or "").strip()
            if not label:
                continue
            try:
                rate = parse_decimal(cleaned.get(f"rate_{i}"), places=3, maximum=Decimal("99.999"))
            except NumberError as exc:
                self.add_error(f"rate_{i}", str(exc))
                continue
            if rate is None:
                self.add_error(f"rate_{i}", _("Enter a number, such as 5.5."))
                continue
            rates.append(
                {
                    "label": label,
                    "rate": str(rate.normalize()) if rate != rate.to_integral() else str(int(rate)),
                }
            )
        if not rates and not self.errors:
            raise forms.ValidationError(_("Keep at least one VAT rate."))
        cleaned["vat_rates"] = rates
        return cleaned


class GroupDeleteForm(forms.Form):
    confirmation = forms.CharField(label=_("Type the group's name to confirm"), max_length=64)

    def __init__(self, *args, group: Group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip()
        if value != self.group.name:
            raise forms.ValidationError(_("Type the group's name exactly to confirm."))
        return value

"""Input validation for the payment screens; the services do the writing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distributions.models import MultiDistrib
from groups.models import Group
from kernel.forms import RowIdsChoiceField
from kernel.idempotency import OneTimeSubmissionField
from kernel.numbers import DecimalInputField
from members.models import Member
from payments import providers
from payments.models import ON_THE_SPOT_TYPES, PAYMENT_TYPE_CHOICES, Operation

# The largest amount typed by hand: a payment, refund or correction of a member's account.
MAX_AMOUNT = Decimal("99999.99")


class AmountField(DecimalInputField):
    """An amount in the group's currency, read by ``kernel.numbers`` ("12,50", "-3", "1 234.5";
    no exponent, no "NaN"), two decimals at most, within ±``MAX_AMOUNT``."""

    def __init__(self, *, positive: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Amount"))
        super().__init__(
            places=2,
            maximum=MAX_AMOUNT,
            minimum=Decimal("0.01") if positive else -MAX_AMOUNT,
            **kwargs,
        )
        self.widget.attrs.update({"autocomplete": "off"})


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_in_future(value: date, group: Group) -> date:
    if value > timezone.localdate(timezone=group.tzinfo):
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


class _EntryForm(forms.Form):
    submission = OneTimeSubmissionField()
    payment_type = forms.ChoiceField(label=_("Payment type"))
    amount = AmountField()
    date = forms.DateField(label=_("Date"), widget=DateInput())
    label = forms.CharField(label=_("Label"), max_length=128, required=False)

    default_label = _("Payment")

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["payment_type"].choices = providers.manual_entry_choices()
        self.fields["date"].initial = timezone.localdate(timezone=group.tzinfo)
        self.fields["label"].initial = self.default_label

    def clean_date(self) -> date:
        return _not_in_future(self.cleaned_data["date"], self.group)


class PaymentForm(_EntryForm):
    prefix = "payment"


class RefundForm(_EntryForm):
    prefix = "refund"
    default_label = _("Refund")
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class CorrectionForm(forms.Form):
    prefix = "correction"

    submission = OneTimeSubmissionField()
    reverses = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amount = AmountField(
        positive=False,
        help_text=_(
            "Positive to credit the member, negative to debit them. To cancel an operation, "
            "enter its amount with the opposite sign."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("Mandatory: it is kept in the history and the audit log."),
    )
    label = forms.CharField(label=_("Label"), max_length=128, required=False)

    def __init__(self, *args: Any, operations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operations = operations
        self.target: Operation | None = None

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("A correction cannot be zero."))
        return amount

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for this correction."))
        return reason

    def clean_reverses(self) -> int | None:
        pk = self.cleaned_data.get("reverses")
        if pk:
            self.target = self.operations.filter(pk=pk).first()
            if self.target is None:
                raise forms.ValidationError(_("This operation does not exist."))
        return pk


class ConfirmForm(forms.Form):
    submission = OneTimeSubmissionField()
    operations = RowIdsChoiceField(
        label=_("Payments received"),
        queryset=Operation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one pending payment.")},
    )
    onspot_type = forms.ChoiceField(label=_("On-the-spot payments were paid by"), required=False)

    def __init__(self, *args: Any, group: Group, pending: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operations"].queryset = pending
        self.fields["onspot_type"].choices = [("", "—"), *providers.onspot_choices(group)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ops = cleaned.get("operations") or []
        if any(op.awaits_type for op in ops) and not cleaned.get("onspot_type"):
            self.add_error(
                "onspot_type",
                _("Say how the on-the-spot payments were paid (cash, cheque or card)."),
            )
        return cleaned

    def clean_onspot_type(self) -> str:
        value = self.cleaned_data.get("onspot_type") or ""
        if value and value not in ON_THE_SPOT_TYPES:
            raise forms.ValidationError(_("Choose cash, cheque or card on the spot."))
        return value


STATUS_CHOICES = [
    ("", _("Everyone")),
    ("owing", _("Owing money")),
    ("credit", _("In credit")),
    ("zero", _("Balanced")),
    ("pending", _("With pending payments")),
]


class BalanceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=64)
    status = forms.ChoiceField(label=_("Show"), required=False, choices=STATUS_CHOICES)


class _MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.user.household_name


class _DistributionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.local_start:%d/%m/%Y %H:%M} · {obj.place.name}"


class ExportForm(forms.Form):
    """The ledger's filters, shared by its page and its file (``selectors.ledger_operations``)."""

    FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)")]

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())
    member = _MemberChoice(label=_("Member"), queryset=Member.objects.none(), required=False)
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All")), *Operation.Kind.choices], required=False
    )
    payment_type = forms.ChoiceField(
        label=_("Payment type"), choices=[("", _("All")), *PAYMENT_TYPE_CHOICES], required=False
    )
    distribution = _DistributionChoice(
        label=_("Distribution"), queryset=MultiDistrib.objects.none(), required=False
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="csv", required=False)

    FILTERS = ("member", "kind", "payment_type", "distribution")
    MAX_DAYS = 3 * 366

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate(timezone=group.tzinfo)
        self.fields["start"].initial = today.replace(day=1)
        self.fields["end"].initial = today
        # Former members too: their operations stay in the ledger.
        self.fields["member"].queryset = (  # type: ignore[attr-defined]
            Member.objects.filter(group=group)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "pk")
        )
        self.fields["distribution"].queryset = (  # type: ignore[attr-defined]
            MultiDistrib.objects.filter(group=group)
            .select_related("place", "group")
            .order_by("-start_at")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end must come after the start."))
            elif end - start > timedelta(days=self.MAX_DAYS):
                self.add_error("end", _("Export at most three years at a time."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The cleaned filters, as ``selectors.ledger_operations`` takes them."""
        data = self.cleaned_data
        return {
            "start": data["start"],
            "end": data["end"],
            **{name: data.get(name) or None for name in self.FILTERS},
        }

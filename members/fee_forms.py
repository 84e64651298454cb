"""Forms of the membership fee pages (spec §5)."""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from groups.models import Group
from kernel.forms import RowIdsChoiceField
from kernel.numbers import DecimalInputField
from members import memberships
from members.models import Member


class FeeForm(forms.Form):
    """Period (current by default), date, amount (the group's), payment type, distribution."""

    year = forms.TypedChoiceField(label=_("Period"), coerce=int)
    paid_on = forms.DateField(
        label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = DecimalInputField(
        label=_("Amount"), places=2, maximum=Decimal("9999.99"), required=False
    )
    payment_type = forms.ChoiceField(label=_("Paid by"), required=False)
    multidistrib = forms.TypedChoiceField(
        label=_("Collected at the distribution of"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        group: Group,
        today: date_type | None = None,
        multidistrib_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        today = today or memberships.group_today(group)
        self.fields["year"].choices = [
            (p.year, p.name) for p in memberships.period_choices(group, today)
        ]
        self.fields["year"].initial = memberships.current_period(group, today).year
        self.fields["paid_on"].initial = today
        if group.membership_fee is not None:
            self.fields["amount"].initial = formats.localize_input(group.membership_fee)
        else:
            self.fields["amount"].required = True
        types = memberships.fee_payment_types(group)
        self.fields["payment_type"].choices = [("", "—"), *types]
        self.fields["payment_type"].required = bool(group.has_payments)
        if group.has_payments:
            self.fields["payment_type"].initial = types[0][0]
        self.fields["multidistrib"].choices = [
            ("", "—"),
            *memberships.distribution_choices(group, today),
        ]
        if multidistrib_id is not None:
            self.fields["multidistrib"].initial = multidistrib_id

    def clean_amount(self) -> Decimal | None:
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("The amount must be greater than zero."))
        return amount

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "year": data["year"],
            "paid_on": data["paid_on"],
            "amount": data.get("amount"),
            "payment_type": data.get("payment_type") or "",
            "multidistrib_id": data.get("multidistrib"),
        }


class BatchFeeForm(FeeForm):
    """The same fee for several members chosen in the list."""

    members = RowIdsChoiceField(
        label=_("Members"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one member.")},
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, group=group, **kwargs)
        self.fields["members"].queryset = (
            Member.objects.active()
            .filter(group=group)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__email")
        )
        self.fields["members"].label_from_instance = lambda m: m.user.display_name

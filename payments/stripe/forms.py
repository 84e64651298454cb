"""The card refund form (from a member's account page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from kernel.money import format_money
from payments.forms import AmountField
from payments.stripe.models import CardCheckout, CardRefund


def refundable_orders(*, group: Any, member: Any) -> list[tuple[str, Any]]:
    """The member's orders paid by card with something left to refund: (code, left)."""
    paid = (
        CardCheckout.objects.filter(group=group, member=member, state=CardCheckout.State.FULFILLED)
        .values("basket_code")
        .annotate(total=Sum("amount"))
        .order_by("basket_code")
    )
    refunded = dict(
        CardRefund.objects.filter(group=group, checkout__member=member)
        .exclude(status=CardRefund.Status.FAILED)
        .values("checkout__basket_code")
        .annotate(total=Sum("amount"))
        .values_list("checkout__basket_code", "total")
    )
    result = []
    for row in paid:
        left = row["total"] - (refunded.get(row["basket_code"]) or 0)
        if left > 0:
            result.append((row["basket_code"], left))
    return result


class CardRefundForm(forms.Form):
    prefix = "card"

    reference = forms.ChoiceField(label=_("Order paid by card"))
    amount = AmountField()
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args: Any, group: Any, member: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orders = refundable_orders(group=group, member=member)
        self.fields["reference"].choices = [
            (code, f"{code} — {format_money(left, group.currency)}") for code, left in self.orders
        ]
        if self.orders and not self.is_bound:
            # The spec (§3.4): what the order paid too much, ready to give back.
            from payments.stripe.services import overpaid_by_card

            overpaid = overpaid_by_card(group=group, member=member, reference=self.orders[0][0])
            if overpaid > 0:
                self.initial["amount"] = overpaid

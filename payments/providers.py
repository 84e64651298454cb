"""Payment types and what each means (spec §2.3), in the manner of pretix's payment providers.

A provider describes one way of paying: its label, whether it is paid "on the spot" at the
distribution, whether an admin may record it by hand, and the instructions shown to members,
built from the group's settings (cheque payee, IBAN, money-pot rules). Providers hold no state
and never write: the services record operations. Online card payment is described here so that
its rows display well; its flow belongs to a later issue and it can never be entered by hand.

Lists by context (spec §2.3):

* ``checkout_choices(group)``: what a member picks at checkout. Every on-the-spot type the group
  accepts (cash, cheque, card terminal) is merged into one "on the spot" choice, unless the group
  accepts exactly one of them, which is then offered as itself.
* ``manual_entry_choices()``: what an admin may record by hand: the offline types, not the money
  pot (it is the balance itself) and not online payments.
* ``onspot_choices(group)``: the actual types an "on the spot" intention may be given.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Group, PaymentType
from kernel.money import format_money
from payments.models import ON_THE_SPOT_TYPES, ONTHESPOT


@dataclass(frozen=True)
class PaymentProvider:
    code: str
    label: str | Promise
    on_the_spot: bool = False  # paid at the distribution, confirmed by an admin there
    manual_entry: bool = True  # an admin may record it by hand
    virtual: bool = False  # a checkout choice standing for other types

    def instructions(
        self, group: Group, *, amount: Decimal | None = None, reference: str = ""
    ) -> str:
        """What the member should do, in the active language."""
        return ""

    def _amount(self, group: Group, amount: Decimal | None) -> str:
        from django.utils import translation

        return format_money(amount, group.currency, translation.get_language() or "fr")


class CashProvider(PaymentProvider):
    def instructions(self, group, *, amount=None, reference=""):
        if amount is None:
            return _("Pay in cash at the distribution.")
        return _("Bring %(amount)s in cash to the distribution.") % {
            "amount": self._amount(group, amount)
        }


class ChequeProvider(PaymentProvider):
    def instructions(self, group, *, amount=None, reference=""):
        payee = group.cheque_payee or group.name
        if amount is None:
            return _("Bring a cheque payable to %(payee)s to the distribution.") % {"payee": payee}
        return _("Bring a cheque of %(amount)s payable to %(payee)s to the distribution.") % {
            "amount": self._amount(group, amount),
            "payee": payee,
        }


class TransferProvider(PaymentProvider):
    def instructions(self, group, *, amount=None, reference=""):
        parts = []
        if amount is not None:
            parts.append(
                _("Transfer %(amount)s to the account %(iban)s.")
                % {"amount": self._amount(group, amount), "iban": group.iban or "—"}
            )
        else:
            parts.append(_("Transfer to the account %(iban)s.") % {"iban": group.iban or "—"})
        if reference:
            parts.append(
                _("Write %(reference)s in the transfer's label.") % {"reference": reference}
            )
        parts.append(_("A coordinator confirms it once the money has arrived."))
        return " ".join(parts)


class CardTerminalProvider(PaymentProvider):
    def instructions(self, group, *, amount=None, reference=""):
        return _("Pay by card at the distribution.")


class MoneyPotProvider(PaymentProvider):
    def instructions(self, group, *, amount=None, reference=""):
        floor = moneypot_floor(group)
        if floor < 0:
            return _(
                "Your order is paid from your prepaid balance, which may go down to %(floor)s."
            ) % {"floor": self._amount(group, floor)}
        return _("Your order is paid from your prepaid balance, which cannot go below zero.")


class OnTheSpotProvider(PaymentProvider):
    def instructions(self, group, *, amount=None, reference=""):
        labels = [str(PROVIDERS[code].label).lower() for code in accepted_on_the_spot(group)]
        if not labels:
            return _("Pay at the distribution.")
        return _("Pay at the distribution: %(types)s.") % {"types": ", ".join(labels)}


class OnlineProvider(PaymentProvider):
    def instructions(self, group, *, amount=None, reference=""):
        if reference:  # an order: it was paid by card when placed (issue 17)
            return _("Paid by card online when you ordered; a refund goes back to the card.")
        return _("Pay by card online when you order.")


PROVIDERS: dict[str, PaymentProvider] = {
    p.code: p
    for p in (
        CashProvider(PaymentType.CASH, PaymentType.CASH.label, on_the_spot=True),
        ChequeProvider(PaymentType.CHEQUE, PaymentType.CHEQUE.label, on_the_spot=True),
        TransferProvider(PaymentType.TRANSFER, PaymentType.TRANSFER.label),
        CardTerminalProvider(
            PaymentType.CARD_TERMINAL, PaymentType.CARD_TERMINAL.label, on_the_spot=True
        ),
        MoneyPotProvider(PaymentType.MONEYPOT, PaymentType.MONEYPOT.label, manual_entry=False),
        OnlineProvider(PaymentType.ONLINE, PaymentType.ONLINE.label, manual_entry=False),
        OnTheSpotProvider(ONTHESPOT, gettext_lazy("On the spot"), manual_entry=False, virtual=True),
    )
}


def provider_for(code: str) -> PaymentProvider:
    """The provider of a type code; KeyError for an unknown code."""
    return PROVIDERS[code]


def accepted_types(group: Group) -> list[str]:
    """The group's accepted types, known ones only, in the settings' order."""
    return [code for code in (group.payment_types or []) if code in PROVIDERS]


def accepted_on_the_spot(group: Group) -> list[str]:
    return [code for code in accepted_types(group) if code in ON_THE_SPOT_TYPES]


def checkout_choices(group: Group) -> list[PaymentProvider]:
    """What a member is offered at checkout (spec §2.3 ``PCPayment``)."""
    accepted = accepted_types(group)
    on_spot = [code for code in accepted if code in ON_THE_SPOT_TYPES]
    result: list[PaymentProvider] = []
    merged = False
    for code in accepted:
        if code in ON_THE_SPOT_TYPES and len(on_spot) > 1:
            if not merged:
                result.append(PROVIDERS[ONTHESPOT])
                merged = True
            continue
        result.append(PROVIDERS[code])
    return result


def manual_entry_choices() -> list[tuple[str, Any]]:
    """Types an admin may record by hand (spec §2.3 ``PCManualEntry``)."""
    return [(code, p.label) for code, p in PROVIDERS.items() if p.manual_entry]


def onspot_choices(group: Group) -> list[tuple[str, Any]]:
    """Actual types for an on-the-spot intention: those the group accepts, else all three."""
    codes = accepted_on_the_spot(group) or list(ON_THE_SPOT_TYPES)
    return [(code, PROVIDERS[code].label) for code in codes]


def moneypot_floor(group: Group) -> Decimal:
    """The lowest balance a money-pot debit may leave: 0, or the group's floor if allowed."""
    if group.allow_negative_moneypot:
        return min(group.moneypot_floor, Decimal("0.00"))
    return Decimal("0.00")


def type_label(code: str) -> str:
    provider = PROVIDERS.get(code)
    return str(provider.label) if provider else code

"""The member's debt for a basket in the ledger (``payments``), and the payment type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from distributions.models import MultiDistrib
from groups.models import PaymentType
from orders import selectors
from orders.models import Basket, OrderLine
from orders.services.results import OrderError
from payments import services as payments


def _check_payment_type(group, payment_type: str) -> str:
    if not group.payments_enabled:
        return ""
    if selectors.uses_moneypot(group):
        return PaymentType.MONEYPOT
    codes = [p.code for p in selectors.payment_choices(group)]
    if payment_type and payment_type not in codes:
        raise OrderError({"payment_type": _("Choose one of the payment types offered.")})
    return payment_type


def _debt_label(md: MultiDistrib) -> str:
    """The ledger label, in the platform's language so every row of a group reads alike."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Order for %(date)s") % {"date": md.date.strftime("%d/%m/%Y")}


def _sync_ledger(basket: Basket, *, acting_user: Any, lines: list[OrderLine] | None = None) -> None:
    """Make the member's debt for this basket equal its total (one debt per member and
    distribution, referenced by the basket's code), and bring the payment announced at
    checkout to the same amount. Runs in the caller's transaction; a money-pot group refuses
    an order the prepaid balance cannot pay (MoneyPotInsufficientError rolls everything back).
    """
    group = basket.group
    if not group.payments_enabled:
        return
    amount = (
        basket.total(lines if lines is not None else list(basket.lines.all()))
        if basket.is_confirmed
        else Decimal("0.00")
    )
    kwargs = {
        "group": group,
        "member": basket.member,
        "reference": basket.code,
        "amount": amount,
        "label": _debt_label(basket.multidistrib),
        "acting_user": acting_user,
    }
    if selectors.uses_moneypot(group):
        payments.moneypot_debit(**kwargs)
        return
    # The debt, and the payment announced at checkout brought to the same amount. When the
    # group stopped accepting the type since the checkout, the debt is still exact; the
    # announced payment is only a hint for the cash desk and stays as is.
    payments.order_ledger_set(payment_type=basket.payment_type, **kwargs)

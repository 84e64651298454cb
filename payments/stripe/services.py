"""Writes for online payment (spec §3, decision 8; docs/payments.md has the state machine).

Webhook first: what Stripe tells the webhook is the truth, and every step is idempotent on a
Stripe id or on our own row, under a row lock, so that an event replayed, reordered, or racing
the return page or the reconciliation changes things exactly once. Calls to Stripe are made
outside database transactions (a slow network never holds a lock) and carry idempotency keys
made of our row ids.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from distributions.models import MultiDistrib
from groups.models import Group, PaymentType
from kernel import money
from kernel.audit import log_action
from members.models import Member
from payments.models import Operation
from payments.services.base import (
    PaymentError,
    lock_member,
    log_operation,
    new_operation,
    write_operations,
)
from payments.stripe import client, hooks, selectors
from payments.stripe.client import StripeCallError, call
from payments.stripe.models import (
    CardCheckout,
    CardMoneyMove,
    CardRefund,
    DistributionPayout,
    GroupStripeAccount,
    StripeAccount,
    StripeEvent,
)

log = logging.getLogger(__name__)

# A Checkout Session lives 30 minutes (Stripe's shortest): the cart's stock is held as long.
CHECKOUT_MINUTES = 30


def _cents(amount: Decimal, currency: str) -> int:
    return money.to_minor_units(amount, currency)


def _amount(cents: int, currency: str) -> Decimal:
    return money.from_minor_units(int(cents), currency)


def statement_descriptor(name: str) -> str:
    """Stripe's statement suffix from the group's name: Latin letters, digits and spaces, at
    most 22 characters, at least one letter."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    kept = "".join(c for c in ascii_name if c.isalnum() or c == " ").strip()
    kept = " ".join(kept.split())[:22].strip()
    return kept if any(c.isalpha() for c in kept) else "CAGETTE"


def _platform_label(message: str, **values: Any) -> str:
    """Ledger labels in the platform's language, so every row of a group reads alike."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


# Onboarding ---------------------------------------------------------------------------------


def onboarding_start(*, group: Group, acting_user: Any, return_url: str, refresh_url: str) -> str:
    """The Stripe page where the group's admin gives the organisation's details (an Account
    Link); creates the group's Express account first when it has none. Returns its URL."""
    api = client.client()
    account = selectors.group_account(group)
    if account is None:
        remote = call(
            _("creating the account"),
            api.v1.accounts.create,
            params={
                "type": "express",
                "country": "FR",
                "email": getattr(getattr(group, "contact", None), "email", None) or None,
                "business_profile": {"name": group.name[:100]},
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
                "settings": {"payouts": {"schedule": {"interval": "manual"}}},
                "metadata": {"group_id": str(group.pk)},
            },
            options={"idempotency_key": f"account-group-{group.pk}"},
        )
        with transaction.atomic():
            account, _created = StripeAccount.objects.get_or_create(
                account_id=remote.id, defaults={"name": group.name[:128], "manual_payouts": True}
            )
            _account_apply(account, client.to_dict(remote))
            GroupStripeAccount.objects.get_or_create(group=group, defaults={"account": account})
            log_action(
                action="stripe.account_created",
                acting_user=acting_user,
                group=group,
                obj=account,
                account=account.account_id,
            )
    link = call(
        _("opening the set-up page"),
        api.v1.account_links.create,
        params={
            "account": account.account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        },
        options={"idempotency_key": f"link-{account.pk}-{timezone.now().timestamp()}"},
    )
    return str(link.url)


def _account_apply(account: StripeAccount, data: dict[str, Any]) -> None:
    requirements = data.get("requirements") or {}
    account.charges_enabled = bool(data.get("charges_enabled"))
    account.payouts_enabled = bool(data.get("payouts_enabled"))
    account.details_submitted = bool(data.get("details_submitted"))
    account.requirements_due = list(requirements.get("currently_due") or [])
    account.disabled_reason = requirements.get("disabled_reason") or ""
    interval = (((data.get("settings") or {}).get("payouts") or {}).get("schedule") or {}).get(
        "interval"
    )
    if interval:
        account.manual_payouts = interval == "manual"
    account.updated_at = timezone.now()
    account.save()


def account_sync(*, data: dict[str, Any]) -> StripeAccount | None:
    """``account.updated``: the account's state as Stripe says it (unknown accounts ignored)."""
    account = StripeAccount.objects.select_for_update().filter(account_id=data.get("id")).first()
    if account is None:
        return None
    was_enabled = account.charges_enabled
    _account_apply(account, data)
    if was_enabled and not account.charges_enabled:
        log.warning("Stripe account %s can no longer take charges", account.account_id)
    return account


@transaction.atomic
def card_offer_set(*, group: Group, offer: bool, acting_user: Any) -> None:
    """Offer card payment at checkout, or stop: possible only once charges are enabled."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    types = [code for code in (group.payment_types or []) if code != PaymentType.ONLINE]
    if offer:
        if not selectors.card_available(group):
            raise PaymentError(
                _("Card payment can be offered once Stripe has enabled the group's account.")
            )
        if PaymentType.MONEYPOT in types:
            raise PaymentError(_("The money pot cannot be combined with other payment types."))
        types.append(PaymentType.ONLINE)
    group.payment_types = types
    group.save(update_fields=["payment_types"])
    log_action(
        action="stripe.card_offered" if offer else "stripe.card_withdrawn",
        acting_user=acting_user,
        group=group,
        obj=group,
    )


# Checkout -----------------------------------------------------------------------------------


def checkout_begin(
    *,
    group: Group,
    member: Member,
    md: MultiDistrib,
    cart_reference: str,
    items: dict[str, dict[str, str]],
    delivery: bool,
    amount: Decimal,
    acting_user: Any,
) -> CardCheckout:
    """The row of a card checkout, in the caller's transaction (``orders`` has just held the
    cart's stock). The Checkout Session is opened after the commit by ``checkout_session_open``."""
    account = selectors.group_account(group)
    if account is None or not selectors.card_available(group, account):
        raise PaymentError(_("Card payment is not available in this group at the moment."))
    amount = money.quantize(amount, group.currency)
    if amount <= 0:
        raise PaymentError(_("There is nothing to pay by card."))
    now = timezone.now()
    return CardCheckout.objects.create(
        group=group,
        member=member,
        multidistrib=md,
        account=account,
        cart_reference=cart_reference,
        items=items,
        delivery=delivery,
        stock_held=True,
        amount=amount,
        fee=account.fee(amount),
        currency=group.currency,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        created_at=now,
        expires_at=now + timedelta(minutes=CHECKOUT_MINUTES),
    )


def rest_checkout_begin(
    *, group: Group, member: Member, md: MultiDistrib, reference: str, acting_user: Any
) -> CardCheckout:
    """The row of a "pay the rest by card" checkout for the order ``reference``, already
    placed and paid by card, raised since: the amount is what the order still owes
    (``selectors.card_rest_due``, read under the member's lock). In the caller's transaction;
    the Checkout Session is opened after the commit by ``checkout_session_open``. Nothing is
    held: settling it writes one card payment row for the order (``session_settle``)."""
    account = selectors.group_account(group)
    if account is None or not selectors.card_available(group, account):
        raise PaymentError(_("Card payment is not available in this group at the moment."))
    member = lock_member(group, member)
    amount = selectors.card_rest_due(group=group, member=member, reference=reference)
    if amount <= 0:
        raise PaymentError(_("There is nothing to pay by card."))
    now = timezone.now()
    return CardCheckout.objects.create(
        group=group,
        member=member,
        multidistrib=md,
        account=account,
        purpose=CardCheckout.Purpose.REST,
        cart_reference=reference,
        basket_code=reference,
        items={},
        stock_held=False,
        amount=amount,
        fee=account.fee(amount),
        currency=group.currency,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        created_at=now,
        expires_at=now + timedelta(minutes=CHECKOUT_MINUTES),
    )


def _rest_settle(checkout: CardCheckout) -> Decimal:
    """A paid "rest" checkout (the member's row locked by the caller): its card payment for
    the order, and what it paid beyond what the order owed at this moment (lowered while the
    payment page was open), which is refunded after the commit."""
    due = selectors.card_rest_due(
        group=checkout.group, member=checkout.member, reference=checkout.basket_code
    )
    card_payment_record(
        checkout=checkout, reference=checkout.basket_code, acting_user=checkout.member.user
    )
    return max(Decimal("0.00"), checkout.amount - due)


def checkout_session_open(
    *, checkout: CardCheckout, success_url: str, cancel_url: str, description: str
) -> str:
    """Open the Checkout Session of ``checkout`` (a destination charge to the group's account,
    the platform fee as ``application_fee_amount``); returns the payment page's URL. When
    Stripe refuses, the held stock is given back and StripeCallError says why."""
    group, account = checkout.group, checkout.account
    metadata = {
        "checkout_id": str(checkout.pk),
        "group_id": str(group.pk),
        "multidistrib_id": str(checkout.multidistrib_id),
        "member_id": str(checkout.member_id),
        "cart": checkout.cart_reference,
    }
    currency = checkout.currency.lower()
    expires = checkout.expires_at or timezone.now() + timedelta(minutes=CHECKOUT_MINUTES)
    try:
        session = call(
            _("opening the payment page"),
            client.client().v1.checkout.sessions.create,
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": currency,
                            "unit_amount": _cents(checkout.amount, checkout.currency),
                            "product_data": {"name": description[:250]},
                        },
                        "quantity": 1,
                    }
                ],
                "client_reference_id": checkout.cart_reference,
                "customer_email": checkout.member.user.email or None,
                "metadata": metadata,
                "payment_intent_data": {
                    "application_fee_amount": _cents(checkout.fee, checkout.currency),
                    "transfer_data": {"destination": account.account_id},
                    "on_behalf_of": account.account_id,
                    "statement_descriptor_suffix": statement_descriptor(group.name),
                    "metadata": metadata,
                },
                "success_url": success_url,
                "cancel_url": cancel_url,
                "expires_at": int(expires.timestamp()),
            },
            options={"idempotency_key": f"checkout-{checkout.pk}"},
        )
    except StripeCallError as exc:
        with transaction.atomic():
            locked = CardCheckout.objects.select_for_update().get(pk=checkout.pk)
            if locked.state == CardCheckout.State.CREATING:
                hooks.release(locked)
                locked.state, locked.stock_held = CardCheckout.State.FAILED, False
                locked.error = str(exc.message)
                locked.save(update_fields=["state", "stock_held", "error"])
        raise
    CardCheckout.objects.filter(pk=checkout.pk, session_id__isnull=True).update(
        session_id=session.id
    )
    CardCheckout.objects.filter(pk=checkout.pk, state=CardCheckout.State.CREATING).update(
        state=CardCheckout.State.OPEN
    )
    checkout.session_id = session.id
    return str(session.url)


def session_settle(*, session: dict[str, Any]) -> CardCheckout | None:
    """The one idempotent step for a Checkout Session, whoever learns its state first (the
    webhook, the return page, the reconciliation): a paid session places the order and writes
    the card payment, once; an expired one gives the stock back. Unknown sessions: None."""
    metadata = session.get("metadata") or {}
    checkout_id = str(metadata.get("checkout_id") or "")
    leftover = Decimal("0.00")
    with transaction.atomic():
        queryset = CardCheckout.objects.select_related("group", "member__user", "account")
        if checkout_id.isdigit():
            queryset = queryset.filter(pk=int(checkout_id))
        else:
            queryset = queryset.filter(session_id=session.get("id"))
        found = queryset.values_list("member_id", flat=True).first()
        if found is None:
            return None
        # The member's row first, then the checkout's: the order every order service follows.
        list(Member.objects.select_for_update().filter(pk=found).values_list("pk", flat=True))
        checkout = queryset.select_for_update(of=("self",)).first()
        if checkout is None:
            return None
        if checkout.state == CardCheckout.State.FULFILLED:
            return checkout
        status = session.get("status")
        paid = session.get("payment_status") in ("paid", "no_payment_required")
        if status == "complete" and paid:
            remote_amount = _amount(session.get("amount_total") or 0, checkout.currency)
            if remote_amount != checkout.amount:
                log.error(
                    "Checkout %s: Stripe took %s, %s expected",
                    checkout.pk,
                    remote_amount,
                    checkout.amount,
                )
            checkout.session_id = checkout.session_id or session.get("id")
            checkout.payment_intent = str(session.get("payment_intent") or session.get("id"))
            if checkout.purpose == CardCheckout.Purpose.REST:
                leftover = _rest_settle(checkout)
            else:
                leftover = hooks.fulfil(checkout, checkout.member.user)
            checkout.state = CardCheckout.State.FULFILLED
            checkout.stock_held = False
            checkout.fulfilled_at = timezone.now()
            checkout.save()
            log_action(
                action="stripe.checkout_paid",
                acting_user=checkout.member.user,
                group=checkout.group,
                obj=checkout,
                amount=str(checkout.amount),
                order=checkout.basket_code,
            )
        elif status == "expired" or session.get("payment_status") == "failed":
            if checkout.state in (CardCheckout.State.CREATING, CardCheckout.State.OPEN):
                hooks.release(checkout)
                checkout.state = CardCheckout.State.EXPIRED
                checkout.stock_held = False
                checkout.save(update_fields=["state", "stock_held"])
        else:
            return checkout
    if leftover > 0:
        transaction.on_commit(lambda: _refund_leftover(checkout.pk, leftover))
    return checkout


def _refund_leftover(checkout_id: int, amount: Decimal) -> None:
    checkout = CardCheckout.objects.select_related("group", "member").get(pk=checkout_id)
    try:
        refund_amount(
            group=checkout.group,
            member=checkout.member,
            reference=checkout.basket_code,
            amount=amount,
            acting_user=None,
            reason=_platform_label(gettext_noop("Paid for products that could not be ordered")),
        )
    except PaymentError:
        log.exception("Refund of what could not be ordered failed (checkout %s)", checkout_id)


def card_payment_record(*, checkout: CardCheckout, reference: str, acting_user: Any) -> Operation:
    """The card payment in the ledger, confirmed at once (spec §3.3 step 5); its remote id is
    the PaymentIntent's, unique, so it is never written twice. In the caller's transaction."""
    group = checkout.group
    member = lock_member(group, checkout.member)
    operation = new_operation(
        group=group,
        member=member,
        kind=Operation.Kind.PAYMENT,
        amount=checkout.amount,
        # A money movement like every payment: the day's summaries, the cash report and the
        # validation list it (``payments_for_references`` reads money rows only).
        is_money=True,
        currency=checkout.currency,
        label=_platform_label(
            gettext_noop("Card payment for the order of %(date)s (%(id)s)"),
            date=checkout.multidistrib.date.strftime("%d/%m/%Y"),
            id=checkout.payment_intent,
        )[:128],
        state=Operation.State.CONFIRMED,
        payment_type=PaymentType.ONLINE,
        reference=reference,
        remote_id=checkout.payment_intent,
        recorded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    write_operations([operation])
    log_operation("payment.card", acting_user=acting_user, group=group, operation=operation)
    checkout.basket_code = reference
    return operation


def session_refresh(*, checkout: CardCheckout) -> CardCheckout:
    """The return page's fallback when the webhook is late: ask Stripe, run the same step."""
    if checkout.state == CardCheckout.State.FULFILLED or not checkout.session_id:
        return checkout
    session = call(
        _("reading the payment"),
        client.client().v1.checkout.sessions.retrieve,
        checkout.session_id,
    )
    return session_settle(session=client.to_dict(session)) or checkout


def checkout_cancel(*, checkout: CardCheckout) -> CardCheckout:
    """The member came back without paying: expire the session, which gives the stock back
    (if Stripe says it was paid meanwhile, it is settled as paid)."""
    if checkout.state not in (CardCheckout.State.OPEN, CardCheckout.State.CREATING):
        return checkout
    if checkout.session_id:
        try:
            session = call(
                _("closing the payment page"),
                client.client().v1.checkout.sessions.expire,
                checkout.session_id,
                options={"idempotency_key": f"expire-{checkout.pk}"},
            )
        except StripeCallError:
            return session_refresh(checkout=checkout)
        return session_settle(session=client.to_dict(session)) or checkout
    return (
        session_settle(
            session={"id": None, "status": "expired", "metadata": {"checkout_id": str(checkout.pk)}}
        )
        or checkout
    )


# Webhooks -----------------------------------------------------------------------------------


class WebhookRefusedError(Exception):
    """A payload that is not a correctly signed Stripe event: nothing is done."""


def webhook_receive(*, payload: bytes, signature: str) -> str:
    """Verify, store once and process a webhook event. Returns what was done ("duplicate" for
    an event already processed). The event and its effects commit together: if processing
    fails, nothing is stored and Stripe sends it again."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRefusedError("no webhook secret configured")
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRefusedError(str(exc)) from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRefusedError("not an event")
    after: list[Any] = []
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    stored = StripeEvent.objects.create(
                        event_id=str(event["id"])[:128],
                        type=str(event["type"])[:64],
                        account=str(event.get("account") or "")[:64],
                        payload=event,
                    )
            except IntegrityError:
                return "duplicate"
            outcome = _dispatch(event, after)
            stored.outcome = outcome[:255]
            stored.save(update_fields=["outcome"])
    except IntegrityError:  # the same event processed meanwhile by another worker
        if StripeEvent.objects.filter(event_id=event["id"]).exists():
            return "duplicate"
        raise
    return outcome


def _dispatch(event: dict[str, Any], after: list[Any]) -> str:
    kind = event["type"]
    obj = (event.get("data") or {}).get("object") or {}
    if kind in (
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    ):
        checkout = session_settle(session=obj)
        return f"checkout {checkout.pk}: {checkout.state}" if checkout else "unknown session"
    if kind == "account.updated":
        account = account_sync(data=obj)
        return f"account {account.state}" if account else "unknown account"
    if kind in ("charge.refunded", "charge.refund.updated", "refund.updated", "refund.failed"):
        refunds = (obj.get("refunds") or {}).get("data") if obj.get("object") == "charge" else [obj]
        return f"refunds: {refunds_sync(refunds=refunds or [])}"
    if kind in ("payout.paid", "payout.failed", "payout.canceled", "payout.updated"):
        payout = payout_sync(data=obj)
        return f"payout {payout.status}" if payout else "unknown payout"
    return "ignored"


# Refunds ------------------------------------------------------------------------------------


@dataclass
class RefundResult:
    refunds: list[CardRefund] = field(default_factory=list)

    @property
    def failed(self) -> list[CardRefund]:
        return [r for r in self.refunds if r.status == CardRefund.Status.FAILED]

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.refunds if r not in self.failed), Decimal("0.00"))


def refund_amount(
    *,
    group: Group,
    member: Member,
    reference: str,
    amount: Any,
    acting_user: Any,
    reason: str = "",
    overpaid_only: bool = False,
) -> RefundResult:
    """Refund ``amount`` of an order's card payments (spec §3.4): spread over its payments,
    largest first, the platform fee on each part given back too, one Stripe refund and one
    negative ledger row each. Failures stay visible on ``CardRefund`` (status failed).

    ``overpaid_only``: the amount is capped, under the member's lock, at what the order paid
    too much (``_overpaid_locked``), so two refunds racing for the same overpayment give it
    back once; nothing left: an empty result."""
    amount = money.quantize(money.to_decimal(amount), group.currency)
    if amount <= 0:
        raise PaymentError({"amount": _("The amount must be greater than zero.")})
    rows: list[CardRefund] = []
    with transaction.atomic():
        lock_member(group, member)
        if overpaid_only:
            amount = min(amount, _overpaid_locked(group=group, member=member, reference=reference))
            if amount <= 0:
                return RefundResult()
        # The order's card money (its own payments and what moved onto it), largest left
        # first; the fee left is the payment's whole (a payment may refund several orders).
        left: list[tuple[CardCheckout, Decimal, Decimal, Decimal]] = []
        for part in selectors.card_parts(
            group=group, member=member, reference=reference, for_update=True
        ):
            checkout = part.checkout
            done = [r for r in checkout.refunds.all() if r.status != CardRefund.Status.FAILED]
            whole_left = checkout.amount - sum((r.amount for r in done), Decimal("0.00"))
            fee_left = checkout.fee - sum((r.fee for r in done), Decimal("0.00"))
            amount_left = min(part.left, whole_left)
            if amount_left > 0:
                left.append((checkout, amount_left, whole_left, fee_left))
        available = sum((row[1] for row in left), Decimal("0.00"))
        if amount > available:
            raise PaymentError(
                {
                    "amount": _("At most %(amount)s can be refunded by card for this order.")
                    % {
                        "amount": money.format_money(
                            available, group.currency, translation.get_language() or "fr"
                        )
                    }
                }
            )
        left.sort(key=lambda row: (-row[1], row[0].pk))
        remaining = amount
        for checkout, amount_left, whole_left, fee_left in left:
            if remaining <= 0:
                break
            part = min(remaining, amount_left)
            fee = fee_left if part == whole_left else min(checkout.account.fee(part), fee_left)
            rows.append(
                CardRefund.objects.create(
                    group=group,
                    checkout=checkout,
                    reference=reference,
                    amount=part,
                    fee=fee,
                    reason=reason[:255],
                    created_by=acting_user
                    if getattr(acting_user, "is_authenticated", False)
                    else None,
                )
            )
            remaining -= part
    result = RefundResult()
    for row in rows:
        result.refunds.append(_refund_send(row, acting_user=acting_user))
    return result


def overpaid_by_card(*, group: Group, member: Member, reference: str) -> Decimal:
    """What the order's card payments may give back now: what was paid beyond the order's
    debt (the ledger rows of the reference that count), at most what is left to refund."""
    from payments.models import COUNTED

    rows = Operation.objects.filter(group=group, member=member, reference=reference).filter(COUNTED)
    overpaid = sum((row.amount for row in rows), Decimal("0.00"))
    left = selectors.refundable_by_card(group=group, member=member, reference=reference)
    return max(Decimal("0.00"), min(overpaid, left))


def _overpaid_locked(*, group: Group, member: Member, reference: str) -> Decimal:
    """``overpaid_by_card`` read under the member's lock, less the refunds already sent to
    Stripe whose ledger row is not written yet (in flight): what may still be given back."""
    in_flight = (
        CardRefund.objects.filter(
            group=group,
            checkout__member=member,
            reference=reference,
            operation__isnull=True,
        )
        .exclude(status=CardRefund.Status.FAILED)
        .values_list("amount", flat=True)
    )
    overpaid = overpaid_by_card(group=group, member=member, reference=reference)
    return max(Decimal("0.00"), overpaid - sum(in_flight, Decimal("0.00")))


def refund_overpaid(
    *, group: Group, member: Member, reference: str, acting_user: Any, reason: str = ""
) -> RefundResult:
    """Validation (spec §2.8, §3.4): give back by card what an order paid by card paid too
    much (a line cancelled, a product not delivered, a lower price, a lighter weight). The
    amount is read again under the member's lock, so calling it twice refunds once. Nothing
    to do: an empty result."""
    amount = overpaid_by_card(group=group, member=member, reference=reference)
    if amount <= 0:
        return RefundResult()
    return refund_amount(
        group=group,
        member=member,
        reference=reference,
        amount=amount,
        acting_user=acting_user,
        reason=reason,
        overpaid_only=True,
    )


def _refund_key(row: CardRefund) -> str:
    """The idempotency key of a refund's attempt: the same attempt sent again (a lost answer,
    a crash) is answered with the same refund; a new attempt after Stripe refused gets a new
    key (Stripe keeps the refusal under the old one)."""
    return f"refund-{row.pk}" if row.attempts <= 1 else f"refund-{row.pk}-{row.attempts}"


def _retry_at(attempts: int, now: Any = None) -> Any:
    """After a refused attempt: 1, 2, 4… hours later, none after the last allowed attempt."""
    if attempts >= settings.STRIPE_REFUND_MAX_ATTEMPTS:
        return None
    return (now or timezone.now()) + timedelta(hours=2 ** (attempts - 1))


def _refund_send(row: CardRefund, *, acting_user: Any, now: Any = None) -> CardRefund:
    checkout = row.checkout
    try:
        refund = call(
            _("refunding"),
            client.client().v1.refunds.create,
            params={
                "payment_intent": checkout.payment_intent,
                "amount": _cents(row.amount, checkout.currency),
                # The transfer to the group is reversed; the platform fee on this part is
                # given back below, to the cent of the spec's fee maths (§3.5).
                "reverse_transfer": True,
                "metadata": {"refund_row": str(row.pk), "group_id": str(row.group_id)},
            },
            options={"idempotency_key": _refund_key(row)},
        )
    except StripeCallError as exc:
        CardRefund.objects.filter(pk=row.pk, refund_id__isnull=True).update(
            status=CardRefund.Status.FAILED,
            failure=str(exc.message),
            next_retry_at=_retry_at(row.attempts, now),
        )
        row.refresh_from_db()
        return row
    attached = _refund_attach(row.pk, client.to_dict(refund), acting_user=acting_user)
    if row.fee > 0:
        _fee_refund(attached)
    return attached


def _fee_refund(row: CardRefund) -> None:
    """Give the platform fee on the refunded part back to the group's account (an
    Application Fee Refund of exactly ``row.fee``); a failure is noted on the refund."""
    api = client.client()
    try:
        intent = call(
            _("refunding the fee"),
            api.v1.payment_intents.retrieve,
            row.checkout.payment_intent,
        )
        charge = call(_("refunding the fee"), api.v1.charges.retrieve, intent.latest_charge)
        if not charge.application_fee:
            return
        call(
            _("refunding the fee"),
            api.v1.application_fees.refunds.create,
            charge.application_fee,
            params={"amount": _cents(row.fee, row.checkout.currency)},
            options={"idempotency_key": f"fee-refund-{row.pk}"},
        )
    except StripeCallError as exc:
        log.error("Fee of refund %s not given back: %s", row.pk, exc)
        CardRefund.objects.filter(pk=row.pk).update(
            failure=_("The platform fee was not given back: %(error)s") % {"error": exc.message}
        )


def _refund_attach(row_id: int, data: dict[str, Any], *, acting_user: Any) -> CardRefund:
    """Our refund row gets its Stripe refund and its ledger row, once (the API's answer and
    the ``charge.refunded`` webhook may both bring it). The member's lock is taken before the
    row's, in the order ``_refund_claim`` takes them: a retry claiming the row while this one
    attaches it would otherwise deadlock."""
    with transaction.atomic():
        first = CardRefund.objects.select_related("checkout__member", "group").get(pk=row_id)
        lock_member(first.group, first.checkout.member)
        row = (
            CardRefund.objects.select_for_update()
            .select_related("checkout__multidistrib", "group")
            .get(pk=row_id)
        )
        status = data.get("status") or "pending"
        if row.refund_id is None:
            row.refund_id = data["id"]
            row.next_retry_at = None
        if row.operation_id is None and status != "failed":
            member = lock_member(row.group, row.checkout.member)
            operation = new_operation(
                group=row.group,
                member=member,
                kind=Operation.Kind.REFUND,
                amount=-row.amount,
                is_money=True,
                currency=row.checkout.currency,
                label=_platform_label(
                    gettext_noop("Card refund for the order of %(date)s (%(id)s)"),
                    date=row.checkout.multidistrib.date.strftime("%d/%m/%Y"),
                    id=data["id"],
                )[:128],
                state=Operation.State.CONFIRMED,
                payment_type=PaymentType.ONLINE,
                reference=row.reference or row.checkout.basket_code,
                remote_id=data["id"],
                reason=row.reason,
                recorded_by=acting_user
                if getattr(acting_user, "is_authenticated", False)
                else None,
            )
            write_operations([operation])
            log_operation(
                "payment.card_refund", acting_user=acting_user, group=row.group, operation=operation
            )
            row.operation = operation
        _refund_status(row, status, data.get("failure_reason") or "")
        row.save()
        return row


def _refund_status(row: CardRefund, status: str, failure: str) -> None:
    """A refund that fails after it was written gets a correction (the money was not given)."""
    if status == "failed" and row.status != CardRefund.Status.FAILED:
        row.status = CardRefund.Status.FAILED
        row.failure = failure or _("Stripe could not refund this payment.")
        if row.operation_id is not None and row.operation is not None:
            # The refund row is what Stripe said; its failure is a correction of it, written
            # here (``correction_record`` refuses to correct card rows by hand).
            refund = row.operation
            member = lock_member(row.group, row.checkout.member)
            correction = new_operation(
                group=row.group,
                member=member,
                kind=Operation.Kind.CORRECTION,
                amount=row.amount,
                currency=refund.currency,
                label=_platform_label(gettext_noop("The card refund failed"))[:128],
                reason=_platform_label(gettext_noop("The card refund failed"))[:255],
                reverses=refund,
                state=Operation.State.CONFIRMED,
                payment_type=refund.payment_type,
                reference=refund.reference,
            )
            correction.is_money = True
            write_operations([correction])
            log_operation(
                "payment.card_refund_failed",
                acting_user=None,
                group=row.group,
                operation=correction,
            )
    elif status == "succeeded":
        row.status = CardRefund.Status.SUCCEEDED
    elif status in ("pending", "requires_action") and row.status != CardRefund.Status.FAILED:
        row.status = CardRefund.Status.PENDING


def _refund_claim(row_id: int, now: Any) -> CardRefund | None:
    """Under the member's lock: a refused refund still due becomes the next attempt (a new
    idempotency key), capped at what the order still paid too much by card; a refund whose
    attempt's answer was lost (pending, no Stripe id, its lease past) is sent again with the
    same key. None: nothing to send (given up when nothing is left to refund)."""
    with transaction.atomic():
        first = CardRefund.objects.select_related("checkout__member", "group").get(pk=row_id)
        lock_member(first.group, first.checkout.member)
        row = (
            CardRefund.objects.select_for_update()
            .select_related("checkout__account", "group")
            .get(pk=row_id)
        )
        if row.refund_id or row.next_retry_at is None or row.next_retry_at > now:
            return None
        if row.status == CardRefund.Status.FAILED:
            part = next(
                (
                    p
                    for p in selectors.card_parts(
                        group=row.group, member=row.checkout.member, reference=row.reference
                    )
                    if p.checkout.pk == row.checkout_id
                ),
                None,
            )
            overpaid = _overpaid_locked(
                group=row.group, member=row.checkout.member, reference=row.reference
            )
            amount = min(row.amount, part.left if part else Decimal("0.00"), overpaid)
            if amount <= 0:
                row.next_retry_at = None
                row.failure = _("Not tried again: nothing is left to refund on this order.")
                row.save(update_fields=["next_retry_at", "failure"])
                return None
            if amount < row.amount:
                row.fee = min(row.checkout.account.fee(amount), row.fee)
                row.amount = amount
            row.attempts += 1
            row.status = CardRefund.Status.PENDING
            row.failure = ""
        # A lease: if this attempt's answer is lost, the same attempt is sent again later.
        row.next_retry_at = now + timedelta(hours=1)
        row.save()
        return row


def refunds_retry(*, now: Any = None) -> list[str]:
    """Refunds Stripe refused, tried again once their back-off is over (the hourly
    reconciliation). A retry never refunds twice: a row is claimed under locks, each attempt
    has its own idempotency key, and the amount is read again (what was refunded another
    way since is not refunded again). Returns a line per attempt."""
    now = now or timezone.now()
    lines = []
    due = CardRefund.objects.filter(
        refund_id__isnull=True,
        status__in=[CardRefund.Status.FAILED, CardRefund.Status.PENDING],
        next_retry_at__lte=now,
    ).values_list("pk", flat=True)
    for row_id in list(due):
        row = _refund_claim(row_id, now)
        if row is None:
            continue
        done = _refund_send(row, acting_user=None, now=now)
        lines.append(f"refund {done.pk} attempt {done.attempts}: {done.status}")
        if done.status == CardRefund.Status.FAILED and done.next_retry_at is None:
            lines.append(f"refund {done.pk} given up after {done.attempts} attempts")
    return lines


def refunds_sync(*, refunds: list[dict[str, Any]]) -> int:
    """Refunds as Stripe reports them (``charge.refunded``, ``refund.updated``): ours get their
    status; one made on Stripe's side (its dashboard) is recorded with its ledger row."""
    changed = 0
    for data in refunds:
        if not isinstance(data, dict) or not data.get("id"):
            continue
        row = CardRefund.objects.filter(refund_id=data["id"]).first()
        row_id = str((data.get("metadata") or {}).get("refund_row") or "")
        if row is None and row_id.isdigit():
            row = CardRefund.objects.filter(pk=int(row_id), refund_id__isnull=True).first()
        if row is None:
            row = _refund_from_stripe(data)
            if row is None:
                continue
        _refund_attach(row.pk, data, acting_user=None)
        changed += 1
    return changed


def _refund_from_stripe(data: dict[str, Any]) -> CardRefund | None:
    checkout = (
        CardCheckout.objects.select_related("account")
        .filter(payment_intent=data.get("payment_intent"), state=CardCheckout.State.FULFILLED)
        .first()
    )
    if checkout is None:
        return None
    amount = _amount(data.get("amount") or 0, checkout.currency)
    if amount <= 0:
        return None
    return CardRefund.objects.create(
        group_id=checkout.group_id,
        checkout=checkout,
        reference=checkout.basket_code,
        amount=amount,
        fee=min(checkout.account.fee(amount), checkout.fee),
        reason=_platform_label(gettext_noop("Refunded on Stripe")),
    )


def refund_all(
    *, group: Group, references: list[str], acting_user: Any, reason: str
) -> RefundResult:
    """Refund in full the card money of these orders (a distribution cancelled): their own
    card payments and the card money that moved onto them, less what moved away. Run again,
    it refunds nothing more (what is left is read under the member's lock)."""
    result = RefundResult()
    pairs = set(
        CardCheckout.objects.filter(
            group=group, basket_code__in=references, state=CardCheckout.State.FULFILLED
        ).values_list("member_id", "basket_code")
    ) | set(
        CardMoneyMove.objects.filter(group=group, to_reference__in=references).values_list(
            "checkout__member_id", "to_reference"
        )
    )
    for member_id, reference in sorted(pairs):
        member = Member.objects.get(pk=member_id)
        left = selectors.refundable_by_card(group=group, member=member, reference=reference)
        if left > 0:
            try:
                done = refund_amount(
                    group=group,
                    member=member,
                    reference=reference,
                    amount=left,
                    acting_user=acting_user,
                    reason=reason,
                )
            except PaymentError:  # one order's refusal does not stop the others; it is logged
                log.exception("Refund in full of order %s failed", reference)
                continue
            result.refunds.extend(done.refunds)
    return result


def md_card_references(md: MultiDistrib) -> list[str]:
    """The orders of a distribution that hold card money: paid by card there, or holding card
    money moved there with postponed lines."""
    return sorted(
        set(
            CardCheckout.objects.filter(
                group=md.group, multidistrib=md, state=CardCheckout.State.FULFILLED
            ).values_list("basket_code", flat=True)
        )
        | set(
            CardMoneyMove.objects.filter(group=md.group, multidistrib=md).values_list(
                "to_reference", flat=True
            )
        )
    )


def md_refunds_run(*, md: MultiDistrib, acting_user: Any) -> RefundResult:
    """A cancelled distribution's card refunds (in the request, or in the worker for a big
    one, ``payments.tasks.stripe_md_refunds``): everything left on its orders' card money is
    refunded in full; a second run refunds nothing more."""
    if md.cancelled_at is None:
        return RefundResult()
    return refund_all(
        group=md.group,
        references=md_card_references(md),
        acting_user=acting_user,
        reason=_platform_label(gettext_noop("Distribution cancelled")),
    )


def md_cancel_refunds(md: MultiDistrib, acting_user: Any, reason: str) -> str | None:
    """``distributions.hooks`` canceller: a whole distribution is being cancelled (inside its
    transaction, its row locked, so this runs once per distribution). Once committed, the
    payment pages still open are closed (a session paid meanwhile is settled, and its order,
    refused, refunded), then every card payment taken for it is refunded in full: in the
    request for a few orders, in the worker beyond ``STRIPE_INLINE_REFUNDS_MAX`` (the notice
    returned tells the admin they are on their way)."""
    group = md.group
    references = md_card_references(md)
    open_ids = list(
        CardCheckout.objects.filter(
            group=group,
            multidistrib=md,
            state__in=[CardCheckout.State.OPEN, CardCheckout.State.CREATING],
        ).values_list("pk", flat=True)
    )
    if not references and not open_ids:
        return None
    in_worker = len(references) > settings.STRIPE_INLINE_REFUNDS_MAX
    user_id = acting_user.pk if getattr(acting_user, "is_authenticated", False) else None

    def after() -> None:
        for checkout in CardCheckout.objects.filter(pk__in=open_ids).select_related("group"):
            try:
                checkout_cancel(checkout=checkout)
            except Exception:  # the reconciliation closes it later; logged
                log.exception(
                    "Could not close checkout %s of a cancelled distribution", checkout.pk
                )
        if in_worker:
            from payments.tasks import stripe_md_refunds

            stripe_md_refunds.delay(md_id=md.pk, acting_user_id=user_id)
        else:
            md_refunds_run(md=MultiDistrib.objects.get(pk=md.pk), acting_user=acting_user)

    transaction.on_commit(after)
    if in_worker:
        return ngettext(
            "The card refunds of %(count)s order are on their way: they are made in the "
            "background in the next minutes and listed on the online payment page.",
            "The card refunds of %(count)s orders are on their way: they are made in the "
            "background in the next minutes and listed on the online payment page.",
            len(references),
        ) % {"count": len(references)}
    return None


@transaction.atomic
def card_checkouts_follow(
    *, group: Group, references: list[str], md: MultiDistrib, acting_user: Any
) -> int:
    """Orders paid by card were moved to another distribution (postponing, issue 13): their
    card payments now count in that distribution's takings, refunds and payout. Those of a
    distribution whose payout was already requested stay where the money was paid out.
    Returns how many moved; ``day.postpone`` calls it for the orders moved whole."""
    paid_out = DistributionPayout.objects.filter(
        group=group, status__in=["pending", "paid"]
    ).values("multidistrib_id")
    moved = (
        CardCheckout.objects.filter(
            group=group, basket_code__in=references, state=CardCheckout.State.FULFILLED
        )
        .exclude(multidistrib=md)
        .exclude(multidistrib_id__in=paid_out)
        .update(multidistrib=md)
    )
    if moved:
        log_action(
            action="stripe.checkouts_moved",
            acting_user=acting_user,
            group=group,
            obj=md,
            count=moved,
        )
    return moved


# Payouts ------------------------------------------------------------------------------------


def payout_request(*, group: Group, md: MultiDistrib, acting_user: Any) -> DistributionPayout:
    """Pay the distribution's net card takings out to the group's bank account (spec §3.2):
    once validated, with manual payouts, at most one live payout per distribution, and only
    what the account's available balance holds."""
    account = selectors.group_account(group)
    if account is None:
        raise PaymentError(_("This group has no online payment account."))
    if not account.manual_payouts:
        raise PaymentError(_("Stripe pays this account out automatically."))
    if not account.payouts_enabled:
        raise PaymentError(_("Stripe has not enabled payouts on this account yet."))
    if not md.is_validated:
        raise PaymentError(_("Validate the distribution before requesting its payout."))
    figures = selectors.distribution_figures(group=group, mds=[md])[0]
    amount = figures.net
    if amount <= 0:
        raise PaymentError(_("There is nothing to pay out for this distribution."))
    try:
        with transaction.atomic():
            if DistributionPayout.objects.filter(
                group=group, multidistrib=md, status__in=["pending", "paid"]
            ).exists():
                raise PaymentError(_("A payout was already requested for this distribution."))
            row = DistributionPayout.objects.create(
                group=group,
                multidistrib=md,
                account=account,
                amount=amount,
                requested_by=acting_user
                if getattr(acting_user, "is_authenticated", False)
                else None,
            )
            log_action(
                action="stripe.payout_requested",
                acting_user=acting_user,
                group=group,
                obj=row,
                amount=str(amount),
                multidistrib=md.pk,
            )
    except IntegrityError as exc:
        raise PaymentError(_("A payout was already requested for this distribution.")) from exc
    api = client.client()
    options: dict[str, Any] = {"stripe_account": account.account_id}
    try:
        balance = call(_("reading the balance"), api.v1.balance.retrieve, options=options)
        available = sum(
            int(b.get("amount", 0))
            for b in client.to_dict(balance).get("available", [])
            if str(b.get("currency", "")).upper() == group.currency
        )
        if available < _cents(amount, group.currency):
            raise StripeCallError(_("Not enough funds on the Stripe account yet."))
        payout = call(
            _("requesting the payout"),
            api.v1.payouts.create,
            params={
                "amount": _cents(amount, group.currency),
                "currency": group.currency.lower(),
                "statement_descriptor": f"dist{md.date:%Y-%m-%d}",
                "metadata": {
                    "payout_row": str(row.pk),
                    "group_id": str(group.pk),
                    "multidistrib_id": str(md.pk),
                },
            },
            options={**options, "idempotency_key": f"payout-{row.pk}"},
        )
    except StripeCallError as exc:
        DistributionPayout.objects.filter(pk=row.pk).update(
            status=DistributionPayout.Status.FAILED,
            failure=str(exc.message),
            updated_at=timezone.now(),
        )
        raise
    DistributionPayout.objects.filter(pk=row.pk).update(
        payout_id=payout.id, updated_at=timezone.now()
    )
    row.refresh_from_db()
    return row


def payout_sync(*, data: dict[str, Any]) -> DistributionPayout | None:
    """``payout.paid`` / ``payout.failed``: the payout's status (a failed one may be retried)."""
    row = DistributionPayout.objects.select_for_update().filter(payout_id=data.get("id")).first()
    row_id = str((data.get("metadata") or {}).get("payout_row") or "")
    if row is None and row_id.isdigit():
        row = DistributionPayout.objects.select_for_update().filter(pk=int(row_id)).first()
    if row is None:
        return None
    status = data.get("status")
    if status in DistributionPayout.Status.values and row.status != DistributionPayout.Status.PAID:
        row.status = status
        row.payout_id = row.payout_id or data.get("id")
        row.failure = data.get("failure_message") or ""
        row.updated_at = timezone.now()
        row.save()
    return row


# Reconciliation -----------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    fixed: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    refunds: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return (
            [f"fixed: {s}" for s in self.fixed]
            + [f"released: {s}" for s in self.released]
            + [f"mismatch: {s}" for s in self.mismatches]
            + [f"refund retried: {s}" for s in self.refunds]
        )


def reconcile(*, hours: int = 48, now: Any = None, notify: bool = True) -> ReconcileReport:
    """Find what the webhooks missed (spec §3.3 step 6, "lost webhooks"): paid sessions
    without their order are settled, abandoned ones past their expiry release their stock, and
    what cannot be explained is reported to the platform's admins."""
    report = ReconcileReport()
    if not client.configured():
        return report
    now = now or timezone.now()
    api = client.client()
    since = int((now - timedelta(hours=hours)).timestamp())
    sessions = call(
        _("listing the payments"),
        api.v1.checkout.sessions.list,
        params={"created": {"gte": since}, "limit": 100},
    )
    for session in sessions.auto_paging_iter():
        data = client.to_dict(session)
        checkout_id = str((data.get("metadata") or {}).get("checkout_id") or "")
        checkout = (
            CardCheckout.objects.filter(pk=int(checkout_id)).first()
            if checkout_id.isdigit()
            else None
        )
        paid = data.get("status") == "complete" and data.get("payment_status") == "paid"
        if checkout is None:
            if paid:
                report.mismatches.append(f"session {data.get('id')} paid, no card checkout here")
            continue
        if paid and checkout.state != CardCheckout.State.FULFILLED:
            settled = session_settle(session=data)
            report.fixed.append(
                f"checkout {checkout.pk} ({data.get('id')}): order {settled.basket_code if settled else '?'}"
            )
        elif paid and _amount(data.get("amount_total") or 0, checkout.currency) != checkout.amount:
            report.mismatches.append(
                f"checkout {checkout.pk}: Stripe took {data.get('amount_total')} cents, {checkout.amount} expected"
            )
    stale = CardCheckout.objects.filter(
        state__in=[CardCheckout.State.OPEN, CardCheckout.State.CREATING],
        expires_at__lt=now - timedelta(minutes=5),
    )
    for checkout in stale:
        if checkout.session_id:
            settled = session_refresh(checkout=checkout)
        else:  # the session was never opened (a crash between the two steps)
            settled = session_settle(
                session={"status": "expired", "metadata": {"checkout_id": str(checkout.pk)}}
            )
        if settled and settled.state == CardCheckout.State.EXPIRED:
            report.released.append(f"checkout {checkout.pk}")
        elif settled and settled.state == CardCheckout.State.FULFILLED:
            report.fixed.append(f"checkout {checkout.pk}: order {settled.basket_code}")
    report.refunds = refunds_retry(now=now)
    report.mismatches += [line for line in report.refunds if "given up" in line]
    if notify and report.mismatches:
        mail_admins(
            "Stripe reconciliation: mismatches",
            "\n".join(report.lines()),
        )
    return report

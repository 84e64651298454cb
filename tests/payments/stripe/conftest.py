"""The fake Stripe server, a group whose account takes charges, and helpers to pay and to
deliver webhooks (signed, replayed, forged)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from groups.models import PaymentType
from orders import services as order_services
from orders.models import Basket
from payments.fake_stripe import FakeStripe
from payments.stripe.models import CardCheckout, GroupStripeAccount, StripeAccount
from tests.orders.factories import make_shop, member_of

SECRET = "whsec_test_fake"
WEBHOOK = "/stripe/webhook/"


@pytest.fixture
def fake_stripe(settings):
    fake = FakeStripe(webhook_secret=SECRET).start()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_BASE = fake.base_url
    yield fake
    fake.stop()


def enabled_account(fake: FakeStripe, group, **fields) -> StripeAccount:
    remote = fake.account_create({"settings": {"payouts": {"schedule": {"interval": "manual"}}}})
    fake.account_enable(remote["id"])
    fake.events.clear()
    account = StripeAccount.objects.create(
        account_id=remote["id"],
        name=group.name,
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
        **fields,
    )
    GroupStripeAccount.objects.create(group=group, account=account)
    return account


@dataclass
class CardWorld:
    world: object
    fake: FakeStripe
    shop: object
    account: StripeAccount
    member: object

    @property
    def group(self):
        return self.world.group

    def cart(self, items: dict[str, str]) -> Basket:
        for name, quantity in items.items():
            order_services.cart_set(
                member=self.member,
                md=self.shop.md,
                product=self.shop[name],
                quantity=Decimal(quantity),
                acting_user=self.member.user,
            )
        return Basket.objects.get(member=self.member, multidistrib=self.shop.md, state="cart")

    def start(self, items: dict[str, str], *, delivery: bool = False) -> CardCheckout:
        cart = self.cart(items)
        started = order_services.card_checkout_start(
            md=self.shop.md,
            member=self.member,
            cart=cart,
            delivery=delivery,
            acting_user=self.member.user,
            site_url="http://testserver",
        )
        assert started.pay_url, started.issues
        assert started.checkout is not None
        return CardCheckout.objects.get(pk=started.checkout.pk)

    def pay(self, checkout: CardCheckout) -> dict:
        """The member pays on the hosted page; returns the ``completed`` event (not delivered)."""
        self.fake.session_complete(checkout.session_id)
        return self.fake.events_of("checkout.session.completed")[-1]


@pytest.fixture
def card(world, fake_stripe) -> CardWorld:
    group = world.group
    group.payment_types = [PaymentType.CASH, PaymentType.ONLINE]
    group.save(update_fields=["payment_types"])
    account = enabled_account(fake_stripe, group)
    shop = make_shop(world)
    return CardWorld(world, fake_stripe, shop, account, member_of(world))


def deliver(
    fake: FakeStripe, event: dict, *, secret: str | None = None, client: Client | None = None
):
    payload = fake.payload(event)
    return (client or Client()).post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=fake.signature(payload, secret=secret),
    )

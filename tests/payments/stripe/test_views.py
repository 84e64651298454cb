"""The screens of online payment: onboarding, offering card payment, the checkout's card
branch end to end through HTTP, the daily management page, refunds from a member's page."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import PaymentType
from orders.models import Basket
from payments.models import Operation
from payments.stripe.models import CardCheckout, StripeAccount
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


def test_onboarding_then_webhook_enables_then_offer(world, fake_stripe, client_for):
    group = world.group
    client = client_for(world.admin)
    page = client.get(reverse("payments:online", args=[group.slug]))
    assert page.status_code == 200 and "Stripe" in page.content.decode()
    response = client.post(reverse("payments:online_start", args=[group.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(fake_stripe.base_url + "/_fake/onboard/acct_")
    account = StripeAccount.objects.get()
    assert account.state == "details_missing" and account.manual_payouts
    assert (account.fee_fixed, account.fee_rate) == (D("0.00"), D("0.03600"))
    # Not enabled yet: card payment cannot be offered.
    client.post(reverse("payments:online_offer", args=[group.slug]))
    group.refresh_from_db()
    assert PaymentType.ONLINE not in group.payment_types
    # Stripe verifies the details and says so by webhook.
    fake_stripe.account_enable(account.account_id)
    assert deliver(fake_stripe, fake_stripe.events_of("account.updated")[-1]).status_code == 200
    account.refresh_from_db()
    assert account.state == "enabled"
    page = client.get(reverse("payments:online", args=[group.slug])).content.decode()
    assert "Proposer le paiement par carte à la commande" in page
    client.post(reverse("payments:online_offer", args=[group.slug]))
    group.refresh_from_db()
    assert PaymentType.ONLINE in group.payment_types
    # A second onboarding click reuses the account.
    client.post(reverse("payments:online_start", args=[group.slug]))
    assert StripeAccount.objects.count() == 1


def test_pending_verification_is_shown(world, fake_stripe, client_for):
    client = client_for(world.admin)
    client.post(reverse("payments:online_start", args=[world.group.slug]))
    account = StripeAccount.objects.get()
    fake_stripe.account_enable(account.account_id, verified=False)
    deliver(fake_stripe, fake_stripe.events_of("account.updated")[-1])
    account.refresh_from_db()
    assert account.state == "pending" and not account.charges_enabled


def test_online_payment_hidden_without_stripe_keys(world, client_for, settings):
    settings.STRIPE_SECRET_KEY = ""
    page = client_for(world.admin).get(reverse("payments:online", args=[world.group.slug]))
    assert page.status_code == 200
    assert "online_start" not in page.content.decode()


def _url(name, shop):
    return reverse(
        name if ":" in name else f"orders:{name}",
        kwargs={"group_slug": shop.md.group.slug, "md_id": shop.md.pk},
    )


def test_checkout_by_card_through_http(card, client_for, django_capture_on_commit_callbacks):
    client = client_for(card.world.member)
    shop = card.shop
    client.post(_url("shop:cart_add", shop), {"product": shop["tomatoes"].pk, "quantity": "2"})
    page = client.get(_url("shop:checkout", shop)).content.decode()
    assert 'value="online"' in page
    response = client.post(_url("shop:checkout", shop), {"payment_type": "online"})
    assert response.status_code == 302
    assert response["Location"].startswith(card.fake.base_url + "/_fake/pay/cs_")
    checkout = CardCheckout.objects.get()
    session = card.fake.sessions[checkout.session_id]
    assert session["success_url"].startswith(
        f"http://testserver/g/{card.group.slug}/card/{checkout.pk}/return/"
    )
    # Paid; the member comes back before the webhook.
    event = card.pay(checkout)
    with django_capture_on_commit_callbacks(execute=True):
        back = client.get(
            session["success_url"].replace("{CHECKOUT_SESSION_ID}", checkout.session_id)
        )
    order = Basket.objects.get(state="confirmed")
    assert back.status_code == 302 and back["Location"] == order.get_absolute_url()
    assert order.payment_type == "online" and order.total() == D("9.60")
    deliver(card.fake, event)
    assert Operation.objects.filter(kind="payment").count() == 1
    shown = client.get(order.get_absolute_url()).content.decode()
    assert order.code in shown


def test_card_choice_hidden_when_account_disabled(card, client_for):
    card.account.charges_enabled = False
    card.account.save()
    client = client_for(card.world.member)
    client.post(
        _url("shop:cart_add", card.shop), {"product": card.shop["bread"].pk, "quantity": "1"}
    )
    page = client.get(_url("shop:checkout", card.shop)).content.decode()
    assert 'value="online"' not in page
    response = client.post(_url("shop:checkout", card.shop), {"payment_type": "online"})
    assert response.status_code == 200 and not CardCheckout.objects.exists()


def test_return_page_waits_while_stripe_has_not_confirmed(card, client_for):
    checkout = card.start({"bread": "1"})
    page = client_for(card.world.member).get(
        reverse("payments:card_return", args=[card.group.slug, checkout.pk])
    )
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.content.decode()


def test_another_member_cannot_see_a_checkout(card, client_for):
    checkout = card.start({"bread": "1"})
    response = client_for(card.world.coordinator).get(
        reverse("payments:card_return", args=[card.group.slug, checkout.pk])
    )
    assert response.status_code == 404


def test_wallet_refund_payout_and_proof(card, client_for):
    checkout = card.start({"bread": "2"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    member_row = checkout.member
    admin = client_for(card.world.admin)
    page = admin.get(reverse("payments:member", args=[card.group.slug, member_row.pk]))
    assert page.status_code == 200 and checkout.basket_code in page.content.decode()
    response = admin.post(
        reverse("payments:member_card_refund", args=[card.group.slug, member_row.pk]),
        {
            "card-reference": checkout.basket_code,
            "card-amount": "3,50",
            "card-reason": "Pain manquant",
        },
    )
    assert response.status_code == 302
    assert Operation.objects.get(kind="refund").amount == D("-3.50")
    # Too much: a message, nothing written.
    admin.post(
        reverse("payments:member_card_refund", args=[card.group.slug, member_row.pk]),
        {"card-reference": checkout.basket_code, "card-amount": "10", "card-reason": ""},
    )
    assert Operation.objects.filter(kind="refund").count() == 1
    md = card.shop.md
    md.validated_at = timezone.now()
    md.save(update_fields=["validated_at"])
    wallet = admin.get(reverse("payments:wallet", args=[card.group.slug]))
    assert wallet.status_code == 200
    text = wallet.content.decode()
    assert reverse("payments:payout_request", args=[card.group.slug, md.pk]) in text
    response = admin.post(reverse("payments:payout_request", args=[card.group.slug, md.pk]))
    assert response.status_code == 302
    assert len(card.fake.payouts) == 1
    proof = admin.get(reverse("payments:payout_proof", args=[card.group.slug, md.pk]))
    assert proof.status_code == 200 and proof["Content-Type"].startswith("text/csv")
    body = proof.content.decode("utf-8-sig")
    assert checkout.payment_intent in body and "-3,50" in body
    # The header names the order (a noun), not the shop's "Commander" button.
    header = body.splitlines()[0]
    assert "Commande" in header.split(";") and "Commander" not in header


def test_webhook_refuses_get_and_garbage(client):
    assert client.get("/stripe/webhook/").status_code == 405
    response = client.post(
        "/stripe/webhook/", data=b"\x00not json", content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("payments", [1, 6])
def test_wallet_page_has_a_constant_query_budget(
    card, client_for, django_assert_max_num_queries, payments
):
    from decimal import Decimal

    from payments.stripe.models import CardRefund
    from tests.day.factories import make_md

    for days in range(payments):
        md = make_md(card.group, days=days - 3)
        checkout = CardCheckout.objects.create(
            group=card.group,
            member=card.member,
            multidistrib=md,
            account=card.account,
            amount=Decimal("10.00"),
            fee=Decimal("0.36"),
            state="fulfilled",
            basket_code=f"CODE{days}",
            payment_intent=f"pi_{days}",
        )
        CardRefund.objects.create(
            group=card.group,
            checkout=checkout,
            amount=Decimal("1.00"),
            fee=Decimal("0.04"),
            status="succeeded",
        )
    client = client_for(card.world.admin)
    url = reverse("payments:wallet", args=[card.group.slug])
    client.get(url)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Justificatif (CSV)") == payments
    assert body.count("Justificatif (PDF)") == payments

"""The card refund form (the only payments form of the card app that takes an amount) refuses
hostile amounts with a French message, never a 500, and refunds nothing."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from payments.models import Operation
from payments.stripe.forms import CardRefundForm
from tests.payments.hostile import (
    HOSTILE_AMOUNTS,
    assert_refused_at_the_edge,
    is_french_refusal,
    refused_at_the_edge,
)
from tests.payments.stripe.conftest import deliver


@pytest.fixture
def paid_checkout(card):
    checkout = card.start({"bread": "2"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    return checkout


@pytest.mark.parametrize("value", HOSTILE_AMOUNTS)
def test_card_refund_form_refuses_hostile_amounts(card, paid_checkout, client_for, value):
    with translation.override("fr"):
        form = CardRefundForm(
            {"card-reference": paid_checkout.basket_code, "card-amount": value},
            group=card.group,
            member=paid_checkout.member,
        )
        assert not form.is_valid()
        assert is_french_refusal(form.errors["amount"]), form.errors
    response = client_for(card.world.admin).post(
        reverse("payments:member_card_refund", args=[card.group.slug, paid_checkout.member.pk]),
        {"card-reference": paid_checkout.basket_code, "card-amount": value, "card-reason": ""},
    )
    if refused_at_the_edge(value):
        assert_refused_at_the_edge(response)
    else:
        assert response.status_code == 302
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        assert is_french_refusal(shown), shown
    assert not Operation.objects.filter(kind="refund").exists()
    assert card.fake.refunds == {}

"""The per-distribution proof of card takings as a PDF (issue 17): the figures of the wallet
page and every card payment and refund, read back from the PDF's text."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from payments.stripe import pdf, services
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_proof_shows_the_figures_payments_and_refunds(card, client_for):
    checkout = card.start({"bread": "2"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    services.refund_amount(
        group=card.group,
        member=card.member,
        reference=checkout.basket_code,
        amount=D("1.50"),
        acting_user=card.world.admin,
        reason="Pain manquant",
    )
    context = pdf.proof_context(group=card.group, md=card.shop.md)
    figures = context["figures"]
    assert figures.takings == checkout.amount and figures.refunds == D("1.50")
    assert [row["kind"] for row in context["rows"]] == ["payment", "refund"]

    admin = client_for(card.world.admin)
    url = reverse("payments:payout_proof_pdf", args=[card.group.slug, card.shop.md.pk])
    response = admin.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    assert "Justificatif des paiements par carte" in text  # French, the group's language
    assert checkout.payment_intent in text.replace("\n", "")
    assert card.member.user.get_full_name() in " ".join(text.split())  # a cell may wrap
    amount = f"{checkout.amount:.2f}".replace(".", ",")
    net = f"{figures.net:.2f}".replace(".", ",")
    fee = f"{checkout.fee:.2f}".replace(".", ",")
    for figure in (amount, net, fee, "1,50"):
        assert figure in text, figure
    # The wallet page links to it.
    wallet = admin.get(reverse("payments:wallet", args=[card.group.slug]))
    assert url in wallet.content.decode()


def test_the_pdf_proof_needs_the_payments_right(card, client_for):
    url = reverse("payments:payout_proof_pdf", args=[card.group.slug, card.shop.md.pk])
    assert client_for(card.member.user).get(url).status_code == 403

"""Issue 18: the producer space shows what to prepare for each distribution of the catalogs the
producer supplies, by product and by member, with a CSV and a PDF; nobody else sees it."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def farmer(day):
    user = UserFactory(email="ferme@example.org")
    day.vegetables.vendor.managers.add(user)
    return user


def _distribution(day):
    return day.md.distributions.get(catalog=day.vegetables)


def test_the_producer_sees_their_distributions_only(day, farmer, client_for):
    response = client_for(farmer).get(reverse("day:producer_orders"))
    assert response.status_code == 200
    assert [d.catalog for d in response.context["distributions"]] == [day.vegetables]
    # Membre and Admin ordered carrots, Membre and Coord tomatoes: four lines.
    assert response.context["distributions"][0].lines_count == 4
    assert "Commandes à préparer" in response.content.decode()


def test_what_to_prepare_by_product_and_by_member(day, farmer, client_for):
    url = reverse("day:producer_orders_detail", args=[_distribution(day).pk])
    response = client_for(farmer).get(url)
    [block] = response.context["products"].catalogs
    quantities = {p.product_name: str(p.quantity) for p in block.products}
    assert quantities == {"Carottes": "3.500", "Tomates": "1.950"}
    names = {b.name for b in response.context["members"].blocks}
    assert len(names) == 3
    content = response.content.decode()
    assert "Pain complet" not in content  # another producer's catalog
    assert "3,5 kg" in content


def test_csv_and_pdf(day, farmer, client_for):
    client = client_for(farmer)
    pk = _distribution(day).pk
    response = client.get(reverse("day:producer_orders_csv", args=[pk]))
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0][:3] == ["Numéro", "Membre", "Produit"]
    assert sorted(r[2] for r in rows[1:]) == ["Carottes", "Carottes", "Tomates", "Tomates"]
    response = client.get(reverse("day:producer_orders_pdf", args=[pk]))
    assert response["Content-Type"] == "application/pdf" and response.content[:4] == b"%PDF"


def test_nobody_else_reaches_a_producers_orders(day, farmer, world, client_for):
    pk = _distribution(day).pk
    for name in (
        "day:producer_orders_detail",
        "day:producer_orders_csv",
        "day:producer_orders_pdf",
    ):
        url = reverse(name, args=[pk])
        assert client_for(world.admin).get(url).status_code == 404
        assert client_for(UserFactory()).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302
    assert (
        client_for(world.admin).get(reverse("day:producer_orders")).context["distributions"] == []
    )

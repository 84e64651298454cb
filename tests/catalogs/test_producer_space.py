"""The producer space: isolation between producers, catalogs, links, invitations."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalogs.models import (
    Catalog,
    CatalogLink,
    ProducerCatalog,
    ProducerProduct,
    Product,
    Vendor,
    VendorInvitation,
)
from catalogs.services import catalog_link_create, vendor_invite
from tests.catalogs.factories import ProducerCatalogFactory, ProducerProductFactory, VendorFactory
from tests.factories import MemberFactory, UserFactory


@pytest.fixture
def farmer(db):
    user = UserFactory(email="farmer@example.org")
    vendor = VendorFactory(name="Ferme de Julie", email="julie@farm.example")
    vendor.managers.add(user)
    pc = ProducerCatalogFactory(vendor=vendor)
    product = ProducerProductFactory(producer_catalog=pc, ref="CAR")
    return user, vendor, pc, product


@pytest.fixture
def rival(db):
    user = UserFactory(email="rival@example.org")
    vendor = VendorFactory(name="Ferme voisine")
    vendor.managers.add(user)
    pc = ProducerCatalogFactory(vendor=vendor)
    product = ProducerProductFactory(producer_catalog=pc)
    return user, vendor, pc, product


def test_producer_space_needs_login(client_for):
    response = client_for(None).get(reverse("catalogs:producer_home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_producer_sees_only_their_own_producers_catalogs_and_products(client_for, farmer, rival):
    user, vendor, pc, product = farmer
    _ruser, rvendor, rpc, rproduct = rival
    client = client_for(user)
    home = client.get(reverse("catalogs:producer_home"))
    assert home.status_code == 200
    assert [v.pk for v in home.context["vendors"]] == [vendor.pk]
    assert client.get(reverse("catalogs:producer_vendor", args=[vendor.pk])).status_code == 200
    assert client.get(reverse("catalogs:producer_catalog", args=[pc.pk])).status_code == 200
    assert client.get(reverse("catalogs:producer_product", args=[product.pk])).status_code == 200
    # Everything of the other producer is 404, reading or writing.
    assert client.get(reverse("catalogs:producer_vendor", args=[rvendor.pk])).status_code == 404
    assert (
        client.post(
            reverse("catalogs:producer_vendor", args=[rvendor.pk]), {"which": "legal"}
        ).status_code
        == 404
    )
    assert client.get(reverse("catalogs:producer_catalog", args=[rpc.pk])).status_code == 404
    assert client.get(reverse("catalogs:producer_catalog_edit", args=[rpc.pk])).status_code == 404
    assert client.get(reverse("catalogs:producer_product_create", args=[rpc.pk])).status_code == 404
    assert client.get(reverse("catalogs:producer_product", args=[rproduct.pk])).status_code == 404
    assert (
        client.post(reverse("catalogs:producer_product_delete", args=[rproduct.pk])).status_code
        == 404
    )
    assert (
        client.post(reverse("catalogs:producer_catalog_publish", args=[rpc.pk])).status_code == 404
    )
    assert (
        client.get(reverse("catalogs:producer_catalog_create", args=[rvendor.pk])).status_code
        == 404
    )
    assert ProducerProduct.objects.filter(pk=rproduct.pk).exists()


def test_producer_cannot_break_another_producers_link(world, client_for, farmer, rival):
    user = farmer[0]
    _ruser, _rvendor, rpc, _rp = rival
    catalog = catalog_link_create(producer_catalog=rpc, group=world.group, acting_user=world.admin)
    response = client_for(user).post(
        reverse("catalogs:producer_link_break", args=[catalog.source_link.pk])
    )
    assert response.status_code == 404
    assert catalog.source_link.ended_at is None


def test_producer_creates_a_profile_then_a_catalog_and_a_product(
    client_for, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client = client_for(user)
    response = client.post(
        reverse("catalogs:producer_vendor_create"),
        {
            "name": "Miellerie des Alpilles",
            "email": "miel@example.org",
            "phone": "",
            "profession": "1",
            "postcode": "13520",
            "city": "Maussane",
        },
    )
    vendor = Vendor.objects.get(name="Miellerie des Alpilles")
    assert response.status_code == 302 and user in vendor.managers.all()
    response = client.post(
        reverse("catalogs:producer_catalog_create", args=[vendor.pk]),
        {"name": "Miels", "group_catalog_name": "", "description": "", "visible": "on"},
    )
    pc = ProducerCatalog.objects.get(vendor=vendor)
    response = client.post(
        reverse("catalogs:producer_product_create", args=[pc.pk]),
        {
            "name": "Miel de lavande",
            "ref": "",
            "unit_type": "g",
            "unit_quantity": "500",
            "price": "9.50",
            "vat_rate": "5.5",
            "active": "on",
        },
    )
    assert (
        response.status_code == 200 and "ref" in response.context["form"].errors
    )  # the sync key is required
    response = client.post(
        reverse("catalogs:producer_product_create", args=[pc.pk]),
        {
            "name": "Miel de lavande",
            "ref": "ML500",
            "unit_type": "g",
            "unit_quantity": "500",
            "price": "9.50",
            "vat_rate": "5.5",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert pc.products.get().reference_price == (Decimal("19.00"), "kg")


def test_producer_legal_data_form_checks_the_siret(client_for, farmer):
    user, vendor, _pc, _p = farmer
    client = client_for(user)
    data = {
        "which": "legal",
        "legal-legal_name": "EARL Julie",
        "legal-siret": "1234",
        "legal-legal_status": "6598",
        "legal-naf_code": "0113Z",
        "legal-registered_address": "Mas",
        "legal-registered_postcode": "13200",
        "legal-registered_city": "Arles",
    }
    response = client.post(reverse("catalogs:producer_vendor", args=[vendor.pk]), data)
    assert response.status_code == 200 and "siret" in response.context["legal_form"].errors
    data["legal-siret"] = "35600000049837"  # La Poste rule
    response = client.post(reverse("catalogs:producer_vendor", args=[vendor.pk]), data)
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.siret == "35600000049837"


def test_producer_publishes_to_a_group_where_they_manage_catalogs(world, client_for, farmer):
    user, _vendor, pc, _p = farmer
    client = client_for(user)
    response = client.post(
        reverse("catalogs:producer_catalog_publish", args=[pc.pk]), {"group": world.group.pk}
    )
    assert not Catalog.objects.filter(group=world.group).exists()  # not their group: refused
    MemberFactory(group=world.group, user=user, can_manage_catalogs=True)
    response = client.post(
        reverse("catalogs:producer_catalog_publish", args=[pc.pk]), {"group": world.group.pk}
    )
    assert response.status_code == 302
    catalog = Catalog.objects.get(group=world.group)
    assert catalog.products.get().ref == "CAR"
    assert catalog.coordinators.get().user == user


def test_invitation_by_email_accepted_from_the_producer_space(
    world, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = vendor_invite(
            group=world.group, acting_user=world.admin, email="new@farm.example", message="Venez !"
        )
    newcomer = UserFactory(email="new@farm.example")
    client = client_for(newcomer)
    page = client.get(reverse("catalogs:producer_invitation", args=[invitation.code]))
    assert page.status_code == 200 and not page.context["has_vendor"]
    home = client.get(reverse("catalogs:producer_home"))
    assert [i.pk for i in home.context["invitations"]] == [invitation.pk]
    vendor = VendorFactory(email="new@farm.example")
    vendor.managers.add(newcomer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalogs:producer_invitation", args=[invitation.code]),
            {"answer": "accept", "vendor": vendor.pk, "producer_catalog": ""},
        )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == VendorInvitation.Status.ACCEPTED and invitation.catalog is not None
    link = CatalogLink.objects.get(group=world.group)
    assert link.catalog == invitation.catalog and link.producer_catalog.vendor == vendor
    # The inviter coordinates the new catalog and hears about it.
    assert invitation.catalog.coordinators.get().user == world.admin
    assert mail.outbox[-1].to == [world.admin.email]
    # The code cannot be used twice.
    response = client.post(
        reverse("catalogs:producer_invitation", args=[invitation.code]),
        {"answer": "accept", "vendor": vendor.pk},
    )
    assert Catalog.objects.filter(group=world.group).count() == 1


def test_invitation_for_a_known_producer_is_404_for_other_users(world, client_for, farmer, rival):
    _user, vendor, pc, _p = farmer
    invitation = vendor_invite(
        group=world.group, acting_user=world.admin, vendor=vendor, producer_catalog=pc
    )
    assert (
        client_for(rival[0])
        .get(reverse("catalogs:producer_invitation", args=[invitation.code]))
        .status_code
        == 404
    )
    assert (
        client_for(farmer[0])
        .get(reverse("catalogs:producer_invitation", args=[invitation.code]))
        .status_code
        == 200
    )
    assert (
        client_for(farmer[0])
        .get(reverse("catalogs:producer_invitation", args=["x" * 32]))
        .status_code
        == 404
    )
    response = client_for(farmer[0]).post(
        reverse("catalogs:producer_invitation", args=[invitation.code]), {"answer": "decline"}
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == VendorInvitation.Status.DECLINED
    assert not Product.objects.filter(group=world.group).exists()


def test_producer_home_panel(client_for, farmer):
    user, vendor, _pc, _p = farmer
    vendor.siret = ""
    vendor.save()
    response = client_for(user).get("/")
    panel = next(
        p
        for p in response.context["panels"]
        if p["template"] == "catalogs/home_producer_panel.html"
    )
    assert panel["incomplete"] == [vendor]


def test_producer_adds_a_second_manager_who_then_sees_the_producer(client_for, farmer):
    user, vendor, pc, _p = farmer
    partner = UserFactory(email="partner@example.org")
    client = client_for(user)
    response = client.post(
        reverse("catalogs:producer_vendor", args=[vendor.pk]),
        {"which": "manager", "manager-email": "nobody@example.org"},
    )
    assert response.status_code == 200 and response.context["manager_form"].errors
    response = client.post(
        reverse("catalogs:producer_vendor", args=[vendor.pk]),
        {"which": "manager", "manager-email": "PARTNER@example.org"},
    )
    assert response.status_code == 302
    assert (
        client_for(partner).get(reverse("catalogs:producer_catalog", args=[pc.pk])).status_code
        == 200
    )

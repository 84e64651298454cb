"""Group screens: rights (admin, all-catalogs, coordinator of one catalog), products, directory."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalogs.models import Catalog, Product, Vendor, VendorInvitation
from tests.catalogs.factories import (
    CatalogFactory,
    ProducerCatalogFactory,
    ProductFactory,
    VendorFactory,
)
from tests.factories import MemberFactory, UserFactory


def url(name, world, **kwargs):
    return reverse(f"catalogs:{name}", kwargs={"group_slug": world.group.slug, **kwargs})


@pytest.fixture
def catalog(world):
    return CatalogFactory(group=world.group)


@pytest.fixture
def one_catalog_coordinator(world, catalog):
    """A member coordinating ``catalog`` only, without any group right."""
    user = UserFactory(email="petra@example.org")
    member = MemberFactory(group=world.group, user=user)
    catalog.coordinators.add(member)
    return user


def test_admin_creates_a_catalog_for_a_new_producer(world, client_for):
    client = client_for(world.admin)
    response = client.post(
        url("create", world),
        {
            "vendor": "",
            "vendor_name": "Ferme du Vallon",
            "vendor_email": "vallon@example.org",
            "vendor_profession": "28",
            "vendor_postcode": "13200",
            "vendor_city": "Arles",
            "name": "",
            "description": "",
            "start_date": "2030-01-01",
            "end_date": "2030-12-31",
            "order_open_days_before": "7",
            "order_close_hours_before": "24",
            "users_can_order": "on",
            "fee_percent": "0",
            "fee_label": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    catalog = Catalog.objects.get(group=world.group)
    assert catalog.name == "Ferme du Vallon" and catalog.vendor.email == "vallon@example.org"
    assert not catalog.vendor.legal_data_complete
    page = client.get(url("detail", world, catalog_id=catalog.pk))
    assert page.status_code == 200
    assert b'class="banner"' in page.content  # incomplete legal data


def test_catalog_form_errors_are_shown_not_500(world, client_for):
    response = client_for(world.admin).post(url("create", world), {"end_date": "not a date"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_coordinator_of_one_catalog_manages_only_that_catalog(
    world, client_for, catalog, one_catalog_coordinator
):
    other = CatalogFactory(group=world.group)
    client = client_for(one_catalog_coordinator)
    assert client.get(url("list", world)).status_code == 200
    assert [c.pk for c in client.get(url("list", world)).context["catalogs"]] == [catalog.pk]
    assert client.get(url("detail", world, catalog_id=catalog.pk)).status_code == 200
    assert client.get(url("edit", world, catalog_id=catalog.pk)).status_code == 200
    assert client.get(url("product_create", world, catalog_id=catalog.pk)).status_code == 200
    for name in ("detail", "edit", "product_create", "product_import", "product_export", "vendor"):
        assert client.get(url(name, world, catalog_id=other.pk)).status_code == 403, name
    # Creating, duplicating, ending catalogs and naming coordinators need the all-catalogs right.
    assert client.get(url("create", world)).status_code == 403
    assert client.post(url("end", world, catalog_id=catalog.pk)).status_code == 403
    assert client.get(url("duplicate", world, catalog_id=catalog.pk)).status_code == 403
    assert client.get(url("coordinators", world, catalog_id=catalog.pk)).status_code == 403
    assert client.get(url("directory", world)).status_code == 403


def test_plain_member_gets_403_on_every_catalog_page(world, client_for, catalog):
    product = ProductFactory(catalog=catalog)
    client = client_for(world.member)
    assert client.get(url("list", world)).status_code == 403
    for name in ("detail", "edit", "product_create", "product_import", "product_export", "vendor"):
        assert client.get(url(name, world, catalog_id=catalog.pk)).status_code == 403, name
    for name in ("products_activate", "products_deactivate", "products_price", "break_link"):
        assert client.post(url(name, world, catalog_id=catalog.pk)).status_code == 403, name
    for name in ("product_edit", "product_quick", "product_delete"):
        response = client.post(url(name, world, catalog_id=catalog.pk, product_id=product.pk))
        assert response.status_code == 403, name


def test_product_of_another_catalog_is_404(world, client_for, catalog):
    other = CatalogFactory(group=world.group)
    product = ProductFactory(catalog=other)
    response = client_for(world.admin).get(
        url("product_edit", world, catalog_id=catalog.pk, product_id=product.pk)
    )
    assert response.status_code == 404


def test_product_create_edit_and_quick_edit(world, client_for, catalog):
    client = client_for(world.coordinator)
    response = client.post(
        url("product_create", world, catalog_id=catalog.pk),
        {
            "name": "Comté 18 mois",
            "ref": "COMTE",
            "taxonomy": "83",
            "description": "",
            "unit_type": "g",
            "unit_quantity": "250",
            "price": "6.80",
            "vat_rate": "5.5",
            "variable_weight": "on",
            "small_quantity": "",
            "stock": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    product = Product.objects.get(catalog=catalog)
    assert product.price == Decimal("6.80") and product.variable_weight and product.taxonomy == 83
    assert product.reference_price == (Decimal("27.20"), "kg")
    response = client.post(
        url("product_quick", world, catalog_id=catalog.pk, product_id=product.pk),
        {
            "price": "7.10",
            "stock": "4",
            "next": url("detail", world, catalog_id=catalog.pk) + "?q=comt",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?q=comt")
    product.refresh_from_db()
    assert product.price == Decimal("7.10") and product.stock == Decimal("4") and not product.active
    # A bad value is a message, not a 500, and changes nothing.
    response = client.post(
        url("product_quick", world, catalog_id=catalog.pk, product_id=product.pk), {"price": "-1"}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("7.10")
    # VAT not among the group's rates is refused next to the field.
    response = client.post(
        url("product_edit", world, catalog_id=catalog.pk, product_id=product.pk),
        {"name": "Comté", "unit_type": "piece", "price": "7", "vat_rate": "7"},
    )
    assert response.status_code == 200 and "vat_rate" in response.context["form"].errors


def test_bulk_actions_activate_deactivate_and_change_prices(world, client_for, catalog):
    a = ProductFactory(catalog=catalog, price=Decimal("2.00"))
    b = ProductFactory(catalog=catalog, price=Decimal("3.33"))
    c = ProductFactory(catalog=catalog, price=Decimal("1.00"))
    other = ProductFactory(catalog=CatalogFactory(group=world.group), price=Decimal("5.00"))
    client = client_for(world.coordinator)
    client.post(
        url("products_deactivate", world, catalog_id=catalog.pk),
        {"products": [a.pk, b.pk]},
    )
    assert list(Product.objects.filter(catalog=catalog, active=False).order_by("pk")) == [a, b]
    client.post(
        url("products_price", world, catalog_id=catalog.pk),
        {"percent": "5", "products": [a.pk, b.pk, other.pk]},
    )
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db(), other.refresh_from_db()
    # The product of another catalog is refused by the form: nothing changes at all.
    assert (a.price, b.price, other.price) == (Decimal("2.00"), Decimal("3.33"), Decimal("5.00"))
    client.post(
        url("products_price", world, catalog_id=catalog.pk),
        {"percent": "5", "products": [a.pk, b.pk]},
    )
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.price, b.price, c.price) == (
        Decimal("2.10"),
        Decimal("3.50"),
        Decimal("1.00"),
    )  # 3.4965 → 3.50
    client.post(
        url("products_activate", world, catalog_id=catalog.pk),
        {"products": [a.pk]},
    )
    a.refresh_from_db()
    assert a.active


def test_product_list_query_budget_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.coordinator)
    small = CatalogFactory(group=world.group)
    ProductFactory(catalog=small)
    big = CatalogFactory(group=world.group)
    for i in range(50):
        ProductFactory(
            catalog=big,
            taxonomy=571,
            organic=bool(i % 2),
            unit_type="kg",
            unit_quantity=Decimal("1"),
        )
    client.get(url("detail", world, catalog_id=small.pk))  # warm caches (session, translations)
    with django_assert_max_num_queries(12) as one:
        assert client.get(url("detail", world, catalog_id=small.pk)).status_code == 200
    with django_assert_max_num_queries(12) as many:
        assert client.get(url("detail", world, catalog_id=big.pk)).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)


def test_catalog_list_query_budget_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.admin)
    CatalogFactory(group=world.group)
    client.get(url("list", world))
    with django_assert_max_num_queries(10) as one:
        client.get(url("list", world))
    for _ in range(20):
        ProductFactory(catalog=CatalogFactory(group=world.group))
    with django_assert_max_num_queries(10) as many:
        client.get(url("list", world))
    assert len(many.captured_queries) == len(one.captured_queries)


def test_duplicate_end_and_coordinators(world, client_for, catalog):
    ProductFactory(catalog=catalog, ref="A", stock=Decimal("3"))
    ProductFactory(catalog=catalog, ref="B")
    client = client_for(world.admin)
    response = client.post(
        url("duplicate", world, catalog_id=catalog.pk), {"name": "Copie", "copy_products": "on"}
    )
    copy = Catalog.objects.get(name="Copie")
    assert response.status_code == 302
    assert sorted(copy.products.values_list("ref", "stock")) == [
        ("A", Decimal("3.000")),
        ("B", None),
    ]
    coordinator = world.group.members.get(user=world.coordinator)
    client.post(url("coordinators", world, catalog_id=copy.pk), {"coordinators": [coordinator.pk]})
    assert list(copy.coordinators.all()) == [coordinator]
    outsider_member = world.other_group.members.get(user=world.outsider)
    response = client.post(
        url("coordinators", world, catalog_id=copy.pk), {"coordinators": [outsider_member.pk]}
    )
    assert response.status_code == 200 and response.context["form"].errors
    client.post(url("end", world, catalog_id=copy.pk))
    copy.refresh_from_db()
    assert copy.is_ended(copy.end_date + __import__("datetime").timedelta(days=1))
    assert copy.products.count() == 2


def test_group_edits_the_legal_data_of_the_producer_it_created(world, client_for, catalog):
    vendor = catalog.vendor
    vendor.siret = ""
    vendor.save()
    client = client_for(world.admin)
    response = client.post(
        url("vendor", world, catalog_id=catalog.pk),
        {
            "which": "legal",
            "legal-legal_name": "EARL X",
            "legal-siret": "732 829 320 00075",
            "legal-legal_status": "6598",
            "legal-naf_code": "01.13Z",
            "legal-registered_address": "1 rue",
            "legal-registered_postcode": "13200",
            "legal-registered_city": "Arles",
        },
    )
    assert response.status_code == 200 and "siret" in response.context["legal_form"].errors
    response = client.post(
        url("vendor", world, catalog_id=catalog.pk),
        {
            "which": "legal",
            "legal-legal_name": "EARL X",
            "legal-siret": "732 829 320 00074",
            "legal-legal_status": "6598",
            "legal-naf_code": "01.13Z",
            "legal-registered_address": "1 rue",
            "legal-registered_postcode": "13200",
            "legal-registered_city": "Arles",
        },
    )
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert (
        vendor.siret == "73282932000074"
        and vendor.naf_code == "0113Z"
        and vendor.legal_data_complete
    )
    # A producer with its own account edits itself: the group only reads.
    vendor.managers.add(UserFactory())
    assert (
        client.post(url("vendor", world, catalog_id=catalog.pk), {"which": "legal"}).status_code
        == 403
    )


def test_directory_search_by_name_profession_category_and_distance(world, client_for):
    near = VendorFactory(
        name="Ferme des Oliviers",
        profession=28,
        latitude=Decimal("43.650000"),
        longitude=Decimal("4.800000"),
    )
    far = VendorFactory(
        name="Boulangerie du Nord",
        profession=8,
        latitude=Decimal("50.630000"),
        longitude=Decimal("3.060000"),
    )
    VendorFactory(name="Caché", listed_in_directory=False)
    # The directory shows producer accounts (decision 18).
    for vendor in (near, far):
        vendor.managers.add(UserFactory())
    cheese_catalog = CatalogFactory(group=world.other_group, vendor=far)
    ProductFactory(catalog=cheese_catalog, taxonomy=83)  # Fromage → Crèmerie
    client = client_for(world.admin)
    results = client.get(url("directory", world)).context["results"]
    names = [r.vendor.name for r in results]
    assert names[:2] == ["Ferme des Oliviers", "Boulangerie du Nord"] and "Caché" not in names
    assert results[0].distance_km < 5 and results[1].distance_km > 600
    assert [
        r.vendor
        for r in client.get(url("directory", world), {"name": "ferme oliviers"}).context["results"]
    ] == [near]
    assert [
        r.vendor
        for r in client.get(url("directory", world), {"profession": "8"}).context["results"]
    ] == [far]
    assert [
        r.vendor for r in client.get(url("directory", world), {"category": "8"}).context["results"]
    ] == [far]
    assert [
        r.vendor for r in client.get(url("directory", world), {"distance": "50"}).context["results"]
    ] == [near]


def test_invite_a_producer_by_email_and_cancel(
    world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("directory_invite", world),
            {"email": "new@farm.example", "vendor_name": "Nouvelle ferme", "message": "Bonjour !"},
        )
    assert response.status_code == 302
    invitation = VendorInvitation.objects.get(group=world.group)
    assert len(invitation.code) == 32 and invitation.is_pending
    assert mail.outbox[-1].to == ["new@farm.example"] and invitation.code in mail.outbox[-1].body
    response = client.post(url("directory_invite", world), {"email": "new@farm.example"})
    assert response.status_code == 400  # already invited: a message next to the field
    client.post(url("invitation_cancel", world, invitation_id=invitation.pk))
    invitation.refresh_from_db()
    assert invitation.status == VendorInvitation.Status.CANCELLED


def test_ask_a_producer_to_link_its_catalog(world, client_for, django_capture_on_commit_callbacks):
    vendor = VendorFactory()
    farmer = UserFactory()
    vendor.managers.add(farmer)
    pc = ProducerCatalogFactory(vendor=vendor)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.admin).post(url("directory_request", world, producer_catalog_id=pc.pk))
    invitation = VendorInvitation.objects.get(group=world.group)
    assert invitation.vendor == vendor and invitation.producer_catalog == pc
    assert set(mail.outbox[-1].to) == {vendor.email, farmer.email}
    results = client_for(world.admin).get(url("directory", world)).context["results"]
    assert not next(r for r in results if r.vendor == vendor).catalogs[0].linked_here
    # The vendor's own manager, admin of the group, links at once.
    MemberFactory(group=world.group, user=farmer, is_admin=True)
    pc2 = ProducerCatalogFactory(vendor=vendor)
    response = client_for(farmer).post(url("directory_request", world, producer_catalog_id=pc2.pk))
    assert response.status_code == 302
    assert Catalog.objects.filter(group=world.group, source_link__producer_catalog=pc2).exists()
    results = client_for(world.admin).get(url("directory", world)).context["results"]
    linked = {
        pc.pk: pc.linked_here for pc in next(r for r in results if r.vendor == vendor).catalogs
    }
    assert linked == {pc.pk: False, pc2.pk: True}


def test_linked_catalog_pages_hide_product_editing(world, client_for):
    from tests.catalogs.test_links import linked_catalog

    catalog, _link = linked_catalog(world.group, world.admin)
    client = client_for(world.admin)
    page = client.get(url("detail", world, catalog_id=catalog.pk))
    assert page.status_code == 200 and page.context["link"] is not None
    product = catalog.products.first()
    assert (
        client.get(
            url("product_edit", world, catalog_id=catalog.pk, product_id=product.pk)
        ).status_code
        == 302
    )
    assert client.get(url("product_import", world, catalog_id=catalog.pk)).status_code == 302
    response = client.post(url("break_link", world, catalog_id=catalog.pk))
    assert response.status_code == 302
    catalog.refresh_from_db()
    assert catalog.active_link is None


def test_import_and_export_screens(world, client_for, catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.coordinator)
    bad = SimpleUploadedFile("p.csv", b"productName;price\nA;1\n;2\nC;x\n", content_type="text/csv")
    response = client.post(url("product_import", world, catalog_id=catalog.pk), {"file": bad})
    assert response.status_code == 400
    assert [line for line, _m in response.context["errors"]] == [3, 4]
    assert not Product.objects.filter(catalog=catalog).exists()
    good = SimpleUploadedFile("p.csv", b"productName;price\nA;1\nB;2\n", content_type="text/csv")
    response = client.post(url("product_import", world, catalog_id=catalog.pk), {"file": good})
    assert response.status_code == 302 and Product.objects.filter(catalog=catalog).count() == 2
    export = client.get(url("product_export", world, catalog_id=catalog.pk), {"format": "xlsx"})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    export = client.get(url("product_export", world, catalog_id=catalog.pk))
    assert (
        export["Content-Type"].startswith("text/csv")
        and "attachment" in export["Content-Disposition"]
    )


def test_home_page_lists_coordinated_catalogs(world, client_for, catalog, one_catalog_coordinator):
    response = client_for(one_catalog_coordinator).get("/")
    assert any(
        p["template"] == "catalogs/home_coordinator_panel.html" for p in response.context["panels"]
    )
    assert catalog.name.encode() in response.content


def test_vendor_model_is_not_in_group_urls(world):
    # Vendors are global: group URLs reach them only through a catalog of the group.
    assert Vendor._meta.get_field("name")


def test_home_page_warns_admins_about_incomplete_legal_data(world, client_for):
    catalog = CatalogFactory(group=world.group, vendor=VendorFactory(siret=""))
    CatalogFactory(group=world.group)
    response = client_for(world.admin).get("/")
    panel = next(
        p for p in response.context["panels"] if p["template"] == "catalogs/home_legal_panel.html"
    )
    assert panel["catalogs"] == [catalog]
    response = client_for(world.member).get("/")
    assert not any(
        p["template"] == "catalogs/home_legal_panel.html" for p in response.context["panels"]
    )

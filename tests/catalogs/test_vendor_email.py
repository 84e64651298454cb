"""One producer per e-mail address: a database constraint, refused next to the field."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalogs.models import Catalog, Vendor
from catalogs.services import vendor_create, vendor_update
from tests.catalogs.factories import CatalogFactory, VendorFactory
from tests.factories import UserFactory

TAKEN = "Un autre producteur utilise déjà cette adresse e-mail."


def test_database_refuses_a_second_producer_with_the_same_address_whatever_its_case(db):
    VendorFactory(email="ferme@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vendor.objects.create(name="Copie", email="Ferme@Example.org")


def test_many_producers_may_have_no_address(db):
    Vendor.objects.create(name="Sans adresse 1", email="")
    Vendor.objects.create(name="Sans adresse 2", email="")
    assert Vendor.objects.filter(email="").count() == 2


def test_vendor_create_refuses_an_address_in_use_on_the_email_field(db):
    VendorFactory(email="ferme@example.org")
    with pytest.raises(ValidationError) as caught:
        vendor_create(acting_user=None, name="Copie", email=" FERME@example.org ")
    assert caught.value.message_dict == {"email": [TAKEN]}


def test_vendor_create_stores_the_address_in_lower_case(db):
    vendor = vendor_create(acting_user=None, name="Ferme", email=" Ferme@Example.org ")
    assert vendor.email == "ferme@example.org"


def test_vendor_update_refuses_an_address_in_use_but_keeps_its_own(db):
    VendorFactory(email="ferme@example.org")
    vendor = VendorFactory(email="autre@example.org")
    vendor_update(vendor=vendor, changed=["email"], acting_user=None)
    vendor.email = "ferme@example.org"
    with pytest.raises(ValidationError) as caught:
        vendor_update(vendor=vendor, changed=["email"], acting_user=None)
    assert caught.value.message_dict == {"email": [TAKEN]}
    assert Vendor.objects.get(pk=vendor.pk).email == "autre@example.org"


def test_address_taken_between_the_check_and_the_save_is_reported_not_500(db, monkeypatch):
    VendorFactory(email="ferme@example.org")
    monkeypatch.setattr(Vendor, "full_clean", lambda self, *a, **kw: None)
    with pytest.raises(ValidationError) as caught:
        vendor_create(acting_user=None, name="Copie", email="ferme@example.org")
    assert caught.value.message_dict == {"email": [TAKEN]}
    assert Vendor.objects.filter(email="ferme@example.org").count() == 1


def test_producer_space_profile_with_an_address_in_use_shows_it_next_to_the_field(client_for):
    VendorFactory(email="ferme@example.org")
    response = client_for(UserFactory()).post(
        reverse("catalogs:producer_vendor_create"),
        {"name": "Copie", "email": "Ferme@example.org", "postcode": "13200", "city": "Arles"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": [TAKEN]}


def test_group_edits_its_producer_with_an_address_in_use_next_to_the_field(world, client_for):
    VendorFactory(email="ferme@example.org")
    catalog = CatalogFactory(group=world.group, vendor__email="own@example.org")
    url = reverse(
        "catalogs:vendor", kwargs={"group_slug": world.group.slug, "catalog_id": catalog.pk}
    )
    response = client_for(world.admin).get(url)
    data = {
        f"profile-{name}": value
        for name, value in response.context["profile_form"].initial.items()
        if value is not None and name != "image"
    }
    data.update({"which": "profile", "profile-email": "FERME@example.org"})
    response = client_for(world.admin).post(url, data)
    assert response.status_code == 200
    assert response.context["profile_form"].errors == {"email": [TAKEN]}


def test_new_producer_of_a_catalog_with_an_address_in_use_next_to_the_field(world, client_for):
    VendorFactory(email="ferme@example.org")
    response = client_for(world.admin).post(
        reverse("catalogs:create", kwargs={"group_slug": world.group.slug}),
        {
            "vendor": "",
            "vendor_name": "Copie",
            "vendor_email": "Ferme@example.org",
            "start_date": "2030-01-01",
            "end_date": "2030-12-31",
            "order_open_days_before": "7",
            "order_close_hours_before": "24",
            "fee_percent": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"vendor_email": [TAKEN]}
    assert not Catalog.objects.filter(group=world.group).exists()

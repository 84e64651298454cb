"""Decision 18: a producer record belongs to the group that typed it in (issue 12, Medium).

Another group reaches a producer only through a producer account's public profile or an
invitation, never by the id of a group's private record.
"""

from django.urls import reverse

from catalogs.models import Catalog
from tests.catalogs.factories import CatalogFactory, VendorFactory
from tests.factories import UserFactory

CATALOG_FIELDS = {
    "name": "",
    "description": "",
    "start_date": "2030-01-01",
    "end_date": "2030-12-31",
    "order_open_days_before": "7",
    "order_close_hours_before": "24",
    "users_can_order": "on",
    "fee_percent": "0",
    "fee_label": "",
}


def url(name, group, **kwargs):
    return reverse(f"catalogs:{name}", kwargs={"group_slug": group.slug, **kwargs})


def test_a_group_cannot_attach_another_groups_private_producer_by_its_id(world, client_for):
    private = CatalogFactory(group=world.other_group).vendor  # typed in by the other group
    client = client_for(world.admin)
    create = url("create", world.group)
    page = client.get(create, {"vendor": private.pk}).content.decode()
    assert private.email not in page and private.name not in page
    response = client.post(
        f"{create}?vendor={private.pk}",
        {**CATALOG_FIELDS, "vendor": str(private.pk), "vendor_name": ""},
    )
    assert response.status_code == 200
    assert not Catalog.objects.filter(group=world.group, vendor=private).exists()
    # The group that typed it in still edits it.
    catalog = Catalog.objects.get(group=world.other_group)
    edit = client_for(world.outsider).get(url("vendor", world.other_group, catalog_id=catalog.pk))
    assert edit.status_code == 200 and edit.context["editable"]


def test_the_directory_lists_producer_accounts_not_another_groups_private_records(
    world, client_for
):
    private = CatalogFactory(group=world.other_group).vendor
    account = VendorFactory(name="Ferme avec compte")
    account.managers.add(UserFactory())
    results = client_for(world.admin).get(url("directory", world.group)).context["results"]
    listed = {r.vendor for r in results}
    assert account in listed and private not in listed


def test_a_group_still_creates_a_catalog_for_its_own_producer(world, client_for):
    own = CatalogFactory(group=world.group).vendor
    client = client_for(world.admin)
    response = client.post(
        url("create", world.group), {**CATALOG_FIELDS, "vendor": str(own.pk), "vendor_name": ""}
    )
    assert response.status_code == 302
    assert Catalog.objects.filter(group=world.group, vendor=own).count() == 2

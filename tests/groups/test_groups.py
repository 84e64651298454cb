from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups import services
from groups.models import Group, Place
from kernel.models import LogEntry
from members.models import Member
from members.services import group_create
from tests.factories import PlaceFactory, UserFactory

CREATE = {
    "name": "Les Paniers du Lavoir",
    "group_type": "producer_drive",
    "place_name": "Le Lavoir",
    "address1": "2 rue du Lavoir",
    "address2": "",
    "postcode": "13200",
    "city": "Arles",
    "country": "FR",
    "latitude": "43.676800",
    "longitude": "4.630300",
}


@pytest.mark.django_db(transaction=True)
def test_group_create_makes_creator_admin_with_every_right_and_mails_them(client_for):
    user = UserFactory()
    response = client_for(user).post("/groups/new/", CREATE)
    group = Group.objects.get(name="Les Paniers du Lavoir")
    assert response.status_code == 302 and response["Location"] == f"/g/{group.slug}/manage/"
    member = Member.objects.get(group=group, user=user)
    assert member.perms == {
        "admin",
        "can_manage_catalogs",
        "can_manage_members",
        "can_manage_payments",
        "can_send_messages",
    }
    assert group.contact == user
    assert group.slug == "les-paniers-du-lavoir"
    assert group.main_place.latitude == Decimal("43.676800")
    # Market-mode defaults of spec §1.3.
    assert group.shop_mode and group.phone_required and group.registration == "open"
    assert group.payment_types == ["cash", "cheque"]
    assert LogEntry.objects.filter(group=group, action="group.created", actor=user).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]


def test_csa_group_defaults(db):
    user = UserFactory()
    group = group_create(
        acting_user=user, **{**CREATE, "group_type": "csa", "latitude": None, "longitude": None}
    )
    assert not group.shop_mode and group.has_membership and group.registration == "waiting_list"
    assert not group.payments_enabled


def test_group_create_reports_missing_fields_next_to_them(client_for, db):
    response = client_for(UserFactory()).post(
        "/groups/new/", {**CREATE, "name": "", "postcode": "", "latitude": "91"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "postcode", "latitude"}
    assert not Group.objects.exists()


def test_group_create_requires_login(client):
    response = client.get("/groups/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_slug_is_unique_and_avoids_reserved_words(db):
    user = UserFactory()
    first = group_create(acting_user=user, **{**CREATE, "name": "Map"})
    second = group_create(acting_user=user, **{**CREATE, "name": "Map"})
    assert first.slug == "map-groupe"
    assert second.slug.startswith("map-groupe-") and second.slug != first.slug


def test_admin_edits_general_settings(world, client_for):
    url = f"/g/{world.group.slug}/manage/settings/"
    response = client_for(world.admin).post(
        url,
        {
            "name": "La Cagette 2",
            "intro": "Bonjour",
            "home_text": "",
            "sheet_text": "",
            "website": "example.org",
            "contact": world.admin.pk,
            "legal_representative": "",
            "registration": "closed",
            "time_zone": "Europe/Paris",
            "listed_on_map": "on",
        },
    )
    assert response.status_code == 302
    world.group.refresh_from_db()
    assert world.group.name == "La Cagette 2" and world.group.registration == "closed"
    assert world.group.website == "https://example.org"
    assert LogEntry.objects.filter(action="group.settings_changed", group=world.group).exists()


def _general(world, **changes):
    return {
        "name": world.group.name,
        "intro": "",
        "home_text": "",
        "sheet_text": "",
        "website": "",
        "contact": world.admin.pk,
        "legal_representative": "",
        "registration": world.group.registration,
        "time_zone": "Europe/Paris",
        **changes,
    }


def test_time_zone_is_chosen_from_a_list_common_zones_first(world, client_for):
    url = f"/g/{world.group.slug}/manage/settings/"
    client = client_for(world.admin)
    page = client.get(url).content.decode()
    select = page[
        page.index('<select name="time_zone"') : page.index(
            "</select>", page.index('<select name="time_zone"')
        )
    ]
    assert '<option value="Europe/Paris" selected>Europe/Paris</option>' in select
    assert '<option value="America/Martinique">' in select
    assert "America/Port of Spain" in select  # every zone, in words
    common, others = select.split("<optgroup")[1:3]
    assert "Europe/Brussels" in common and "Indian/Reunion" in common
    assert "Europe/Brussels" not in others and "Asia/Tokyo" in others
    assert 'value="US/Eastern"' not in select  # legacy aliases are left out

    assert client.post(url, _general(world, time_zone="America/Martinique")).status_code == 302
    world.group.refresh_from_db()
    assert world.group.time_zone == "America/Martinique"

    for wrong in ("Europe/Atlantis", "", "Paris"):
        response = client.post(url, _general(world, name="Renamed", time_zone=wrong))
        assert response.status_code == 200
        errors = response.context["form"].errors["time_zone"]
        assert errors == (
            ["Ce champ est obligatoire."] if not wrong else ["Fuseau horaire inconnu."]
        )
    world.group.refresh_from_db()
    assert world.group.time_zone == "America/Martinique" and world.group.name != "Renamed"


def test_a_stored_legacy_time_zone_stays_choosable(world, client_for):
    world.group.time_zone = "US/Eastern"
    world.group.save(update_fields=["time_zone"])
    url = f"/g/{world.group.slug}/manage/settings/"
    client = client_for(world.admin)
    assert '<option value="US/Eastern" selected>' in client.get(url).content.decode()
    assert client.post(url, _general(world, time_zone="US/Eastern")).status_code == 302


def test_settings_reject_money_pot_with_other_types(world, client_for):
    url = f"/g/{world.group.slug}/manage/settings/payments/"
    response = client_for(world.admin).post(
        url,
        {
            "has_payments": "on",
            "payment_types": ["moneypot", "cash"],
            "cheque_payee": "",
            "iban": "",
            "moneypot_floor": "0",
            "currency": "EUR",
        },
    )
    assert response.status_code == 200
    assert "payment_types" in response.context["form"].errors
    world.group.refresh_from_db()
    assert world.group.payment_types == ["cash", "cheque"]


def test_settings_reject_bad_currency_and_transfer_without_iban(world, client_for):
    url = f"/g/{world.group.slug}/manage/settings/payments/"
    response = client_for(world.admin).post(
        url,
        {
            "has_payments": "on",
            "payment_types": ["transfer"],
            "cheque_payee": "",
            "iban": "",
            "moneypot_floor": "0",
            "currency": "XYZ",
        },
    )
    errors = response.context["form"].errors
    assert "currency" in errors and "iban" in errors


def test_vat_rates_drop_unlabelled_rows_and_validate_numbers(world, client_for):
    url = f"/g/{world.group.slug}/manage/settings/vat/"
    client = client_for(world.admin)
    bad = client.post(url, {"label_0": "Réduit", "rate_0": "cinq", "label_1": "", "rate_1": "20"})
    assert "rate_0" in bad.context["form"].errors
    good = client.post(
        url,
        {
            "label_0": "Réduit",
            "rate_0": "5,5",
            "label_1": "",
            "rate_1": "20",
            "label_2": "Normal",
            "rate_2": "20",
        },
    )
    assert good.status_code == 302
    world.group.refresh_from_db()
    assert world.group.vat_rates == [
        {"label": "Réduit", "rate": "5.5"},
        {"label": "Normal", "rate": "20"},
    ]


def test_membership_settings_refuse_negative_fee(world, client_for):
    url = f"/g/{world.group.slug}/manage/settings/membership/"
    response = client_for(world.admin).post(
        url,
        {
            "has_membership": "on",
            "membership_fee": "-5",
            "membership_renewal_month": "9",
            "membership_renewal_day": "1",
        },
    )
    assert "membership_fee" in response.context["form"].errors


def test_volunteer_settings_bounds(world, client_for):
    url = f"/g/{world.group.slug}/manage/settings/volunteers/"
    response = client_for(world.admin).post(
        url, {"duty_signup_days": "3", "volunteers_mail_days": "4", "vacant_roles_mail_days": "20"}
    )
    errors = response.context["form"].errors
    assert "duty_signup_days" in errors and "vacant_roles_mail_days" in errors


def test_delete_needs_the_exact_name_then_hides_the_group(world, client_for):
    client = client_for(world.admin)
    url = f"/g/{world.group.slug}/manage/delete/"
    refused = client.post(url, {"confirmation": "la cagette"})
    assert refused.status_code == 200 and "confirmation" in refused.context["form"].errors
    world.group.refresh_from_db()
    assert world.group.deleted_at is None
    done = client.post(url, {"confirmation": "La Cagette"})
    assert done.status_code == 302
    world.group.refresh_from_db()
    assert world.group.deleted_at is not None and world.group.deleted_by == world.admin
    assert client.get(f"/g/{world.group.slug}/").status_code == 404


def test_purge_erases_groups_deleted_over_30_days_ago_and_restore_brings_back(world):
    services.group_delete(group=world.group, confirmation="La Cagette", acting_user=world.admin)
    assert services.group_purge_deleted(now=timezone.now() + timedelta(days=29)) == 0
    services.group_restore(group=world.group, acting_user=world.admin)
    world.group.refresh_from_db()
    assert world.group.deleted_at is None
    services.group_delete(group=world.group, confirmation="La Cagette", acting_user=world.admin)
    assert services.group_purge_deleted(now=timezone.now() + timedelta(days=31)) == 1
    assert not Group.objects.filter(pk=world.group.pk).exists()
    assert Group.objects.filter(pk=world.other_group.pk).exists()


def test_purge_task_runs_the_service(world):
    from groups.tasks import groups_purge_deleted

    assert groups_purge_deleted.delay().get() == 0


def test_operator_restores_from_django_admin(world, client_for):
    services.group_delete(group=world.group, confirmation="La Cagette", acting_user=world.admin)
    operator = UserFactory(is_staff=True, is_superuser=True)
    response = client_for(operator).post(
        "/admin/groups/group/", {"action": "restore_groups", "_selected_action": [world.group.pk]}
    )
    assert response.status_code == 302
    world.group.refresh_from_db()
    assert world.group.deleted_at is None


def test_place_crud_and_last_place_is_kept(world, client_for):
    client = client_for(world.admin)
    base = f"/g/{world.group.slug}/manage/places/"
    response = client.post(
        base + "new/",
        {
            "name": "Ferme",
            "postcode": "13280",
            "city": "Raphèle",
            "country": "FR",
            "latitude": "43.6",
            "longitude": "",
        },
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(
        base + "new/",
        {
            "name": "Ferme",
            "postcode": "13280",
            "city": "Raphèle",
            "country": "FR",
            "latitude": "43.6",
            "longitude": "4.7",
        },
    )
    assert response.status_code == 302
    farm = Place.objects.get(group=world.group, name="Ferme")
    assert client.post(f"{base}{farm.pk}/delete/").status_code == 302
    assert client.post(f"{base}{world.place.pk}/delete/").status_code == 302
    assert Place.objects.filter(pk=world.place.pk).exists()  # the last place stays


def test_place_of_another_group_is_404(world, client_for):
    client = client_for(world.admin)
    assert (
        client.get(f"/g/{world.group.slug}/manage/places/{world.other_place.pk}/").status_code
        == 404
    )


def test_public_page_shows_phone_only_when_allowed(world, client_for):
    world.admin.phone = "06 00 00 00 01"
    world.admin.save()
    world.group.hide_phone = True
    world.group.save()
    url = f"/g/{world.group.slug}/"
    assert "06 00 00 00 01" not in client_for(None).get(url).content.decode()
    assert "06 00 00 00 01" in client_for(world.member).get(url).content.decode()


def test_map_lists_only_listed_geocoded_groups_with_a_distribution_ahead(world, client):
    today = timezone.localdate()
    Group.objects.filter(pk=world.group.pk).update(active_until=today + timedelta(days=7))
    Group.objects.filter(pk=world.other_group.pk).update(active_until=today - timedelta(days=1))
    unlisted = PlaceFactory(group__listed_on_map=False)
    Group.objects.filter(pk=unlisted.group.pk).update(main_place=unlisted, active_until=today)
    nowhere = PlaceFactory(latitude=None, longitude=None)
    Group.objects.filter(pk=nowhere.group.pk).update(main_place=nowhere, active_until=today)
    data = client.get("/map/groups.geojson").json()
    assert [f["properties"]["name"] for f in data["features"]] == ["La Cagette"]
    assert data["features"][0]["geometry"]["coordinates"] == [4.8126, 43.6398]
    assert client.get("/map/").status_code == 200


def test_geojson_query_count_does_not_grow(world, client, django_assert_max_num_queries):
    today = timezone.localdate()
    for _ in range(15):
        place = PlaceFactory()
        Group.objects.filter(pk=place.group.pk).update(main_place=place, active_until=today)
    with django_assert_max_num_queries(3):
        assert len(client.get("/map/groups.geojson").json()["features"]) == 15


def test_place_coordinates_must_come_in_pairs(world):
    place = Place(group=world.group, name="X", postcode="1", city="Y", latitude=Decimal("1"))
    with pytest.raises(ValidationError):
        place.full_clean()


def test_the_demos_welcome_mail_links_to_the_demo_group(db, django_capture_on_commit_callbacks):
    """Issue 18: the slug is chosen at creation, so the welcome e-mail's links work."""
    import io

    from members import demo

    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(io.StringIO())
    [welcome] = [m for m in mail.outbox if "/manage/" in m.body]
    assert "/g/demo/manage/" in welcome.body and "/g/la-cagette" not in welcome.body
    assert Group.objects.get(slug="demo").name == "La Cagette du Village"

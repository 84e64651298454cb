"""The distribution screens: planning, duties, slots, delivery, lists and calendars."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from distributions import services
from distributions.models import (
    DeliveryRequest,
    DistributionCycle,
    Duty,
    MultiDistrib,
    SlotRequest,
    VolunteerRole,
)
from tests.distributions.factories import CatalogFactory, make_md
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, world, **kwargs):
    return reverse(f"distributions:{name}", kwargs={"group_slug": world.group.slug, **kwargs})


def _many(world, n):
    """n distributions with catalogs, roles, volunteers, slots and deliveries."""
    catalogs = [CatalogFactory(group=world.group) for _ in range(3)]
    role = VolunteerRole.objects.create(group=world.group, name="Accueil")
    today = timezone.localdate()
    mds = []
    for i in range(n):
        md = make_md(world.group, day=today + timedelta(days=5 + i), catalogs=catalogs)
        services.duty_signup(
            need=md.duty_needs.get(role=role), user=world.member, acting_user=world.admin
        )
        services.delivery_configure(
            md=md,
            enabled=True,
            fee=0,
            start_time=time(20, 0),
            end_time=time(21, 0),
            note="",
            acting_user=world.admin,
        )
        services.delivery_request_save(
            md=md,
            user=world.member,
            address1="1 rue",
            postcode="13000",
            city="Arles",
            acting_user=world.member,
        )
        mds.append(md)
    return mds


# Lists and query budgets -------------------------------------------------------------------


@pytest.mark.parametrize("when", ["upcoming", "past"])
def test_admin_list_query_budget_does_not_grow(
    world, client_for, django_assert_max_num_queries, when
):
    client = client_for(world.coordinator)
    _many(world, 1)
    with django_assert_max_num_queries(14) as few:
        assert client.get(url("manage_list", world), {"when": when}).status_code == 200
    MultiDistrib.objects.all().delete()
    VolunteerRole.objects.all().delete()
    _many(world, 8)  # the same shape, more rows
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("manage_list", world), {"when": when})
    assert response.status_code == 200


def test_admin_list_shows_state_catalogs_and_counts(world, client_for):
    md = _many(world, 1)[0]
    other = make_md(world.other_group)
    response = client_for(world.admin).get(url("manage_list", world))
    page = response.context["page"]
    assert [m.pk for m in page] == [md.pk]
    row = page[0]
    assert (row.volunteers_count, row.people_needed, row.deliveries_count) == (1, 1, 1)
    assert row.state() == "open"
    assert other.pk not in [m.pk for m in page]
    for d in md.distributions.all():
        assert d.catalog.vendor.name in response.content.decode()


def test_duty_calendar_query_budget(world, client_for, django_assert_max_num_queries):
    client = client_for(world.member)
    _many(world, 1)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url("duties", world)).status_code == 200
    MultiDistrib.objects.all().delete()
    VolunteerRole.objects.all().delete()
    _many(world, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("duties", world)).status_code == 200


def test_group_page_lists_upcoming_distributions_with_a_fixed_budget(
    world, client_for, django_assert_max_num_queries
):
    # Orders open from the start, so every panel (the shop's too) is measured in both runs.
    make_md(world.group, catalogs=[CatalogFactory(group=world.group)])
    client = client_for(world.member)
    page = reverse("groups:detail", kwargs={"group_slug": world.group.slug})
    with django_assert_max_num_queries(20) as few:
        response = client.get(page)
    assert len(response.context["panels"][0]["mds"]) == 1
    assert url("duties", world) in response.content.decode()
    catalogs = [CatalogFactory(group=world.group) for _ in range(3)]
    for i in range(3):
        make_md(world.group, day=timezone.localdate() + timedelta(days=20 + i), catalogs=catalogs)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page)
    assert len(response.context["panels"][0]["mds"]) == 4
    # Visitors see the dates too, without members' links.
    anonymous = client_for(None).get(page)
    assert anonymous.status_code == 200
    assert url("duties", world) not in anonymous.content.decode()


def test_home_page_shows_the_next_distributions_of_my_groups(world, client_for):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    make_md(world.other_group)
    response = client_for(world.member).get(reverse("home"))
    panels = [
        p for p in response.context["panels"] if p["template"] == "distributions/_home_panel.html"
    ]
    assert [m.pk for m in panels[0]["mds"]] == [md.pk]
    assert catalog.vendor.name in response.content.decode()


def test_member_list_shows_my_duties_and_options(world, client_for):
    md = _many(world, 1)[0]
    response = client_for(world.member).get(url("list", world))
    assert response.status_code == 200
    shown = response.context["mds"][0]
    assert shown.pk == md.pk and len(shown.my_duties) == 1
    assert url("delivery", world, md_id=md.pk) in response.content.decode()


# Planning screens ------------------------------------------------------------------------


def _md_post(day, **extra):
    data = {
        "place": None,
        "day": day.isoformat(),
        "start_time": "18:00",
        "end_time": "20:00",
        "open_date": (day - timedelta(days=7)).isoformat(),
        "open_time": "08:00",
        "close_date": (day - timedelta(days=1)).isoformat(),
        "close_time": "20:00",
    }
    data.update(extra)
    return data


def test_create_a_distribution(world, client_for):
    client = client_for(world.coordinator)
    assert client.get(url("manage_create", world)).status_code == 200
    day = timezone.localdate() + timedelta(days=12)
    response = client.post(url("manage_create", world), _md_post(day, place=world.place.pk))
    md = MultiDistrib.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("manage_catalogs", world, md_id=md.pk)
    assert md.date == day and md.local_start.time() == time(18, 0)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"close_date": "2031-01-01"}, "close_date"),
        ({"end_time": "17:00"}, "end_time"),
        ({"day": "not a date"}, "day"),
        ({"place": "999999"}, "place"),
    ],
)
def test_bad_input_is_shown_next_to_its_field(world, client_for, extra, field):
    day = timezone.localdate() + timedelta(days=12)
    data = _md_post(day, place=world.place.pk)
    data.update(extra)
    response = client_for(world.admin).post(url("manage_create", world), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not MultiDistrib.objects.exists()


def test_a_taken_day_is_shown_on_the_date_field(world, client_for):
    md = make_md(world.group)
    response = client_for(world.admin).post(
        url("manage_create", world), _md_post(md.date, place=world.place.pk)
    )
    assert response.status_code == 200
    assert "day" in response.context["form"].errors


def test_edit_a_distribution(world, client_for):
    md = make_md(world.group)
    client = client_for(world.admin)
    assert client.get(url("manage_edit", world, md_id=md.pk)).status_code == 200
    new_day = md.date + timedelta(days=2)
    response = client.post(
        url("manage_edit", world, md_id=md.pk),
        _md_post(new_day, place=world.place.pk, realign_catalogs="on"),
    )
    assert response.status_code == 302
    md.refresh_from_db()
    assert md.date == new_day


def test_detail_page(world, client_for):
    md = _many(world, 1)[0]
    response = client_for(world.admin).get(url("manage_detail", world, md_id=md.pk))
    assert response.status_code == 200
    assert response.context["counts"].deliveries_count == 1


def test_cycle_preview_then_create(world, client_for):
    client = client_for(world.admin)
    catalog = CatalogFactory(
        group=world.group, start_date=date(2030, 1, 1), end_date=date(2030, 12, 31)
    )
    assert client.get(url("cycle_create", world)).status_code == 200
    data = {
        "place": world.place.pk,
        "cycle_type": "monthly",
        "start_date": "2030-01-31",
        "end_date": "2030-06-01",
        "start_time": "18:00",
        "end_time": "20:00",
        "open_days_before": "10",
        "open_time": "08:00",
        "close_days_before": "2",
        "close_time": "23:55",
        "catalogs": [catalog.pk],
    }
    preview = client.post(url("cycle_preview", world), data)
    assert preview.status_code == 200
    assert [r.planned.day for r in preview.context["rows"]] == [
        date(2030, 1, 31),
        date(2030, 2, 28),
        date(2030, 3, 28),
        date(2030, 4, 25),
        date(2030, 5, 30),
    ]
    assert not MultiDistrib.objects.exists()
    created = client.post(url("cycle_create", world), data)
    assert created.status_code == 302
    assert MultiDistrib.objects.filter(cycle__isnull=False).count() == 5
    assert DistributionCycle.objects.get().cycle_type == "monthly"


def test_cycle_with_a_taken_day_cannot_be_created(world, client_for):
    make_md(world.group, day=date(2030, 1, 10))
    data = {
        "place": world.place.pk,
        "cycle_type": "weekly",
        "start_date": "2030-01-03",
        "end_date": "2030-01-17",
        "start_time": "18:00",
        "end_time": "20:00",
        "open_days_before": "5",
        "open_time": "08:00",
        "close_days_before": "1",
        "close_time": "20:00",
    }
    client = client_for(world.admin)
    preview = client.post(url("cycle_preview", world), data)
    assert preview.context["has_conflicts"]
    create = client.post(url("cycle_create", world), data)
    assert create.status_code == 200
    assert create.context["form"].non_field_errors()
    assert not DistributionCycle.objects.exists()


def test_dates_and_labels_read_naturally_in_french_and_english(world, client_for):
    services.cycle_create(
        group=world.group,
        place=world.place,
        cycle_type="weekly",
        start_date=date(2030, 1, 3),
        end_date=date(2030, 1, 17),
        times=services.planning.CycleTimes(time(18, 0), time(20, 0), 5, time(8, 0), 1, time(20, 0)),
        acting_user=world.admin,
    )
    client = client_for(world.admin)
    french = client.get(url("manage_list", world)).content.decode()
    # Abbreviations with a full stop, lower-case months (Django's "M" wrote "jeu 3 Jan").
    assert "jeu. 3 jan. 2030" in french and "Jan 2030" not in french
    assert "3 jan. 2030" in french and "17 jan. 2030" in french
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    english = client.get(url("manage_list", world)).content.decode()
    assert "Thu 3 Jan 2030" in english
    assert f"Every week at {world.place.name}, from 3 Jan 2030 to 17 Jan 2030" in english
    assert f"{world.place.name}: " not in english


def test_delete_a_cycle(world, client_for):
    cycle = services.cycle_create(
        group=world.group,
        place=world.place,
        cycle_type="weekly",
        start_date=date(2030, 1, 3),
        end_date=date(2030, 1, 17),
        times=services.planning.CycleTimes(time(18, 0), time(20, 0), 5, time(8, 0), 1, time(20, 0)),
        acting_user=world.admin,
    )
    client = client_for(world.admin)
    assert client.get(url("cycle_delete", world, cycle_id=cycle.pk)).status_code == 200
    assert client.post(url("cycle_delete", world, cycle_id=cycle.pk)).status_code == 302
    assert not MultiDistrib.objects.exists()


def test_catalogs_page_adds_and_removes_with_confirmation(world, client_for, clean_hooks):
    a, b = CatalogFactory(group=world.group), CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[a])
    client = client_for(world.admin)
    page = url("manage_catalogs", world, md_id=md.pk)
    assert client.get(page).status_code == 200
    assert client.post(page, {"catalogs": [a.pk, b.pk]}).status_code == 302
    assert md.distributions.count() == 2
    d = md.distributions.get(catalog=b)
    cancelled = []
    clean_hooks.register_order_counter(lambda ids: {pk: 1 for pk in ids if pk == d.pk})
    clean_hooks.register_order_canceller(lambda dist, user: cancelled.append(dist.pk))
    asking = client.post(page, {"catalogs": [a.pk]})
    assert asking.status_code == 200 and asking.context["confirm"]
    assert md.distributions.count() == 2
    done = client.post(page, {"catalogs": [a.pk], "confirmed": "1"})
    assert done.status_code == 302 and cancelled == [d.pk]
    assert list(md.distributions.values_list("catalog", flat=True)) == [a.pk]
    bad = client.post(page, {"catalogs": ["999999"]})
    assert bad.status_code == 200 and "catalogs" in bad.context["form"].errors


def test_open_orders_page(world, client_for):
    a, b = CatalogFactory(group=world.group), CatalogFactory(group=world.group)
    day = timezone.localdate() + timedelta(days=20)
    md = make_md(world.group, day=day, opens=timezone.now() + timedelta(days=3), catalogs=[a])
    client = client_for(world.coordinator)
    page = url("manage_open", world, md_id=md.pk)
    assert client.get(page).status_code == 200
    response = client.post(page, {"catalogs": [a.pk, b.pk]})
    assert response.status_code == 302
    assert md.distributions.count() == 2
    assert all(d.orders_open_at <= timezone.now() for d in md.distributions.all())
    half = client.post(page, {"catalogs": [a.pk], "close_date": day.isoformat()})
    assert half.status_code == 200 and "close_date" in half.context["form"].errors


def test_open_orders_page_offers_only_catalogs_that_can_open(world, client_for, clean_hooks):
    """Decision 13: a producer with incomplete legal data is shown, disabled, with the reason;
    a catalog already open shows until when instead of a box to tick."""
    from catalogs.models import Vendor
    from distributions.apps import producer_may_open_orders

    clean_hooks.register_open_orders_check(producer_may_open_orders)
    ready, later = CatalogFactory(group=world.group), CatalogFactory(group=world.group)
    incomplete = CatalogFactory(group=world.group)
    Vendor.objects.filter(pk=incomplete.vendor_id).update(siret="")
    day = timezone.localdate() + timedelta(days=20)
    md = make_md(world.group, day=day, opens=timezone.now() + timedelta(days=3), catalogs=[later])
    client = client_for(world.admin)
    page = url("manage_open", world, md_id=md.pk)

    response = client.get(page)
    html = response.content.decode()
    offered = set(response.context["form"].fields["catalogs"].queryset)
    assert offered == {ready, later}
    assert f'name="catalogs" value="{incomplete.pk}"' not in html
    assert f'aria-describedby="why-{incomplete.pk}"' in html and "disabled" in html
    assert incomplete.vendor.name in html and "SIRET" in html  # the reason, from the catalogs app
    # A forged post cannot open it.
    forged = client.post(page, {"catalogs": [incomplete.pk]})
    assert forged.status_code == 200 and "catalogs" in forged.context["form"].errors
    assert not md.distributions.filter(catalog=incomplete).exists()

    assert client.post(page, {"catalogs": [ready.pk]}).status_code == 302
    response = client.get(page)
    assert set(response.context["form"].fields["catalogs"].queryset) == {later}
    opened = md.distributions.get(catalog=ready)
    html = response.content.decode()
    assert url("manage_window", world, md_id=md.pk, distribution_id=opened.pk) in html
    detail = client.get(url("manage_detail", world, md_id=md.pk))
    assert detail.context["can_open_orders"]  # "later" is not open yet
    assert detail.context["open_until"] == opened.orders_close_at

    assert client.post(page, {"catalogs": [later.pk]}).status_code == 302
    response = client.get(page)
    assert not response.context["can_open_any"]
    assert "Open orders now" not in response.content.decode()
    detail = client.get(url("manage_detail", world, md_id=md.pk))
    assert not detail.context["can_open_orders"]
    assert page not in detail.content.decode()  # every catalog is open: no "Open orders"
    assert url("manage_edit", world, md_id=md.pk) in detail.content.decode()


def test_open_orders_page_once_the_distribution_has_started(world, client_for):
    md = make_md(world.group, catalogs=[CatalogFactory(group=world.group)])
    client = client_for(world.admin)
    with time_machine.travel(md.start_at + timedelta(minutes=5)):
        response = client.get(url("manage_open", world, md_id=md.pk))
        assert response.status_code == 200 and response.context["started"]
        assert 'name="catalogs"' not in response.content.decode()
        assert not client.get(url("manage_detail", world, md_id=md.pk)).context["can_open_orders"]


def test_catalog_window_page(world, client_for):
    a = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[a])
    d = md.distributions.get()
    page = url("manage_window", world, md_id=md.pk, distribution_id=d.pk)
    client = client_for(world.admin)
    assert client.get(page).status_code == 200
    close = md.date - timedelta(days=2)
    response = client.post(
        page,
        {
            "open_date": timezone.localdate().isoformat(),
            "open_time": "00:00",
            "close_date": close.isoformat(),
            "close_time": "12:00",
        },
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert timezone.localtime(d.orders_close_at, world.group.tzinfo).date() == close
    late = client.post(
        page,
        {
            "open_date": timezone.localdate().isoformat(),
            "open_time": "00:00",
            "close_date": (md.date + timedelta(days=1)).isoformat(),
            "close_time": "12:00",
        },
    )
    assert late.status_code == 200 and "close_date" in late.context["form"].errors
    other_md = make_md(world.group, day=md.date + timedelta(days=1))
    wrong = url("manage_window", world, md_id=other_md.pk, distribution_id=d.pk)
    assert client.get(wrong).status_code == 404


def test_delete_page(world, client_for):
    md = make_md(world.group)
    client = client_for(world.admin)
    assert client.get(url("manage_delete", world, md_id=md.pk)).status_code == 200
    assert client.post(url("manage_delete", world, md_id=md.pk)).status_code == 302
    assert not MultiDistrib.objects.exists()


# Duties screens --------------------------------------------------------------------------


def test_admin_sets_needs_assigns_and_removes(world, client_for):
    role = VolunteerRole.objects.create(group=world.group, name="Caisse")
    md = make_md(world.group)
    client = client_for(world.coordinator)
    page = url("manage_duties", world, md_id=md.pk)
    needs = url("manage_duty_needs", world, md_id=md.pk)
    assign = url("manage_duty_assign", world, md_id=md.pk)
    remove = url("manage_duty_remove", world, md_id=md.pk)
    assert client.get(page).status_code == 200
    assert client.post(needs, {f"role_{role.pk}": "2"}).status_code == 302
    need = md.duty_needs.get(role=role)
    assert need.people == 2
    assert client.post(assign, {"need": need.pk, "user": world.member.pk}).status_code == 302
    duty = Duty.objects.get(need=need)
    assert duty.assigned_by == world.coordinator
    outsider = client.post(assign, {"need": need.pk, "user": world.outsider.pk})
    assert outsider.status_code == 200 and "user" in outsider.context["assign_form"].errors
    lower = client.post(needs, {f"role_{role.pk}": "0"})
    assert lower.status_code == 200 and lower.context["needs_form"].non_field_errors()
    assert client.post(remove, {"duty": "abc"}).status_code == 404
    assert client.post(remove, {"duty": duty.pk}).status_code == 302
    assert not Duty.objects.exists()


def test_removing_a_volunteer_from_the_screen_mails_them(
    world, client_for, django_capture_on_commit_callbacks
):
    role = VolunteerRole.objects.create(group=world.group, name="Caisse")
    md = make_md(world.group)
    services.duty_needs_set(md=md, people={role.pk: 1}, acting_user=world.admin)
    duty = services.duty_signup(
        need=md.duty_needs.get(role=role), user=world.member, acting_user=world.member
    )
    mail.outbox.clear()
    client = client_for(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("manage_duty_remove", world, md_id=md.pk), {"duty": duty.pk})
    assert response.status_code == 302
    assert [m.to[0] for m in mail.outbox] == [world.member.email]
    assert "Caisse" in mail.outbox[0].body and world.admin.display_name in mail.outbox[0].body


def test_roles_pages(world, client_for):
    client = client_for(world.admin)
    assert client.get(url("role_list", world)).status_code == 200
    assert (
        client.post(url("role_create", world), {"name": "Accueil", "catalog": ""}).status_code
        == 302
    )
    role = VolunteerRole.objects.get()
    foreign = CatalogFactory(group=world.other_group)
    response = client.post(
        url("role_edit", world, role_id=role.pk), {"name": "X", "catalog": foreign.pk}
    )
    assert response.status_code == 200 and "catalog" in response.context["form"].errors
    assert client.post(url("role_delete", world, role_id=role.pk)).status_code == 302
    assert not VolunteerRole.objects.exists()
    # Coordinators plan distributions but the roles are the group admins' business.
    assert client_for(world.coordinator).get(url("role_list", world)).status_code == 403


def test_member_signs_up_and_withdraws_from_the_calendar(world, client_for):
    role = VolunteerRole.objects.create(group=world.group, name="Accueil")
    md = make_md(world.group)
    client = client_for(world.member)
    calendar = client.get(url("duties", world))
    assert calendar.status_code == 200 and calendar.context["mds"][0].can_join
    signup = url("duty_signup", world, md_id=md.pk, role_id=role.pk)
    assert client.get(signup).status_code == 405
    assert client.post(signup).status_code == 302
    assert Duty.objects.filter(user=world.member).exists()
    client.post(signup)  # twice: a message, no 500
    withdraw = url("duty_withdraw", world, md_id=md.pk, role_id=role.pk)
    assert client.get(withdraw).status_code == 200
    empty = client.post(withdraw, {"reason": ""})
    assert empty.status_code == 200 and "reason" in empty.context["form"].errors
    assert client.post(withdraw, {"reason": "Malade"}).status_code == 302
    assert not Duty.objects.exists()
    assert client.get(withdraw).status_code == 404  # nothing to withdraw from


# Slots and delivery screens ----------------------------------------------------------------


def test_admin_slot_screen_and_member_choice(world, client_for, clean_hooks):
    md = make_md(world.group, start=time(18, 0), end=time(20, 0))
    admin = client_for(world.admin)
    page = url("manage_slots", world, md_id=md.pk)
    assert admin.get(page).status_code == 200
    configure = {
        "minutes": "30",
        "start_time": "18:00",
        "end_time": "20:00",
        "capacity": "",
    }
    to = {
        action: url(f"manage_slots_{action}", world, md_id=md.pk)
        for action in ("configure", "disable", "resolve", "unresolve")
    }
    assert admin.post(to["configure"], configure).status_code == 302
    assert md.slots.count() == 4
    bad = admin.post(to["configure"], {**configure, "start_time": "17:00"})
    assert bad.status_code == 200 and "start_time" in bad.context["config_form"].errors

    member = client_for(world.member)
    choose = url("slots", world, md_id=md.pk)
    assert member.get(choose).status_code == 200
    slot_ids = list(md.slots.values_list("pk", flat=True))
    nothing = member.post(choose, {})
    assert nothing.status_code == 200 and "slots" in nothing.context["form"].errors
    assert member.post(choose, {"slots": slot_ids[:2]}).status_code == 302
    assert SlotRequest.objects.get(user=world.member).slots.count() == 2

    assert admin.post(to["resolve"]).status_code == 302
    given = SlotRequest.objects.get(user=world.member).assigned_slot_id
    assert given in slot_ids[:2]
    board = admin.get(page).context["board"]
    assert sum(len(r["assigned"]) for r in board["rows"]) == 1
    override = url("manage_slot_override", world, md_id=md.pk)
    assert admin.post(override, {"user": world.member.pk, "slot": slot_ids[3]}).status_code == 302
    assert SlotRequest.objects.get(user=world.member).assigned_manually
    assert member.get(choose).context["current"].assigned_slot_id == slot_ids[3]
    assert admin.post(to["unresolve"]).status_code == 302
    assert admin.post(to["disable"]).status_code == 302
    assert member.get(choose).status_code == 404


def test_delivery_screens(world, client_for):
    md = make_md(world.group)
    admin = client_for(world.admin)
    page = url("manage_delivery", world, md_id=md.pk)
    assert admin.get(page).status_code == 200
    assert client_for(world.member).get(url("delivery", world, md_id=md.pk)).status_code == 404
    configure = url("manage_delivery_configure", world, md_id=md.pk)
    config = {
        "enabled": "on",
        "fee": "2,50",
        "start_time": "20:00",
        "end_time": "21:00",
        "note": "",
    }
    bad = admin.post(configure, {**config, "fee": "-3"})
    assert bad.status_code == 200 and "fee" in bad.context["form"].errors
    assert admin.post(configure, {**config, "fee": "2.50"}).status_code == 302

    world.member.address1, world.member.postcode, world.member.city = "5 rue", "13200", "Arles"
    world.member.save()
    member = client_for(world.member)
    ask = url("delivery", world, md_id=md.pk)
    form = member.get(ask).context["form"]
    assert form.initial["city"] == "Arles"
    save = url("delivery_save", world, md_id=md.pk)
    missing = member.post(save, {"address1": "", "postcode": "", "city": ""})
    assert missing.status_code == 200 and "address1" in missing.context["form"].errors
    assert (
        member.post(save, {"address1": "5 rue", "postcode": "13200", "city": "Arles"}).status_code
        == 302
    )
    request = DeliveryRequest.objects.get()
    assert str(request.fee) == "2.50"
    listed = admin.get(page).context["deliveries"]
    assert [d.pk for d in listed] == [request.pk]
    assert member.post(url("delivery_cancel", world, md_id=md.pk)).status_code == 302
    assert not DeliveryRequest.objects.exists()


# Calendars -------------------------------------------------------------------------------


def test_group_calendar_is_public(world, client_for):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    response = client_for(None).get(url("group_ical", world))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 1
    assert f"UID:distribution-{md.pk}@" in body
    assert catalog.vendor.name in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_member_calendar_needs_only_the_secret_link(world, client_for):
    role = VolunteerRole.objects.create(group=world.group, name="Accueil")
    md = make_md(world.group)
    make_md(world.other_group)
    services.duty_signup(
        need=md.duty_needs.get(role=role), user=world.member, acting_user=world.member
    )
    page = client_for(world.member).get(reverse("distributions:my_calendar"))
    feed_url = page.context["feed_url"]
    response = client_for(None).get(feed_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 2  # the distribution and the duty
    assert "Accueil" in body and world.other_group.name not in body
    client_for(world.member).post(reverse("distributions:my_calendar"))
    assert client_for(None).get(feed_url).status_code == 404  # the old link is dead
    assert client_for(None).get("/calendar/nope.ics").status_code == 404
    assert client_for(None).get(f"/calendar/{'x' * 40}.ics").status_code == 404


def test_my_calendar_needs_login(client_for, db):
    response = client_for(None).get(reverse("distributions:my_calendar"))
    assert response.status_code == 302


def test_a_member_who_left_has_no_slot_or_delivery_screens(world, client_for):
    md = make_md(world.group)
    user = UserFactory()
    member = MemberFactory(group=world.group, user=user)
    member.left_at = timezone.now()
    member.save()
    assert client_for(user).get(url("list", world)).status_code == 404
    assert client_for(user).get(url("slots", world, md_id=md.pk)).status_code == 404


def test_member_list_shows_my_slot_and_my_delivery(world, client_for):
    md = make_md(world.group, start=time(18, 0), end=time(20, 0))
    services.slots_configure(
        md=md,
        minutes=60,
        start_time=time(18, 0),
        end_time=time(20, 0),
        capacity=None,
        acting_user=world.admin,
    )
    md = MultiDistrib.objects.get(pk=md.pk)
    slot = md.slots.last()
    services.slot_assign(md=md, user=world.member, slot=slot, acting_user=world.admin)
    other = make_md(world.group, day=md.date + timedelta(days=1))
    services.delivery_configure(
        md=other,
        enabled=True,
        fee=0,
        start_time=time(20, 0),
        end_time=time(21, 0),
        note="",
        acting_user=world.admin,
    )
    services.delivery_request_save(
        md=other,
        user=world.member,
        address1="9 rue",
        postcode="13200",
        city="Arles",
        acting_user=world.member,
    )
    response = client_for(world.member).get(url("list", world))
    shown = {m.pk: m for m in response.context["mds"]}
    assert shown[md.pk].my_slot.assigned_slot == slot
    assert shown[other.pk].my_delivery.city == "Arles"
    assert str(slot) in response.content.decode()

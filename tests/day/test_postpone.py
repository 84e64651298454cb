"""Postponing: baskets, stock, ledger, e-mails, refusals (spec §4.5, decision 4)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from day import postpone
from day.models import DistributionMove
from kernel.models import LogEntry
from orders.models import Basket, OrderLine
from payments import selectors as payment_selectors
from payments.models import Operation
from tests.day.factories import make_basket, make_catalog, make_md, make_product

pytestmark = pytest.mark.django_db
D = Decimal


def _debt(world, basket):
    return payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    )


def _balances(world):
    return payment_selectors.balances_for_group(group=world.group)


def test_move_every_catalog_moves_baskets_whole_keeping_the_ledger(
    world, day, django_capture_on_commit_callbacks
):
    target = make_md(world.group, days=17)
    stock_before = {p.pk: p.stock for p in (day.carrots, day.loaf)}
    ops_before = list(Operation.objects.values_list("pk", "amount", "reference"))
    balances = _balances(world)
    preview = postpone.postpone_preview(
        group=world.group, md=day.md, target=target, distribution=None
    )
    assert preview.lines == 8 and preview.baskets_moved == 3 and preview.baskets_merged == 0
    with django_capture_on_commit_callbacks(execute=True):
        move = postpone.distribution_postpone(
            group=world.group, md=day.md, target=target, distribution=None, acting_user=world.admin
        )
    for basket in (day.member_basket, day.admin_basket, day.coord_basket):
        basket.refresh_from_db()
        assert basket.multidistrib_id == target.pk and basket.state == "confirmed"
    assert sorted(Basket.objects.filter(multidistrib=target).values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]
    assert set(target.distributions.values_list("catalog__name", flat=True)) == {"Légumes", "Pain"}
    assert not day.md.distributions.exists()
    d = target.distributions.first()
    assert d.orders_close_at == target.orders_close_at
    # Ledger untouched (same references), balances the same, stock the same.
    assert list(Operation.objects.values_list("pk", "amount", "reference")) == ops_before
    assert _balances(world) == balances
    for p in (day.carrots, day.loaf):
        p.refresh_from_db()
        assert p.stock == stock_before[p.pk]
    # Every member concerned is told.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.admin.email, world.coordinator.email, world.member.email]
    )
    assert move.members_notified == 3 and move.lines == 8
    assert DistributionMove.objects.get().catalogs == ["Légumes", "Pain"]
    assert LogEntry.objects.filter(action="orders.distribution_postponed").exists()


def test_move_one_catalog_merges_into_existing_orders_and_recomputes_debts(
    world, day, django_capture_on_commit_callbacks
):
    other = make_catalog(world.group, name="Fromages", vendor_name="Chèvrerie")
    cheese = make_product(other, name="Tomme", price="4.20")
    target = make_md(world.group, days=17, catalogs=[other])
    # The member already ordered at the target.
    existing = make_basket(target, day.members["member"], [(cheese, 1)], payment_type="onthespot")
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    preview = postpone.postpone_preview(
        group=world.group, md=day.md, target=target, distribution=vegetables
    )
    assert preview.lines == 4 and preview.baskets_merged == 3 and preview.emptied == 0
    total_debt_before = sum(
        _debt(world, b) for b in (day.member_basket, day.admin_basket, day.coord_basket, existing)
    )
    with django_capture_on_commit_callbacks(execute=True):
        postpone.distribution_postpone(
            group=world.group,
            md=day.md,
            target=target,
            distribution=vegetables,
            acting_user=world.admin,
        )
    day.member_basket.refresh_from_db()
    assert day.member_basket.multidistrib_id == day.md.pk  # bread stays
    assert _debt(world, day.member_basket) == D("6.43")  # 3.40 + 3.03
    assert _debt(world, existing) == D("9.90")  # 4.20 + 3.53 + 2.17
    assert set(existing.lines.values_list("product_name", flat=True)) == {
        "Tomme",
        "Carottes",
        "Tomates",
    }
    # The on-the-spot intentions follow both totals.
    announced = {
        ref: sum(op.amount for op in Operation.objects.filter(reference=ref, is_money=True))
        for ref in (day.member_basket.code, existing.code)
    }
    assert announced == {day.member_basket.code: D("6.43"), existing.code: D("9.90")}
    total_debt_after = sum(
        _debt(world, b)
        for b in Basket.objects.filter(member__group=world.group).exclude(state="cart")
    )
    assert total_debt_after == total_debt_before
    assert len(mail.outbox) == 3


def test_a_basket_left_empty_is_cancelled_with_a_zero_debt(world, day):
    target = make_md(world.group, days=17, catalogs=[])
    make_basket(target, day.members["admin"], [], record_debt=False)
    bread = day.md.distributions.get(catalog=day.bread)
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    postpone.distribution_postpone(
        group=world.group,
        md=day.md,
        target=target,
        distribution=vegetables,
        acting_user=world.admin,
    )
    postpone.distribution_postpone(
        group=world.group, md=day.md, target=target, distribution=bread, acting_user=world.admin
    )
    day.admin_basket.refresh_from_db()
    assert day.admin_basket.state == "cancelled" and _debt(world, day.admin_basket) == 0
    assert not OrderLine.objects.filter(basket=day.admin_basket).exists()


def test_catalog_ending_before_the_target_is_extended(world, day):
    target = make_md(world.group, days=40)
    day.vegetables.end_date = day.md.date
    day.vegetables.save()
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    preview = postpone.postpone_preview(
        group=world.group, md=day.md, target=target, distribution=vegetables
    )
    assert preview.extended == [("Légumes", target.date)]
    move = postpone.distribution_postpone(
        group=world.group,
        md=day.md,
        target=target,
        distribution=vegetables,
        acting_user=world.admin,
    )
    day.vegetables.refresh_from_db()
    assert day.vegetables.end_date == target.date and move.catalogs_extended == ["Légumes"]


def test_refusals(world, day, past_day=None):
    target = make_md(world.group, days=17, catalogs=[day.bread])
    with pytest.raises(postpone.DayError):  # same distribution
        postpone.postpone_preview(group=world.group, md=day.md, target=day.md, distribution=None)
    # The bread catalog already at the target is no refusal any more (issue 13): it joins.
    preview = postpone.postpone_preview(
        group=world.group, md=day.md, target=target, distribution=None
    )
    assert preview.joined == ["Pain"]
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    postpone.postpone_preview(group=world.group, md=day.md, target=target, distribution=vegetables)
    from django.utils import timezone

    target.validated_at = timezone.now()
    target.save()
    with pytest.raises(postpone.DayError):
        postpone.postpone_preview(
            group=world.group, md=day.md, target=target, distribution=vegetables
        )
    day.md.validated_at = timezone.now()
    day.md.save()
    other = make_md(world.group, days=20)
    with pytest.raises(postpone.DayError):
        postpone.postpone_preview(
            group=world.group, md=day.md, target=other, distribution=vegetables
        )
    assert not DistributionMove.objects.exists()


def test_postpone_page_previews_then_moves(
    world, day, client_for, django_capture_on_commit_callbacks
):
    target = make_md(world.group, days=17)
    client = client_for(world.coordinator)
    kwargs = {"group_slug": world.group.slug, "md_id": day.md.pk}
    page = reverse("day:postpone", kwargs=kwargs)
    preview = reverse("day:postpone_preview", kwargs=kwargs)
    confirm = reverse("day:postpone_confirm", kwargs=kwargs)
    assert client.get(page).status_code == 200
    response = client.post(preview, {"target": target.pk, "distribution": ""})
    assert response.status_code == 200 and response.context["preview"].lines == 8
    assert not DistributionMove.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm, {"target": target.pk, "distribution": ""})
    assert response.status_code == 302
    assert DistributionMove.objects.get().lines == 8
    # A distribution of another group is not a choice.
    other = make_md(world.other_group, days=18)
    response = client.post(preview, {"target": other.pk})
    assert response.status_code == 200 and response.context["form"].errors


def test_a_weekly_cycle_date_is_postponed_onto_the_next_week_with_merge(
    world, day, django_capture_on_commit_callbacks
):
    """Issue 13, item 9: the catalog already takes part next week (a weekly cycle). Its orders
    join the members' baskets there, the debts follow, members are e-mailed, and the catalog
    no longer takes part in the postponed date."""
    next_week = make_md(world.group, days=17, catalogs=[day.vegetables, day.bread])
    # The member already ordered 1 kg of carrots next week; the admin ordered nothing there.
    existing = make_basket(
        next_week, day.members["member"], [(day.carrots, 1)], payment_type="onthespot"
    )
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    there = next_week.distributions.get(catalog=day.vegetables)
    preview = postpone.postpone_preview(
        group=world.group, md=day.md, target=next_week, distribution=vegetables
    )
    assert preview.joined == ["Légumes"] and preview.lines == 4
    assert preview.baskets_merged == 3  # the bread stays in every source basket
    with django_capture_on_commit_callbacks(execute=True):
        postpone.distribution_postpone(
            group=world.group,
            md=day.md,
            target=next_week,
            distribution=vegetables,
            acting_user=world.admin,
        )
    # The source date has no vegetables any more; next week's participation holds every line.
    assert not day.md.distributions.filter(catalog=day.vegetables).exists()
    assert not OrderLine.objects.filter(distribution_id=vegetables.pk).exists()
    assert OrderLine.objects.filter(distribution=there).count() == 5
    # Member: 1 kg ordered there (2.35) + 1.5 kg carrots (3.53) + 0.7 kg tomatoes (2.17).
    assert _debt(world, existing) == D("8.05")
    day.member_basket.refresh_from_db()
    assert _debt(world, day.member_basket) == D("6.43")  # bread: 3.40 + 3.03
    admin_there = Basket.objects.get(multidistrib=next_week, member=day.members["admin"])
    assert _debt(world, admin_there) == D("4.70")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.admin.email, world.coordinator.email, world.member.email]
    )
    body = mail.outbox[0].body
    assert "Légumes" in body


def test_changing_the_date_hours_or_place_of_a_distribution_with_orders_tells_its_customers(
    world, day, django_capture_on_commit_callbacks
):
    """Issue 13, item 9: members who ordered are e-mailed the new date, hours and place;
    a change that moves nothing (the order window only) sends nothing."""
    from datetime import time, timedelta

    from distributions import services
    from tests.factories import PlaceFactory

    md = day.md
    kwargs = {
        "md": md,
        "place": md.place,
        "day": md.date,
        "start_time": md.local_start.time(),
        "end_time": md.local_end.time(),
        "orders_open_at": md.orders_open_at,
        "orders_close_at": md.orders_close_at - timedelta(hours=1),
        "acting_user": world.admin,
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.md_update(**kwargs)
    assert mail.outbox == []
    place = PlaceFactory(group=world.group, name="Halle du marché")
    kwargs.update(place=place, start_time=time(17, 30), end_time=time(19, 30))
    with django_capture_on_commit_callbacks(execute=True):
        services.md_update(**kwargs)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.admin.email, world.coordinator.email, world.member.email]
    )
    message = next(m for m in mail.outbox if m.to[0] == world.member.email)
    assert "17:30" in message.body and "Halle du marché" in message.body
    assert "18:00" in message.body  # the old time


def test_postponing_to_a_new_date_created_on_the_spot(
    world, day, client_for, django_capture_on_commit_callbacks
):
    """Decision 4: any later date: the team creates it from the postponing page (same place
    and hours, the window moved as many days), previews, and moves the orders there."""
    from datetime import timedelta

    client = client_for(world.admin)
    kwargs = {"group_slug": world.group.slug, "md_id": day.md.pk}
    new_day = day.md.date + timedelta(days=3)
    # A date before this one is refused with a message, nothing created.
    response = client.post(
        reverse("day:postpone_new_date", kwargs=kwargs),
        {"new_date": (day.md.date - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200 and response.context["new_date_form"].errors
    response = client.post(
        reverse("day:postpone_new_date", kwargs=kwargs), {"new_date": new_day.isoformat()}
    )
    assert response.status_code == 302
    from distributions.models import MultiDistrib

    target = MultiDistrib.objects.get(group=world.group, date=new_day)
    assert target.local_start.time() == day.md.local_start.time()
    assert target.orders_close_at == day.md.orders_close_at + timedelta(days=3)
    assert response["Location"].endswith(f"?target={target.pk}")
    page = client.get(response["Location"])
    assert page.context["form"].initial["target"] == target.pk
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("day:postpone_confirm", kwargs=kwargs),
            {"target": target.pk, "distribution": ""},
        )
    assert Basket.objects.filter(multidistrib=target, state="confirmed").count() == 3
    assert len(mail.outbox) == 3

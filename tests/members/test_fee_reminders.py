"""Renewal reminders (decision 3): members whose fee expires within the group's lead time and
recent customers without one; once per member and period, in their language, respecting the
notification preference."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from members import memberships
from members.models import Member, MembershipReminder
from messaging.notifications.memberships import membership_reminders_send
from tests.factories import MemberFactory, UserFactory
from tests.orders.factories import make_shop, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world):
    g = world.group
    g.has_membership = True
    g.membership_fee = Decimal("12.00")
    g.membership_renewal_month, g.membership_renewal_day = 9, 1
    g.membership_reminder_days = 20
    g.membership_payment_info = "Chèque à l'accueil."
    g.save()
    return g


def _pay(group, member, year, admin):
    return memberships.membership_record(
        group=group,
        member=member,
        year=year,
        payment_type="cash",
        acting_user=admin,
        today=date(year, 10, 1),
    )


def _send(today, capture):
    with capture(execute=True):
        return membership_reminders_send(today=today)


def test_expiring_members_get_one_reminder_per_period_in_their_language(
    world, group, django_capture_on_commit_callbacks
):
    member = Member.objects.get(group=group, user=world.member)
    english = MemberFactory(group=group, user=UserFactory(language="en"))
    silent = MemberFactory(group=group, user=UserFactory(notify_membership_reminder=False))
    renewed = MemberFactory(group=group)
    for m in (member, english, silent, renewed):
        _pay(group, m, 2026, world.admin)
    _pay(group, renewed, 2027, world.admin)
    mail.outbox.clear()
    # 21 days before the end of the period: too early.
    assert _send(date(2027, 8, 11), django_capture_on_commit_callbacks) == 0
    assert _send(date(2027, 8, 12), django_capture_on_commit_callbacks) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {world.member.email, english.user.email}
    french = by_to[world.member.email]
    assert "2027-2028" in french.subject and "adhésion" in french.subject
    assert "1 septembre 2027" in french.body and "Chèque à l'accueil." in french.body
    assert "/account/profile/" in french.body
    html = french.alternatives[0][0]
    assert "Arrêter ces rappels" in html
    assert "membership fee" in by_to[english.user.email].subject
    # Run again the same day, and the next day: nothing more.
    assert _send(date(2027, 8, 12), django_capture_on_commit_callbacks) == 0
    assert _send(date(2027, 8, 13), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2
    assert MembershipReminder.objects.filter(year=2027).count() == 2


def test_recent_customers_without_a_fee_are_reminded_once(
    world, group, django_capture_on_commit_callbacks
):
    shop = make_shop(world)
    buyer = MemberFactory(group=group)
    order(shop.md, buyer, {shop["bread"]: "1"})
    MemberFactory(group=group)  # never ordered: no reminder
    today = shop.md.date + timedelta(days=3)
    mail.outbox.clear()
    assert _send(today, django_capture_on_commit_callbacks) == 1
    assert mail.outbox[0].to[0] == buyer.user.email
    assert "commandé récemment" in mail.outbox[0].body
    assert _send(today, django_capture_on_commit_callbacks) == 0
    # Once paid, no reminder for this period; groups without fees send nothing.
    group.has_membership = False
    group.save()
    assert _send(today, django_capture_on_commit_callbacks) == 0


def test_beat_task_runs_the_service(world, group):
    from messaging.tasks import membership_reminders_send as task

    assert task.apply().get() == 0


def test_one_click_link_turns_the_reminders_off_and_forged_links_are_404(
    world, group, client, django_capture_on_commit_callbacks
):
    shop = make_shop(world)
    buyer = MemberFactory(group=group)
    order(shop.md, buyer, {shop["bread"]: "1"})
    mail.outbox.clear()
    _send(shop.md.date, django_capture_on_commit_callbacks)
    path = re.search(r"(/account/reminders/membership/[^/\s]+/)", mail.outbox[0].body)[1]
    page = client.get(path)  # anonymous: the signed link is enough
    assert page.status_code == 200 and "Arrêter ces rappels" in page.content.decode()
    response = client.post(path)
    assert response.status_code == 200 and 'id="reminders-off"' in response.content.decode()
    buyer.user.refresh_from_db()
    assert buyer.user.notify_membership_reminder is False
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get("/account/reminders/membership/1/").status_code == 404


def test_group_page_shows_the_member_their_membership(world, group, client_for):
    client = client_for(world.member)
    html = client.get(f"/g/{group.slug}/").content.decode()
    assert 'id="my-membership"' in html and "Adhésion à renouveler" in html
    assert "Chèque à l&#x27;accueil." in html
    member = Member.objects.get(group=group, user=world.member)
    memberships.membership_record(
        group=group,
        member=member,
        year=memberships.current_period(group).year,
        payment_type="cash",
        acting_user=world.admin,
    )
    html = client.get(f"/g/{group.slug}/").content.decode()
    assert "Adhésion à jour" in html and "Chèque à l&#x27;accueil." not in html
    group.has_membership = False
    group.save()
    assert 'id="my-membership"' not in client.get(f"/g/{group.slug}/").content.decode()

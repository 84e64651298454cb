"""The automatic mails: once in their window, never with the flag off, one per kind and day."""

from datetime import time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from catalogs.models import Catalog
from distributions.models import MultiDistrib
from messaging.notifications.members import (
    distribution_reminders_send,
    orders_closing_send,
    orders_open_send,
)
from tests.distributions.factories import make_md
from tests.factories import PlaceFactory
from tests.orders.factories import make_shop, member_of, new_member, order

pytestmark = pytest.mark.django_db(transaction=True)


def _mails_to(address):
    return [m for m in mail.outbox if address in m.to]


@pytest.fixture
def shop(world):
    shop = make_shop(world)
    order(shop.md, member_of(world), {shop["bread"]: "2", shop["tomatoes"]: "1"})
    mail.outbox.clear()
    return shop


@pytest.mark.parametrize("hours", [24, 4])
def test_distribution_reminder_sent_once_in_its_hour(world, shop, hours):
    if hours == 4:
        world.member.notify_distribution_reminder_4h = True
        world.member.save()
    start = shop.md.start_at
    at = start - timedelta(hours=hours)
    with time_machine.travel(at - timedelta(minutes=1), tick=False):
        distribution_reminders_send(hours=hours)
    assert _mails_to("member@example.org") == []
    for minutes in (2, 30, 59):
        with time_machine.travel(at + timedelta(minutes=minutes), tick=False):
            distribution_reminders_send(hours=hours)
    with time_machine.travel(at + timedelta(hours=1, minutes=2), tick=False):
        distribution_reminders_send(hours=hours)
    sent = _mails_to("member@example.org")
    assert len(sent) == 1
    word = "Demain" if hours == 24 else "Aujourd\u2019hui"
    assert sent[0].subject.startswith(word), sent[0].subject
    assert "Pain de campagne" in sent[0].body and "Tomates" in sent[0].body
    assert "/mail-preferences/" in sent[0].body


def test_no_reminder_when_the_flag_is_off(world, shop):
    world.member.notify_distribution_reminder = False
    world.member.save()
    with time_machine.travel(shop.md.start_at - timedelta(hours=24, minutes=-5), tick=False):
        distribution_reminders_send(hours=24)
    with time_machine.travel(shop.md.start_at - timedelta(hours=4, minutes=-5), tick=False):
        distribution_reminders_send(hours=4)  # off by default for new accounts
    assert mail.outbox == []


def test_two_distributions_on_one_day_make_one_mail(world, shop):
    day = timezone.localdate(shop.md.start_at, world.group.tzinfo)
    morning = make_md(
        world.group,
        day=day,
        place=PlaceFactory(group=world.group),
        start=time(9, 0),
        end=time(11, 0),
        catalogs=[shop.bakery],
        acting_user=world.admin,
    )
    order(morning, member_of(world), {shop["bread"]: "1"})
    mail.outbox.clear()
    for md in (morning, shop.md):  # each distribution's hour comes
        with time_machine.travel(md.start_at - timedelta(hours=24, minutes=-3), tick=False):
            distribution_reminders_send(hours=24)
    sent = _mails_to("member@example.org")
    assert len(sent) == 1
    assert sent[0].body.count("== La Cagette") == 2


def test_orders_open_sent_once_grouped_with_producers(world):
    opens = timezone.now().replace(minute=30, second=0, microsecond=0) + timedelta(days=1)
    world.member.notify_orders_open = True
    world.member.save()
    shop = make_shop(world, md_kwargs={"opens": opens})
    mail.outbox.clear()
    with time_machine.travel(opens - timedelta(minutes=1), tick=False):
        orders_open_send()
    assert _mails_to("member@example.org") == []
    for minutes in (31, 45):
        with time_machine.travel(opens + timedelta(minutes=minutes), tick=False):
            orders_open_send()
    sent = _mails_to("member@example.org")
    assert len(sent) == 1
    assert "Ferme du Pré" in sent[0].body and "Fournil" in sent[0].body
    assert _mails_to("coord@example.org") == []  # flag off: new accounts don't get it
    assert shop.md.pk


def test_orders_open_skips_csa_constant_catalogs(world):
    opens = timezone.now().replace(minute=30, second=0, microsecond=0) + timedelta(days=1)
    world.member.notify_orders_open = True
    world.member.save()
    shop = make_shop(world, md_kwargs={"opens": opens})
    Catalog.objects.filter(pk__in=[shop.farm.pk, shop.bakery.pk]).update(
        catalog_type=Catalog.Type.CONSTANT
    )
    with time_machine.travel(opens + timedelta(minutes=31), tick=False):
        orders_open_send()
    assert _mails_to("member@example.org") == []


def test_orders_closing_goes_to_carts_and_usual_customers_not_to_those_who_ordered(world, shop):
    carter = new_member(world.group, email="cart@example.org")
    from orders import services

    services.cart_set(
        member=carter, md=shop.md, product=shop["bread"], quantity=1, acting_user=carter.user
    )
    idle = new_member(world.group, email="idle@example.org")
    off = new_member(world.group, email="off@example.org", notify_orders_closing=False)
    services.cart_set(
        member=off, md=shop.md, product=shop["bread"], quantity=1, acting_user=off.user
    )
    mail.outbox.clear()
    at = MultiDistrib.objects.get(pk=shop.md.pk).orders_close_at - timedelta(
        hours=settings.ORDERS_CLOSING_NOTICE_HOURS
    )
    for minutes in (2, 40):
        with time_machine.travel(at + timedelta(minutes=minutes), tick=False):
            orders_closing_send()
    assert len(_mails_to("cart@example.org")) == 1
    assert "panier" in _mails_to("cart@example.org")[0].body
    assert _mails_to("member@example.org") == []  # ordered already
    assert _mails_to(idle.user.email) == [] and _mails_to("off@example.org") == []


def test_the_group_contact_hears_of_a_member_joining_an_open_group(world):
    from members.services import member_add, member_join
    from tests.factories import UserFactory

    newcomer = UserFactory(email="new@example.org", first_name="Nina", last_name="Nouvelle")
    member_join(group=world.group, user=newcomer, acting_user=newcomer)
    added = UserFactory(email="added@example.org")
    member_add(group=world.group, user=added, acting_user=world.admin)  # an admin's doing
    sent = _mails_to("admin@example.org")
    assert len(sent) == 1
    assert sent[0].subject == "NOUVELLE Nina a rejoint La Cagette"
    assert "new@example.org" in sent[0].body


def test_wholesale_order_to_adjust_goes_to_the_contact_once_when_orders_close(world, shop):
    from messaging.notifications.wholesale import wholesale_adjust_send

    order(shop.md, member_of(world), {shop["apples"]: "0.25"})  # 2.5 kg of a 10 kg crate
    mail.outbox.clear()
    closes = MultiDistrib.objects.get(pk=shop.md.pk).orders_close_at
    with time_machine.travel(closes - timedelta(minutes=5), tick=False):
        wholesale_adjust_send()
    assert mail.outbox == []
    for minutes in (62, 90):
        with time_machine.travel(closes + timedelta(minutes=minutes), tick=False):
            wholesale_adjust_send()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@example.org"]
    assert "Pommes" in mail.outbox[0].body and "7,5" in mail.outbox[0].body


def test_each_person_gets_the_reminder_in_their_language(world, shop):
    world.member.language = "en"
    world.member.save()
    with time_machine.travel(shop.md.start_at - timedelta(hours=24, minutes=-3), tick=False):
        distribution_reminders_send(hours=24)
    (sent,) = _mails_to("member@example.org")
    assert sent.subject.startswith("Tomorrow: your distribution of "), sent.subject
    assert "Here is what you collect:" in sent.body


def test_a_member_of_two_groups_gets_one_orders_open_mail_for_both(world):
    from tests.catalogs.factories import CatalogFactory, VendorFactory
    from tests.factories import MemberFactory

    opens = timezone.now().replace(minute=10, second=0, microsecond=0) + timedelta(days=1)
    world.member.notify_orders_open = True
    world.member.save()
    MemberFactory(group=world.other_group, user=world.member)
    make_shop(world, md_kwargs={"opens": opens})
    other = CatalogFactory(group=world.other_group, vendor=VendorFactory(name="Rucher"))
    make_md(
        world.other_group,
        catalogs=[other],
        opens=opens + timedelta(minutes=20),
        acting_user=world.outsider,
    )
    mail.outbox.clear()
    for minutes in (55, 62, 120):
        with time_machine.travel(opens + timedelta(minutes=minutes), tick=False):
            orders_open_send()
    (sent,) = _mails_to("member@example.org")
    assert sent.subject == "Les commandes sont ouvertes dans vos groupes"
    assert "== La Cagette" in sent.body and "== Autre groupe" in sent.body
    assert "Rucher" in sent.body and "Fournil" in sent.body
    assert len(_mails_to("outsider@example.org")) == 0  # flag off by default


def test_orders_closing_in_two_groups_on_one_day_make_one_mail(world, shop):
    from orders import services
    from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory
    from tests.factories import MemberFactory

    md = MultiDistrib.objects.get(pk=shop.md.pk)
    carter = new_member(world.group, email="cart@example.org")
    services.cart_set(
        member=carter, md=md, product=shop["bread"], quantity=1, acting_user=carter.user
    )
    other = CatalogFactory(group=world.other_group, vendor=VendorFactory(name="Rucher"))
    honey = ProductFactory(catalog=other, name="Miel")
    later = make_md(
        world.other_group,
        day=timezone.localdate(md.start_at, world.group.tzinfo),
        catalogs=[other],
        closes=md.orders_close_at + timedelta(hours=3),
        acting_user=world.outsider,
    )
    other_member = MemberFactory(group=world.other_group, user=carter.user)
    services.cart_set(
        member=other_member, md=later, product=honey, quantity=1, acting_user=carter.user
    )
    mail.outbox.clear()
    at = md.orders_close_at - timedelta(hours=settings.ORDERS_CLOSING_NOTICE_HOURS)
    for hours in range(0, 5):
        with time_machine.travel(at + timedelta(hours=hours, minutes=2), tick=False):
            orders_closing_send()
    (sent,) = _mails_to("cart@example.org")
    assert "== La Cagette" in sent.body and "== Autre groupe" in sent.body

"""'A distribution to validate' at its start, to the admins; the day tools' mails about a
member's own order follow the member's "order changes" preference."""

from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from day import postpone, tools
from distributions import services as distribution_services
from kernel.mail import preferences_token
from messaging.notifications.day import validation_due_send
from tests.day.conftest import build_day
from tests.day.factories import make_md
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _to(address):
    return [m for m in mail.outbox if address in m.to]


@pytest.fixture(autouse=True)
def _payment_types(world):
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save(update_fields=["payment_types"])


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(fn, at=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            if at is None:
                return fn(**kwargs)
            with time_machine.travel(at, tick=False):
                return fn(**kwargs)

    return run


def test_distribution_to_validate_goes_to_admins_at_its_start_hour_once(world, run):
    english = UserFactory(email="board@example.org", language="en", first_name="Bea")
    MemberFactory(group=world.group, user=english, is_admin=True)
    day = build_day(world)
    mail.outbox.clear()
    start = day.md.start_at  # 18:00 local
    assert run(validation_due_send, now=start - timedelta(seconds=1)) == 0  # 17:59:59
    assert run(validation_due_send, now=start + timedelta(minutes=7)) == 2
    assert run(validation_due_send, now=start + timedelta(minutes=40)) == 0  # same hour again
    assert run(validation_due_send, now=start + timedelta(hours=1, minutes=7)) == 0
    assert [m.to for m in mail.outbox] == [[world.admin.email], [english.email]]
    french, other = mail.outbox
    assert "à valider" in french.subject and "to validate" in other.subject
    url = reverse("day:validate", args=[world.group.slug, day.md.pk])
    assert url in french.body and url in other.body
    assert _to(world.member.email) == [] and _to(world.coordinator.email) == []


def test_distribution_to_validate_respects_the_admins_flag_and_needs_payments(world, run):
    day = build_day(world)
    world.admin.notify_distribution_validation = False
    world.admin.save(update_fields=["notify_distribution_validation"])
    mail.outbox.clear()
    assert run(validation_due_send, now=day.md.start_at + timedelta(minutes=5)) == 0
    world.admin.notify_distribution_validation = True
    world.admin.save(update_fields=["notify_distribution_validation"])
    world.group.has_payments = False
    world.group.save(update_fields=["has_payments"])
    assert run(validation_due_send, now=day.md.start_at + timedelta(minutes=5)) == 0
    assert mail.outbox == []


def _order_changes_off(user):
    user.notify_order_changes = False
    user.save(update_fields=["notify_order_changes"])


def test_a_price_change_tells_only_those_who_keep_order_change_mails(world, run):
    day = build_day(world, days=-1)
    _order_changes_off(world.member)
    mail.outbox.clear()
    run(
        tools.price_change,
        group=world.group,
        md=day.md,
        product=day.carrots,
        price="2,00",
        acting_user=world.admin,
    )
    assert [m.to for m in mail.outbox] == [[world.admin.email]]  # the member turned them off


def test_a_distribution_moved_tells_only_those_who_keep_order_change_mails(world, run):
    day = build_day(world)
    _order_changes_off(world.member)
    mail.outbox.clear()
    md = day.md
    run(
        distribution_services.md_update,
        md=md,
        place=md.place,
        day=md.date,
        start_time=time(17, 0),
        end_time=time(19, 0),
        orders_open_at=md.orders_open_at,
        orders_close_at=md.orders_close_at,
        acting_user=world.admin,
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.admin.email, world.coordinator.email]
    )


def test_a_postponed_distribution_tells_only_those_who_keep_order_change_mails(world, run):
    day = build_day(world)
    target = make_md(world.group, days=17)
    _order_changes_off(world.coordinator)
    mail.outbox.clear()
    run(
        postpone.distribution_postpone,
        group=world.group,
        md=day.md,
        target=target,
        distribution=None,
        acting_user=world.admin,
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.admin.email, world.member.email])


def test_the_footer_link_and_the_admins_page_cover_the_new_preferences(world, client, client_for):
    url = reverse("messaging:preferences", args=[preferences_token(world.member)])
    page = client.get(url).text
    assert 'name="notify_order_changes"' in page
    assert 'name="notify_distribution_validation"' not in page  # only admins have that mail
    admins_page = reverse("messaging:preferences", args=[preferences_token(world.admin)])
    assert 'name="notify_distribution_validation"' in client.get(admins_page).text
    client.post(url, {"notify_distribution_reminder": "on"})
    world.member.refresh_from_db()
    assert not world.member.notify_order_changes
    world.admin.notify_distribution_validation = False
    world.admin.save(update_fields=["notify_distribution_validation"])
    listing = client_for(world.admin).get(reverse("messaging:list", args=[world.group.slug]))
    counts = listing.context["opted_out"]
    assert counts["notify_order_changes"] == 1
    assert counts["admins"] == 1 and counts["notify_distribution_validation"] == 1

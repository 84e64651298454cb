"""'Volunteers needed' as a digest: one mail per person and day, whatever the distributions and
groups of that day; sent in its hour, once."""

from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from distributions.models import VolunteerRole
from kernel.models import OutboxMail
from messaging.notifications.duties import vacant_roles_alerts_send
from tests.distributions.factories import make_md
from tests.factories import MemberFactory, PlaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _to(address):
    return [m for m in mail.outbox if address in m.to]


@pytest.fixture
def day_of_three(world, django_capture_on_commit_callbacks):
    """One day in three weeks: La Cagette at 9:00 and 18:30, the other group at 18:00; the
    member belongs to both groups, a neighbour only to the other one."""
    for group in (world.group, world.other_group):
        VolunteerRole.objects.create(group=group, name="Accueil")
    day = timezone.localdate() + timedelta(days=21)
    morning = make_md(world.group, day=day, start=time(9, 0), end=time(11, 0))
    evening = make_md(
        world.group,
        day=day,
        place=PlaceFactory(group=world.group, name="Halle"),
        start=time(18, 30),
        end=time(20, 0),
    )
    other = make_md(world.other_group, day=day, start=time(18, 0), end=time(19, 0))
    MemberFactory(group=world.other_group, user=world.member)
    neighbour = UserFactory(email="neighbour@example.org")
    MemberFactory(group=world.other_group, user=neighbour)
    mail.outbox.clear()

    def run(at):
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return vacant_roles_alerts_send()

    return morning, evening, other, run


def test_one_call_per_person_and_day_listing_every_distribution_of_their_groups(
    world, day_of_three
):
    morning, evening, other, run = day_of_three
    due = morning.start_at - timedelta(days=world.group.vacant_roles_mail_days)
    assert run(due - timedelta(seconds=1)) == 0  # 8:59:59, seven days before: not yet
    assert mail.outbox == []
    assert run(due + timedelta(minutes=2)) == 3  # 9:02: admin, coordinator, member
    assert run(due + timedelta(minutes=40)) == 0  # the same hour again: nothing
    sent = _to("member@example.org")
    assert len(sent) == 1
    body = sent[0].body
    # Every distribution of that day in both of the member's groups, each with its own text.
    assert body.count("/duties/") == 3, body
    assert "== La Cagette" in body and "== Autre groupe" in body
    assert "Halle" in body
    print(sent[0].subject, body, sep="\n")  # read in the note: the digest as sent
    assert sent[0].subject.startswith("Bénévoles recherchés pour les distributions du")
    # The admin of La Cagette only: both of its distributions in one mail.
    admin = _to("admin@example.org")
    assert len(admin) == 1 and "Halle" in admin[0].body and "Autre groupe" not in admin[0].body

    # The other group's distribution comes due at 18:00; La Cagette's evening at 18:30.
    other_due = other.start_at - timedelta(days=world.other_group.vacant_roles_mail_days)
    assert run(other_due - timedelta(minutes=1)) == 0
    assert run(other_due + timedelta(minutes=1)) == 2  # the neighbour and the other group's admin
    assert run(evening.start_at - timedelta(days=7) + timedelta(minutes=1)) == 0
    assert len(_to("member@example.org")) == 1  # told in the morning
    neighbour = _to("neighbour@example.org")
    assert len(neighbour) == 1 and "La Cagette" not in neighbour[0].body
    assert OutboxMail.objects.filter(kind="duty_vacant").count() == 5


def test_a_person_who_turned_alerts_off_gets_nothing(world, day_of_three):
    morning, _evening, _other, run = day_of_three
    world.member.notify_volunteer_alerts = False
    world.member.save(update_fields=["notify_volunteer_alerts"])
    run(morning.start_at - timedelta(days=7) + timedelta(minutes=5))
    assert _to("member@example.org") == []
    assert len(_to("admin@example.org")) == 1

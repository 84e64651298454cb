"""Volunteer duties (spec §8): sign-up, withdrawal, assignment and the automatic e-mails."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distributions import services
from distributions.models import Duty, DutyNeed, MultiDistrib, VolunteerRole
from messaging.notifications import duties as duty_notifications
from tests.distributions.factories import CatalogFactory, make_md
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _thursday(weeks_ahead: int = 3) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(3 - today.weekday()) % 7 + 7 * weeks_ahead)


@pytest.fixture
def duty_md(world):
    """A Thursday distribution in about three weeks needing a welcome and two cashiers."""
    welcome = VolunteerRole.objects.create(group=world.group, name="Accueil")
    cash = VolunteerRole.objects.create(group=world.group, name="Caisse")
    md = make_md(world.group, day=_thursday(), start=time(18, 30), end=time(20, 0))
    services.duty_needs_set(md=md, people={cash.pk: 2}, acting_user=world.admin)
    md.welcome = md.duty_needs.get(role=welcome)
    md.cash = md.duty_needs.get(role=cash)
    return md


@pytest.fixture
def outbox(django_capture_on_commit_callbacks):
    """Mail leaves after commit: run the callbacks, then give the outbox."""

    class Box:
        def run(self, fn, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return fn(*args, **kwargs)

    mail.outbox.clear()
    return Box()


def test_member_signs_up_and_cannot_hold_the_same_role_twice(world, duty_md):
    duty = services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    assert duty.assigned_by is None
    with pytest.raises(ValidationError):
        services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    # One person may hold several roles at one distribution (spec §8).
    services.duty_signup(need=duty_md.cash, user=world.member, acting_user=world.member)
    assert Duty.objects.filter(user=world.member).count() == 2


def test_a_role_takes_as_many_people_as_it_needs(world, duty_md):
    services.duty_signup(need=duty_md.cash, user=world.member, acting_user=world.member)
    services.duty_signup(need=duty_md.cash, user=world.coordinator, acting_user=world.coordinator)
    with pytest.raises(ValidationError):
        services.duty_signup(need=duty_md.cash, user=world.admin, acting_user=world.admin)
    with pytest.raises(ValidationError):
        services.duty_signup(need=duty_md.welcome, user=world.outsider, acting_user=world.outsider)


def test_sign_up_opens_duty_signup_days_before_but_admins_assign_anytime(world, duty_md):
    world.group.duty_signup_days = 7
    world.group.save(update_fields=["duty_signup_days"])
    md = MultiDistrib.objects.select_related("group").get(pk=duty_md.pk)
    need = md.duty_needs.get(pk=duty_md.welcome.pk)
    with pytest.raises(ValidationError):
        services.duty_signup(need=need, user=world.member, acting_user=world.member)
    duty = services.duty_signup(need=need, user=world.member, acting_user=world.admin)
    assert duty.assigned_by == world.admin
    with time_machine.travel(md.start_at - timedelta(days=6)):
        services.duty_signup(
            need=md.duty_needs.get(pk=duty_md.cash.pk), user=world.member, acting_user=world.member
        )
    with time_machine.travel(md.start_at + timedelta(minutes=1)), pytest.raises(ValidationError):
        services.duty_signup(
            need=md.duty_needs.get(pk=duty_md.cash.pk),
            user=world.coordinator,
            acting_user=world.coordinator,
        )


def test_no_sign_up_on_a_validated_distribution(world, duty_md):
    MultiDistrib.objects.filter(pk=duty_md.pk).update(validated_at=timezone.now())
    with pytest.raises(ValidationError):
        services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.admin)


def test_needs_cannot_drop_below_the_volunteers_signed_up(world, duty_md):
    services.duty_signup(need=duty_md.cash, user=world.member, acting_user=world.member)
    services.duty_signup(need=duty_md.cash, user=world.coordinator, acting_user=world.coordinator)
    cash = duty_md.cash.role_id
    with pytest.raises(ValidationError):
        services.duty_needs_set(md=duty_md, people={cash: 1}, acting_user=world.admin)
    with pytest.raises(ValidationError):
        services.duty_needs_set(md=duty_md, people={cash: 0}, acting_user=world.admin)
    services.duty_needs_set(
        md=duty_md, people={cash: 3, duty_md.welcome.role_id: 0}, acting_user=world.admin
    )
    assert dict(duty_md.duty_needs.values_list("role_id", "people")) == {cash: 3}


def test_needs_refuse_roles_of_another_group(world, duty_md):
    foreign = VolunteerRole.objects.create(group=world.other_group, name="X")
    with pytest.raises(ValidationError):
        services.duty_needs_set(md=duty_md, people={foreign.pk: 1}, acting_user=world.admin)


def test_admin_removes_a_volunteer(world, duty_md):
    duty = services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.admin)
    services.duty_remove(duty=duty, acting_user=world.admin)
    assert not Duty.objects.exists()


def test_a_removed_volunteer_is_told_in_their_language(
    world, duty_md, outbox, django_capture_on_commit_callbacks
):
    world.member.language = "en"
    world.member.email2 = "second@example.org"
    world.member.save(update_fields=["language", "email2"])
    english = services.duty_signup(
        need=duty_md.welcome, user=world.member, acting_user=world.member
    )
    french = services.duty_signup(
        need=duty_md.cash, user=world.coordinator, acting_user=world.coordinator
    )
    with django_capture_on_commit_callbacks() as callbacks:
        services.duty_remove(duty=english, acting_user=world.admin)
    assert not mail.outbox and len(callbacks) == 1  # queued for after the commit
    callbacks[0]()
    outbox.run(services.duty_remove, duty=french, acting_user=world.admin)

    assert [m.to for m in mail.outbox] == [
        [world.member.email, "second@example.org"],
        [world.coordinator.email],
    ]
    en, fr = mail.outbox
    anchor = f"/g/{world.group.slug}/duties/#md-{duty_md.pk}"
    # Which distribution and role, who removed them, and the distribution's volunteer page.
    assert "Thursday" in en.subject and "jeudi" not in en.subject
    assert "jeudi" in fr.subject and "Thursday" not in fr.subject
    assert "took you off the role" in en.body and '"Accueil"' in en.body
    assert world.admin.display_name in en.body and world.place.name in en.body
    assert "Thursday" in en.body and "18:30" in en.body
    assert anchor in en.body and anchor in en.alternatives[0][0]
    assert "Caisse" in fr.body and world.admin.display_name in fr.body
    assert "jeudi" in fr.body and "Thursday" not in fr.body and anchor in fr.body
    assert en.reply_to == [world.admin.email]  # the group contact (decision 11)
    assert not Duty.objects.exists()


def test_no_removal_mail_when_admins_take_themselves_off(world, duty_md, outbox):
    duty = services.duty_signup(need=duty_md.welcome, user=world.admin, acting_user=world.admin)
    outbox.run(services.duty_remove, duty=duty, acting_user=world.admin)
    assert not Duty.objects.exists()
    assert not mail.outbox
    # Withdrawing oneself tells the coordinators, never with the "removed" mail.
    duty = services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    outbox.run(services.duty_withdraw, duty=duty, reason="Malade", acting_user=world.member)
    assert mail.outbox and all("took you off" not in m.body for m in mail.outbox)
    assert world.member.email not in [m.to[0] for m in mail.outbox]


def test_withdrawal_needs_a_reason_and_is_only_for_oneself(world, duty_md):
    duty = services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    with pytest.raises(PermissionDenied):
        services.duty_withdraw(duty=duty, reason="x", acting_user=world.admin)
    with pytest.raises(ValidationError) as exc:
        services.duty_withdraw(duty=duty, reason="  ", acting_user=world.member)
    assert "reason" in exc.value.message_dict
    assert Duty.objects.filter(pk=duty.pk).exists()


def test_early_withdrawal_tells_the_coordinators(world, duty_md, outbox):
    duty = services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    outbox.run(services.duty_withdraw, duty=duty, reason="Malade", acting_user=world.member)
    assert not Duty.objects.exists()
    assert sorted(m.to[0] for m in mail.outbox) == [world.admin.email]  # general role: admins
    assert "Malade" in mail.outbox[0].body


def test_early_withdrawal_from_a_catalog_role_tells_its_coordinators(world, outbox):
    catalog = CatalogFactory(group=world.group)
    coordinator_member = world.group.members.get(user=world.coordinator)
    coordinator_member.can_manage_catalogs = False
    coordinator_member.save()
    catalog.coordinators.add(coordinator_member)
    role = VolunteerRole.objects.create(group=world.group, name="Légumes", catalog=catalog)
    md = make_md(world.group, day=_thursday(), catalogs=[catalog])
    duty = services.duty_signup(
        need=md.duty_needs.get(role=role), user=world.member, acting_user=world.member
    )
    outbox.run(services.duty_withdraw, duty=duty, reason="Vacances", acting_user=world.member)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.admin.email, world.coordinator.email]
    )


def test_late_withdrawal_asks_every_member_who_accepts_alerts(world, duty_md, outbox):
    opted_out = UserFactory(notify_volunteer_alerts=False)
    MemberFactory(group=world.group, user=opted_out)
    duty = services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    with time_machine.travel(duty_md.start_at - timedelta(days=2)):
        outbox.run(services.duty_withdraw, duty=duty, reason="Empêché", acting_user=world.member)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world.admin.email, world.coordinator.email])
    assert opted_out.email not in recipients and world.member.email not in recipients


# Reminders -------------------------------------------------------------------------------


def test_volunteers_are_reminded_once_in_their_own_language(world, duty_md, outbox):
    world.coordinator.language = "en"
    world.coordinator.save(update_fields=["language"])
    services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    services.duty_signup(need=duty_md.cash, user=world.coordinator, acting_user=world.coordinator)
    services.duty_signup(need=duty_md.cash, user=world.member, acting_user=world.member)

    with time_machine.travel(duty_md.start_at - timedelta(days=5)):
        assert outbox.run(duty_notifications.duty_reminders_send) == 0  # volunteers_mail_days = 4
    with time_machine.travel(duty_md.start_at - timedelta(days=3, hours=23)):
        assert (
            outbox.run(duty_notifications.duty_reminders_send) == 2
        )  # one each, whatever their roles
        assert outbox.run(duty_notifications.duty_reminders_send) == 0  # never twice
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {world.member.email, world.coordinator.email}
    french, english = by_to[world.member.email], by_to[world.coordinator.email]
    # Dates are written in the recipient's language (Django's own day and month names).
    assert "jeudi" in french.subject and "Thursday" not in french.subject
    assert "Thursday" in english.subject and "jeudi" not in english.subject
    assert french.subject != english.subject
    # The default text with its tokens filled: date, place and the list of volunteers.
    for message in (french, english):
        assert "[LISTE_BENEVOLES]" not in message.body
        assert world.place.name in message.body
        assert world.coordinator.household_name in message.body
        assert message.alternatives[0][1] == "text/html"
    # "Caisse: NAME" in English; in French as the French catalogue writes the same sentence.
    line = {"role": "Caisse", "name": world.coordinator.household_name}
    assert f"- Caisse: {line['name']}" in english.body
    with translation.override("fr"):
        assert "- " + _("%(role)s: %(name)s") % line in french.body
    assert "jeudi" in french.body and "Thursday" in english.body


def test_reminder_uses_the_group_text(world, duty_md, outbox):
    world.group.volunteers_mail_content = (
        "Rendez-vous [DATE_DISTRIBUTION] à [LIEU_DISTRIBUTION].\n[LISTE_BENEVOLES]"
    )
    world.group.save(update_fields=["volunteers_mail_content"])
    services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    with time_machine.travel(duty_md.start_at - timedelta(days=1)):
        outbox.run(duty_notifications.duty_reminders_send)
    body = mail.outbox[0].body
    assert body.startswith("Rendez-vous jeudi ")
    assert f"à {world.place.name}" in body
    with translation.override("fr"):
        line = _("%(role)s: %(name)s") % {"role": "Accueil", "name": world.member.household_name}
    assert f"- {line}\n" in body
    assert "<br>" in mail.outbox[0].alternatives[0][0]


def test_a_late_volunteer_is_reminded_at_the_next_run(world, duty_md, outbox):
    services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    with time_machine.travel(duty_md.start_at - timedelta(days=3)):
        outbox.run(duty_notifications.duty_reminders_send)
    services.duty_signup(need=duty_md.cash, user=world.coordinator, acting_user=world.admin)
    with time_machine.travel(duty_md.start_at - timedelta(days=2)):
        assert outbox.run(duty_notifications.duty_reminders_send) == 1
    assert [m.to[0] for m in mail.outbox] == [world.member.email, world.coordinator.email]


def test_moving_the_date_makes_the_reminder_due_again(world, duty_md, outbox):
    services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    with time_machine.travel(duty_md.start_at - timedelta(days=3)):
        outbox.run(duty_notifications.duty_reminders_send)
        services.md_update(
            md=duty_md,
            place=duty_md.place,
            day=duty_md.date + timedelta(days=1),
            start_time=time(18, 30),
            end_time=time(20, 0),
            orders_open_at=duty_md.orders_open_at,
            orders_close_at=duty_md.orders_close_at,
            acting_user=world.admin,
        )
        assert outbox.run(duty_notifications.duty_reminders_send) == 1


# Vacant roles ----------------------------------------------------------------------------


def test_vacant_roles_alert_goes_once_to_members_who_accept_alerts(world, duty_md, outbox):
    world.member.language = "en"
    world.member.save(update_fields=["language"])
    opted_out = UserFactory(notify_volunteer_alerts=False)
    MemberFactory(group=world.group, user=opted_out)
    services.duty_signup(need=duty_md.cash, user=world.coordinator, acting_user=world.coordinator)
    with time_machine.travel(duty_md.start_at - timedelta(days=8)):
        assert (
            outbox.run(duty_notifications.vacant_roles_alerts_send) == 0
        )  # vacant_roles_mail_days = 7
    with time_machine.travel(duty_md.start_at - timedelta(days=6)):
        assert outbox.run(duty_notifications.vacant_roles_alerts_send) == 3
        assert outbox.run(duty_notifications.vacant_roles_alerts_send) == 0
    recipients = {m.to[0]: m for m in mail.outbox}
    assert set(recipients) == {world.admin.email, world.coordinator.email, world.member.email}
    french, english = recipients[world.admin.email], recipients[world.member.email]
    assert "jeudi" in french.subject and "Thursday" in english.subject
    for message in (french, english):
        assert "- Accueil" in message.body
        assert "- Caisse" in message.body  # one of two still missing
        assert "[ROLES_MANQUANTS]" not in message.body


def test_vacant_roles_alert_uses_the_group_text(world, duty_md, outbox):
    world.group.vacant_roles_mail_content = "Il manque :\n[ROLES_MANQUANTS]\nle [DATE_DISTRIBUTION]"
    world.group.save(update_fields=["vacant_roles_mail_content"])
    with time_machine.travel(duty_md.start_at - timedelta(days=3)):
        outbox.run(duty_notifications.vacant_roles_alerts_send)
    body = mail.outbox[0].body
    assert body.startswith("Il manque :\n- Accueil\n- Caisse x 2\nle jeudi")


def test_no_vacant_roles_alert_when_complete_or_sign_up_closed(world, duty_md, outbox):
    services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    services.duty_signup(need=duty_md.cash, user=world.member, acting_user=world.member)
    services.duty_signup(need=duty_md.cash, user=world.admin, acting_user=world.admin)
    with time_machine.travel(duty_md.start_at - timedelta(days=3)):
        assert outbox.run(duty_notifications.vacant_roles_alerts_send) == 0
    Duty.objects.filter(user=world.admin).delete()
    world.group.duty_signup_days = 7
    world.group.vacant_roles_mail_days = 10
    world.group.save(update_fields=["duty_signup_days", "vacant_roles_mail_days"])
    with time_machine.travel(duty_md.start_at - timedelta(days=9)):
        assert outbox.run(duty_notifications.vacant_roles_alerts_send) == 0  # sign-up not open yet
    with time_machine.travel(duty_md.start_at - timedelta(days=6)):
        assert outbox.run(duty_notifications.vacant_roles_alerts_send) == 3


def test_role_with_volunteers_is_deleted_only_by_force(world, duty_md):
    services.duty_signup(need=duty_md.welcome, user=world.member, acting_user=world.member)
    role = duty_md.welcome.role
    with pytest.raises(ValidationError):
        services.role_delete(role=role, acting_user=world.admin)
    services.role_delete(role=role, force=True, acting_user=world.admin)
    assert not DutyNeed.objects.filter(pk=duty_md.welcome.pk).exists()
    assert not Duty.objects.exists()


def test_beat_schedule_runs_the_duty_jobs():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "messaging.tasks.duty_reminders_send",
        "messaging.tasks.vacant_roles_alerts_send",
        "distributions.tasks.slots_resolve_due",
    } <= tasks

"""Registration modes (spec §4.3): open, closed, full, waiting list."""

import pytest
from django.core import mail

from groups.models import Group
from members import selectors
from members.models import JoinRequest, Member
from members.services import MembershipError, waiting
from tests.factories import MemberFactory, UserFactory


def _mode(world, mode):
    world.group.registration = mode
    world.group.save(update_fields=["registration"])


def test_open_group_join_without_ordering_tells_the_contact(
    world, client_for, django_capture_on_commit_callbacks
):
    user = UserFactory(first_name="Nina", last_name="Nouvelle")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(user).post(f"/g/{world.group.slug}/join/")
    assert Member.objects.of_user(group=world.group, user=user).exists()
    assert [m.to for m in mail.outbox] == [["admin@example.org"]]
    assert "NOUVELLE Nina" in mail.outbox[0].subject
    assert "/manage/members/" in mail.outbox[0].body


@pytest.mark.parametrize("mode", ["closed", "full", "waiting_list"])
def test_only_open_groups_take_direct_joins(world, client_for, mode):
    _mode(world, mode)
    user = UserFactory()
    client_for(user).post(f"/g/{world.group.slug}/join/")
    assert not Member.objects.filter(group=world.group, user=user).exists()


def test_public_page_says_full_or_offers_the_waiting_list(world, client_for):
    _mode(world, "full")
    page = client_for(UserFactory()).get(f"/g/{world.group.slug}/").content.decode()
    assert "est complet" in page
    _mode(world, "waiting_list")
    page = client_for(UserFactory()).get(f"/g/{world.group.slug}/").content.decode()
    assert f"/g/{world.group.slug}/join/request/" in page


@pytest.mark.parametrize("mode", ["open", "closed", "full"])
def test_requests_are_refused_outside_waiting_list_mode(world, mode):
    _mode(world, mode)
    with pytest.raises(MembershipError):
        waiting.join_request_create(
            group=world.group, user=UserFactory(), message="", acting_user=None
        )


def test_waiting_list_ask_mail_accept_and_my_groups(
    world, client_for, django_capture_on_commit_callbacks
):
    _mode(world, "waiting_list")
    manager = UserFactory(email="manager@example.org")
    MemberFactory(group=world.group, user=manager, can_manage_members=True)
    person = UserFactory(first_name="Paul", last_name="Patient")
    client = client_for(person)
    assert client.get(f"/g/{world.group.slug}/join/request/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/g/{world.group.slug}/join/request/", {"message": "Je suis voisin"}
        )
    assert response.status_code == 302
    request = JoinRequest.objects.get(group=world.group, user=person)
    assert request.message == "Je suis voisin"
    # Admins and members managers are told; the coordinator is not.
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@example.org", "manager@example.org"]
    assert "Je suis voisin" in mail.outbox[0].body
    # Asking twice, or as a member, is refused with a message.
    with pytest.raises(MembershipError):
        waiting.join_request_create(group=world.group, user=person, message="", acting_user=None)
    with pytest.raises(MembershipError):
        waiting.join_request_create(
            group=world.group, user=world.member, message="", acting_user=None
        )
    # The person's home page lists the pending request.
    assert world.group.name in client.get("/").content.decode()
    assert selectors.pending_requests_count(world.group) == 1
    # The admin accepts it; the person is told and is a member.
    mail.outbox.clear()
    admin = client_for(world.admin)
    page = admin.get(f"/g/{world.group.slug}/manage/members/waiting-list/").content.decode()
    assert "PATIENT Paul" in page
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"/g/{world.group.slug}/manage/members/waiting-list/accept/", {"ids": [request.pk]}
        )
    assert Member.objects.of_user(group=world.group, user=person).exists()
    assert not JoinRequest.objects.filter(pk=request.pk).exists()
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "membre" in mail.outbox[0].subject


def test_refuse_in_batch_and_withdraw(world, client_for, django_capture_on_commit_callbacks):
    _mode(world, "waiting_list")
    people = [UserFactory() for _ in range(3)]
    requests = [
        waiting.join_request_create(group=world.group, user=p, message="", acting_user=p)
        for p in people
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.admin).post(
            f"/g/{world.group.slug}/manage/members/waiting-list/refuse/",
            {"ids": [requests[0].pk, requests[1].pk]},
        )
    assert {m.to[0] for m in mail.outbox} == {people[0].email, people[1].email}
    assert not Member.objects.filter(group=world.group, user__in=people).exists()
    client_for(people[2]).post(f"/g/{world.group.slug}/join/request/withdraw/")
    assert not JoinRequest.objects.filter(group=world.group).exists()


def test_a_request_of_another_group_cannot_be_decided_here(world, client_for):
    world.other_group.registration = Group.Registration.WAITING_LIST
    world.other_group.save()
    person = UserFactory()
    request = waiting.join_request_create(
        group=world.other_group, user=person, message="", acting_user=person
    )
    client_for(world.admin).post(
        f"/g/{world.group.slug}/manage/members/waiting-list/accept/", {"ids": [request.pk]}
    )
    assert JoinRequest.objects.filter(pk=request.pk).exists()
    assert not Member.objects.filter(user=person).exists()


def test_move_back_to_the_waiting_list_never_oneself_or_an_admin(world, client_for):
    member = world.group.members.get(user=world.member)
    me = world.group.members.get(user=world.admin)
    with pytest.raises(MembershipError):
        waiting.members_move_to_waiting_list(
            group=world.group, member_ids=[me.pk], acting_user=world.admin
        )
    other_admin = MemberFactory(group=world.group, is_admin=True)
    with pytest.raises(MembershipError):
        waiting.members_move_to_waiting_list(
            group=world.group, member_ids=[other_admin.pk], acting_user=world.admin
        )
    client_for(world.admin).post(
        f"/g/{world.group.slug}/manage/members/to-waiting-list/", {"ids": [member.pk]}
    )
    member.refresh_from_db()
    assert member.left_at is not None
    request = JoinRequest.objects.get(group=world.group, user=world.member)
    assert "Alice" in request.message or "ADMIN" in request.message


def test_open_join_asks_the_phone_and_address_the_group_requires(world, client_for):
    world.group.phone_required = True
    world.group.address_required = True
    world.group.save()
    user = UserFactory(phone="")
    client = client_for(user)
    url = f"/g/{world.group.slug}/join/"
    page = client.post(url)
    assert page.status_code == 200 and "phone" in page.context["form"].fields
    assert not Member.objects.filter(group=world.group, user=user).exists()
    page = client.post(url, {"details": "1", "phone": "0611223344"})
    assert page.status_code == 200 and "city" in page.context["form"].errors
    client.post(
        url,
        {"details": "1", "phone": "0611223344", "address1": "1 rue", "postcode": "1", "city": "L"},
    )
    user.refresh_from_db()
    assert user.phone == "0611223344" and user.has_address
    assert Member.objects.of_user(group=world.group, user=user).exists()

import pytest
from django.core.exceptions import PermissionDenied

from kernel.models import LogEntry
from members import services
from members.models import Member, User
from tests.factories import MemberFactory, UserFactory


def test_open_group_join_and_leave(world, client_for):
    user = UserFactory()
    client = client_for(user)
    assert client.post(f"/g/{world.group.slug}/join/").status_code == 302
    member = Member.objects.get(group=world.group, user=user)
    assert member.perms == frozenset()
    assert client.get(f"/g/{world.group.slug}/manage/").status_code == 403
    assert client.post(f"/g/{world.group.slug}/leave/").status_code == 302
    member.refresh_from_db()
    assert member.left_at is not None
    assert client.get(f"/g/{world.group.slug}/leave/").status_code == 404  # not a member any more


def test_closed_group_refuses_direct_join(world, client_for):
    world.group.registration = "closed"
    world.group.save()
    user = UserFactory()
    client_for(user).post(f"/g/{world.group.slug}/join/")
    assert not Member.objects.filter(group=world.group, user=user).exists()


def test_anonymous_join_goes_to_login(world, client):
    response = client.post(f"/g/{world.group.slug}/join/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_admin_cannot_leave(world):
    member = world.group.members.get(user=world.admin)
    with pytest.raises(services.MembershipError):
        services.member_leave(member=member, acting_user=world.admin)


def test_admin_changes_rights_and_cannot_strip_themselves(world, client_for):
    client = client_for(world.admin)
    target = world.group.members.get(user=world.member)
    url = f"/g/{world.group.slug}/manage/members/{target.pk}/rights/"
    assert client.post(url, {"can_manage_payments": "on"}).status_code == 302
    target.refresh_from_db()
    assert target.perms == {"can_manage_payments"}
    assert LogEntry.objects.filter(
        action="member.rights_changed", object_id=str(target.pk)
    ).exists()
    me = world.group.members.get(user=world.admin)
    with pytest.raises(PermissionDenied):
        services.member_rights_update(
            member=me, rights={"is_admin": False}, acting_user=world.admin
        )
    response = client.post(f"/g/{world.group.slug}/manage/members/{me.pk}/rights/", {})
    assert response.status_code == 200 and "is_admin" in response.context["form"].errors


def test_member_list_search_and_filters(world, client_for):
    client = client_for(world.admin)
    url = f"/g/{world.group.slug}/manage/members/"
    names = [m.user.email for m in client.get(url, {"q": "membre"}).context["page"]]
    assert names == ["member@example.org"]
    with_rights = {m.user.email for m in client.get(url, {"rights": "with"}).context["page"]}
    assert with_rights == {"admin@example.org", "coord@example.org"}
    outsider_emails = {m.user.email for m in client.get(url).context["page"]}
    assert "outsider@example.org" not in outsider_emails


@pytest.mark.parametrize("rows", [1, 60])
def test_member_list_query_budget_is_flat(world, client_for, django_assert_max_num_queries, rows):
    for _ in range(rows):
        MemberFactory(group=world.group)
    client = client_for(world.admin)
    with django_assert_max_num_queries(9):
        assert client.get(f"/g/{world.group.slug}/manage/members/").status_code == 200


def test_profile_update_and_second_email_uniqueness(world, client_for):
    client = client_for(world.member)
    data = {
        "first_name": "Maëlle",
        "last_name": "Membre",
        "phone": "0600",
        "country": "FR",
        "language": "en",
        "email2": "admin@example.org",
        "notify_orders_open": "on",
    }
    response = client.post("/account/profile/", data)
    assert response.status_code == 200 and "email2" in response.context["form"].errors
    response = client.post("/account/profile/", {**data, "email2": "Partner@Example.org"})
    assert response.status_code == 302
    user = User.objects.get(pk=world.member.pk)
    assert user.email2 == "partner@example.org" and user.language == "en"
    assert not user.notify_orders_closing


def test_display_names():
    user = User(
        email="a@b.c",
        first_name="Jean",
        last_name="Dupont",
        first_name2="Anne",
        last_name2="Martin",
    )
    assert user.display_name == "DUPONT Jean"
    assert user.household_name == "DUPONT Jean / MARTIN Anne"
    assert User(email="x@y.z").display_name == "x@y.z"

"""Producer invitations: at most 20 a day per group and per person, counted in the database,
and a message of at most 2,000 characters, refused next to the field (issue 12, Low)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogs.models import VendorInvitation
from tests.factories import MemberFactory


def invite(client, group, email, message="Bonjour"):
    return client.post(
        reverse("catalogs:directory_invite", kwargs={"group_slug": group.slug}),
        {"email": email, "message": message},
    )


def test_a_group_sends_at_most_20_invitations_a_day(world, client_for):
    admin, coordinator = client_for(world.admin), client_for(world.coordinator)
    for n in range(20):
        client = admin if n % 2 else coordinator
        assert invite(client, world.group, f"ferme{n}@example.org").status_code == 302
    response = invite(admin, world.group, "ferme20@example.org")
    assert response.status_code == 400
    assert "20 invitations" in response.content.decode()
    assert VendorInvitation.objects.filter(group=world.group).count() == 20
    # A day later, the group may invite again.
    VendorInvitation.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert invite(admin, world.group, "ferme20@example.org").status_code == 302


def test_a_person_sends_at_most_20_invitations_a_day_across_groups(world, client_for):
    MemberFactory(group=world.other_group, user=world.admin, is_admin=True)
    client = client_for(world.admin)
    for n in range(10):
        assert invite(client, world.group, f"a{n}@example.org").status_code == 302
        assert invite(client, world.other_group, f"b{n}@example.org").status_code == 302
    response = invite(client, world.other_group, "c@example.org")
    assert response.status_code == 400
    assert "20 invitations" in response.content.decode()


@pytest.mark.parametrize(("length", "status"), [(2000, 302), (2001, 400)])
def test_an_invitation_message_is_at_most_2000_characters(world, client_for, length, status):
    response = invite(client_for(world.admin), world.group, "x@example.org", "a" * length)
    assert response.status_code == status
    if status == 400:
        form = response.context["invite_form"]
        assert form.errors["message"] and "2000" in form.errors["message"][0]

"""The public group page shows the contact's e-mail and phone to members only (issue 12,
Informational)."""

import pytest
from django.urls import reverse

from groups.models import Group


@pytest.fixture
def page(world):
    world.admin.phone = "06 12 34 56 78"
    world.admin.save(update_fields=["phone"])
    return reverse("groups:detail", kwargs={"group_slug": world.group.slug})


@pytest.mark.parametrize("registration", [Group.Registration.OPEN, Group.Registration.CLOSED])
def test_anonymous_visitors_and_outsiders_see_no_contact_address(
    world, client_for, page, registration
):
    Group.objects.filter(pk=world.group.pk).update(registration=registration, hide_phone=False)
    for user in (None, world.outsider):
        content = client_for(user).get(page).content.decode()
        assert "admin@example.org" not in content and "06 12 34 56 78" not in content


def test_members_see_the_contact_address_and_phone(world, client_for, page):
    content = client_for(world.member).get(page).content.decode()
    assert "admin@example.org" in content and "06 12 34 56 78" in content

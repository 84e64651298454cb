"""Operators see distributions in Django admin."""

import pytest
from django.urls import reverse

from distributions import services
from distributions.models import VolunteerRole
from tests.distributions.factories import CatalogFactory, make_md
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "multidistrib",
    "distribution",
    "distributioncycle",
    "volunteerrole",
    "duty",
    "slotrequest",
    "deliveryrequest",
    "calendartoken",
]


def test_admin_lists_and_change_pages_render(world, client_for):
    operator = UserFactory(is_staff=True, is_superuser=True)
    VolunteerRole.objects.create(group=world.group, name="Accueil")
    md = make_md(world.group, catalogs=[CatalogFactory(group=world.group)])
    services.duty_signup(need=md.duty_needs.get(), user=world.member, acting_user=world.admin)
    services.calendar_token_get(user=world.member)
    client = client_for(operator)
    for model in MODELS:
        response = client.get(reverse(f"admin:distributions_{model}_changelist"))
        assert response.status_code == 200, model
    change = client.get(reverse("admin:distributions_multidistrib_change", args=[md.pk]))
    assert change.status_code == 200

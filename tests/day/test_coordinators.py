"""Coordinators' own day (issue 13, item 7): a coordinator of one catalog prints that
catalog's summaries, exports them and resends its producer form; nothing of other catalogs,
and none of the all-catalogs tools (validation, postponing, PDFs)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(world, day):
    """A member who coordinates the vegetables only (no section right)."""
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(email="veg@example.org", first_name="Valérie", last_name="Légume")
    member = MemberFactory(group=world.group, user=user)
    day.vegetables.coordinators.add(member)
    return user


def _url(name, world, day, **kw):
    return reverse(f"day:{name}", kwargs={"group_slug": world.group.slug, "md_id": day.md.pk, **kw})


def test_a_catalog_coordinator_prints_and_exports_their_catalog_only(
    world, day, coordinator, client_for
):
    client = client_for(coordinator)
    index = client.get(_url("index", world, day)).content.decode()
    assert "Légumes" in index and "Fournil" not in index
    assert _url("validate", world, day) not in index and _url("postpone", world, day) not in index
    for kind in ("members", "signature", "products", "producers", "matrix"):
        page = client.get(_url("print", world, day, kind=kind))
        assert page.status_code == 200, kind
        text = page.content.decode()
        assert "Carottes" in text and "Pain complet" not in text and "Cookie" not in text, kind
    csv = client.get(_url("csv", world, day, kind="products")).getvalue().decode("utf-8-sig")
    assert "Carottes" in csv and "Pain complet" not in csv
    # Their producer's order form, not the bread's.
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    bread = day.md.distributions.get(catalog=day.bread)
    assert (
        client.post(_url("producer_form", world, day, distribution_id=vegetables.pk)).status_code
        == 302
    )
    assert (
        client.post(_url("producer_form", world, day, distribution_id=bread.pk)).status_code == 403
    )
    # The all-catalogs tools stay closed.
    for name in ("validate", "postpone", "cash"):
        assert client.get(_url(name, world, day)).status_code == 403, name
    assert client.post(_url("pdf", world, day, kind="members")).status_code == 403
    assert client.get(_url("print", world, day, kind="cash")).status_code == 403


def test_members_without_coordination_get_403_and_admins_see_everything(
    world, day, coordinator, client_for
):
    member = client_for(world.member)
    for name, kw in (("index", {}), ("print", {"kind": "members"}), ("csv", {"kind": "members"})):
        assert member.get(_url(name, world, day, **kw)).status_code == 403, name
    admin = client_for(world.admin).get(_url("print", world, day, kind="members")).content.decode()
    assert "Carottes" in admin and "Pain complet" in admin
    # Another group's people: 404.
    assert client_for(world.outsider).get(_url("index", world, day)).status_code == 404

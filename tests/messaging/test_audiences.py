"""Each recipient list on two groups: nobody from the other group, no member who left."""

import pytest
from django.utils import timezone

from messaging import audiences
from messaging.selectors import audience_options
from tests.orders.factories import make_shop, member_of, new_member, order


@pytest.fixture
def lists(world):
    shop = make_shop(world)
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    leaver = new_member(world.group, email="leaver@example.org")
    order(shop.md, leaver, {shop["bread"]: "2"})
    leaver.left_at = timezone.now()
    leaver.save()
    quiet = new_member(world.group, email="quiet@example.org").user
    # A member of the other group only.
    both = new_member(world.other_group, email="both@example.org").user
    world.admin.last_login = timezone.now()
    world.admin.save()

    def emails(key, param=None, user=world.admin):
        users = audiences.resolve(world.group, key, param, user)
        return {u.email for u in users}

    return shop, quiet, both, emails


def test_each_list_holds_exactly_its_members(world, lists):
    shop, _quiet, _both, emails = lists
    everyone = {"admin@example.org", "coord@example.org", "member@example.org", "quiet@example.org"}
    assert emails("all") == everyone
    assert emails("board") == {"admin@example.org", "coord@example.org"}
    assert emails("open_orders") == {"member@example.org"}
    assert emails("no_open_orders") == everyone - {"member@example.org"}
    assert emails("next_order") == {"member@example.org"}
    assert emails("no_next_order") == everyone - {"member@example.org"}
    assert emails("catalog", shop.bakery.pk) == {"member@example.org"}
    assert emails("catalog", shop.farm.pk) == set()
    assert emails("distribution", shop.md.pk) == {"member@example.org"}
    assert emails("never_logged_in") == everyone - {"admin@example.org"}
    assert emails("test", user=world.coordinator) == {"coord@example.org"}


def test_no_list_reaches_another_group_or_someone_who_left(world, lists):
    shop, _quiet, _both, emails = lists
    for key in audiences.REGISTRY:
        for param in (None, shop.bakery.pk, shop.md.pk):
            found = emails(key, param)
            assert "outsider@example.org" not in found and "both@example.org" not in found
            assert "leaver@example.org" not in found, key


def test_a_parameter_of_another_group_gives_nobody(world, lists):
    shop, _quiet, _both, _emails = lists
    assert (
        audiences.resolve(world.other_group, "catalog", shop.bakery.pk, world.outsider).count() == 0
    )
    assert (
        audiences.resolve(world.other_group, "distribution", shop.md.pk, world.outsider).count()
        == 0
    )


def test_waiting_list_and_membership_lists_come_from_the_members_app(world, lists):
    from members import memberships
    from members.services.waiting import join_request_create
    from tests.factories import UserFactory

    _shop, quiet, _both, emails = lists
    options = {o["value"]: o for o in audience_options(group=world.group, user=world.admin)}
    assert options["membership_renew"]["available"] is False  # fees are off in this group
    assert options["all"]["count"] == 4
    assert options[f"catalog:{lists[0].bakery.pk}"]["count"] == 1
    assert options[f"distribution:{lists[0].md.pk}"]["count"] == 1

    world.group.registration = "waiting_list"
    world.group.save(update_fields=["registration"])
    asking = UserFactory(email="asking@example.org")
    join_request_create(group=world.group, user=asking, message="", acting_user=asking)
    assert emails("waiting_list") == {"asking@example.org"}

    world.group.has_membership = True
    world.group.save(update_fields=["has_membership"])
    paid = world.group.members.get(user=quiet)
    year = memberships.current_period(world.group).year
    memberships.membership_record(
        group=world.group,
        member=paid,
        year=year,
        acting_user=world.admin,
        amount="10",
        payment_type="cash",
    )
    assert emails("membership_ok") == {"quiet@example.org"}
    assert emails("membership_renew") == {
        "admin@example.org",
        "coord@example.org",
        "member@example.org",
    }


def _grow(world, shop, n):
    """``n`` more catalogs with a customer each, ``n`` more distributions in the next two
    weeks with an order and a volunteer each."""
    from datetime import timedelta

    from distributions import services as distribution_services
    from distributions.models import VolunteerRole
    from tests.catalogs.factories import ProductFactory
    from tests.distributions.factories import CatalogFactory, make_md
    from tests.factories import PlaceFactory

    VolunteerRole.objects.get_or_create(group=world.group, name="Accueil")
    today = timezone.localdate(timezone.now(), world.group.tzinfo)
    for i in range(n):
        catalog = CatalogFactory(group=world.group, name=f"Extra {i:02d}")
        product = ProductFactory(catalog=catalog, name=f"Produit {i}", stock=None)
        md = make_md(
            world.group,
            day=today + timedelta(days=2 + i),
            place=PlaceFactory(group=world.group),
            catalogs=[catalog],
            acting_user=world.admin,
        )
        customer = new_member(world.group, email=f"c{n}-{i}@example.org")
        order(md, customer, {product: "1"})
        need = md.duty_needs.first()
        distribution_services.duty_signup(need=need, user=customer.user, acting_user=customer.user)


@pytest.mark.parametrize("extra", [1, 10])
def test_the_list_sizes_take_a_fixed_number_of_queries_and_agree_with_the_lists(
    world, lists, extra, django_assert_max_num_queries
):
    shop, _quiet, _both, _emails = lists
    _grow(world, shop, extra)
    # The bound does not depend on ``extra``: one grouped count per parameterised list.
    with django_assert_max_num_queries(17):
        options = audience_options(group=world.group, user=world.admin)
    param_options = [o for o in options if ":" in o["value"]]
    assert len(param_options) >= 3 * extra
    for option in options:
        if not option["available"]:
            continue
        key, _sep, param = option["value"].partition(":")
        expected = audiences.resolve(
            world.group, key, int(param) if param else None, world.admin
        ).count()
        assert option["count"] == expected, option

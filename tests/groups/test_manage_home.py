"""The management home (issue 18): what needs action, most urgent first, each with its link; the
guided start of a new group; the next distributions with their figures."""

from decimal import Decimal

import pytest
from django.urls import reverse

from groups.models import Group
from kernel import home
from members.models import Member
from orders import services as order_services
from tests.day.conftest import build_day
from tests.orders.factories import make_shop


def manage_url(group) -> str:
    return reverse("groups:manage", args=[group.slug])


def _keys(response) -> list[str]:
    return [item.key for item in response.context["actions"]]


@pytest.fixture
def busy(world):
    """A past distribution not validated (one order to pay on the spot, two transfers/cheques
    announced) and an open one where a member left a cart."""
    world.group.payment_types = ["cash", "cheque", "transfer"]
    world.group.save()
    day = build_day(world, days=-2)
    shop = make_shop(world)
    member = Member.objects.get(group=world.group, user=world.member)
    order_services.cart_set(
        member=member,
        md=shop.md,
        product=shop["bread"],
        quantity=Decimal("1"),
        acting_user=world.member,
    )
    return day, shop


def test_admin_home_lists_what_needs_action_most_urgent_first(world, client_for, busy):
    day, shop = busy
    response = client_for(world.admin).get(manage_url(world.group))
    assert response.status_code == 200
    keys = _keys(response)
    assert keys[:2] == ["distributions_to_validate", "onspot_to_type"]
    assert set(keys) >= {"unconfirmed_carts", "pending_payments"}
    urgencies = [item.urgency for item in response.context["actions"]]
    assert urgencies == sorted(urgencies)
    items = {item.key: item for item in response.context["actions"]}
    assert items["distributions_to_validate"].count == 1
    assert items["distributions_to_validate"].url == reverse(
        "day:validate", args=[world.group.slug, day.md.pk]
    )
    assert items["onspot_to_type"].count == 1
    assert items["unconfirmed_carts"].count == 1
    assert items["unconfirmed_carts"].url == reverse(
        "orders:manage_carts", args=[world.group.slug, shop.md.pk]
    )
    assert items["pending_payments"].count == 3
    content = response.content.decode()
    assert "1 distribution passée à valider." in content
    for item in items.values():
        assert item.url in content
    # The next distributions with their figures: the open one, no basket yet (a cart is not one).
    [panel] = response.context["panels"]
    assert [md.pk for md in panel["mds"]] == [shop.md.pk]
    assert panel["mds"][0].baskets_count == 0


def test_each_sees_only_what_their_rights_let_them_act_on(world, client_for, busy):
    keys = _keys(client_for(world.coordinator).get(manage_url(world.group)))
    assert "pending_payments" not in keys and "distributions_to_validate" in keys
    payer = Member.objects.get(group=world.group, user=world.member)
    payer.can_manage_payments = True
    payer.save()
    assert _keys(client_for(world.member).get(manage_url(world.group))) == ["pending_payments"]


def test_the_home_runs_a_fixed_number_of_queries(
    world, client_for, busy, django_assert_max_num_queries
):
    client = client_for(world.admin)
    client.get(manage_url(world.group))
    build_day(world, days=-5)
    with django_assert_max_num_queries(30):
        response = client.get(manage_url(world.group))
    assert {i.key: i.count for i in response.context["actions"]}["distributions_to_validate"] == 2


def test_a_provider_registered_later_plugs_in(world, client_for, busy):
    def waiting_list(request, group):
        return [
            home.ActionItem(
                key="waiting", label="2 waiting", count=2, url="/x/", urgency=home.SOON
            ),
            home.ActionItem(key="nothing", label="none", count=0, url="/y/"),
        ]

    home.register_action(waiting_list)
    try:
        keys = _keys(client_for(world.admin).get(manage_url(world.group)))
    finally:
        home._action_providers.remove(waiting_list)
    assert "waiting" in keys and "nothing" not in keys
    assert keys.index("waiting") < keys.index("pending_payments")


def test_a_new_group_gets_a_guided_start_that_ticks_itself(world, client_for):
    client = client_for(world.admin)
    response = client.get(manage_url(world.group))
    steps = {step.key: step.done for step in response.context["steps"]}
    assert steps == {
        "place": True,
        "catalog": False,
        "distribution": False,
        "open_orders": False,
        "payment_types": True,
        "members": True,
        "first_order": False,
        "first_message": False,
    }
    assert "Pour commencer" in response.content.decode()
    assert _keys(response) == []
    assert "Rien à faire pour le moment." in response.content.decode()
    shop = make_shop(world)
    steps = {s.key: s.done for s in client.get(manage_url(world.group)).context["steps"]}
    assert steps["catalog"] and steps["distribution"] and steps["open_orders"]
    assert not steps["first_order"]
    assert shop.md.pk


def test_the_guided_start_can_be_hidden_and_shown_again(world, client_for):
    client = client_for(world.admin)
    response = client.post(reverse("groups:guided_start_hide", args=[world.group.slug]))
    assert response.status_code == 302
    assert Group.objects.get(pk=world.group.pk).guided_start_hidden_at is not None
    response = client.get(manage_url(world.group))
    assert response.context["steps"] == [] and response.context["can_show_start"]
    client.post(reverse("groups:guided_start_show", args=[world.group.slug]))
    assert client.get(manage_url(world.group)).context["steps"]


def test_only_admins_see_or_hide_the_guided_start(world, client_for):
    coordinator = client_for(world.coordinator)
    assert coordinator.get(manage_url(world.group)).context["steps"] == []
    url = reverse("groups:guided_start_hide", args=[world.group.slug])
    assert coordinator.post(url).status_code == 403
    assert client_for(world.admin).get(url).status_code == 405


def test_waiting_list_failed_mails_and_memberships_to_renew_reach_the_home(world, client_for):
    """The members and messaging apps plug their items in: people waiting for an answer, mails
    that failed for good, members who have not paid this period's fee."""
    from kernel.models import OutboxMail
    from members.services.waiting import join_request_create
    from tests.factories import UserFactory

    world.group.registration = "waiting_list"
    world.group.has_membership = True
    world.group.save(update_fields=["registration", "has_membership"])
    asking = UserFactory(email="asking@example.org")
    join_request_create(group=world.group, user=asking, message="", acting_user=asking)
    OutboxMail.objects.create(
        group=world.group,
        kind="message",
        to=["gone@example.org"],
        subject="Bonjour",
        text="…",
        status=OutboxMail.Status.FAILED,
    )
    response = client_for(world.admin).get(manage_url(world.group))
    items = {item.key: item for item in response.context["actions"]}
    assert items["waiting_list"].count == 1
    assert items["waiting_list"].url == reverse("members:waiting_list", args=[world.group.slug])
    assert items["failed_mails"].count == 1
    assert items["memberships_to_renew"].count == 3  # nobody paid yet
    assert _keys(response)[0] == "failed_mails"
    # A member without rights sees none of them.
    assert client_for(world.member).get(manage_url(world.group)).status_code == 403

"""The membership fee pages: a member's fees (record, delete), several at once with per-person
errors, the "to renew" list and its export, the distribution day page, the settings rule."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from members import memberships
from members.models import Member, Membership
from payments.models import Operation
from tests.factories import MemberFactory
from tests.orders.factories import make_shop, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world):
    g = world.group
    g.has_membership = True
    g.membership_fee = Decimal("10.00")
    g.payment_types = ["cash", "cheque", "moneypot"][:2]
    g.save()
    return g


def u(name, group, **kw):
    return reverse(f"members:{name}", kwargs={"group_slug": group.slug, **kw})


def _member(world):
    return Member.objects.get(group=world.group, user=world.member)


def _year(group):
    return memberships.current_period(group).year


def test_member_page_records_and_deletes_a_fee(world, group, client_for):
    client = client_for(world.admin)
    member = _member(world)
    page = client.get(u("fees", group, member_id=member.pk))
    html = page.content.decode()
    assert page.status_code == 200 and "Adhésion à renouveler" in html
    response = client.post(
        u("fee_record", group, member_id=member.pk),
        {"year": _year(group), "paid_on": "2026-09-02", "amount": "10,00", "payment_type": "cash"},
    )
    assert response.status_code == 302
    fee = Membership.objects.get(member=member)
    assert fee.amount == Decimal("10.00") and fee.paid_on.isoformat() == "2026-09-02"
    html = client.get(u("fees", group, member_id=member.pk)).content.decode()
    assert "Adhésion à jour" in html
    # Recorded twice: the error is shown next to the form, nothing written.
    response = client.post(
        u("fee_record", group, member_id=member.pk),
        {"year": _year(group), "paid_on": "2026-09-02", "amount": "10", "payment_type": "cash"},
    )
    assert response.status_code == 400 and "déjà enregistrée" in response.content.decode()
    assert Operation.objects.filter(member=member).count() == 2
    client.post(u("fee_delete", group, member_id=member.pk, fee_id=fee.pk))
    assert not Membership.objects.exists()
    assert Operation.objects.filter(member=member, kind="correction").count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"year": "1900"}, "year"),
        ({"year": "x"}, "year"),
        ({"payment_type": "online"}, "payment_type"),
        ({"payment_type": ""}, "payment_type"),
        ({"paid_on": "31/02/2026"}, "paid_on"),
        ({"multidistrib": "999999999999999999999"}, "multidistrib"),
    ],
)
def test_bad_input_is_shown_next_to_its_field(world, group, client_for, data, field):
    member = _member(world)
    post = {"year": _year(group), "paid_on": "2026-09-02", "amount": "10", "payment_type": "cash"}
    response = client_for(world.admin).post(
        u("fee_record", group, member_id=member.pk), {**post, **data}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Membership.objects.exists()


def test_batch_records_several_and_names_each_refusal(world, group, client_for):
    paid = _member(world)
    memberships.membership_record(
        group=group, member=paid, year=_year(group), payment_type="cash", acting_user=world.admin
    )
    others = [MemberFactory(group=group) for _ in range(2)]
    client = client_for(world.admin)
    assert client.get(u("fees_batch", group)).status_code == 200
    response = client.post(
        u("fees_batch", group),
        {
            "year": _year(group),
            "paid_on": "2026-09-03",
            "amount": "10",
            "payment_type": "cheque",
            "members": [paid.pk, *(m.pk for m in others)],
        },
        follow=True,
    )
    html = response.content.decode()
    assert "2 adhésions enregistrées" in html
    assert paid.user.display_name in html and "déjà enregistrée" in html
    assert Membership.objects.filter(member__in=others).count() == 2


def test_to_renew_list_and_export_within_a_fixed_query_count(
    world, group, client_for, django_assert_max_num_queries
):
    client = client_for(world.admin)
    with django_assert_max_num_queries(12):
        small = client.get(u("fees_to_renew", group))
    for _ in range(20):
        MemberFactory(group=group)
    with django_assert_max_num_queries(12):
        big = client.get(u("fees_to_renew", group))
    assert small.status_code == big.status_code == 200
    assert big.context["page"].paginator.count == 23
    response = client.get(u("fees_to_renew_csv", group))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][0] == "Nom" and len(rows) == 24
    xlsx = client.get(u("fees_to_renew_xlsx", group))
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_pages_say_fees_are_off(world, client_for):
    client = client_for(world.admin)
    html = client.get(u("fees_to_renew", world.group)).content.decode()
    assert "désactivées" in html


def test_day_page_lists_the_distribution_members_and_records_their_fees(world, group, client_for):
    shop = make_shop(world)
    buyer = MemberFactory(group=group)
    order(shop.md, buyer, {shop["bread"]: "1"})
    client = client_for(world.admin)
    validate = client.get(
        reverse("day:validate", kwargs={"group_slug": group.slug, "md_id": shop.md.pk})
    ).content.decode()
    assert 'id="fee-card"' in validate and buyer.user.display_name in validate
    page = reverse("day:fees", kwargs={"group_slug": group.slug, "md_id": shop.md.pk})
    response = client.get(page)
    assert response.status_code == 200 and buyer.user.display_name in response.content.decode()
    response = client.post(
        page,
        {
            "year": _year(group),
            "paid_on": "2026-09-03",
            "amount": "10",
            "payment_type": "cash",
            "members": [buyer.pk],
        },
    )
    assert response.status_code == 302
    fee = Membership.objects.get(member=buyer)
    assert fee.multidistrib_id == shop.md.pk
    assert memberships.fee_stats_for_multidistrib(group, shop.md.pk)["count"] == 1


def test_settings_refuse_an_impossible_renewal_date_and_required_without_fees(world, client_for):
    client = client_for(world.admin)
    url = reverse("groups:settings_membership", kwargs={"group_slug": world.group.slug})
    response = client.post(
        url,
        {
            "has_membership": "on",
            "membership_renewal_month": "2",
            "membership_renewal_day": "30",
            "membership_reminder_days": "30",
        },
    )
    assert "membership_renewal_day" in response.context["form"].errors
    response = client.post(
        url,
        {
            "membership_required_to_order": "on",
            "membership_renewal_month": "9",
            "membership_renewal_day": "1",
            "membership_reminder_days": "30",
        },
    )
    assert "membership_required_to_order" in response.context["form"].errors


def test_batch_and_member_pages_keep_their_query_count(
    world, group, client_for, django_assert_max_num_queries
):
    client = client_for(world.admin)
    member = _member(world)
    with django_assert_max_num_queries(14):
        assert client.get(u("fees_batch", group)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(u("fees", group, member_id=member.pk)).status_code == 200
    memberships.membership_record(
        group=group, member=member, year=_year(group) - 1, payment_type="cash", acting_user=None
    )
    for _ in range(20):
        other = MemberFactory(group=group)
        memberships.membership_record(
            group=group,
            member=other,
            year=_year(group) - 1,
            payment_type="cash",
            acting_user=world.admin,
        )
    with django_assert_max_num_queries(14):
        html = client.get(u("fees_batch", group)).content.decode()
    assert html.count('name="members"') == 23
    with django_assert_max_num_queries(14):
        assert client.get(u("fees", group, member_id=member.pk)).status_code == 200


def test_member_sheet_shows_the_membership_and_links_to_the_fees(world, group, client_for):
    member = Member.objects.get(group=world.group, user=world.member)
    url = reverse("members:sheet", args=[world.group.slug, member.pk])
    page = client_for(world.admin).get(url).content.decode()
    assert "Adhésion à renouveler" in page
    assert reverse("members:fees", args=[world.group.slug, member.pk]) in page
    memberships.membership_record(
        group=world.group,
        member=member,
        year=memberships.current_period(world.group).year,
        acting_user=world.admin,
        payment_type="cash",
    )
    assert "Adhésion à jour" in client_for(world.admin).get(url).content.decode()
    # A member list filtered on the fees (registered by the fee selectors).
    listed = client_for(world.admin).get(
        reverse("members:list", args=[world.group.slug]), {"filter": "up_to_date"}
    )
    assert [m.pk for m in listed.context["page"]] == [member.pk]

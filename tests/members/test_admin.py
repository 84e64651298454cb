"""Member administration (spec §4.6): filters as selectors, a flat query count, exports, the
sheet, editing, removal."""

import csv
import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from members import selectors
from members.models import Member
from tests.factories import MemberFactory, UserFactory
from tests.orders.factories import make_shop, member_of, order


def _emails(qs) -> set[str]:
    return {m.user.email for m in qs}


def test_filters_ordered_never_ordered_never_logged_in(world):
    shop = make_shop(world)
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    world.admin.last_login = timezone.now()
    world.admin.save()
    group = world.group
    assert _emails(selectors.member_list(group=group, filter="ordered")) == {"member@example.org"}
    day = shop.md.date
    assert _emails(selectors.member_list(group=group, filter="ordered", since=day, until=day))
    assert not selectors.member_list(
        group=group, filter="ordered", since=day + timedelta(days=1)
    ).exists()
    assert _emails(selectors.member_list(group=group, filter="never_ordered")) == {
        "admin@example.org",
        "coord@example.org",
    }
    assert _emails(selectors.member_list(group=group, filter="never_logged_in")) == {
        "coord@example.org",
        "member@example.org",
    }


def test_the_list_page_filters_and_searches(world, client_for):
    client = client_for(world.admin)
    url = f"/g/{world.group.slug}/manage/members/"
    page = client.get(url, {"filter": "never_logged_in", "q": "membre"})
    assert [m.user.email for m in page.context["page"]] == ["member@example.org"]


@pytest.mark.parametrize("rows", [1, 80])
def test_member_list_query_budget_does_not_grow(
    world, client_for, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        MemberFactory(group=world.group)
    client = client_for(world.admin)
    with django_assert_max_num_queries(10):
        assert (
            client.get(
                f"/g/{world.group.slug}/manage/members/", {"filter": "never_ordered"}
            ).status_code
            == 200
        )


def test_export_csv_and_xlsx_of_the_filtered_list(world, client_for):
    world.member.first_name = "=HYPERLINK(1)"
    world.member.save()
    client = client_for(world.admin)
    url = f"/g/{world.group.slug}/manage/members/export/"
    response = client.get(url, {"q": "membre", "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Prénom", "Nom", "E-mail"]
    assert len(rows) == 2 and rows[1][0] == "'=HYPERLINK(1)" and rows[1][2] == "member@example.org"
    response = client.get(url, {"format": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 4  # header + 3 members


def test_sheet_shows_details_rights_balance_and_orders(world, client_for):
    shop = make_shop(world)
    basket = order(shop.md, member_of(world), {shop["bread"]: "2"}).basket
    target = member_of(world)
    page = client_for(world.admin).get(f"/g/{world.group.slug}/manage/members/{target.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "member@example.org" in html and basket.code in html and "Solde" in html
    assert f"/manage/members/{target.pk}/rights/" in html  # the rights form, for admins


def test_edit_details_locks_the_email_of_a_person_in_several_groups(
    world, client_for, django_capture_on_commit_callbacks
):
    target = member_of(world)
    url = f"/g/{world.group.slug}/manage/members/{target.pk}/edit/"
    client = client_for(world.admin)
    data = {"first_name": "Maëlle", "last_name": "Membre", "email": "new@x.org", "phone": "0102"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    world.member.refresh_from_db()
    assert world.member.email == "new@x.org" and world.member.phone == "0102"
    # Both addresses are told; the new one is the login address, to be confirmed.
    assert mail.outbox[-1].to == ["member@example.org", "new@x.org"]
    assert "new@x.org" in mail.outbox[-1].body
    assert list(
        EmailAddress.objects.filter(user=world.member).values_list("email", "verified")
    ) == [("new@x.org", False)]
    MemberFactory(group=world.other_group, user=world.member)
    client.post(url, {**data, "email": "other@x.org"})
    world.member.refresh_from_db()
    assert world.member.email == "new@x.org"


def test_remove_warns_about_open_orders_keeps_them_and_never_oneself(world, client_for):
    shop = make_shop(world)
    basket = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    target = member_of(world)
    client = client_for(world.admin)
    url = f"/g/{world.group.slug}/manage/members/{target.pk}/remove/"
    assert "Retirer quand même" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    target.refresh_from_db()
    assert target.left_at is not None
    basket.refresh_from_db()
    assert basket.member_id == target.pk and basket.state == "confirmed"
    me = Member.objects.get(group=world.group, user=world.admin)
    client.post(f"/g/{world.group.slug}/manage/members/{me.pk}/remove/")
    me.refresh_from_db()
    assert me.left_at is None


def test_fee_filters_can_be_plugged_in(world, client_for):
    selectors.register_filter("test_only", "Test", lambda qs, group: qs.filter(is_admin=True))
    try:
        assert _emails(selectors.member_list(group=world.group, filter="test_only")) == {
            "admin@example.org"
        }
        page = client_for(world.admin).get(
            f"/g/{world.group.slug}/manage/members/", {"filter": "test_only"}
        )
        assert [m.user.email for m in page.context["page"]] == ["admin@example.org"]
    finally:
        selectors._extra_filters.pop("test_only")


def test_a_member_without_the_right_cannot_see_the_sheet(world, client_for):
    target = member_of(world)
    other = UserFactory()
    MemberFactory(group=world.group, user=other, can_send_messages=True)
    url = f"/g/{world.group.slug}/manage/members/{target.pk}/"
    assert client_for(other).get(url).status_code == 403

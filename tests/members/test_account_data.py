"""People's own data (user-requests item 20): download, deletion, leaving by link."""

import io
import json
import re
import zipfile
from datetime import timedelta

from django.core import mail
from django.db.models import F

from distributions.models import MultiDistrib
from kernel.mail import send_email_to_user
from members.models import Member, User
from members.services import accounts
from payments import selectors as payments
from tests.factories import MemberFactory
from tests.orders.factories import make_shop, member_of, order
from tests.payments.factories import ordered, paid

PERSONAL = ("Maëlle", "Membre", "member@example.org", "0611223344", "12 rue des Lilas", "Paul")


def _personal_person(world):
    user = world.member
    user.phone, user.address1, user.postcode, user.city = "0611223344", "12 rue des Lilas", "1", "L"
    user.first_name2, user.email2 = "Paul", "paul@example.org"
    user.save()
    return user


def _to_the_past(md):
    MultiDistrib.objects.filter(pk=md.pk).update(
        start_at=F("start_at") - timedelta(days=30),
        end_at=F("end_at") - timedelta(days=30),
        orders_open_at=F("orders_open_at") - timedelta(days=40),
        orders_close_at=F("orders_close_at") - timedelta(days=40),
    )


def test_download_holds_profile_memberships_orders_and_operations(world, client_for):
    _personal_person(world)
    shop = make_shop(world)
    basket = order(shop.md, member_of(world), {shop["bread"]: "2"}).basket
    paid(world, member_of(world), "7.00")
    response = client_for(world.member).get("/account/data/download/")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"data.json", "profile.csv", "memberships.csv", "orders.csv", "operations.csv"} <= set(
        archive.namelist()
    )
    data = json.loads(archive.read("data.json"))
    assert data["profile"][0]["phone"] == "0611223344"
    assert [m["group"] for m in data["memberships"]] == ["La Cagette"]
    assert data["orders"][0]["order"] == basket.code and data["orders"][0]["total"] == "7.00"
    assert "7.00" in [op["amount"] for op in data["operations"]]
    assert "Pain de campagne" in archive.read("orders.csv").decode("utf-8-sig")


def test_deletion_is_refused_while_an_order_waits_or_money_is_owed(world, client_for):
    shop = make_shop(world)
    order(shop.md, member_of(world), {shop["bread"]: "2"})
    client = client_for(world.member)
    page = client.get("/account/delete/").content.decode()
    assert "pas encore distribuée" in page
    assert client.post("/account/delete/", {"confirm": "on"}).status_code == 200
    assert User.objects.get(pk=world.member.pk).is_active
    _to_the_past(shop.md)
    ordered(world.group, member_of(world), "other-debt", "12.00")
    reasons = accounts.account_deletion_refusals(world.member)
    assert (
        len(reasons) == 1 and "Vous devez" in reasons[0] and "19,00" in reasons[0]
    )  # 7.00 of bread + 12.00
    paid(world, member_of(world), "100.00")
    assert accounts.account_deletion_refusals(world.member) == []


def test_the_only_admin_cannot_delete_their_account(world):
    assert accounts.account_deletion_refusals(world.admin)


def test_deletion_keeps_every_balance_and_order_and_erases_the_person(world, client_for):
    user = _personal_person(world)
    MemberFactory(group=world.other_group, user=user)
    shop = make_shop(world)
    target = member_of(world)
    basket = order(shop.md, target, {shop["bread"]: "2", shop["tomatoes"]: "2"}).basket
    paid(world, target, "20.00", label="Chèque de Maëlle Membre")
    _to_the_past(shop.md)
    balances_before = {
        g.pk: payments.balances_for_group(group=g) for g in (world.group, world.other_group)
    }
    lines_before = sorted(basket.lines.values_list("product_name", "quantity", "unit_price"))
    client = client_for(user)
    response = client.post("/account/delete/", {"confirm": "on"})
    assert response.status_code == 302
    # The groups' accounts are exactly as before.
    for group in (world.group, world.other_group):
        assert payments.balances_for_group(group=group) == balances_before[group.pk]
    basket.refresh_from_db()
    assert basket.member_id == target.pk and basket.state == "confirmed"
    assert sorted(basket.lines.values_list("product_name", "quantity", "unit_price")) == (
        lines_before
    )
    # Nothing personal is left on the account and its memberships.
    user.refresh_from_db()
    row = json.dumps(
        {f.name: str(getattr(user, f.name)) for f in User._meta.concrete_fields},
        ensure_ascii=False,
    )
    for value in (*PERSONAL, "paul@example.org"):
        assert value not in row
    assert not user.is_active and not user.has_usable_password()
    assert not Member.objects.active().filter(user=user).exists()
    assert target.user.display_name.startswith("deleted-") or user.display_name.startswith(
        "deleted-"
    )
    # Logged out, and cannot log in again.
    assert client.get("/account/data/").status_code == 302


def test_leave_by_the_signed_link_of_an_email_footer(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_email_to_user(name="group_created", user=world.member, context={}, group=world.group)
    html = mail.outbox[0].alternatives[0][0]
    link = re.search(r'href="https?://[^/"]+(/leave/[^"]+/)"', html).group(1)
    assert f"Quitter ce groupe\u00a0: http://127.0.0.1:8000{link}" in mail.outbox[0].body
    page = client.get(link)
    assert page.status_code == 200 and "La Cagette" in page.content.decode()
    assert client.post(link).status_code == 302
    assert not Member.objects.active().filter(group=world.group, user=world.member).exists()
    assert "pas valide" in client.get(link[:-3] + "xx/").content.decode()


def test_my_data_page_lists_groups_to_leave(world, client_for):
    page = client_for(world.member).get("/account/data/").content.decode()
    assert f"/g/{world.group.slug}/leave/" in page and "/account/data/download/" in page


def test_mail_context_is_empty_without_a_group(world):
    assert accounts.mail_context(world.member, None) == {}
    assert "leave_url" in accounts.mail_context(world.member, world.group)


def test_deletion_is_refused_while_a_duty_is_ahead(world):
    from distributions.models import Duty, DutyNeed, VolunteerRole
    from tests.distributions.factories import make_md

    md = make_md(world.group, acting_user=world.admin)
    role = VolunteerRole.objects.create(group=world.group, name="Accueil")
    need = DutyNeed.objects.create(group=world.group, multidistrib=md, role=role, people=1)
    Duty.objects.create(group=world.group, need=need, user=world.member)
    reasons = accounts.account_deletion_refusals(world.member)
    assert len(reasons) == 1 and "Accueil" in reasons[0]

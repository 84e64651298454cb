"""Issue 14's journey: an admin imports 30 members from a CSV with one bad line (sees the error),
fixes it, imports and invites them; one invitee signs up through the link and orders; a person
asks to join a waiting-list group and is accepted. On a 360 px phone for the people's pages."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail

from members.models import Invitation, JoinRequest, Member
from orders.models import Basket
from tests.browser.test_accessibility import axe_violations
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory
from tests.distributions.factories import make_md
from tests.factories import PASSWORD, MemberFactory, PlaceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADER = "firstName;lastName;email;phone;firstName2;lastName2;email2;phone2;address1;address2;zipCode;city"
PHONE = {"width": 360, "height": 780}


def _login(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path


def _rows(bad_line: bool) -> str:
    rows = [HEADER]
    for i in range(30):
        email = f"personne{i}@lavoir.example"
        if bad_line and i == 15:
            email = "personne15-at-lavoir.example"
        rows.append(f"Prénom{i};nom{i};{email};6123456{i:02d};;;;;;;;")
    return "\n".join(rows) + "\n"


@pytest.fixture
def lavoir():
    place = PlaceFactory(group__name="Les Paniers du Lavoir", group__slug="lavoir")
    group = place.group
    group.main_place = place
    group.save(update_fields=["main_place"])
    admin = UserFactory(email="admin@lavoir.example", first_name="Alice", last_name="Admin")
    MemberFactory(group=group, user=admin, is_admin=True)
    group.contact = admin
    group.save(update_fields=["contact"])
    bakery = CatalogFactory(group=group, vendor=VendorFactory(name="Fournil"), name="Pain")
    bread = ProductFactory(catalog=bakery, name="Pain de campagne", price=Decimal("3.50"))
    md = make_md(group, catalogs=[bakery], acting_user=admin)
    return {"group": group, "md": md, "bread": bread}


def test_import_invite_sign_up_order_and_waiting_list(
    live_server, browser, screens, lavoir, tmp_path
):
    base = live_server.url
    group, md, bread = lavoir["group"], lavoir["md"], lavoir["bread"]
    problems = {}
    mail.outbox.clear()

    # The admin imports a file with a bad line: the whole file is refused, the line named.
    admin_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    admin = admin_context.new_page()
    _login(admin, base, "admin@lavoir.example")
    admin.goto(base + "/g/lavoir/manage/members/import/")
    bad = tmp_path / "membres.csv"
    bad.write_text(_rows(bad_line=True), encoding="utf-8")
    admin.set_input_files("input[name=file]", str(bad))
    admin.click("form[enctype] button[type=submit]")
    admin.wait_for_selector(".errorlist")
    error = admin.inner_text(".errorlist")
    assert "Ligne 17" in error and "personne15-at-lavoir.example" in error
    admin.screenshot(path=screens / "members-import-error.png", full_page=True)
    problems["import error"] = axe_violations(admin)
    assert Member.objects.filter(group=group).count() == 1

    # Fixed, the preview lists 30 new people; they are invited.
    good = tmp_path / "membres-corrige.csv"
    good.write_text(_rows(bad_line=False), encoding="utf-8")
    admin.set_input_files("input[name=file]", str(good))
    admin.click("form[enctype] button[type=submit]")
    admin.wait_for_selector("#preview")
    assert "30 nouvelle(s) personne(s)" in admin.inner_text("#preview")
    admin.screenshot(path=screens / "members-import-preview.png", full_page=True)
    problems["import preview"] = axe_violations(admin)
    admin.check("input[name=mode][value=invite]")
    admin.click("#preview form button[type=submit]")
    admin.wait_for_url(re.compile(r"/manage/members/invitations/$"))
    assert "30 invitations envoyées" in admin.content()
    admin.screenshot(path=screens / "members-invitations.png", full_page=True)
    problems["invitations"] = axe_violations(admin)
    assert Invitation.objects.filter(group=group).count() == 30
    invitations = [m for m in mail.outbox if m.to == ["personne7@lavoir.example"]]
    assert len(mail.outbox) == 30 and len(invitations) == 1
    message = invitations[0]
    assert "Alice" in message.body and "Les Paniers du Lavoir" in message.subject
    link = re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)

    # The invitee opens the link on a phone, creates the account and is a member at once.
    person_context = browser.new_context(viewport=PHONE, locale="fr-FR")
    person = person_context.new_page()
    person.goto(base + _path(link))
    person.screenshot(path=screens / "members-invitation-landing.png", full_page=True)
    problems["invitation"] = axe_violations(person)
    person.click("a[href='/accounts/signup/']")
    assert person.input_value("input[name=email]") == "personne7@lavoir.example"
    person.fill("input[name=first_name]", "Prénom7")
    person.fill("input[name=last_name]", "Nom7")
    person.fill("input[name=password1]", "un-mot-de-passe-solide-42")
    person.fill("input[name=password2]", "un-mot-de-passe-solide-42")
    person.click("main form button[type=submit]")
    person.wait_for_url(base + "/")
    invitee = Member.objects.active().get(group=group, user__email="personne7@lavoir.example")
    assert Invitation.objects.get(email="personne7@lavoir.example").accepted_at is not None

    # …and orders.
    person.goto(base + f"/g/lavoir/shop/{md.pk}/")
    person.fill(f"#q{bread.pk}", "2")
    person.click(f"button[name=add][value='{bread.pk}']")
    person.wait_for_selector(f"#p{bread.pk}.in-cart")
    person.click(f".cart-bar a[href='/g/lavoir/shop/{md.pk}/checkout/']")
    person.wait_for_url(re.compile(r"/checkout/$"))
    onspot = person.locator("input[name=payment_type][value=onthespot]")
    if onspot.count():
        onspot.check()
    person.click("form.steps button[type=submit]")
    person.wait_for_url(re.compile(r"/g/lavoir/orders/[A-Z0-9]+/$"))
    assert Basket.objects.get(member=invitee, state="confirmed").lines.get().quantity == 2
    person_context.close()

    # A person asks to join the group, now on a waiting list, and is accepted.
    group.registration = "waiting_list"
    group.save(update_fields=["registration"])
    UserFactory(email="nadia@lavoir.example", first_name="Nadia", last_name="Attente")
    mail.outbox.clear()
    asker_context = browser.new_context(viewport=PHONE, locale="fr-FR")
    asker = asker_context.new_page()
    _login(asker, base, "nadia@lavoir.example")
    asker.goto(base + "/g/lavoir/")
    asker.click("a[href='/g/lavoir/join/request/']")
    asker.fill("textarea[name=message]", "Nous habitons à côté du lavoir.")
    asker.screenshot(path=screens / "members-join-request-phone.png", full_page=True)
    problems["join request"] = axe_violations(asker)
    asker.click("main form button[type=submit]")
    asker.wait_for_url(base + "/g/lavoir/")
    assert JoinRequest.objects.filter(group=group, user__email="nadia@lavoir.example").exists()
    assert [m.to for m in mail.outbox] == [["admin@lavoir.example"]]
    assert "Nous habitons à côté du lavoir." in mail.outbox[0].body
    asker.goto(base + "/")
    assert "Les Paniers du Lavoir" in asker.inner_text("main")
    asker.screenshot(path=screens / "members-my-groups-pending-phone.png", full_page=True)

    mail.outbox.clear()
    admin.goto(base + "/g/lavoir/manage/members/waiting-list/")
    assert "ATTENTE Nadia" in admin.content()
    admin.check("input[name=ids]")
    admin.screenshot(path=screens / "members-waiting-list.png", full_page=True)
    problems["waiting list"] = axe_violations(admin)
    admin.click("button[formaction$='/waiting-list/accept/']")
    admin.wait_for_url(re.compile(r"/waiting-list/$"))
    assert "1 demande acceptée" in admin.content()
    assert Member.objects.active().filter(group=group, user__email="nadia@lavoir.example").exists()
    assert [m.to for m in mail.outbox] == [["nadia@lavoir.example"]]
    assert "Vous êtes maintenant membre" in mail.outbox[0].subject

    # The accepted person's own data page and the deletion page, on the phone.
    asker.goto(base + "/account/data/")
    assert "Les Paniers du Lavoir" in asker.inner_text("main")
    asker.screenshot(path=screens / "members-my-data-phone.png", full_page=True)
    problems["my data"] = axe_violations(asker)
    asker.goto(base + "/account/delete/")
    asker.screenshot(path=screens / "members-account-delete-phone.png", full_page=True)
    problems["delete"] = axe_violations(asker)

    # The member list and a sheet, on a phone too.
    admin.set_viewport_size(PHONE)
    admin.goto(base + "/g/lavoir/manage/members/")
    admin.screenshot(path=screens / "members-list-phone.png", full_page=True)
    problems["list"] = axe_violations(admin)
    admin.goto(base + "/g/lavoir/manage/members/add/")
    admin.screenshot(path=screens / "members-add-phone.png", full_page=True)
    problems["add"] = axe_violations(admin)
    admin.goto(base + f"/g/lavoir/manage/members/{invitee.pk}/")
    admin.screenshot(path=screens / "members-sheet-phone.png", full_page=True)
    problems["sheet"] = axe_violations(admin)
    assert "Pain" in admin.content() or Basket.objects.get(member=invitee).code in admin.content()
    admin_context.close()
    asker_context.close()
    assert {k: v for k, v in problems.items() if v} == {}

"""Invitations (spec §4.4) and members added by hand (spec §4.5)."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing

from members.models import Invitation, Member, User
from members.services import invitations as inv
from tests.factories import UserFactory


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", message.body).group(1)


def _invite(world, client_for, capture, text):
    with capture(execute=True):
        return client_for(world.admin).post(
            f"/g/{world.group.slug}/manage/members/invitations/", {"addresses": text}
        )


def test_invite_many_skips_members_and_refuses_bad_addresses(
    world, client_for, django_capture_on_commit_callbacks
):
    response = _invite(world, client_for, django_capture_on_commit_callbacks, "a@x.org pas-un-mail")
    assert response.status_code == 200 and "pas-un-mail" in response.content.decode()
    assert not Invitation.objects.exists() and mail.outbox == []
    _invite(
        world,
        client_for,
        django_capture_on_commit_callbacks,
        "A@x.org, b@x.org\nmember@example.org; a@x.org",
    )
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["a@x.org", "b@x.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["a@x.org", "b@x.org"]
    assert "14 jours" in mail.outbox[0].body
    page = client_for(world.admin).get(f"/g/{world.group.slug}/manage/members/invitations/")
    assert "a@x.org" in page.content.decode()


def test_new_person_signs_up_through_the_link_and_is_a_member(
    world, client_for, client, django_capture_on_commit_callbacks
):
    _invite(world, client_for, django_capture_on_commit_callbacks, "new@x.org")
    link = _link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200 and "Créer mon compte" in page.content.decode()
    signup = client.get("/accounts/signup/")
    assert 'value="new@x.org"' in signup.content.decode()  # prefilled
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "first_name": "Nina",
                "last_name": "Neuve",
                "email": "new@x.org",
                "password1": "un-mot-de-passe-solide-42",
                "password2": "un-mot-de-passe-solide-42",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="new@x.org")
    assert Member.objects.of_user(group=world.group, user=user).exists()
    # The link proved the address: no confirmation e-mail needed, the person is logged in.
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(f"/g/{world.group.slug}/").context["request"].member is not None
    assert Invitation.objects.get(email="new@x.org").accepted_by == user


def test_existing_account_joins_in_one_click(world, client_for, django_capture_on_commit_callbacks):
    person = UserFactory(email="known@x.org")
    _invite(world, client_for, django_capture_on_commit_callbacks, "known@x.org")
    link = _link(mail.outbox[0])
    anonymous = client_for(None).get(link).content.decode()
    assert "connectez-vous" in anonymous
    client = client_for(person)
    assert client.post(link).status_code == 302
    assert Member.objects.of_user(group=world.group, user=person).exists()
    # Following the link again says so.
    response = client.get(link, follow=True)
    assert "déjà membre" in response.content.decode()


def test_expired_tampered_and_resent_links(world, client_for, django_capture_on_commit_callbacks):
    person = UserFactory(email="late@x.org")
    fifteen_days_ago = time.time() - timedelta(days=15).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=fifteen_days_ago):
        _invite(world, client_for, django_capture_on_commit_callbacks, "late@x.org")
    old_link = _link(mail.outbox[0])
    client = client_for(person)
    assert "expiré" in client.get(old_link).content.decode()
    assert client.post(old_link).status_code == 200
    assert not Member.objects.filter(group=world.group, user=person).exists()
    tampered = old_link[:-3] + ("A" if old_link[-3] != "A" else "B") + old_link[-2:]
    assert "pas valide" in client.get(tampered).content.decode()
    forged = signing.dumps({"i": Invitation.objects.get().pk, "e": "late@x.org"}, salt="other")
    assert "pas valide" in client.get(f"/invitations/{forged}/").content.decode()
    # Re-sending signs a new link, valid again.
    mail.outbox.clear()
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.admin).post(
            f"/g/{world.group.slug}/manage/members/invitations/resend/", {"ids": [invitation.pk]}
        )
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    client.post(_link(mail.outbox[0]))
    assert Member.objects.of_user(group=world.group, user=person).exists()


def test_an_invitation_accepted_elsewhere_cannot_add_twice(world):
    person = UserFactory()
    invitation = Invitation.objects.create(group=world.group, email=person.email)
    inv.invitation_accept(invitation=invitation, user=person, acting_user=person)
    with pytest.raises(inv.InvitationError):
        inv.invitation_accept(invitation=invitation, user=person, acting_user=person)


# Added by hand -------------------------------------------------------------------------------


def test_add_by_hand_creates_an_account_and_mails_a_set_password_link(
    world, client_for, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.admin).post(
            f"/g/{world.group.slug}/manage/members/add/",
            {
                "first_name": "Hugo",
                "last_name": "Hand",
                "email": "Hugo@X.org",
                "send_mail": "on",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="hugo@x.org")
    assert not user.has_usable_password()
    assert Member.objects.of_user(group=world.group, user=user).exists()
    link = re.search(r"https?://[^/\s]+(/account/welcome/[^\s]+/)", mail.outbox[0].body).group(1)
    assert client.get(link).status_code == 200
    response = client.post(
        link, {"new_password1": "encore-un-secret-77", "new_password2": "encore-un-secret-77"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password() and EmailAddress.objects.get(user=user).verified
    assert "déjà servi" in client.get(link).content.decode()  # one use only


def test_add_by_hand_links_an_existing_account_by_either_address(world, client_for):
    person = UserFactory(email="first@x.org", email2="second@x.org")
    url = f"/g/{world.group.slug}/manage/members/add/"
    client = client_for(world.admin)
    client.post(url, {"first_name": "A", "last_name": "B", "email": "SECOND@x.org"})
    assert Member.objects.of_user(group=world.group, user=person).exists()
    assert User.objects.filter(email__in=["first@x.org", "second@x.org"]).count() == 1
    response = client.post(url, {"first_name": "A", "last_name": "B", "email": "first@x.org"})
    assert response.status_code == 200 and "déjà membre" in response.content.decode()


def test_add_by_hand_asks_the_phone_and_address_when_the_group_does(world, client_for):
    world.group.phone_required = True
    world.group.address_required = True
    world.group.save()
    response = client_for(world.admin).post(
        f"/g/{world.group.slug}/manage/members/add/",
        {"first_name": "A", "last_name": "B", "email": "c@x.org"},
    )
    assert response.status_code == 200
    assert {"phone", "address1", "postcode", "city"} <= set(response.context["form"].errors)
    assert not User.objects.filter(email="c@x.org").exists()

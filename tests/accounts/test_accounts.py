import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from members.models import User
from tests.factories import PASSWORD, UserFactory

SIGNUP = {
    "first_name": "Lucie",
    "last_name": "Ferrand",
    "email": "Lucie@Example.org",
    "password1": "un-Mot-de-passe-solide-42",
    "password2": "un-Mot-de-passe-solide-42",
}


def _link(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def test_signup_sends_a_verification_mail_without_password_then_confirms(client, db):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="lucie@example.org")
    assert (user.first_name, user.last_name, user.language) == ("Lucie", "Ferrand", "fr")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "un-Mot-de-passe-solide-42" not in message.body
    link = _link(message.body)
    assert "/accounts/confirm-email/" in link
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified


def test_unverified_account_cannot_log_in(client, db):
    client.post("/accounts/signup/", SIGNUP)
    client.logout()
    mail.outbox.clear()
    response = client.post(
        "/accounts/login/", {"login": "lucie@example.org", "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_signup_errors_are_shown_next_to_fields(client, db):
    response = client.post("/accounts/signup/", {**SIGNUP, "first_name": "", "password2": "autre"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "first_name" in errors and "password2" in errors
    assert not User.objects.exists()


def test_login_is_case_insensitive_on_email(client, db):
    UserFactory(email="paul@example.org")
    response = client.post("/accounts/login/", {"login": "PAUL@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].email == "paul@example.org"


def test_password_reset_mail_holds_a_link_not_a_password(client, db):
    UserFactory(email="paul@example.org")
    response = client.post("/accounts/password/reset/", {"email": "paul@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert PASSWORD not in body
    assert "/accounts/password/reset/key/" in body


def test_login_by_code(client, db):
    UserFactory(email="paul@example.org")
    response = client.post("/accounts/login/code/", {"email": "paul@example.org"})
    assert response.status_code == 302
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[0].body, re.M).group(1)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_failed_logins_are_limited_per_real_client_address(client, db, settings):
    """Behind one trusted proxy, the limit applies to the client's address, not the proxy's."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    cache.clear()
    UserFactory(email="paul@example.org")
    for _ in range(3):
        client.post(
            "/accounts/login/",
            {"login": "paul@example.org", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    blocked = client.post(
        "/accounts/login/",
        {"login": "paul@example.org", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert blocked.status_code in (200, 429) and "_auth_user_id" not in client.session
    other = client.post(
        "/accounts/login/",
        {"login": "paul@example.org", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert other.status_code == 302 and "_auth_user_id" in client.session


def test_failed_logins_are_limited_per_account(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/key"}
    cache.clear()
    UserFactory(email="paul@example.org")
    for i in range(3):
        client.post(
            "/accounts/login/",
            {"login": "paul@example.org", "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{i}",
        )
    blocked = client.post(
        "/accounts/login/",
        {"login": "paul@example.org", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.50",
    )
    assert "_auth_user_id" not in client.session
    assert blocked.status_code in (200, 429)

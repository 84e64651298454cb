"""Issue 18: links in e-mails use the address the server answers on when SITE_URL is not set,
and SITE_URL when it is."""

import pytest
from django.core import mail

from tests.factories import UserFactory
from tests.groups.test_groups import CREATE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("from_request", "expected"),
    [(True, "http://127.0.0.1:8105/g/"), (False, "https://cagette.example/g/")],
)
def test_mail_links_follow_the_server_or_the_setting(client_for, settings, from_request, expected):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SITE_URL = "https://cagette.example"
    settings.SITE_URL_FROM_REQUEST = from_request
    client_for(UserFactory()).post("/groups/new/", CREATE, HTTP_HOST="127.0.0.1:8105")
    [message] = mail.outbox
    assert expected in message.body
    assert ":8000" not in message.body

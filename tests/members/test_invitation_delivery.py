"""Issue 14 item 2: the invitations page shows the delivery of each invitation's last mail
(through the outbox), and a failed one can be sent again."""

import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.models import OutboxMail
from members.models import Invitation
from tests.messaging.backends import FlakyBackend


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.messaging.backends.FlakyBackend"
    FlakyBackend.errors = []
    yield FlakyBackend.errors
    FlakyBackend.errors = []


def _page(world, client_for) -> str:
    response = client_for(world.admin).get(f"/g/{world.group.slug}/manage/members/invitations/")
    assert response.status_code == 200
    return response.content.decode()


def _row(page: str, email: str) -> str:
    start = page.index(f"<td>{email}</td>")
    return page[start : page.index("</tr>", start)]


def test_each_invitation_shows_its_last_mail_and_a_failed_one_is_sent_again(
    world, client_for, flaky, django_capture_on_commit_callbacks
):
    # Sent in the order typed, over one connection: a refused for good, b to retry, c delivered.
    flaky.append(smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"5.1.1 no such user")}))
    flaky.append(smtplib.SMTPResponseException(451, b"greylisted, try later"))
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.admin).post(
            f"/g/{world.group.slug}/manage/members/invitations/",
            {"addresses": "a@x.org b@x.org c@x.org"},
        )
    by_email = {i.email: i for i in Invitation.objects.all()}
    rows = {r.tag: r for r in OutboxMail.objects.filter(kind="invitation")}
    assert set(rows) == {f"invitation:{i.pk}" for i in by_email.values()}
    assert rows[f"invitation:{by_email['a@x.org'].pk}"].status == OutboxMail.Status.FAILED
    assert rows[f"invitation:{by_email['b@x.org'].pk}"].status == OutboxMail.Status.RETRY
    assert [m.to for m in mail.outbox] == [["c@x.org"]]

    page = _page(world, client_for)
    assert "Envoi du dernier e-mail" in page
    failed = _row(page, "a@x.org")
    assert "échec" in failed and "550" in failed and "no such user" in failed
    retry = _row(page, "b@x.org")
    assert "nouvel essai prévu" in retry and "451" in retry and "prochain essai" in retry
    assert "remis au serveur" in _row(page, "c@x.org")

    # The admin ticks the failed one and sends it again: a new mail, delivered this time.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.admin).post(
            f"/g/{world.group.slug}/manage/members/invitations/resend/",
            {"ids": [by_email["a@x.org"].pk]},
        )
    by_email["a@x.org"].refresh_from_db()
    assert by_email["a@x.org"].send_count == 2
    assert [m.to for m in mail.outbox] == [["c@x.org"], ["a@x.org"]]
    again = _row(_page(world, client_for), "a@x.org")
    assert "remis au serveur" in again and "échec" not in again


def test_an_invitation_waiting_for_its_worker_says_so(world, client_for):
    # Written in a transaction the test never commits: the delivery task is not run yet.
    from members.services import invitations as inv

    inv.invitations_send(group=world.group, emails=["w@x.org"], acting_user=world.admin)
    assert "en attente d\u2019envoi" in _row(_page(world, client_for), "w@x.org")


def test_the_invitations_page_reads_deliveries_in_constant_queries(
    world, client_for, django_capture_on_commit_callbacks
):
    from members.services import invitations as inv

    def count() -> int:
        client = client_for(world.admin)
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/g/{world.group.slug}/manage/members/invitations/")
        return len(queries)

    with django_capture_on_commit_callbacks(execute=True):
        inv.invitations_send(group=world.group, emails=["one@x.org"], acting_user=world.admin)
    few = count()
    with django_capture_on_commit_callbacks(execute=True):
        inv.invitations_send(
            group=world.group,
            emails=[f"p{n}@x.org" for n in range(30)] + ["one@x.org"],
            acting_user=world.admin,
        )
    assert OutboxMail.objects.filter(kind="invitation").count() == 32
    assert count() == few


@pytest.mark.parametrize(
    ("last_error", "shown"),
    [
        (
            "SMTPRecipientsRefused: {'a@x.org': (550, b'5.1.1 <a@x.org>: User unknown')}",
            "550 5.1.1 <a@x.org>: User unknown",
        ),
        ("SMTPResponseException: (451, b'4.7.1 Greylisted')", "451 4.7.1 Greylisted"),
        ("ConnectionRefusedError: [Errno 111] Connection refused", "Connection refused"),
        ("", ""),
    ],
)
def test_the_mail_servers_answer_is_shown_without_the_exceptions_repr(last_error, shown):
    assert OutboxMail(last_error=last_error).error_reason == shown

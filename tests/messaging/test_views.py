"""Writing, testing and sending a message; the history; the preferences link."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kernel.mail import preferences_token
from kernel.models import OutboxMail
from messaging.models import Message
from tests.factories import MemberFactory, UserFactory
from tests.orders.factories import make_shop, member_of, new_member, order

PDF = b"%PDF-1.4\n%fake but signed\n"


def _url(world, name, *args):
    return reverse(f"messaging:{name}", args=[world.group.slug, *args])


@pytest.mark.django_db(transaction=True)
def test_admin_writes_tests_then_sends_to_the_next_distribution_with_an_attachment(
    world, client_for
):
    shop = make_shop(world)
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    other = new_member(world.group, email="other@example.org", email2="partner@example.org")
    order(shop.md, other, {shop["bread"]: "1"})
    new_member(world.group, email="no-order@example.org")
    mail.outbox.clear()  # the order confirmations
    client = client_for(world.admin)
    page = client.get(_url(world, "new"))
    assert page.status_code == 200
    assert "Membres avec une commande à la prochaine distribution (2 personnes)" in page.text
    response = client.post(
        _url(world, "new"),
        {
            "audience": "next_order",
            "subject": "Distribution de jeudi",
            "body": "<p>Bonjour, <strong>pensez aux sacs</strong><script>x()</script></p>",
            "files": [SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")],
        },
    )
    message = Message.objects.get()
    assert response.status_code == 302 and response.url == _url(world, "detail", message.pk)
    assert message.body == "<p>Bonjour, <strong>pensez aux sacs</strong></p>"
    assert "Envoyer à 2 personnes" in client.get(response.url).text

    client.post(_url(world, "test", message.pk))
    assert [m.to for m in mail.outbox] == [["admin@example.org"]]
    assert mail.outbox[0].subject == "[TEST] [La Cagette] Distribution de jeudi"
    client.post(_url(world, "send", message.pk))
    client.post(_url(world, "send", message.pk))  # a second click sends nothing more
    sent = mail.outbox[1:]
    assert sorted(m.to for m in sent) == [
        ["member@example.org"],
        ["other@example.org", "partner@example.org"],
    ]
    first = sent[0]
    assert first.subject == "[La Cagette] Distribution de jeudi"
    assert first.reply_to == ["admin@example.org"]
    assert first.from_email == '"ADMIN Alice (Cagette)" <noreply@cagette.localhost>'
    assert first.attachments[0][0] == "plan.pdf" and first.attachments[0][1] == PDF
    assert "List-Unsubscribe" in first.extra_headers
    html = first.alternatives[0][0]
    assert "<strong>pensez aux sacs</strong>" in html and "script" not in html
    assert "membre de La Cagette" in html and "/mail-preferences/" in html
    message.refresh_from_db()
    assert message.recipient_count == 2 and not message.is_draft
    assert OutboxMail.objects.filter(tag=message.tag, status="sent").count() == 2
    detail = client.get(_url(world, "detail", message.pk)).text
    assert "Distribués\u00a0: 2 · en attente\u00a0: 0 · en échec\u00a0: 0" in detail


@pytest.mark.django_db
def test_bad_attachments_and_empty_bodies_are_refused_next_to_the_field(world, client_for):
    client = client_for(world.admin)
    response = client.post(
        _url(world, "new"),
        {
            "audience": "all",
            "body": "<script>only</script>",
            "files": [SimpleUploadedFile("virus.exe", b"MZ")],
        },
    )
    assert response.status_code == 200
    assert "Écrivez le message." in response.text
    assert "virus.exe" in response.text
    response = client.post(
        _url(world, "new"),
        {"audience": "all", "body": "x", "files": [SimpleUploadedFile("fake.pdf", b"MZ")]},
    )
    assert "fake.pdf" in response.text and not Message.objects.exists()


@pytest.mark.django_db
def test_history_admins_see_all_senders_their_own_members_nothing(world, client_for):
    sender = UserFactory(email="writer@example.org")
    MemberFactory(group=world.group, user=sender, can_send_messages=True)
    mine = Message.objects.create(group=world.group, sender=sender, audience="all", body="a")
    admins = Message.objects.create(group=world.group, sender=world.admin, audience="all", body="b")
    Message.objects.create(group=world.other_group, sender=world.outsider, audience="all", body="c")
    page = client_for(world.admin).get(_url(world, "list"))
    assert {m.pk for m in page.context["history"]} == {mine.pk, admins.pk}
    writer = client_for(sender)
    assert {m.pk for m in writer.get(_url(world, "list")).context["history"]} == {mine.pk}
    assert writer.get(_url(world, "detail", admins.pk)).status_code == 404
    assert writer.get(_url(world, "new") + f"?reuse={mine.pk}").status_code == 200
    assert client_for(world.member).get(_url(world, "list")).status_code == 403


@pytest.mark.django_db
def test_the_footer_link_opens_the_preferences_without_logging_in(world, client):
    url = reverse("messaging:preferences", args=[preferences_token(world.member)])
    assert client.get(url).status_code == 200
    client.post(url, {"notify_distribution_reminder_4h": "on"})
    world.member.refresh_from_db()
    assert world.member.notify_distribution_reminder_4h
    assert not world.member.notify_distribution_reminder
    assert client.get(url[:-3] + "xx/").status_code == 404


@pytest.mark.django_db
def test_messages_pages_keep_their_query_count_whatever_the_members_and_messages(
    world, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_shop(world)
    client = client_for(world.admin)

    def counts():
        found = []
        for name in ("list", "new"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(_url(world, name)).status_code == 200
            found.append(len(ctx.captured_queries))
        return found

    before = counts()
    for i in range(40):
        member = new_member(world.group, email=f"extra{i}@example.org")
        Message.objects.create(
            group=world.group,
            sender=world.admin,
            audience="all",
            body="x",
            sent_at=member.joined_at,
        )
    assert counts() == before
    with django_assert_max_num_queries(40):
        client.get(_url(world, "new"))


@pytest.mark.django_db
def test_the_preview_may_show_images_by_https_address_only(world, client_for):
    message = Message.objects.create(
        group=world.group,
        sender=world.admin,
        audience="all",
        body='<p><img src="https://example.org/panier.png" alt="Panier"></p>',
    )
    response = client_for(world.admin).get(_url(world, "detail", message.pk))
    policy = response.headers["Content-Security-Policy"]
    assert "img-src https: 'self' data:" in policy and "script-src 'self';" in policy
    assert '<img src="https://example.org/panier.png" alt="Panier">' in response.text
    other = client_for(world.admin).get(_url(world, "list"))
    assert "img-src https: " not in other.headers["Content-Security-Policy"]

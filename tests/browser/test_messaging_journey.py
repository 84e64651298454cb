"""Issue 16's journey in a browser: an admin writes to "members with an order at the next
distribution" with an attachment, sends a test to themself first, then to the list; the mails
are read in the outbox."""

import re

import pytest
from django.core import mail

from kernel.models import OutboxMail
from messaging import services
from messaging.models import Message
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_orders_journey import _login
from tests.orders.factories import make_shop, member_of, new_member, order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_admin_tests_then_sends_a_message_with_an_attachment(
    live_server, page, screens, world, tmp_path, monkeypatch
):
    shop = make_shop(world)
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    household = new_member(world.group, email="lea@example.org", email2="paul@example.org")
    order(shop.md, household, {shop["tomatoes"]: "1"})
    new_member(world.group, email="sans-commande@example.org")
    attachment = tmp_path / "plan-acces.pdf"
    attachment.write_bytes(PDF)
    mail.outbox.clear()

    base = live_server.url
    _login(page, base, "admin@example.org")
    page.goto(f"{base}/g/{world.group.slug}/manage/")
    page.click("nav a:has-text('Messages')")
    page.click("#message-new")
    option = page.locator("#id_audience option[value=next_order]")
    assert "(2 personnes)" in option.inner_text()
    # Fees are off in this group: its membership lists cannot be chosen.
    assert page.locator("#id_audience option[value=membership_ok]").is_disabled()
    page.select_option("#id_audience", "next_order")
    page.fill("#id_subject", "Distribution de jeudi")
    page.fill("#id_body", "Bonjour,\n\nPensez à vos sacs : ")
    page.locator("#id_body").press("End")
    page.click(".editor-tools button:has-text('Gras')")
    page.keyboard.type("cabas et bocaux")
    page.set_input_files("#id_files", str(attachment))
    assert axe_violations(page) == []
    page.screenshot(path=str(screens / "messaging-1-compose.png"), full_page=True)
    page.click("#message-save")

    page.wait_for_selector("#message-test")
    assert "2 personnes" in page.locator("#recipient-count").inner_text()
    assert page.locator(".message-preview strong").inner_text() == "cabas et bocaux"
    page.click("#message-test")
    page.wait_for_selector(".messages, [role=status], .alert", state="attached")
    assert [m.to for m in mail.outbox] == [["admin@example.org"]]
    assert mail.outbox[0].subject.startswith("[TEST]")
    page.screenshot(path=str(screens / "messaging-2-tested.png"), full_page=True)

    # The mails are written by a task: held here, so that the page shows its progress first.
    writings: list[int] = []
    monkeypatch.setattr(services, "_queue_writing", writings.append)
    page.click("#message-send")
    progress = page.locator("#sending-progress")
    assert "Envoi en cours… 0/2" in progress.inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(screens / "messaging-3a-sending.png"), full_page=True)
    assert len(mail.outbox) == 1 and len(writings) == 1
    services.message_write(message_id=writings[0])  # the task, as the worker runs it
    # The page asks for the progress every 2 s and shows the delivery once it is written.
    page.wait_for_selector("#sending-progress .badge", timeout=10_000)
    assert "Envoi terminé\u00a0: 2/2" in progress.inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(screens / "messaging-3-sent.png"), full_page=True)
    sent = sorted((m for m in mail.outbox[1:]), key=lambda m: m.to)
    assert [m.to for m in sent] == [
        ["lea@example.org", "paul@example.org"],
        ["member@example.org"],
    ]
    for message in sent:
        assert message.subject == "[La Cagette] Distribution de jeudi"
        assert message.attachments[0][0] == "plan-acces.pdf"
        assert message.attachments[0][1] == PDF
        html = message.alternatives[0][0]
        assert "<strong>cabas et bocaux</strong>" in html
        assert "/mail-preferences/" in html and "List-Unsubscribe" in message.extra_headers
    assert "Distribués\u00a0: 2" in page.locator("#delivery").inner_text()
    row = Message.objects.get()
    assert row.recipient_count == 2
    assert OutboxMail.objects.filter(tag=row.tag, status=OutboxMail.Status.SENT).count() == 2
    page.goto(f"{base}/g/{world.group.slug}/manage/messages/")
    assert axe_violations(page) == []
    # The member opens the footer link of their mail, without logging in (new context).
    assert sent[1].to == ["member@example.org"]
    preferences = re.search(r"(/mail-preferences/[^/]+/)", sent[1].body).group(1)
    page.context.clear_cookies()
    page.goto(base + preferences)
    assert axe_violations(page) == []
    page.uncheck("#id_notify_distribution_reminder")
    page.click("#preferences-save")
    page.wait_for_selector("[role=status]")
    page.screenshot(path=str(screens / "messaging-5-preferences.png"), full_page=True)
    world.member.refresh_from_db()
    assert world.member.notify_distribution_reminder is False
    (screens / "messaging-mail.html").write_text(sent[0].alternatives[0][0], encoding="utf-8")
    page.goto((screens / "messaging-mail.html").as_uri())
    page.screenshot(path=str(screens / "messaging-4-mail.png"), full_page=True)

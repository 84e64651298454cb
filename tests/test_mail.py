import pytest
from django.core import mail

from kernel.mail import recipients_for, send_email, send_email_to_user
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_send_email_renders_text_and_html_and_sets_reply_to(world):
    send_email_to_user(name="group_created", user=world.member, context={}, group=world.group)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Votre groupe {world.group.name} est prêt"
    assert "Bonjour Maëlle" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>La Cagette</strong>" in html
    assert message.reply_to == ["admin@example.org"]
    assert message.from_email.endswith("<noreply@cagette.localhost>")


@pytest.mark.django_db(transaction=True)
def test_text_parts_keep_apostrophes_and_ampersands_the_html_part_escapes_them(world):
    world.group.name = "L'AMAP <des> Prés & Co"
    world.group.save()
    send_email_to_user(name="group_created", user=world.member, context={}, group=world.group)
    message = mail.outbox[0]
    assert message.subject == "Votre groupe L'AMAP <des> Prés & Co est prêt"
    assert "Votre groupe L'AMAP <des> Prés & Co est créé" in message.body
    html = message.alternatives[0][0]
    assert "&lt;des&gt; Prés &amp; Co" in html and "<des>" not in html


@pytest.mark.django_db(transaction=True)
def test_send_email_uses_recipient_language(world):
    world.member.language = "en"
    send_email_to_user(name="group_created", user=world.member, context={}, group=world.group)
    assert mail.outbox[0].subject == f"Your group {world.group.name} is ready"


@pytest.mark.django_db(transaction=True)
def test_mail_is_sent_only_after_commit_and_not_on_rollback(world):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        send_email(
            name="group_created",
            to=["x@example.org"],
            context={"user": world.member},
            group=world.group,
        )
        raise RuntimeError("rollback")
    assert mail.outbox == []


def test_both_people_of_a_household_receive_mail(db):
    user = UserFactory(email="a@example.org", email2="b@example.org")
    assert recipients_for(user) == ["a@example.org", "b@example.org"]

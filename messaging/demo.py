"""Demo of the messaging for the group ``demo``: two messages in the history (written through the
services, so the outbox holds their mails, marked delivered) and one mail that failed for good (the board sees
"1 e-mail could not be delivered"). Running it again changes nothing (found by subject)."""

from datetime import timedelta

from django.utils import timezone

from groups.models import Group
from kernel.models import OutboxMail
from members.demo import demo_users
from messaging import services
from messaging.models import Message

MESSAGES = [
    (
        "all",
        "Bienvenue à la nouvelle saison",
        "<p>Bonjour à toutes et à tous,</p><p>La saison reprend : les commandes ouvrent chaque "
        "lundi. Pensez à <strong>apporter vos sacs</strong>.</p>"
        '<ul><li>Distribution le jeudi</li><li>Bénévoles : <a href="https://cagette.net">'
        "inscrivez-vous</a></li></ul>",
    ),
    (
        "board",
        "Réunion du bureau",
        "<p>Prochaine réunion du bureau mardi à 20 h, salle des fêtes.</p>",
    ),
]


def seed(stdout) -> None:
    group = Group.objects.filter(slug="demo").first()
    if group is None:
        return
    admin = demo_users()[0]
    if Message.objects.filter(group=group).exists():
        return
    for audience, subject, body in MESSAGES:
        message = services.message_save(
            group=group,
            acting_user=admin,
            audience=audience,
            audience_param=None,
            subject=subject,
            body=body,
            new_attachments=[],
        )
        services.message_send(message=message, acting_user=admin)
        # Written now (the task queued after commit then finds it sent and writes nothing).
        services.message_write(message_id=message.pk)
    # The demo does not mail its fictitious members: the rows are marked delivered (nothing is
    # left for the task queued after commit), but for one address the (imaginary) SMTP server
    # refused for good.
    tags = [m.tag for m in Message.objects.filter(group=group)]
    OutboxMail.objects.filter(tag__in=tags).update(
        status=OutboxMail.Status.SENT, tries=1, sent_at=timezone.now()
    )
    first = Message.objects.filter(group=group).order_by("pk").first()
    row = OutboxMail.objects.filter(tag=first.tag).order_by("-pk").first() if first else None
    if row is not None:
        Message.objects.filter(pk=first.pk).update(
            sent_at=timezone.now() - timedelta(days=6),
            created_at=timezone.now() - timedelta(days=6),
        )
        OutboxMail.objects.filter(pk=row.pk).update(
            status=OutboxMail.Status.FAILED,
            tries=1,
            last_error="SMTPRecipientsRefused: {'…': (550, b'5.1.1 Mailbox unavailable')}",
        )
    stdout.write("Messaging: 2 messages in the history, 1 failed delivery.")

"""E-mail: render subject, text and HTML templates in the recipient's language; send after commit.

Mail always leaves from the platform's address; group mail sets Reply-To to the group contact
(decision 11) so replies reach a person. The text part is always present.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


def recipients_for(user: Any) -> list[str]:
    """Both people of a household receive the group's mail (spec §4.1)."""
    return [address for address in (user.email, getattr(user, "email2", "")) if address]


def _render_text(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text template, not HTML-escaped: "L'AMAP & Co" stays as typed in the subject and
    the text part (the HTML part is escaped as usual)."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def render_email(name: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, **context}
        subject = _render_text(f"emails/{name}_subject.txt", context)
        text = _render_text(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
        if context.get("leave_url"):
            # The HTML footer has the link too (``emails/base_email.html``).
            text = text.rstrip("\n") + "\n\n-- \n" + _("Leave this group: %(url)s") % {
                "url": context["leave_url"]
            }
    subject = " ".join(subject.split())  # one line, whatever the template's whitespace
    return subject, text, html


def send_email(
    *,
    name: str,
    to: Iterable[str],
    context: dict[str, Any],
    language: str | None = None,
    group: Any = None,
    reply_to: Iterable[str] | None = None,
) -> None:
    """Render now, in ``language`` (default: French), and queue the sending after commit."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    lang = language or settings.LANGUAGE_CODE
    context = {"group": group, **context}
    subject, text, html = render_email(name, context, lang)
    replies = list(reply_to or [])
    if not replies and group is not None and group.contact_id:
        replies = [group.contact.email]

    from kernel.tasks import email_deliver

    transaction.on_commit(
        lambda: email_deliver.delay(
            subject=subject, text=text, html=html, to=recipients, reply_to=replies
        )
    )


# Apps add context to every e-mail sent to a user about a group (e.g. the members app's signed
# "leave this group" link in the footer): ``provider(user, group) -> dict``.
_user_context_providers: list[Any] = []


def register_user_context(provider: Any) -> Any:
    if provider not in _user_context_providers:
        _user_context_providers.append(provider)
    return provider


def send_email_to_user(*, name: str, user: Any, context: dict[str, Any], group: Any = None) -> None:
    extra: dict[str, Any] = {}
    for provider in _user_context_providers:
        extra.update(provider(user, group))
    send_email(
        name=name,
        to=recipients_for(user),
        context={"user": user, **extra, **context},
        language=user.language,
        group=group,
    )

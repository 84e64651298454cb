"""E-mail: render subject, text and HTML templates in the recipient's language; send after commit.

Mail always leaves from the platform's address; group mail sets Reply-To to the group contact
(decision 11) so replies reach a person. The text part is always present. Every mail is written
to the outbox (``kernel.outbox``) in the caller's transaction and sent after commit by a task.
"""

from collections.abc import Iterable
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kernel.outbox import Draft, outbox_add
from kernel.site import site_url

PREFERENCES_SALT = "kernel.mail.preferences"


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
        context = {"site_url": site_url(), **context}
        subject = _render_text(f"emails/{name}_subject.txt", context)
        text = _render_text(f"emails/{name}_body.txt", context)
        # The text part's footer: the same links as the HTML one (``emails/base_email.html``).
        footer = []
        if context.get("preferences_url"):
            footer.append(f"{_('Choose which e-mails you receive:')} {context['preferences_url']}")
        if context.get("leave_url"):
            footer.append(_("Leave this group: %(url)s") % {"url": context["leave_url"]})
        if footer:
            text = text.rstrip() + "\n\n-- \n" + "\n".join(footer)
        html = render_to_string(f"emails/{name}_body.html", context)
    subject = " ".join(subject.split())  # one line, whatever the template's whitespace
    return subject, text, html


def preferences_token(user: Any) -> str:
    """The signed token of the footer link opening a user's mail preferences without logging in."""
    return signing.dumps(user.pk, salt=PREFERENCES_SALT, compress=True)


def preferences_user_id(token: str) -> int | None:
    """The user id a footer token was made for; None when it was tampered with."""
    try:
        value = signing.loads(token, salt=PREFERENCES_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def preferences_url(user: Any) -> str:
    path = reverse("messaging:preferences", kwargs={"token": preferences_token(user)})
    return f"{settings.SITE_URL}{path}"


def platform_from(name: str = "") -> str:
    """The platform's address, under ``name`` ("Alice Martin via Cagette") when given."""
    if not name:
        return settings.DEFAULT_FROM_EMAIL
    platform_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((f"{name} ({platform_name or 'Cagette'})", address))


def send_email(
    *,
    name: str,
    to: Iterable[str],
    context: dict[str, Any],
    language: str | None = None,
    group: Any = None,
    reply_to: Iterable[str] | None = None,
    key: str | None = None,
    tag: str = "",
    attachments: list[dict[str, str]] | None = None,
    from_name: str = "",
    unsubscribe_url: str = "",
    deliver_now: bool = False,
) -> None:
    """Render now, in ``language`` (default: French), and write it to the outbox, which sends it
    after commit (``kernel.outbox``).

    ``key`` makes the mail once-only (a second call with the same key writes nothing);
    ``attachments`` are rows of ``kernel.outbox.store_attachments``; ``unsubscribe_url`` fills the
    ``List-Unsubscribe`` header and the footer's preferences link; ``deliver_now`` (a worker's
    task): sent by the caller after commit, not by another task (``kernel.outbox.outbox_add``).
    """
    recipients = [address for address in to if address]
    if not recipients:
        return
    lang = language or settings.LANGUAGE_CODE
    context = {"group": group, **context}
    if unsubscribe_url:
        context.setdefault("preferences_url", unsubscribe_url)
    subject, text, html = render_email(name, context, lang)
    replies = list(reply_to or [])
    if not replies and group is not None and group.contact_id:
        replies = [group.contact.email]
    # Group mail carries the header mail clients show as "unsubscribe" (the preferences page).
    headers = {"List-Unsubscribe": f"<{unsubscribe_url}>"} if unsubscribe_url and group else {}
    outbox_add(
        [
            Draft(
                kind=name,
                to=recipients,
                subject=subject,
                text=text,
                html=html,
                reply_to=replies,
                from_email=platform_from(from_name),
                headers=headers,
                attachments=attachments or [],
                group=group,
                key=key,
                tag=tag,
            )
        ],
        deliver_now=deliver_now,
    )


# Apps add context to every e-mail sent to a user about a group (e.g. the members app's signed
# "leave this group" link in the footer): ``provider(user, group) -> dict``.
_user_context_providers: list[Any] = []


def register_user_context(provider: Any) -> Any:
    if provider not in _user_context_providers:
        _user_context_providers.append(provider)
    return provider


def send_email_to_user(
    *,
    name: str,
    user: Any,
    context: dict[str, Any],
    group: Any = None,
    key: str | None = None,
    tag: str = "",
    flag: str = "",
    deliver_now: bool = False,
) -> None:
    """A mail to a person (both addresses of the household), in their language, with the footer
    links to their preferences and (about a group) to leave it.

    ``flag``: the person's preference (a boolean field of the user, e.g.
    ``notify_order_changes``) this mail depends on; nothing is written when it is off.
    """
    if flag and not getattr(user, flag):
        return
    extra: dict[str, Any] = {}
    for provider in _user_context_providers:
        extra.update(provider(user, group))
    send_email(
        name=name,
        to=recipients_for(user),
        context={"user": user, **extra, **context},
        language=user.language,
        group=group,
        key=key,
        tag=tag,
        unsubscribe_url=preferences_url(user) if getattr(user, "pk", None) else "",
        deliver_now=deliver_now,
    )

"""Invitations by e-mail (spec §4.4) and accounts created by an admin (spec §4.5).

An invitation link carries ``django.core.signing`` data (the invitation's id and address, and
when it was signed), valid ``INVITATION_DAYS``: a changed character makes it invalid, an old one
expired. Re-sending signs a new link. The "set your password" link of an account created by an
admin is signed the same way and works until a password is set.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group
from kernel.audit import log_action
from kernel.mail import send_email, send_email_to_user
from members.models import INVITATION_DAYS, Invitation, Member, User
from members.services import MembershipError, member_add

INVITATION_SALT = "members.invitation"
WELCOME_SALT = "members.welcome"
WELCOME_DAYS = 14


class InvitationError(MembershipError):
    pass


def users_by_email(emails: list[str]) -> dict[str, User]:
    """Accounts using any of ``emails`` as their first or second address (lower-case keys)."""
    found: dict[str, User] = {}
    emails = sorted({e.lower() for e in emails if e})
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        for user in User.objects.filter(Q(email__in=chunk) | Q(email2__in=chunk)):
            for address in (user.email, user.email2):
                if address:
                    found.setdefault(address.lower(), user)
    return found


def invitation_tag(invitation_id: int) -> str:
    """The outbox tag of an invitation's mails: the invitations page reads their delivery."""
    return f"invitation:{invitation_id}"


def invitation_url(invitation: Invitation) -> str:
    token = signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=INVITATION_SALT)
    return settings.SITE_URL + reverse("members:invitation", kwargs={"token": token})


@dataclass
class InvitationReport:
    sent: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def parse_addresses(text: str) -> tuple[list[str], list[str]]:
    """Addresses pasted one per line, or separated by commas, semicolons or spaces."""
    valid: list[str] = []
    invalid: list[str] = []
    for raw in text.replace(",", " ").replace(";", " ").split():
        address = raw.strip().strip("<>").lower()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            invalid.append(raw)
            continue
        if address not in valid:
            valid.append(address)
    return valid, invalid


@transaction.atomic
def invitations_send(*, group: Group, emails: list[str], acting_user: Any) -> InvitationReport:
    """Invite each address (a new invitation, or the pending one sent again); members are
    skipped and listed."""
    report = InvitationReport()
    accounts = users_by_email(emails)
    member_ids = set(
        Member.objects.active()
        .filter(group=group, user__in=[u.pk for u in accounts.values()])
        .values_list("user_id", flat=True)
    )
    existing = {
        inv.email: inv
        for inv in Invitation.objects.select_for_update().filter(group=group, email__in=emails)
    }
    now = timezone.now()
    for email in emails:
        account = accounts.get(email)
        if account is not None and account.pk in member_ids:
            report.already_members.append(email)
            continue
        invitation = existing.get(email)
        if invitation is None:
            invitation = Invitation.objects.create(
                group=group, email=email, invited_by=acting_user, sent_at=now
            )
            report.sent.append(email)
        else:
            invitation.sent_at = now
            invitation.send_count += 1
            invitation.accepted_at = None
            invitation.accepted_by = None
            invitation.invited_by = acting_user
            invitation.save()
            report.resent.append(email)
        _send_invitation(invitation, account, acting_user)
    log_action(
        action="invitation.sent",
        acting_user=acting_user,
        group=group,
        sent=len(report.sent),
        resent=len(report.resent),
    )
    return report


def _send_invitation(invitation: Invitation, account: User | None, acting_user: Any) -> None:
    language = account.language if account else getattr(acting_user, "language", None)
    send_email(
        name="invitation",
        to=[invitation.email],
        language=language,
        group=invitation.group,
        tag=invitation_tag(invitation.pk),
        context={
            "invitation_url": invitation_url(invitation),
            "has_account": account is not None,
            "inviter": acting_user,
            "days": INVITATION_DAYS,
        },
    )


def invitation_resolve(token: str) -> Invitation:
    """The invitation a link points to, or ``InvitationError`` saying what is wrong."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=timedelta(days=INVITATION_DAYS))
    except signing.SignatureExpired as exc:
        raise InvitationError(
            _("This invitation has expired. Ask the group for a new one.")
        ) from exc
    except signing.BadSignature as exc:
        raise InvitationError(
            _("This invitation link is not valid. Check that it was copied whole.")
        ) from exc
    invitation = (
        Invitation.objects.filter(pk=data.get("i"), email=data.get("e"), group__deleted_at=None)
        .select_related("group")
        .first()
    )
    if invitation is None:
        raise InvitationError(_("This invitation was withdrawn."))
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, acting_user: Any) -> Member:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if Member.objects.of_user(group=invitation.group, user=user).exists():
        raise InvitationError(_("You are already a member of this group."))
    member = member_add(group=invitation.group, user=user, acting_user=acting_user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    log_action(
        action="invitation.accepted", acting_user=acting_user, group=invitation.group, obj=member
    )
    from members.models import JoinRequest

    JoinRequest.objects.filter(group=invitation.group, user=user).delete()
    return member


# Accounts created by an admin -----------------------------------------------------------------


def welcome_url(user: User) -> str:
    token = signing.dumps({"u": user.pk, "e": user.email}, salt=WELCOME_SALT)
    return settings.SITE_URL + reverse("members:welcome", kwargs={"token": token})


def welcome_resolve(token: str) -> User:
    try:
        data = signing.loads(token, salt=WELCOME_SALT, max_age=timedelta(days=WELCOME_DAYS))
    except signing.SignatureExpired as exc:
        raise MembershipError(
            _("This link has expired. Use “Forgot your password?” to get a new one.")
        ) from exc
    except signing.BadSignature as exc:
        raise MembershipError(_("This link is not valid. Check that it was copied whole.")) from exc
    user = User.objects.filter(pk=data.get("u"), email=data.get("e"), is_active=True).first()
    if user is None or user.has_usable_password():
        raise MembershipError(
            _("This link was already used. Log in, or use “Forgot your password?”.")
        )
    return user


def send_account_created(*, user: User, group: Group) -> None:
    send_email_to_user(
        name="account_created",
        user=user,
        group=group,
        context={"welcome_url": welcome_url(user), "days": WELCOME_DAYS},
    )


def send_member_added(*, user: User, group: Group) -> None:
    send_email_to_user(name="member_added", user=user, group=group, context={})


@transaction.atomic
def welcome_set_password(*, user: User, password: str) -> User:
    """The person sets their first password: the link proved the address."""
    from allauth.account.models import EmailAddress

    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    log_action(action="user.welcomed", acting_user=user, obj=user)
    return user


@transaction.atomic
def member_create(
    *, group: Group, details: dict[str, Any], send_mail: bool, acting_user: Any
) -> tuple[Member, bool]:
    """Add a person by hand (spec §4.5). An account using the e-mail (first or second address)
    is linked, not duplicated; otherwise an account without password is created and, when
    ``send_mail``, told with a set-password link. Returns the member and whether the account is
    new."""
    email = details["email"].strip().lower()
    user = users_by_email([email]).get(email)
    if user is not None:
        if Member.objects.of_user(group=group, user=user).exists():
            raise MembershipError(
                _("%(email)s is already a member of this group.") % {"email": email}
            )
        member = member_add(group=group, user=user, acting_user=acting_user)
        if send_mail:
            send_member_added(user=user, group=group)
        return member, False
    user = User(**{**details, "email": email})
    user.set_unusable_password()
    user.full_clean()
    user.save()
    log_action(action="user.created_by_admin", acting_user=acting_user, group=group, obj=user)
    member = member_add(group=group, user=user, acting_user=acting_user)
    if send_mail:
        send_account_created(user=user, group=group)
    return member, True


@transaction.atomic
def member_details_update(
    *, member: Member, user: User, changed: list[str], acting_user: Any
) -> User:
    """An admin edits a member's details from the sheet. A new login address replaces the
    account's allauth address (to be confirmed again) and both addresses are told."""
    from allauth.account.models import EmailAddress

    old_email = User.objects.values_list("email", flat=True).get(pk=user.pk)
    user.full_clean()
    user.save(update_fields=changed or None)
    log_action(
        action="user.details_changed_by_admin",
        acting_user=acting_user,
        group=member.group,
        obj=user,
        fields=changed,
    )
    if "email" in changed and user.email != old_email:
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        send_email(
            name="email_changed",
            to=[old_email, user.email],
            language=user.language,
            group=member.group,
            context={"user": user, "old_email": old_email, "acting_user": acting_user},
        )
    return user

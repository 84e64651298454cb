"""People's own data (user-requests item 20, GDPR): download it, delete the account, leave a
group by a signed link.

Deleting an account erases the person, not the groups' accounts: the ``User`` row stays as an
anonymous, inactive account (no name, address, phone; an address nobody can receive), its
memberships are closed, and the orders and ledger rows keep pointing at the same ``Member`` rows,
so every group's balances and summaries stay exact.
"""

import csv
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.audit import log_action
from members import hooks
from members.models import Invitation, JoinRequest, Member, User
from members.services import MembershipError, member_leave

LEAVE_SALT = "members.leave"
PROFILE_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "address1",
    "address2",
    "postcode",
    "city",
    "country",
    "first_name2",
    "last_name2",
    "email2",
    "phone2",
    "language",
    "notify_orders_open",
    "notify_orders_closing",
    "notify_distribution_reminder",
    "notify_volunteer_alerts",
    "date_joined",
    "last_login",
)
ERASED = {
    "first_name": "",
    "last_name": "",
    "phone": "",
    "address1": "",
    "address2": "",
    "postcode": "",
    "city": "",
    "first_name2": "",
    "last_name2": "",
    "email2": "",
    "phone2": "",
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def personal_data(user: User) -> dict[str, list[dict]]:
    """Everything the platform holds on ``user``, as sections of flat rows."""
    profile = {name: _plain(getattr(user, name)) for name in PROFILE_FIELDS}
    memberships = [
        {
            "group": m.group.name,
            "joined_at": _plain(m.joined_at),
            "left_at": _plain(m.left_at),
            "rights": " ".join(sorted(m.perms)),
        }
        for m in Member.objects.filter(user=user).select_related("group").order_by("joined_at")
    ]
    requests = [
        {"group": r.group.name, "asked_on": _plain(r.created_at), "message": r.message}
        for r in JoinRequest.objects.filter(user=user).select_related("group")
    ]
    data = {"profile": [profile], "memberships": memberships, "waiting_lists": requests}
    for name, rows in hooks.personal_data(user).items():
        data[name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return data


def personal_data_zip(user: User) -> bytes:
    """The data as ``data.json`` and one CSV per section, in a ZIP."""
    data = personal_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, rows in data.items():
            text = io.StringIO()
            if rows:
                writer = csv.DictWriter(text, fieldnames=list(rows[0]), delimiter=";")
                writer.writeheader()
                writer.writerows(rows)
            archive.writestr(f"{name}.csv", "\ufeff" + text.getvalue())
    log_action(action="user.data_downloaded", acting_user=user, obj=user)
    return buffer.getvalue()


def account_deletion_refusals(user: User) -> list[str]:
    """Why the account cannot be deleted yet (empty when it can)."""
    reasons = []
    for member in Member.objects.active().filter(user=user, is_admin=True).select_related("group"):
        others = (
            Member.objects.active()
            .filter(group_id=member.group_id, is_admin=True)
            .exclude(pk=member.pk)
        )
        if not others.exists():
            reasons.append(
                _("You are the only admin of %(group)s: name another admin first.")
                % {"group": member.group.name}
            )
    return reasons + hooks.deletion_refusals(user)


@transaction.atomic
def account_delete(*, user: User, acting_user: Any) -> None:
    """Erase the person's data, keep the groups' orders and ledger under an anonymous member."""
    user = User.objects.select_for_update().get(pk=user.pk)
    reasons = account_deletion_refusals(user)
    if reasons:
        raise MembershipError(reasons)
    for member in Member.objects.active().filter(user=user):
        member_leave(member=member, acting_user=acting_user)
    JoinRequest.objects.filter(user=user).delete()
    Invitation.objects.filter(email__in=[a for a in (user.email, user.email2) if a]).delete()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).delete()
    for name, value in ERASED.items():
        setattr(user, name, value)
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    log_action(action="user.deleted", acting_user=None, obj=user)


# Leaving a group from an e-mail's footer --------------------------------------------------------


def leave_token(*, group_id: int, user_id: int) -> str:
    return signing.dumps({"g": group_id, "u": user_id}, salt=LEAVE_SALT)


def leave_url(*, group_id: int, user_id: int) -> str:
    token = leave_token(group_id=group_id, user_id=user_id)
    return settings.SITE_URL + reverse("members:leave_by_link", kwargs={"token": token})


def mail_context(user: Any, group: Any) -> dict[str, str]:
    """Every group e-mail to a member carries a link to leave the group (its footer)."""
    if group is None or not getattr(user, "pk", None):
        return {}
    return {"leave_url": leave_url(group_id=group.pk, user_id=user.pk)}


def leave_resolve(token: str) -> Member:
    invalid = _("This link is not valid. Check that it was copied whole.")
    try:
        data = signing.loads(token, salt=LEAVE_SALT)
    except signing.BadSignature as exc:
        raise MembershipError(invalid) from exc
    member = (
        Member.objects.filter(group_id=data.get("g"), user_id=data.get("u"))
        .select_related("group", "user")
        .first()
    )
    if member is None:
        raise MembershipError(invalid)
    return member


def member_leave_by_link(*, member: Member) -> Member:
    if member.left_at is not None:
        return member
    return member_leave(member=member, acting_user=member.user)

"""A person who signs up through an invitation link joins the group (spec §4.4)."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from members.services import MembershipError
from members.services.invitations import invitation_accept, invitation_resolve

INVITATION_SESSION_KEY = "members_invitation"


@receiver(user_signed_up, dispatch_uid="members.invitation_on_signup")
def join_invited_group(sender, request, user, **kwargs) -> None:
    token = request.session.pop(INVITATION_SESSION_KEY, None) if request is not None else None
    if not token:
        return
    try:
        invitation = invitation_resolve(token)
        invitation_accept(invitation=invitation, user=user, acting_user=user)
    except MembershipError:
        return  # expired meanwhile: the person has an account and can ask the group again

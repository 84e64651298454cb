"""Invitations from a group to a producer (spec §12.6): send, accept, decline, cancel."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.exceptions import CatalogError
from catalogs.models import Catalog, ProducerCatalog, Vendor, VendorInvitation
from catalogs.services.links import _producer_side_addresses, catalog_link_create
from catalogs.services.producer_catalogs import producer_catalog_save
from groups.models import Group
from kernel.audit import log_action
from kernel.mail import send_email, send_email_to_user
from members.models import Member

# Invitations send mail to any address: at most this many a day per group and per person,
# counted in the database (so across every worker), each message at most this long.
INVITATIONS_PER_DAY = 20
MAX_MESSAGE_LENGTH = 2000


def _check_invitation_limits(group: Group, acting_user: Any, message: str) -> None:
    if len(message) > MAX_MESSAGE_LENGTH:
        raise CatalogError(
            {
                "message": _("The message is too long (%(max)d characters at most).")
                % {"max": MAX_MESSAGE_LENGTH}
            }
        )
    # One invitation at a time per group: the count below cannot be raced past the limit.
    Group.objects.select_for_update().filter(pk=group.pk).first()
    recent = VendorInvitation.objects.filter(created_at__gte=timezone.now() - timedelta(days=1))
    if (
        recent.filter(group=group).count() >= INVITATIONS_PER_DAY
        or recent.filter(created_by=acting_user).count() >= INVITATIONS_PER_DAY
    ):
        raise CatalogError(
            _("At most %(count)d invitations can be sent in a day: try again tomorrow.")
            % {"count": INVITATIONS_PER_DAY}
        )


@transaction.atomic
def vendor_invite(
    *,
    group: Group,
    acting_user: Any,
    email: str = "",
    vendor_name: str = "",
    message: str = "",
    vendor: Vendor | None = None,
    producer_catalog: ProducerCatalog | None = None,
) -> VendorInvitation:
    """Invite a producer (a known one, or anyone by e-mail) to supply the group, within the
    daily limits and the message's maximum length."""
    message = message.strip()
    _check_invitation_limits(group, acting_user, message)
    email = (email or "").strip().lower()
    if vendor is None and email:
        vendor = Vendor.objects.filter(email__iexact=email).first()
    if producer_catalog is not None:
        vendor = producer_catalog.vendor
    if vendor is None and not email:
        raise CatalogError({"email": _("Give the producer's e-mail address.")})
    recipients = [email] if email else _producer_side_addresses(vendor)
    if not recipients:
        raise CatalogError(_("This producer has no e-mail address: contact them directly."))
    pending = VendorInvitation.objects.filter(group=group, status=VendorInvitation.Status.PENDING)
    if (
        vendor is not None
        and pending.filter(vendor=vendor, producer_catalog=producer_catalog).exists()
    ):
        raise CatalogError(_("An invitation to this producer is already waiting for an answer."))
    if vendor is None and pending.filter(email__iexact=email).exists():
        raise CatalogError(
            {"email": _("An invitation to this address is already waiting for an answer.")}
        )
    invitation = VendorInvitation(
        group=group,
        email=email,
        vendor=vendor,
        vendor_name=vendor_name or (vendor.name if vendor else ""),
        producer_catalog=producer_catalog,
        message=message,
        created_by=acting_user,
    )
    invitation.full_clean()
    invitation.save()
    log_action(
        action="vendor.invited",
        acting_user=acting_user,
        group=group,
        obj=invitation,
        to=", ".join(recipients),
    )
    send_email(
        name="vendor_invitation",
        to=recipients,
        context={"invitation": invitation, "inviter": acting_user},
        group=group,
    )
    return invitation


def _invitation_for_update(invitation: VendorInvitation) -> VendorInvitation:
    invitation = (
        VendorInvitation.objects.select_for_update(of=("self",))
        .select_related("group", "created_by")
        .get(pk=invitation.pk)
    )
    if not invitation.is_pending:
        raise CatalogError(_("This invitation has already been answered or cancelled."))
    if invitation.group.is_deleted:
        raise CatalogError(_("This group no longer exists."))
    return invitation


@transaction.atomic
def vendor_invitation_accept(
    *,
    invitation: VendorInvitation,
    vendor: Vendor,
    producer_catalog: ProducerCatalog | None,
    acting_user: Any,
) -> Catalog:
    """The producer accepts: their catalog (a new empty one if none) is linked to the group."""
    invitation = _invitation_for_update(invitation)
    if not vendor.managers.filter(pk=acting_user.pk).exists():
        raise CatalogError(_("You do not manage this producer."))
    if invitation.vendor_id and invitation.vendor_id != vendor.pk:
        raise CatalogError(_("This invitation is for another producer."))
    if producer_catalog is None:
        producer_catalog = producer_catalog_save(
            producer_catalog=ProducerCatalog(vendor=vendor, name=vendor.name[:64]),
            acting_user=acting_user,
        )
    elif producer_catalog.vendor_id != vendor.pk:
        raise CatalogError(_("This catalog belongs to another producer."))
    group = invitation.group
    inviter = Member.objects.of_user(group=group, user=invitation.created_by).first()
    catalog = catalog_link_create(
        producer_catalog=producer_catalog,
        group=group,
        acting_user=acting_user,
        coordinators=[inviter] if inviter else [],
    )
    invitation.status = VendorInvitation.Status.ACCEPTED
    invitation.vendor = vendor
    invitation.producer_catalog = producer_catalog
    invitation.responded_at = timezone.now()
    invitation.responded_by = acting_user
    invitation.catalog = catalog
    invitation.save()
    log_action(
        action="vendor.invitation_accepted", acting_user=acting_user, group=group, obj=invitation
    )
    if invitation.created_by is not None:
        send_email_to_user(
            name="vendor_invitation_accepted",
            user=invitation.created_by,
            context={"invitation": invitation, "catalog": catalog, "vendor": vendor},
            group=group,
        )
    return catalog


@transaction.atomic
def vendor_invitation_decline(
    *, invitation: VendorInvitation, acting_user: Any
) -> VendorInvitation:
    invitation = _invitation_for_update(invitation)
    invitation.status = VendorInvitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.responded_by = acting_user
    invitation.save(update_fields=["status", "responded_at", "responded_by"])
    log_action(
        action="vendor.invitation_declined",
        acting_user=acting_user,
        group=invitation.group,
        obj=invitation,
    )
    return invitation


@transaction.atomic
def vendor_invitation_cancel(*, invitation: VendorInvitation, acting_user: Any) -> VendorInvitation:
    invitation = _invitation_for_update(invitation)
    invitation.status = VendorInvitation.Status.CANCELLED
    invitation.responded_at = timezone.now()
    invitation.responded_by = acting_user
    invitation.save(update_fields=["status", "responded_at", "responded_by"])
    log_action(
        action="vendor.invitation_cancelled",
        acting_user=acting_user,
        group=invitation.group,
        obj=invitation,
    )
    return invitation

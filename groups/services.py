"""Writes for groups and places. Every function is atomic and leaves an audit entry."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from groups.models import RESERVED_SLUGS, Group, Place
from kernel.audit import log_action


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "groupe"
    if base in RESERVED_SLUGS:
        base = f"{base}-groupe"
    slug = base
    while Group.objects.filter(slug=slug).exists():
        slug = f"{base}-{get_random_string(4, 'abcdefghijkmnpqrstuvwxyz23456789')}"
    return slug


MODE_DEFAULTS: dict[str, dict[str, Any]] = {
    # Spec §1.3: the type chosen at creation sets these defaults.
    Group.GroupType.CSA: {
        "shop_mode": False,
        "has_membership": True,
        "registration": Group.Registration.WAITING_LIST,
    },
    Group.GroupType.GROUPED_ORDERS: {
        "shop_mode": True,
        "has_membership": True,
        "registration": Group.Registration.WAITING_LIST,
    },
    Group.GroupType.PRODUCER_DRIVE: {
        "shop_mode": True,
        "phone_required": True,
        "registration": Group.Registration.OPEN,
    },
    Group.GroupType.FARM_SHOP: {
        "shop_mode": True,
        "phone_required": True,
        "registration": Group.Registration.OPEN,
    },
}


@transaction.atomic
def group_and_place_create(
    *,
    name: str,
    group_type: str,
    place_name: str,
    address1: str = "",
    address2: str = "",
    postcode: str,
    city: str,
    country: str = "FR",
    latitude: Any = None,
    longitude: Any = None,
    slug: str = "",
    acting_user: Any,
) -> Group:
    """Create a group and its first place, with the creator as contact. ``slug`` (the demo's
    "demo") replaces the one made from the name when it is free.

    The founder becomes its admin in ``members.services.group_create``, the workflow every
    caller uses: ``groups`` sits left of ``members`` and knows no member.
    """
    group = Group(
        name=name.strip(),
        slug=slug if slug and not Group.objects.filter(slug=slug).exists() else _unique_slug(name),
        group_type=group_type,
        contact=acting_user,
        has_payments=True,
        payment_types=["cash", "cheque"],
        cheque_payee=name.strip()[:64],
        **MODE_DEFAULTS.get(group_type, {}),
    )
    group.home_text = _(
        "Welcome to the group %(name)s! Here you will find the next distributions and the open orders."
    ) % {"name": group.name}
    group.full_clean()
    group.save()
    place = Place(
        group=group,
        name=place_name.strip(),
        address1=address1,
        address2=address2,
        postcode=postcode,
        city=city,
        country=country,
        latitude=latitude,
        longitude=longitude,
    )
    place.full_clean()
    place.save()
    group.main_place = place
    group.save(update_fields=["main_place"])
    return group


@transaction.atomic
def group_update(*, group: Group, changed: list[str], acting_user: Any) -> Group:
    """Save the settings a validated form changed on ``group`` (``form.changed_data``)."""
    fields = [name for name in changed if hasattr(group, name)]
    if not fields:
        return group
    group.full_clean()
    group.save(update_fields=fields)
    log_action(
        action="group.settings_changed",
        acting_user=acting_user,
        group=group,
        obj=group,
        fields=fields,
    )
    return group


@transaction.atomic
def group_delete(*, group: Group, confirmation: str, acting_user: Any) -> Group:
    """Soft delete (decision 9): hidden at once, purged after GROUP_PURGE_AFTER_DAYS."""
    if confirmation.strip() != group.name:
        raise ValidationError({"confirmation": _("Type the group's name exactly to confirm.")})
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.deleted_at is None:
        group.deleted_at = timezone.now()
        group.deleted_by = acting_user
        group.save(update_fields=["deleted_at", "deleted_by"])
        log_action(action="group.deleted", acting_user=acting_user, group=group, obj=group)
    return group


@transaction.atomic
def group_restore(*, group: Group, acting_user: Any) -> Group:
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.deleted_at is not None:
        group.deleted_at = None
        group.deleted_by = None
        group.save(update_fields=["deleted_at", "deleted_by"])
        log_action(action="group.restored", acting_user=acting_user, group=group, obj=group)
    return group


def group_purge_deleted(*, now=None) -> int:
    """Delete for good the groups soft-deleted more than GROUP_PURGE_AFTER_DAYS ago."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.GROUP_PURGE_AFTER_DAYS)
    purged = 0
    for group in Group.objects.filter(deleted_at__lt=limit):
        with transaction.atomic():
            log_action(
                action="group.purged", acting_user=None, group=None, obj=group, name=group.name
            )
            group.delete()
            purged += 1
    return purged


@transaction.atomic
def place_save(*, place: Place, acting_user: Any) -> Place:
    created = place.pk is None
    place.full_clean()
    place.save()
    group = place.group
    if group.main_place_id is None:
        group.main_place = place
        group.save(update_fields=["main_place"])
    log_action(
        action="place.created" if created else "place.changed",
        acting_user=acting_user,
        group=group,
        obj=place,
    )
    return place


@transaction.atomic
def place_delete(*, place: Place, acting_user: Any) -> None:
    group = place.group
    if group.places.count() == 1:
        raise ValidationError(_("A group needs at least one place."))
    try:
        with transaction.atomic():
            log_action(
                action="place.deleted",
                acting_user=acting_user,
                group=group,
                obj=place,
                name=place.name,
            )
            place.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("This place is used by distributions and cannot be deleted.")
        ) from exc
    if group.main_place_id == place.pk or group.main_place_id is None:
        group.main_place = group.places.order_by("pk").first()
        group.save(update_fields=["main_place"])


@transaction.atomic
def guided_start_set_hidden(*, group: Group, hidden: bool, acting_user: Any) -> Group:
    """Hide the guided start of the management home, or show it again (issue 18)."""
    group.guided_start_hidden_at = timezone.now() if hidden else None
    group.save(update_fields=["guided_start_hidden_at"])
    log_action(
        action="group.guided_start_hidden" if hidden else "group.guided_start_shown",
        acting_user=acting_user,
        group=group,
        obj=group,
    )
    return group

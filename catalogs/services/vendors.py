"""Producers (vendors): creation, profile and legal data, producer accounts, photos."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalogs.exceptions import CatalogError
from catalogs.models import Vendor, VendorPhoto
from groups.models import Group
from kernel.audit import log_action


def vendor_editable_by_group(vendor: Vendor, group: Group) -> bool:
    """A group edits the producer record it typed in, until a producer account takes it over."""
    return vendor.owner_group_id == group.pk and not vendor.managers.exists()


def _vendor_save(vendor: Vendor, **kwargs: Any) -> None:
    """Validate and save; the e-mail address must be free (``Vendor.Meta.constraints``).

    ``full_clean`` reports an address in use next to the ``email`` field; a request taking the same
    address between the check and the save makes the database refuse it, reported the same way.
    """
    vendor.email = (vendor.email or "").strip().lower()
    vendor.full_clean()
    try:
        with transaction.atomic():
            vendor.save(**kwargs)
    except IntegrityError:
        vendor.validate_constraints()
        raise


@transaction.atomic
def vendor_create(*, acting_user: Any, manager: Any = None, **fields: Any) -> Vendor:
    """Create a producer: a group's private record (``owner_group`` among ``fields``) or, with
    ``manager`` (a user), a producer account's.

    Raises ``ValidationError`` on the ``email`` field when another producer uses the address.
    """
    vendor = Vendor(**fields)
    _vendor_save(vendor)
    if manager is not None:
        vendor.managers.add(manager)
    log_action(action="vendor.created", acting_user=acting_user, obj=vendor, name=vendor.name)
    return vendor


@transaction.atomic
def vendor_update(
    *, vendor: Vendor, changed: list[str], acting_user: Any, group: Group | None = None
) -> Vendor:
    """Save the fields a validated form changed; unblocking follows from complete legal data.

    Raises ``ValidationError`` on the ``email`` field when another producer uses the address.
    """
    fields = [name for name in changed if hasattr(vendor, name)]
    if not fields:
        vendor.full_clean()
        return vendor
    _vendor_save(vendor, update_fields=[*fields, "updated_at"])
    log_action(
        action="vendor.changed", acting_user=acting_user, group=group, obj=vendor, fields=fields
    )
    return vendor


@transaction.atomic
def vendor_add_manager(*, vendor: Vendor, email: str, acting_user: Any) -> Any:
    """Give another person's account access to the producer (a farm run by several people)."""
    from members.models import User

    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CatalogError(
            {
                "email": _(
                    "Nobody has an account with this e-mail address: ask them to sign up first."
                )
            }
        )
    vendor.managers.add(user)
    log_action(action="vendor.manager_added", acting_user=acting_user, obj=vendor, user=user.email)
    return user


@transaction.atomic
def vendor_photo_add(
    *, vendor: Vendor, image: Any, caption: str = "", acting_user: Any
) -> VendorPhoto:
    position = vendor.photos.count()
    photo = VendorPhoto(vendor=vendor, image=image, caption=caption, position=position)
    photo.full_clean()
    photo.save()
    log_action(action="vendor.photo_added", acting_user=acting_user, obj=vendor)
    return photo


@transaction.atomic
def vendor_photo_delete(*, photo: VendorPhoto, acting_user: Any) -> None:
    vendor = photo.vendor
    photo.image.delete(save=False)
    photo.delete()
    log_action(action="vendor.photo_deleted", acting_user=acting_user, obj=vendor)

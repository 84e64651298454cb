"""Helpers of the reports tests."""

from django.db import transaction

from groups.models import Group
from reports import archive


def wipe(group: Group) -> None:
    """Remove every row of the group as if it had never been on this instance (the ORM's
    cascade refuses: members and catalogs are protected by the orders and the ledger)."""
    from catalogs.models import CatalogLink, Vendor, VendorInvitation
    from day.models import DayMailSent, DistributionMove, SummaryDocument
    from kernel.models import LogEntry

    with transaction.atomic():  # the group's main place is deleted before the group
        for model in (
            SummaryDocument,
            DayMailSent,
            DistributionMove,
            CatalogLink,
            VendorInvitation,
        ):
            rows = model.objects.filter(group=group)
            rows._raw_delete(rows.db)
        _wipe(group, Vendor, LogEntry)


def _wipe(group, Vendor, LogEntry) -> None:  # noqa: N803

    for table in archive.TABLES:
        for field in archive._m2m(table.model):
            through = field.remote_field.through
            source = field.m2m_field_name() + "_id"
            rows = through.objects.filter(
                **{f"{source}__in": list(table.rows(group).values_list("pk", flat=True))}
            )
            rows._raw_delete(rows.db)
    owned = list(Vendor.objects.filter(owner_group=group).values_list("pk", flat=True))
    for table in reversed(archive.TABLES):
        if table.model is Vendor:
            continue
        rows = table.model.objects.filter(
            pk__in=list(table.rows(group).values_list("pk", flat=True))
        )
        if table.model is Group:
            LogEntry.objects.filter(group=group).delete()
            vendors = Vendor.objects.filter(pk__in=owned)
            vendors._raw_delete(vendors.db)
        rows._raw_delete(rows.db)

"""Decision 18: a producer record belongs to the group that typed it in.

Existing records without a producer account get the group of their first catalog."""

import django.db.models.deletion
from django.db import migrations, models


def owner_from_first_catalog(apps, schema_editor):
    Vendor = apps.get_model("catalogs", "Vendor")
    Catalog = apps.get_model("catalogs", "Catalog")
    private = Vendor.objects.filter(managers__isnull=True, owner_group__isnull=True)
    for vendor_id in private.values_list("pk", flat=True):
        first = (
            Catalog.objects.filter(vendor_id=vendor_id)
            .order_by("created_at", "pk")
            .values_list("group_id", flat=True)
            .first()
        )
        if first is not None:
            Vendor.objects.filter(pk=vendor_id).update(owner_group_id=first)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogs", "0003_vendor_email_unique"),
        ("groups", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="vendor",
            name="owner_group",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for the record of a producer account.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="groups.group",
                verbose_name="typed in by the group",
            ),
        ),
        migrations.RunPython(owner_from_first_catalog, migrations.RunPython.noop),
    ]

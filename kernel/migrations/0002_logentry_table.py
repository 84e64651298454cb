from django.db import migrations


class Migration(migrations.Migration):
    """The audit table takes the kernel app's name."""

    dependencies = [
        ("kernel", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="logentry", table=None),
    ]

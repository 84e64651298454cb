from django.db import migrations


class Migration(migrations.Migration):
    """The audit trail moved to the kernel app; its table is renamed there (kernel 0001, 0002)."""

    dependencies = [
        ("cagette", "0002_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LogEntry")],
            database_operations=[],
        ),
    ]

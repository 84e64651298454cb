import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """LogEntry comes from the cagette app: its table exists already (cagette_logentry)."""

    initial = True

    dependencies = [
        ("cagette", "0003_logentry_moved_to_kernel"),
        ("groups", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LogEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(db_index=True, max_length=64, verbose_name="action")),
                        ("object_type", models.CharField(blank=True, max_length=64, verbose_name="object type")),
                        ("object_id", models.CharField(blank=True, max_length=64, verbose_name="object id")),
                        ("data", models.JSONField(blank=True, default=dict, verbose_name="details")),
                        ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="date")),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="by")),
                        ("group", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="log_entries", to="groups.group", verbose_name="group")),
                    ],
                    options={
                        "verbose_name": "log entry",
                        "verbose_name_plural": "log entries",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "cagette_logentry",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

"""One function to write the audit trail; services call it inside their transaction."""

from typing import Any

from django.db import models

from kernel.models import LogEntry


def log_action(
    *,
    action: str,
    acting_user: Any,
    group: Any = None,
    obj: models.Model | None = None,
    **data: Any,
) -> LogEntry:
    entry = audit_entry(action=action, acting_user=acting_user, group=group, obj=obj, **data)
    entry.save()
    return entry


def log_actions(entries: list[LogEntry]) -> None:
    """Write entries made by ``audit_entry`` in one INSERT (a service logging several rows)."""
    if len(entries) == 1:
        entries[0].save()
    elif entries:
        LogEntry.objects.bulk_create(entries)


def audit_entry(
    *,
    action: str,
    acting_user: Any,
    group: Any = None,
    obj: models.Model | None = None,
    **data: Any,
) -> LogEntry:
    """The entry ``log_action`` writes, unsaved."""
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    return LogEntry(
        group=group,
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data={
            k: str(v) if not isinstance(v, int | float | bool | list | dict | type(None)) else v
            for k, v in data.items()
        },
    )

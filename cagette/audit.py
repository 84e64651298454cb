"""One function to write the audit trail; services call it inside their transaction."""

from typing import Any

from django.db import models

from cagette.models import LogEntry


def log_action(
    *,
    action: str,
    acting_user: Any,
    group: Any = None,
    obj: models.Model | None = None,
    **data: Any,
) -> LogEntry:
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    return LogEntry.objects.create(
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

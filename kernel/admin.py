from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kernel.models import LogEntry, OutboxMail


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """The audit trail is read-only: history is never edited."""

    list_display = ["created_at", "action", "group", "actor", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "group__name", "actor__email"]
    list_select_related = ["group", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    """The outbox, read-only: operators see what left, what waits and why a mail failed; the
    action queues failed mails again (after an address was corrected, a server fixed)."""

    list_display = ["created_at", "kind", "group", "subject", "status", "tries", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "group__name", "key", "tag"]
    list_select_related = ["group"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in OutboxMail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"))
    def retry(self, request, queryset):
        from kernel.outbox import queue_delivery

        rows = queryset.filter(status__in=[OutboxMail.Status.FAILED, OutboxMail.Status.RETRY])
        ids = list(rows.values_list("pk", flat=True))
        rows.update(status=OutboxMail.Status.QUEUED, next_try_at=None)
        queue_delivery(ids)
        self.message_user(
            request, ngettext("%d mail queued.", "%d mails queued.", len(ids)) % len(ids)
        )

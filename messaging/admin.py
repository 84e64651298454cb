from django.contrib import admin

from messaging.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages written to member lists, read-only (their mails are in the outbox)."""

    list_display = [
        "created_at",
        "group",
        "sender",
        "subject",
        "audience_label",
        "sent_at",
        "status",
    ]
    list_filter = ["status", "audience"]
    search_fields = ["subject", "group__name", "sender__email"]
    list_select_related = ["group", "sender"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

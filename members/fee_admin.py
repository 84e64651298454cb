"""Membership fees in Django admin: read only. Recording or deleting a fee writes or reverses
ledger rows, which only the group's fee pages do (``members.memberships``)."""

from django.contrib import admin

from members.models import Membership, MembershipReminder


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member", "group", "year", "amount", "paid_on", "payment_type", "created_at"]
    list_filter = ["year", "payment_type"]
    search_fields = ["member__user__email", "member__user__last_name", "group__name"]
    list_select_related = ["member__user", "group"]
    raw_id_fields = ["member", "group", "multidistrib", "recorded_by"]


@admin.register(MembershipReminder)
class MembershipReminderAdmin(ReadOnlyAdmin):
    list_display = ["member", "year", "sent_at"]
    list_filter = ["year"]
    search_fields = ["member__user__email"]
    list_select_related = ["member__user"]

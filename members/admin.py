from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from groups.admin import GroupAdmin
from groups.models import Group
from members.models import Invitation, JoinRequest, Member, User, active_member_q


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fk_name = "user"
    raw_id_fields = ["group"]
    fields = [
        "group",
        "is_admin",
        "can_manage_catalogs",
        "can_manage_members",
        "can_manage_payments",
        "can_send_messages",
        "joined_at",
        "left_at",
    ]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["last_name", "first_name", "email"]
    list_display = [
        "email",
        "last_name",
        "first_name",
        "phone",
        "city",
        "language",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_staff", "is_active", "language", "country"]
    search_fields = ["email", "email2", "first_name", "last_name", "phone", "city"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MemberInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "phone", "language"]}),
        (_("Address"), {"fields": ["address1", "address2", "postcode", "city", "country"]}),
        (
            _("Second person of the household"),
            {"fields": ["first_name2", "last_name2", "email2", "phone2"]},
        ),
        (
            _("Notifications"),
            {
                "fields": [
                    "notify_orders_open",
                    "notify_orders_closing",
                    "notify_distribution_reminder",
                    "notify_volunteer_alerts",
                ]
            },
        ),
        (
            _("Platform rights"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "group",
        "is_admin",
        "can_manage_catalogs",
        "can_manage_members",
        "can_manage_payments",
        "can_send_messages",
        "joined_at",
        "left_at",
    ]
    list_filter = [
        "is_admin",
        "can_manage_catalogs",
        "can_manage_members",
        "can_manage_payments",
        "can_send_messages",
    ]
    search_fields = [
        "user__email",
        "user__last_name",
        "user__first_name",
        "group__name",
        "group__slug",
    ]
    list_select_related = ["user", "group"]
    raw_id_fields = ["user", "group"]


class GroupHealthAdmin(GroupAdmin):
    """The groups' admin with their active members (groups cannot spell "an active member")."""

    list_display = [*GroupAdmin.list_display[:6], "active_members", *GroupAdmin.list_display[6:]]

    def get_queryset(self, request):
        members = Count("members", filter=active_member_q("members"), distinct=True)
        return super().get_queryset(request).annotate(active_members=members)

    @admin.display(description=_("active members"), ordering="active_members")
    def active_members(self, obj):
        return obj.active_members


admin.site.unregister(Group)
admin.site.register(Group, GroupHealthAdmin)


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Waiting-list requests; admins accept or refuse them from the group's pages."""

    list_display = ["user", "group", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "user__last_name", "group__name", "group__slug"]
    list_select_related = ["user", "group"]
    raw_id_fields = ["user", "group"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "group", "invited_by", "sent_at", "send_count", "accepted_at"]
    list_filter = ["accepted_at", "sent_at"]
    search_fields = ["email", "group__name", "group__slug"]
    list_select_related = ["group", "invited_by"]
    raw_id_fields = ["group", "invited_by", "accepted_by"]


from members import fee_admin  # noqa: E402, F401  (membership fees)

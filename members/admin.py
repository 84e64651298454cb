from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from groups.admin import GroupAdmin
from groups.models import Group
from kernel.storage import private_name, private_storage
from members.exporters import MemberExporter
from members.forms import MemberImportConfirmForm, MemberImportForm
from members.models import Invitation, JoinRequest, Member, User, active_member_q
from members.services import imports as member_imports


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


class AdminMemberExporter(MemberExporter):
    """The group's members export (same columns), with the group first: an operator's selection
    may span groups."""

    columns = (_("Group"), *MemberExporter.columns)

    def rows(self):
        groups = (m.group.name for m in self.members)
        return ((group, *row) for group, row in zip(groups, super().rows(), strict=True))


def _export(fmt: str, description):
    def action(modeladmin, request, queryset) -> HttpResponse:
        members = queryset.select_related("user", "group").order_by(
            "group__name", "user__last_name", "user__first_name", "pk"
        )
        exporter = AdminMemberExporter(members, language=translation.get_language() or "fr")
        return exporter.response(fmt, f"members.{fmt}", streaming=False)

    action.__name__ = f"export_{fmt}"
    return admin.action(description=description)(action)


class AdminMemberImportForm(MemberImportForm):
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none())
    field_order = ("group", "file")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.alive().order_by("name")  # type: ignore[attr-defined]


ADMIN_IMPORT_SESSION_KEY = "admin_members_import"


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """Members, with the group's import (``members.services.imports``: the same checks, all or
    nothing, numbered errors, then accounts or invitations) and export (the members export)."""

    change_list_template = "admin/members/member/change_list.html"
    actions = [
        _export("csv", _("Export the selected members (CSV)")),
        _export("xlsx", _("Export the selected members (XLSX)")),
    ]
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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="members_member_import"),
            path(
                "import/confirm/",
                view(self.import_confirm_view),
                name="members_member_import_confirm",
            ),
            *super().get_urls(),
        ]

    def _check_import_right(self, request: HttpRequest) -> None:
        # It creates accounts and sends e-mails: operators with every right only.
        if not request.user.is_superuser:
            raise PermissionDenied

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._check_import_right(request)
        form = AdminMemberImportForm(request.POST or None, request.FILES or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            upload, group = form.cleaned_data["file"], form.cleaned_data["group"]
            data = upload.read()
            preview = member_imports.import_preview(group=group, data=data, filename=upload.name)
            if not preview.errors:
                storage = private_storage()
                previous = request.session.get(ADMIN_IMPORT_SESSION_KEY) or {}
                if previous.get("name"):
                    storage.delete(previous["name"])
                name = storage.save(
                    private_name("member-imports", "members.bin"), ContentFile(data)
                )
                request.session[ADMIN_IMPORT_SESSION_KEY] = {
                    "group": group.pk,
                    "name": name,
                    "filename": upload.name,
                }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import members into a group"),
            "form": form,
            "preview": preview,
            "confirm_form": MemberImportConfirmForm(),
            "columns": member_imports.COLUMNS,
        }
        return TemplateResponse(request, "admin/members/member/import.html", context)

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        self._check_import_right(request)
        stored = request.session.get(ADMIN_IMPORT_SESSION_KEY) or {}
        form = MemberImportConfirmForm(request.POST or None)
        group = Group.objects.filter(pk=stored.get("group")).first()
        back = reverse("admin:members_member_import")
        if request.method != "POST" or group is None or not form.is_valid():
            self.message_user(request, gettext("Send the file again: the preview was lost."))
            return redirect(back)
        storage = private_storage()
        try:
            with storage.open(stored["name"]) as handle:
                data = handle.read()
        except OSError:
            self.message_user(request, gettext("Send the file again: the preview was lost."))
            return redirect(back)
        preview = member_imports.import_preview(group=group, data=data, filename=stored["filename"])
        try:
            result = member_imports.import_apply(
                group=group,
                preview=preview,
                mode=form.cleaned_data["mode"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(back)
        storage.delete(stored["name"])
        del request.session[ADMIN_IMPORT_SESSION_KEY]
        if result.invitations is not None:
            sent = len(result.invitations.sent)
            text = ngettext("%(n)d invitation sent.", "%(n)d invitations sent.", sent) % {"n": sent}
        else:
            text = gettext(
                "Import done: %(created)d account(s) created, %(added)d existing account(s) added."
            ) % {"created": result.created, "added": result.added}
        self.message_user(request, text, messages.SUCCESS)
        return redirect(f"{reverse('admin:members_member_changelist')}?q={group.slug}")


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

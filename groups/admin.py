from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from groups import services
from groups.models import Group, Place
from groups.resources import GroupResource
from kernel.admin_export import TranslatedExportFormMixin
from kernel.models import OutboxMail


class PlaceInline(admin.TabularInline):
    model = Place
    extra = 0
    fields = ["name", "postcode", "city", "country", "latitude", "longitude"]


class DeletedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("alive", _("Active")), ("deleted", _("Deleted"))]

    def queryset(self, request, queryset):
        if self.value() == "alive":
            return queryset.alive()
        if self.value() == "deleted":
            return queryset.deleted()
        return queryset


@admin.register(Group)
class GroupAdmin(TranslatedExportFormMixin, ExportMixin, admin.ModelAdmin):
    """Operators' view of the groups, with their health: the last distribution held and the
    e-mails that failed for good (the members app adds the active members,
    ``members.admin.GroupHealthAdmin``)."""

    resource_classes = [GroupResource]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "name",
        "slug",
        "group_type",
        "shop_mode",
        "registration",
        "contact",
        "last_distribution",
        "failed_mails",
        "created_at",
        "deleted_at",
    ]
    list_filter = [
        DeletedFilter,
        "group_type",
        "shop_mode",
        "registration",
        "has_payments",
        "listed_on_map",
    ]
    search_fields = ["name", "slug", "contact__email", "contact__last_name"]
    readonly_fields = ["created_at", "deleted_at", "deleted_by", "active_until"]
    raw_id_fields = ["contact", "legal_representative", "main_place"]
    inlines = [PlaceInline]
    actions = ["restore_groups"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        today = timezone.localdate()
        failed_mails = (
            OutboxMail.objects.filter(group=OuterRef("pk"), status=OutboxMail.Status.FAILED)
            .values("group")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("contact")
            .annotate(
                last_distribution=Max(
                    "multidistribs__date", filter=Q(multidistribs__date__lte=today)
                ),
                failed_mails=Coalesce(Subquery(failed_mails), 0),
            )
        )

    @admin.display(description=_("failed e-mails"), ordering="failed_mails")
    def failed_mails(self, obj):
        return obj.failed_mails

    @admin.display(description=_("last distribution"), ordering="last_distribution")
    def last_distribution(self, obj):
        return obj.last_distribution

    @admin.action(description=_("Restore the selected deleted groups"))
    def restore_groups(self, request, queryset):
        count = 0
        for group in queryset.deleted():
            services.group_restore(group=group, acting_user=request.user)
            count += 1
        self.message_user(
            request, _("%(count)d group(s) restored.") % {"count": count}, messages.SUCCESS
        )


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "postcode", "city", "country", "latitude", "longitude"]
    list_filter = ["country"]
    search_fields = ["name", "city", "postcode", "group__name"]
    list_select_related = ["group"]
    raw_id_fields = ["group"]

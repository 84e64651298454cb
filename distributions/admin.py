"""Operators' view of distributions (Django admin). Group admins use the group screens."""

from django.contrib import admin

from distributions.models import (
    CalendarToken,
    DeliveryRequest,
    Distribution,
    DistributionCycle,
    Duty,
    DutyNeed,
    MultiDistrib,
    SlotRequest,
    TimeSlot,
    VolunteerRole,
)


class DistributionInline(admin.TabularInline):
    model = Distribution
    extra = 0
    fields = ["catalog", "orders_open_at", "orders_close_at"]
    raw_id_fields = ["catalog"]


class DutyNeedInline(admin.TabularInline):
    model = DutyNeed
    extra = 0
    fields = ["role", "people"]
    raw_id_fields = ["role"]


class TimeSlotInline(admin.TabularInline):
    model = TimeSlot
    extra = 0
    fields = ["start_at", "end_at", "capacity"]


@admin.register(MultiDistrib)
class MultiDistribAdmin(admin.ModelAdmin):
    list_display = [
        "start_at",
        "group",
        "place",
        "validated_at",
        "slot_minutes",
        "delivery_enabled",
    ]
    list_filter = ["delivery_enabled", ("validated_at", admin.EmptyFieldListFilter)]
    search_fields = ["group__name", "group__slug", "place__name"]
    date_hierarchy = "start_at"
    list_select_related = ["group", "place"]
    raw_id_fields = ["group", "place", "cycle"]
    readonly_fields = ["date", "created_at", "vacant_roles_mailed_at", "slots_resolved_at"]
    inlines = [DistributionInline, DutyNeedInline, TimeSlotInline]


@admin.register(Distribution)
class DistributionAdmin(admin.ModelAdmin):
    list_display = ["catalog", "multidistrib", "orders_open_at", "orders_close_at"]
    list_filter = ["catalog__catalog_type", "multidistrib__date"]
    search_fields = ["catalog__name", "catalog__vendor__name", "group__name"]
    list_select_related = ["catalog", "multidistrib", "multidistrib__place", "multidistrib__group"]
    raw_id_fields = ["group", "multidistrib", "catalog"]


@admin.register(DistributionCycle)
class DistributionCycleAdmin(admin.ModelAdmin):
    list_display = ["group", "cycle_type", "start_date", "end_date", "place"]
    list_filter = ["cycle_type"]
    search_fields = ["group__name"]
    list_select_related = ["group", "place"]
    raw_id_fields = ["group", "place"]


@admin.register(VolunteerRole)
class VolunteerRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "catalog"]
    list_filter = [("catalog", admin.EmptyFieldListFilter)]
    search_fields = ["name", "group__name"]
    list_select_related = ["group", "catalog"]
    raw_id_fields = ["group", "catalog"]


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ["user", "need", "created_at", "reminded_at"]
    list_filter = ["need__multidistrib__date", ("reminded_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__last_name", "group__name"]
    list_select_related = ["user", "need__role", "need__role__catalog__vendor"]
    raw_id_fields = ["group", "need", "user", "assigned_by"]


@admin.register(SlotRequest)
class SlotRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "multidistrib", "assigned_slot", "assigned_manually"]
    list_filter = ["assigned_manually", ("assigned_slot", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "group__name"]
    list_select_related = ["user", "multidistrib", "multidistrib__place", "multidistrib__group"]
    raw_id_fields = ["group", "multidistrib", "user", "assigned_slot", "slots"]


@admin.register(DeliveryRequest)
class DeliveryRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "multidistrib", "postcode", "city", "fee"]
    list_filter = ["multidistrib__date"]
    search_fields = ["user__email", "city", "postcode", "group__name"]
    list_select_related = ["user", "multidistrib", "multidistrib__place", "multidistrib__group"]
    raw_id_fields = ["group", "multidistrib", "user"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["token", "created_at"]


@admin.register(DutyNeed)
class DutyNeedAdmin(admin.ModelAdmin):
    list_display = ["role", "multidistrib", "people"]
    list_filter = ["multidistrib__date", "people"]
    search_fields = ["role__name", "group__name", "group__slug"]
    list_select_related = ["role", "multidistrib", "multidistrib__place", "multidistrib__group"]
    raw_id_fields = ["group", "multidistrib", "role"]


@admin.register(TimeSlot)
class TimeSlotAdmin(admin.ModelAdmin):
    list_display = ["multidistrib", "start_at", "end_at", "capacity"]
    list_filter = ["multidistrib__date"]
    search_fields = ["group__name", "group__slug", "multidistrib__place__name"]
    list_select_related = ["multidistrib", "multidistrib__place", "multidistrib__group"]
    raw_id_fields = ["group", "multidistrib"]

"""Operators' read-only view of the distribution day's records (Django admin): documents,
validations and their reversals, absences, postponings, day mails. They are written by the day's
services only; the admin shows them to follow up a question."""

from django.contrib import admin

from day.models import (
    BasketAbsence,
    BasketValidation,
    CashFloat,
    DayCorrection,
    DayMailSent,
    DistributionMove,
    DistributionValidation,
    SummaryDocument,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SummaryDocument)
class SummaryDocumentAdmin(ReadOnlyAdmin):
    list_display = ["multidistrib", "kind", "language", "status", "progress", "created_at"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["group__name", "group__slug", "error"]
    list_select_related = ["multidistrib__place", "multidistrib__group"]
    date_hierarchy = "created_at"


@admin.register(DistributionValidation)
class DistributionValidationAdmin(ReadOnlyAdmin):
    list_display = ["multidistrib", "status", "baskets", "started_by", "started_at", "reversed_at"]
    list_filter = ["status", ("reversed_at", admin.EmptyFieldListFilter)]
    search_fields = ["group__name", "group__slug", "started_by__email", "reversal_reason"]
    list_select_related = ["multidistrib__place", "multidistrib__group", "started_by"]
    date_hierarchy = "started_at"


@admin.register(BasketAbsence)
class BasketAbsenceAdmin(ReadOnlyAdmin):
    list_display = ["basket", "marked_by", "marked_at"]
    list_filter = ["marked_at"]
    search_fields = ["basket__code", "group__name", "group__slug", "basket__member__user__email"]
    list_select_related = ["basket", "marked_by"]


@admin.register(DistributionMove)
class DistributionMoveAdmin(ReadOnlyAdmin):
    list_display = ["source_label", "target_label", "baskets_moved", "moved_by", "moved_at"]
    list_filter = ["moved_at"]
    search_fields = ["group__name", "group__slug", "source_label", "target_label"]
    list_select_related = ["moved_by"]
    date_hierarchy = "moved_at"


@admin.register(DayMailSent)
class DayMailSentAdmin(ReadOnlyAdmin):
    list_display = ["multidistrib", "kind", "by_hand", "sent_by", "sent_at"]
    list_filter = ["kind", "by_hand"]
    search_fields = ["group__name", "group__slug", "sent_by__email"]
    list_select_related = ["multidistrib__place", "multidistrib__group", "sent_by"]
    date_hierarchy = "sent_at"


@admin.register(DayCorrection)
class DayCorrectionAdmin(ReadOnlyAdmin):
    """Price changes and products not delivered at validation (undone through the day page)."""

    list_display = ["multidistrib", "product_name", "kind", "new_price", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["product_name", "group__name", "group__slug"]
    list_select_related = ["multidistrib__place", "multidistrib__group", "created_by"]
    date_hierarchy = "created_at"


@admin.register(BasketValidation)
class BasketValidationAdmin(ReadOnlyAdmin):
    """A basket validated on its own before its distribution (undone through the day page)."""

    list_display = ["basket", "validated_by", "validated_at"]
    list_filter = ["validated_at"]
    search_fields = ["basket__code", "group__name", "group__slug", "basket__member__user__email"]
    list_select_related = ["basket", "validated_by"]
    date_hierarchy = "validated_at"


@admin.register(CashFloat)
class CashFloatAdmin(ReadOnlyAdmin):
    """The till's opening float typed on a distribution's cash report."""

    list_display = ["multidistrib", "amount", "updated_by", "updated_at"]
    list_filter = ["updated_at"]
    search_fields = ["group__name", "group__slug"]
    list_select_related = ["multidistrib__place", "multidistrib__group", "updated_by"]

"""Operators' view of baskets and order lines (Django admin).

Read-only on purpose: an order changes its stock and the member's debt together, which only the
services do (group admins use the group's order screens). Operators may delete a cart, which
holds neither.
"""

from django.contrib import admin

from orders.models import Basket, BasketCounter, OrderLine, WholesaleConfirmation

LINE_FIELDS = [
    "product",
    "product_name",
    "distribution",
    "quantity",
    "tolerance",
    "unit_price",
    "vat_rate",
    "fee_percent",
    "actual_quantity",
    "created_at",
    "created_by",
]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Basket)
class BasketAdmin(ReadOnlyAdmin):
    list_display = ["code", "group", "multidistrib", "member", "number", "state", "confirmed_at"]
    list_filter = ["state", "delivery"]
    search_fields = ["code", "group__name", "group__slug", "member__user__email"]
    list_select_related = ["group", "multidistrib__place", "member__user"]
    date_hierarchy = "created_at"
    raw_id_fields = ["group", "multidistrib", "member"]
    inlines = [OrderLineInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or obj.is_cart


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["product_name", "basket", "quantity", "unit_price", "fee_percent", "created_at"]
    list_filter = ["basket__state", "vat_rate", ("actual_quantity", admin.EmptyFieldListFilter)]
    search_fields = ["product_name", "basket__code", "basket__member__user__email"]
    list_select_related = ["basket"]
    raw_id_fields = ["group", "basket", "distribution", "product", "created_by"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WholesaleConfirmation)
class WholesaleConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["multidistrib", "catalog", "confirmed_at", "confirmed_by"]
    list_filter = ["confirmed_at"]
    search_fields = ["catalog__name", "group__name", "group__slug"]
    list_select_related = ["multidistrib__place", "catalog", "confirmed_by"]
    raw_id_fields = ["group", "multidistrib", "catalog", "confirmed_by"]


@admin.register(BasketCounter)
class BasketCounterAdmin(ReadOnlyAdmin):
    list_display = ["multidistrib", "last"]
    list_filter = ["multidistrib__date"]
    search_fields = ["multidistrib__group__name", "multidistrib__group__slug"]
    raw_id_fields = ["multidistrib"]

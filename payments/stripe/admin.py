"""Operators' view of online payment: accounts (the platform fee is set here), which group
collects with which account, checkouts, refunds, payouts and the webhook events received."""

from django.contrib import admin

from payments.stripe.models import (
    CardCheckout,
    CardMoneyMove,
    CardRefund,
    DistributionPayout,
    GroupStripeAccount,
    StripeAccount,
    StripeEvent,
)


class GroupLinkInline(admin.TabularInline):
    model = GroupStripeAccount
    extra = 0
    autocomplete_fields = ("group",)


@admin.register(StripeAccount)
class StripeAccountAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "account_id",
        "fee_fixed",
        "fee_rate",
        "charges_enabled",
        "payouts_enabled",
        "manual_payouts",
    )
    search_fields = ("account_id", "name")
    list_filter = ("charges_enabled", "payouts_enabled", "manual_payouts")
    readonly_fields = (
        "account_id",
        "charges_enabled",
        "payouts_enabled",
        "details_submitted",
        "requirements_due",
        "disabled_reason",
        "created_at",
        "updated_at",
    )
    fields = ("name", "account_id", "fee_fixed", "fee_rate", "manual_payouts", *readonly_fields[1:])
    inlines = [GroupLinkInline]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CardCheckout)
class CardCheckoutAdmin(_ReadOnly):
    list_display = (
        "__str__",
        "group",
        "member",
        "amount",
        "fee",
        "state",
        "basket_code",
        "created_at",
    )
    list_filter = ("state",)
    search_fields = ("session_id", "payment_intent", "basket_code", "cart_reference")
    list_select_related = ("group", "member__user")


@admin.register(CardRefund)
class CardRefundAdmin(_ReadOnly):
    list_display = ("__str__", "group", "checkout", "amount", "fee", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("refund_id",)
    list_select_related = ("group", "checkout")


@admin.register(CardMoneyMove)
class CardMoneyMoveAdmin(_ReadOnly):
    """Card money that followed postponed lines to another order (refundable from there)."""

    list_display = ("__str__", "group", "checkout", "multidistrib", "amount", "created_at")
    list_filter = ("created_at",)
    search_fields = ("from_reference", "to_reference", "checkout__payment_intent")
    list_select_related = ("group", "checkout", "multidistrib")


@admin.register(DistributionPayout)
class DistributionPayoutAdmin(_ReadOnly):
    list_display = ("__str__", "group", "multidistrib", "amount", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("payout_id",)
    list_select_related = ("group", "multidistrib")


@admin.register(StripeEvent)
class StripeEventAdmin(_ReadOnly):
    list_display = ("event_id", "type", "account", "outcome", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id", "account")


@admin.register(GroupStripeAccount)
class GroupStripeAccountAdmin(admin.ModelAdmin):
    """Which group collects with which account (also editable inline on the account)."""

    list_display = ("group", "account", "created_at")
    list_filter = ("account__charges_enabled",)
    search_fields = ("group__name", "group__slug", "account__account_id", "account__name")
    list_select_related = ("group", "account")
    autocomplete_fields = ("group",)

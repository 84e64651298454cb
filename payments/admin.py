"""Operators see the ledger read-only; a mistake is fixed by a correction, through the service."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from kernel.admin_export import TranslatedExportForm
from payments import services
from payments.models import Operation
from payments.resources import OperationResource


class AdminCorrectionForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_(
            "Only with a single operation selected. Leave empty to cancel each selected "
            "operation entirely."
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_amount(self) -> Decimal | None:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount == 0:  # "-0" too
            raise forms.ValidationError(_("A correction cannot be zero."))
        return amount

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for this correction."))
        return reason


@admin.register(Operation)
class OperationAdmin(ExportMixin, admin.ModelAdmin):
    """Export only (decision, issue 19): the ledger is written by the payments services."""

    resource_classes = [OperationResource]
    export_form_class = TranslatedExportForm
    # import-export wraps it in its own list template (the export button).
    change_list_template = "admin/payments/operation/change_list.html"
    list_display = [
        "id",
        "date",
        "group",
        "member",
        "kind",
        "label",
        "amount",
        "state",
        "payment_type",
        "reference",
    ]
    list_filter = ["kind", "state", "payment_type", "date"]
    search_fields = [
        "label",
        "reference",
        "reason",
        "group__slug",
        "group__name",
        "member__user__email",
        "member__user__last_name",
    ]
    list_select_related = ["group", "member__user"]
    date_hierarchy = "date"
    ordering = ["-created_at", "-id"]
    actions = ["correct_operations"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Correct the selected operations…"), permissions=["view"])
    def correct_operations(self, request, queryset):
        selected = list(queryset.select_related("group", "member"))
        form = None
        if "apply" in request.POST:
            form = AdminCorrectionForm(request.POST)
            if form.is_valid() and form.cleaned_data["amount"] is not None and len(selected) > 1:
                form.add_error("amount", _("Give an amount only for a single operation."))
            if form.is_valid():
                done = 0
                for op in selected:
                    amount = form.cleaned_data["amount"]
                    if amount is None:
                        root = op.reverses or op
                        extra = root.corrections.aggregate(s=Sum("amount"))["s"] or Decimal(0)
                        amount = -(root.amount + extra)
                        if amount == 0:
                            continue
                    try:
                        services.correction_record(
                            group=op.group,
                            member=op.member,
                            amount=amount,
                            reason=form.cleaned_data["reason"],
                            reverses=op,
                            acting_user=request.user,
                        )
                    except ValidationError as exc:
                        self.message_user(
                            request, f"#{op.pk}: {' '.join(exc.messages)}", messages.ERROR
                        )
                    else:
                        done += 1
                self.message_user(
                    request,
                    _("%(count)d correction(s) recorded.") % {"count": done},
                    messages.SUCCESS,
                )
                return None
        if form is None:
            form = AdminCorrectionForm(
                initial={"_selected_action": request.POST.getlist(ACTION_CHECKBOX_NAME)}
            )
        return TemplateResponse(
            request,
            "admin/payments/operation/correct.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Correct operations"),
                "operations": selected,
                "form": form,
                "opts": self.model._meta,
                "action": "correct_operations",
            },
        )


import payments.stripe.admin  # noqa: E402, F401  (online payment, issue 17)

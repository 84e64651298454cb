"""Export of the ledger (django-import-export), used by Django admin and the group's screens.

Values are native (dates, ``Decimal``), so that spreadsheets get numbers and dates, not text;
``payments.exports`` writes them as CSV or XLSX in the reader's language (decision 12).
Operations are never imported: the ledger is written by the services only.
"""

from import_export import fields, resources

from payments import providers
from payments.models import Operation


class OperationResource(resources.ModelResource):
    number = fields.Field(column_name="#", attribute="id")
    date = fields.Field(column_name="date")
    member = fields.Field(column_name="member")
    email = fields.Field(column_name="email")
    kind = fields.Field(column_name="type")
    label = fields.Field(column_name="label", attribute="label")
    amount = fields.Field(column_name="amount")
    currency = fields.Field(column_name="currency", attribute="currency")
    state = fields.Field(column_name="state")
    payment_type = fields.Field(column_name="payment type")
    reference = fields.Field(column_name="reference", attribute="reference")
    corrects = fields.Field(column_name="corrects")
    reason = fields.Field(column_name="reason", attribute="reason")
    recorded_by = fields.Field(column_name="recorded by")

    class Meta:
        model = Operation
        fields = (
            "number",
            "date",
            "member",
            "email",
            "kind",
            "label",
            "amount",
            "currency",
            "state",
            "payment_type",
            "reference",
            "corrects",
            "reason",
            "recorded_by",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        from django.utils.translation import gettext as _

        # Headers in the active language; resources are built per request.
        headers = {
            "number": _("No."),
            "date": _("Date"),
            "member": _("Member"),
            "email": _("E-mail"),
            "kind": _("Type"),
            "label": _("Label"),
            "amount": _("Amount"),
            "currency": _("Currency"),
            "state": _("State"),
            "payment_type": _("Payment type"),
            "reference": _("Reference"),
            "corrects": _("Corrects operation"),
            "reason": _("Reason"),
            "recorded_by": _("Recorded by"),
        }
        for name, header in headers.items():
            self.fields[name].column_name = header

    def get_queryset(self):
        return Operation.objects.select_related("member__user", "recorded_by")

    def dehydrate_number(self, op: Operation) -> int:
        return op.pk

    def dehydrate_date(self, op: Operation):
        return op.date

    def dehydrate_member(self, op: Operation) -> str:
        return op.member.user.display_name

    def dehydrate_email(self, op: Operation) -> str:
        return op.member.user.email

    def dehydrate_kind(self, op: Operation) -> str:
        return str(op.get_kind_display())

    def dehydrate_label(self, op: Operation) -> str:
        return op.label

    def dehydrate_amount(self, op: Operation):
        return op.amount

    def dehydrate_currency(self, op: Operation) -> str:
        return op.currency

    def dehydrate_state(self, op: Operation) -> str:
        return str(op.get_state_display())

    def dehydrate_payment_type(self, op: Operation) -> str:
        return providers.type_label(op.payment_type) if op.payment_type else ""

    def dehydrate_reference(self, op: Operation) -> str:
        return op.reference

    def dehydrate_corrects(self, op: Operation):
        return op.reverses_id or ""

    def dehydrate_reason(self, op: Operation) -> str:
        return op.reason

    def dehydrate_recorded_by(self, op: Operation) -> str:
        return op.recorded_by.display_name if op.recorded_by else ""

from django.urls import include, path, register_converter

from day import fee_views, producer_views, tool_views, views
from day.models import SummaryDocument


class SummaryKindConverter:
    """One of the summaries' kinds; any other text is a 404 before a query."""

    regex = "|".join(sorted(SummaryDocument.Kind.values, key=len, reverse=True))

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SummaryKindConverter, "summary_kind")

app_name = "day"

PREFIX = "manage/distributions/<int:md_id>/day/"

group_patterns = [
    path(PREFIX, views.day_index, name="index"),
    path(PREFIX + "print/<summary_kind:kind>/", views.summary_print, name="print"),
    path(PREFIX + "csv/<summary_kind:kind>/", views.summary_csv, name="csv"),
    path(PREFIX + "xlsx/<summary_kind:kind>/", views.summary_xlsx, name="xlsx"),
    path(PREFIX + "pdf/<summary_kind:kind>/", views.summary_pdf, name="pdf"),
    path(PREFIX + "documents/<int:document_id>/", views.document_detail, name="document"),
    path(
        PREFIX + "documents/<int:document_id>/status/",
        views.document_status,
        name="document_status",
    ),
    path(
        PREFIX + "documents/<int:document_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path(PREFIX + "validate/", views.validate, name="validate"),
    path(PREFIX + "fees/", fee_views.day_fees, name="fees"),
    path(PREFIX + "validate/weights/", views.weights_save, name="weights"),
    path(PREFIX + "validate/absent/", views.basket_absent, name="absent"),
    path(PREFIX + "validate/present/", views.basket_present, name="present"),
    path(PREFIX + "validate/onspot/", views.onspot_type_save, name="onspot"),
    path(PREFIX + "validate/confirm/", views.validation_confirm, name="validation_confirm"),
    path(PREFIX + "validate/price/", tool_views.price_change, name="price_change"),
    path(PREFIX + "validate/not-delivered/", tool_views.not_delivered, name="not_delivered"),
    path(PREFIX + "validate/undo/", tool_views.correction_undo, name="correction_undo"),
    path(PREFIX + "validate/baskets/<str:basket_code>/", tool_views.member_page, name="member"),
    path(
        PREFIX + "validate/baskets/<str:basket_code>/payment/",
        tool_views.member_payment,
        name="member_payment",
    ),
    path(
        PREFIX + "validate/baskets/<str:basket_code>/refund/",
        tool_views.member_refund,
        name="member_refund",
    ),
    path(
        PREFIX + "validate/baskets/<str:basket_code>/card-refund/",
        tool_views.member_card_refund,
        name="member_card_refund",
    ),
    path(
        PREFIX + "validate/baskets/<str:basket_code>/confirm/",
        tool_views.member_confirm,
        name="member_confirm",
    ),
    path(
        PREFIX + "validate/baskets/<str:basket_code>/delete-payment/",
        tool_views.member_payment_delete,
        name="member_payment_delete",
    ),
    path(
        PREFIX + "validate/baskets/<str:basket_code>/validate/",
        tool_views.member_validate,
        name="member_validate",
    ),
    path(
        PREFIX + "validate/baskets/<str:basket_code>/unvalidate/",
        tool_views.member_unvalidate,
        name="member_unvalidate",
    ),
    path(PREFIX + "cash/float/", tool_views.cash_float, name="cash_float"),
    path(PREFIX + "validate/start/", views.validation_start, name="validation_start"),
    path(PREFIX + "cash/", views.cash, name="cash"),
    path(PREFIX + "cash/csv/", views.cash_file, {"file_format": "csv"}, name="cash_csv"),
    path(PREFIX + "cash/xlsx/", views.cash_file, {"file_format": "xlsx"}, name="cash_xlsx"),
    path(PREFIX + "validate/reverse/", views.unvalidate, name="unvalidate"),
    path(PREFIX + "validations/<int:validation_id>/", views.validation_detail, name="validation"),
    path(
        PREFIX + "validations/<int:validation_id>/status/",
        views.validation_status,
        name="validation_status",
    ),
    path(
        PREFIX + "order-forms/<int:distribution_id>/",
        views.producer_form,
        name="producer_form",
    ),
    path(
        PREFIX + "order-forms/<int:distribution_id>/pdf/",
        views.producer_form_pdf,
        name="producer_form_pdf",
    ),
    path(PREFIX + "postpone/", views.postpone_form, name="postpone"),
    path(PREFIX + "postpone/preview/", views.postpone_preview, name="postpone_preview"),
    path(PREFIX + "postpone/new-date/", views.postpone_new_date, name="postpone_new_date"),
    path(PREFIX + "postpone/confirm/", views.postpone_confirm, name="postpone_confirm"),
]

# The producer space's orders (issue 18), next to the catalogs app's /producer/ pages.
producer_patterns = [
    path("orders/", producer_views.producer_orders, name="producer_orders"),
    path(
        "orders/<int:distribution_id>/",
        producer_views.producer_orders_detail,
        name="producer_orders_detail",
    ),
    path(
        "orders/<int:distribution_id>/csv/",
        producer_views.producer_orders_csv,
        name="producer_orders_csv",
    ),
    path(
        "orders/<int:distribution_id>/pdf/",
        producer_views.producer_orders_pdf,
        name="producer_orders_pdf",
    ),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
    path("producer/", include(producer_patterns)),
]

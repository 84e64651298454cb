from django.urls import include, path

from payments import import_views, views

app_name = "payments"

group_patterns = [
    path("account/", views.account, name="account"),
    path("manage/payments/", views.balances, name="balances"),
    path("manage/payments/pending/", views.pending, name="pending"),
    path("manage/payments/export/", views.export, name="export"),
    path("manage/payments/opening/", import_views.opening, name="opening"),
    path("manage/payments/opening/preview/", import_views.opening_preview, name="opening_preview"),
    path("manage/payments/opening/confirm/", import_views.opening_confirm, name="opening_confirm"),
    path("manage/payments/members/<int:member_id>/", views.member_account, name="member"),
    path(
        "manage/payments/members/<int:member_id>/payment/",
        views.member_payment,
        name="member_payment",
    ),
    path(
        "manage/payments/members/<int:member_id>/refund/",
        views.member_refund,
        name="member_refund",
    ),
    path(
        "manage/payments/members/<int:member_id>/correction/",
        views.member_correction,
        name="member_correction",
    ),
    path(
        "manage/payments/members/<int:member_id>/confirm/",
        views.member_confirm,
        name="member_confirm",
    ),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
]

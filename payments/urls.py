from django.urls import include, path

from payments import import_views, views
from payments.stripe import views as card_views

app_name = "payments"

group_patterns = [
    path("account/", views.account, name="account"),
    path("manage/payments/", views.balances, name="balances"),
    path("manage/payments/pending/", views.pending, name="pending"),
    path("manage/payments/export/", views.export, name="export"),
    path("manage/payments/ledger/", views.ledger, name="ledger"),
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
    # Online payment (issue 17).
    path("manage/payments/online/", card_views.online, name="online"),
    path("manage/payments/online/start/", card_views.online_start, name="online_start"),
    path("manage/payments/online/offer/", card_views.online_offer, name="online_offer"),
    path("manage/payments/online/withdraw/", card_views.online_withdraw, name="online_withdraw"),
    path("manage/payments/online/distributions/", card_views.wallet, name="wallet"),
    path(
        "manage/payments/online/distributions/<int:md_id>/payout/",
        card_views.payout_request,
        name="payout_request",
    ),
    path(
        "manage/payments/online/distributions/<int:md_id>/proof/",
        card_views.payout_proof,
        name="payout_proof",
    ),
    path(
        "manage/payments/online/distributions/<int:md_id>/proof.pdf",
        card_views.payout_proof_pdf,
        name="payout_proof_pdf",
    ),
    path(
        "manage/payments/members/<int:member_id>/card-refund/",
        card_views.member_card_refund,
        name="member_card_refund",
    ),
    path("card/<int:checkout_id>/return/", card_views.card_return, name="card_return"),
    path("card/<int:checkout_id>/cancel/", card_views.card_cancel, name="card_cancel"),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
    path("stripe/webhook/", card_views.webhook, name="stripe_webhook"),
]

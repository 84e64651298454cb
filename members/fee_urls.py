"""URLs of the membership fee pages, mounted under /g/<slug>/ by ``members.urls``."""

from django.urls import path

from members import fee_views

group_patterns = [
    path("manage/members/fees/", fee_views.fees_to_renew, name="fees_to_renew"),
    path("manage/members/fees/batch/", fee_views.fees_batch, name="fees_batch"),
    path(
        "manage/members/fees/to-renew.csv",
        fee_views.fees_to_renew_export,
        {"fmt": "csv"},
        name="fees_to_renew_csv",
    ),
    path(
        "manage/members/fees/to-renew.xlsx",
        fee_views.fees_to_renew_export,
        {"fmt": "xlsx"},
        name="fees_to_renew_xlsx",
    ),
    path("manage/members/<int:member_id>/fees/", fee_views.member_fees, name="fees"),
    path(
        "manage/members/<int:member_id>/fees/record/",
        fee_views.member_fee_record,
        name="fee_record",
    ),
    path(
        "manage/members/<int:member_id>/fees/<int:fee_id>/delete/",
        fee_views.member_fee_delete,
        name="fee_delete",
    ),
]

account_patterns = [
    path(
        "account/reminders/membership/<str:token>/",
        fee_views.reminders_off,
        name="fee_reminders_off",
    ),
]

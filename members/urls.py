from django.urls import include, path

from members import account_views, fee_urls, manage_views, views

app_name = "members"

group_patterns = [
    path("join/", views.group_join, name="join"),
    path("join/request/", account_views.join_request, name="join_request"),
    path("join/request/withdraw/", account_views.join_request_withdraw, name="join_withdraw"),
    path("leave/", views.group_leave, name="leave"),
    path("manage/members/", manage_views.member_list, name="list"),
    path("manage/members/export/", manage_views.member_export, name="export"),
    path("manage/members/add/", manage_views.member_add, name="add"),
    path("manage/members/invitations/", manage_views.invite, name="invitations"),
    path(
        "manage/members/invitations/resend/",
        manage_views.invitations_resend,
        name="invitations_resend",
    ),
    path("manage/members/import/", manage_views.member_import, name="import"),
    path(
        "manage/members/import/confirm/",
        manage_views.member_import_confirm,
        name="import_confirm",
    ),
    path("manage/members/waiting-list/", manage_views.waiting_list, name="waiting_list"),
    path("manage/members/waiting-list/accept/", manage_views.waiting_accept, name="waiting_accept"),
    path("manage/members/waiting-list/refuse/", manage_views.waiting_refuse, name="waiting_refuse"),
    path(
        "manage/members/to-waiting-list/",
        manage_views.members_to_waiting_list,
        name="to_waiting_list",
    ),
    path("manage/members/<int:member_id>/", manage_views.member_sheet, name="sheet"),
    path("manage/members/<int:member_id>/edit/", manage_views.member_edit, name="edit"),
    path("manage/members/<int:member_id>/remove/", manage_views.member_remove, name="remove"),
    path("manage/members/<int:member_id>/rights/", views.member_rights, name="rights"),
    *fee_urls.group_patterns,
]

urlpatterns = [
    path("account/profile/", views.profile, name="profile"),
    path("account/data/", account_views.my_data, name="my_data"),
    path("account/data/download/", account_views.my_data_download, name="my_data_download"),
    path("account/delete/", account_views.account_delete, name="account_delete"),
    path("account/welcome/<str:token>/", account_views.welcome, name="welcome"),
    path("invitations/<str:token>/", account_views.invitation, name="invitation"),
    path("leave/<str:token>/", account_views.leave_by_link, name="leave_by_link"),
    *fee_urls.account_patterns,
    path("groups/new/", views.group_create, name="group_create"),
    path("g/<slug:group_slug>/", include(group_patterns)),
]

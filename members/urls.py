from django.urls import include, path

from members import fee_urls, views

app_name = "members"

group_patterns = [
    path("join/", views.group_join, name="join"),
    path("leave/", views.group_leave, name="leave"),
    path("manage/members/", views.member_list, name="list"),
    path("manage/members/<int:member_id>/rights/", views.member_rights, name="rights"),
    *fee_urls.group_patterns,
]

urlpatterns = [
    path("account/profile/", views.profile, name="profile"),
    *fee_urls.account_patterns,
    path("groups/new/", views.group_create, name="group_create"),
    path("g/<slug:group_slug>/", include(group_patterns)),
]

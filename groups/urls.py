from django.urls import include, path

from groups import views

app_name = "groups"

group_patterns = [
    path("", views.group_detail, name="detail"),
    path("manage/", views.group_manage, name="manage"),
    path("manage/guided-start/hide/", views.guided_start_hide, name="guided_start_hide"),
    path("manage/guided-start/show/", views.guided_start_show, name="guided_start_show"),
    path("manage/settings/", views.settings_general, name="settings"),
    path("manage/settings/payments/", views.settings_payments, name="settings_payments"),
    path("manage/settings/membership/", views.settings_membership, name="settings_membership"),
    path("manage/settings/volunteers/", views.settings_volunteers, name="settings_volunteers"),
    path("manage/settings/vat/", views.settings_vat, name="settings_vat"),
    path("manage/places/", views.place_list, name="place_list"),
    path("manage/places/new/", views.place_create, name="place_create"),
    path("manage/places/<int:place_id>/", views.place_edit, name="place_edit"),
    path("manage/places/<int:place_id>/delete/", views.place_delete, name="place_delete"),
    path("manage/delete/", views.group_delete, name="delete"),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
    path("map/", views.group_map, name="map"),
    path("map/groups.geojson", views.group_map_geojson, name="map_geojson"),
]

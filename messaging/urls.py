from django.urls import include, path

from messaging import views

app_name = "messaging"

group_patterns = [
    path("manage/messages/", views.message_list, name="list"),
    path("manage/messages/new/", views.message_new, name="new"),
    path("manage/messages/<int:message_id>/", views.message_detail, name="detail"),
    path("manage/messages/<int:message_id>/edit/", views.message_edit, name="edit"),
    path("manage/messages/<int:message_id>/test/", views.message_test, name="test"),
    path("manage/messages/<int:message_id>/send/", views.message_send, name="send"),
    path("manage/messages/<int:message_id>/progress/", views.message_progress, name="progress"),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
    path("mail-preferences/<str:token>/", views.preferences, name="preferences"),
]

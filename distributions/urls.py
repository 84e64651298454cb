from django.urls import include, path, register_converter

from distributions import import_views, views


class CalendarTokenConverter:
    """A calendar token as ``new_calendar_token`` makes them (40 letters and digits): any other
    text is a 404 before a query."""

    regex = "[A-Za-z0-9]{40}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CalendarTokenConverter, "calendar_token")

app_name = "distributions"

group_patterns = [
    # Planning (the distribution section: "all catalogs" right).
    path("manage/distributions/", views.manage_list, name="manage_list"),
    path("manage/distributions/new/", views.md_create, name="manage_create"),
    path("manage/distributions/import/", import_views.md_import, name="manage_import"),
    path(
        "manage/distributions/import/preview/",
        import_views.md_import_preview,
        name="manage_import_preview",
    ),
    path(
        "manage/distributions/import/confirm/",
        import_views.md_import_confirm,
        name="manage_import_confirm",
    ),
    path("manage/distributions/cycle/", views.cycle_create, name="cycle_create"),
    path("manage/distributions/cycle/preview/", views.cycle_preview, name="cycle_preview"),
    path("manage/distributions/cycle/edit/", views.cycle_edit, name="cycle_edit"),
    path(
        "manage/distributions/cycles/<int:cycle_id>/catalogs/",
        views.cycle_catalogs,
        name="cycle_catalogs",
    ),
    path(
        "manage/distributions/cycles/<int:cycle_id>/catalogs/attach/",
        views.cycle_catalog_attach,
        name="cycle_catalog_attach",
    ),
    path(
        "manage/distributions/cycles/<int:cycle_id>/catalogs/detach/",
        views.cycle_catalog_detach,
        name="cycle_catalog_detach",
    ),
    path(
        "manage/distributions/cycles/<int:cycle_id>/delete/",
        views.cycle_delete,
        name="cycle_delete",
    ),
    path("manage/distributions/<int:md_id>/", views.md_detail, name="manage_detail"),
    path("manage/distributions/<int:md_id>/edit/", views.md_edit, name="manage_edit"),
    path("manage/distributions/<int:md_id>/delete/", views.md_delete, name="manage_delete"),
    path("manage/distributions/<int:md_id>/cancel/", views.md_cancel, name="manage_cancel"),
    path("manage/distributions/<int:md_id>/catalogs/", views.md_catalogs, name="manage_catalogs"),
    path("manage/distributions/<int:md_id>/open/", views.md_open, name="manage_open"),
    path(
        "manage/distributions/<int:md_id>/catalogs/<int:distribution_id>/dates/",
        views.distribution_window,
        name="manage_window",
    ),
    path("manage/distributions/<int:md_id>/duties/", views.manage_duties, name="manage_duties"),
    path(
        "manage/distributions/<int:md_id>/duties/needs/",
        views.manage_duty_needs,
        name="manage_duty_needs",
    ),
    path(
        "manage/distributions/<int:md_id>/duties/assign/",
        views.manage_duty_assign,
        name="manage_duty_assign",
    ),
    path(
        "manage/distributions/<int:md_id>/duties/remove/",
        views.manage_duty_remove,
        name="manage_duty_remove",
    ),
    path("manage/distributions/<int:md_id>/slots/", views.manage_slots, name="manage_slots"),
    path(
        "manage/distributions/<int:md_id>/slots/configure/",
        views.manage_slots_configure,
        name="manage_slots_configure",
    ),
    path(
        "manage/distributions/<int:md_id>/slots/disable/",
        views.manage_slots_disable,
        name="manage_slots_disable",
    ),
    path(
        "manage/distributions/<int:md_id>/slots/resolve/",
        views.manage_slots_resolve,
        name="manage_slots_resolve",
    ),
    path(
        "manage/distributions/<int:md_id>/slots/unresolve/",
        views.manage_slots_unresolve,
        name="manage_slots_unresolve",
    ),
    path(
        "manage/distributions/<int:md_id>/slots/override/",
        views.manage_slot_override,
        name="manage_slot_override",
    ),
    path(
        "manage/distributions/<int:md_id>/delivery/", views.manage_delivery, name="manage_delivery"
    ),
    path(
        "manage/distributions/<int:md_id>/delivery/configure/",
        views.manage_delivery_configure,
        name="manage_delivery_configure",
    ),
    path(
        "manage/distributions/<int:md_id>/delivery/remove/",
        views.manage_delivery_remove,
        name="manage_delivery_remove",
    ),
    # Volunteer roles (group admins).
    path("manage/volunteer-roles/", views.role_list, name="role_list"),
    path("manage/volunteer-roles/new/", views.role_create, name="role_create"),
    path("manage/volunteer-roles/<int:role_id>/", views.role_edit, name="role_edit"),
    path("manage/volunteer-roles/<int:role_id>/delete/", views.role_delete, name="role_delete"),
    # Members.
    path("distributions/", views.member_list, name="list"),
    path("distributions/<int:md_id>/slots/", views.member_slots, name="slots"),
    path("distributions/<int:md_id>/delivery/", views.member_delivery, name="delivery"),
    path(
        "distributions/<int:md_id>/delivery/save/",
        views.member_delivery_save,
        name="delivery_save",
    ),
    path(
        "distributions/<int:md_id>/delivery/cancel/",
        views.member_delivery_cancel,
        name="delivery_cancel",
    ),
    path("duties/", views.duty_calendar, name="duties"),
    path("duties/<int:md_id>/<int:role_id>/signup/", views.duty_signup, name="duty_signup"),
    path("duties/<int:md_id>/<int:role_id>/withdraw/", views.duty_withdraw, name="duty_withdraw"),
    # Public calendar of the group.
    path("calendar.ics", views.group_ical, name="group_ical"),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
    path("calendar/", views.my_calendar, name="my_calendar"),
    path("calendar/<calendar_token:token>.ics", views.member_ical, name="member_ical"),
]

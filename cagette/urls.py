from django.contrib import admin
from django.urls import include, path

from cagette import views
from kernel.security import media_serve
from reports.admin import archive_import

admin.site.site_header = "Cagette"
admin.site.site_title = "Cagette"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set_language"),
    path(
        "admin/group-archive/import/",
        admin.site.admin_view(archive_import),
        name="group_archive_import",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("groups.urls")),
    path("", include("members.urls")),
    path("", include("distributions.urls")),
    path("", include("payments.urls")),
    path("", include("catalogs.urls")),
    path("", include("orders.urls")),
    path("", include("shop.urls")),
    path("", include("day.urls")),
    path("", include("messaging.urls")),
    path("", include("reports.urls")),
    path("media/<path:path>", media_serve, name="media"),
]

handler400 = "cagette.views.error_400"
handler404 = "cagette.views.error_404"
handler403 = "cagette.views.error_403"
handler500 = "cagette.views.error_500"

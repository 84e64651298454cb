from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from cagette import views

admin.site.site_header = "Cagette"
admin.site.site_title = "Cagette"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("groups.urls")),
    path("", include("members.urls")),
    path("", include("distributions.urls")),
    path("", include("payments.urls")),
    path("", include("catalogs.urls")),
    path("", include("orders.urls")),
    path("", include("day.urls")),
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
]

handler404 = "cagette.views.error_404"
handler403 = "cagette.views.error_403"
handler500 = "cagette.views.error_500"

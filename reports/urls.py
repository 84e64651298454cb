from django.urls import include, path

from reports import exports, views

app_name = "reports"

group_patterns = [
    path("manage/reports/period/", views.period, name="period"),
    *(
        path(
            f"manage/reports/period/{kind}/",
            views.period_export,
            {"kind": kind},
            name=f"period_{kind}",
        )
        for kind in exports.REPORT_KINDS
    ),
    path("manage/reports/statistics/", views.statistics, name="statistics"),
    path(
        "manage/reports/catalogs/<int:catalog_id>/statistics/",
        views.catalog_statistics,
        name="catalog_statistics",
    ),
    path(
        "manage/reports/catalogs/<int:catalog_id>/statistics/file/",
        views.catalog_statistics_file,
        name="catalog_statistics_file",
    ),
    path("manage/reports/archive/", views.archive_page, name="archive"),
    path("manage/reports/archive/download/", views.archive_download, name="archive_download"),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
]

from django.urls import include, path

from catalogs import producer_views, views

app_name = "catalogs"

group_patterns = [
    path("manage/catalogs/", views.catalog_list, name="list"),
    path("manage/catalogs/new/", views.catalog_create, name="create"),
    path("manage/catalogs/<int:catalog_id>/", views.catalog_detail, name="detail"),
    path("manage/catalogs/<int:catalog_id>/edit/", views.catalog_edit, name="edit"),
    path("manage/catalogs/<int:catalog_id>/duplicate/", views.catalog_duplicate, name="duplicate"),
    path("manage/catalogs/<int:catalog_id>/end/", views.catalog_end, name="end"),
    path(
        "manage/catalogs/<int:catalog_id>/coordinators/",
        views.catalog_coordinators,
        name="coordinators",
    ),
    path("manage/catalogs/<int:catalog_id>/producer/", views.catalog_vendor, name="vendor"),
    path(
        "manage/catalogs/<int:catalog_id>/break-link/", views.catalog_break_link, name="break_link"
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/new/",
        views.product_create,
        name="product_create",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/activate/",
        views.products_activate,
        name="products_activate",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/deactivate/",
        views.products_deactivate,
        name="products_deactivate",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/price/",
        views.products_change_price,
        name="products_price",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/import/",
        views.product_import,
        name="product_import",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/export/",
        views.product_export,
        name="product_export",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/<int:product_id>/",
        views.product_edit,
        name="product_edit",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/<int:product_id>/quick/",
        views.product_quick_edit,
        name="product_quick",
    ),
    path(
        "manage/catalogs/<int:catalog_id>/products/<int:product_id>/delete/",
        views.product_delete,
        name="product_delete",
    ),
    path("manage/producers/", views.directory, name="directory"),
    path("manage/producers/invite/", views.directory_invite, name="directory_invite"),
    path(
        "manage/producers/link/<int:producer_catalog_id>/",
        views.directory_request_link,
        name="directory_request",
    ),
    path(
        "manage/producers/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
]

producer_patterns = [
    path("", producer_views.producer_home, name="producer_home"),
    path("profiles/new/", producer_views.vendor_create, name="producer_vendor_create"),
    path("profiles/<int:vendor_id>/", producer_views.vendor_detail, name="producer_vendor"),
    path(
        "profiles/<int:vendor_id>/photos/<int:photo_id>/delete/",
        producer_views.vendor_photo_delete,
        name="producer_photo_delete",
    ),
    path(
        "profiles/<int:vendor_id>/catalogs/new/",
        producer_views.producer_catalog_create,
        name="producer_catalog_create",
    ),
    path(
        "catalogs/<int:producer_catalog_id>/",
        producer_views.producer_catalog_detail,
        name="producer_catalog",
    ),
    path(
        "catalogs/<int:producer_catalog_id>/edit/",
        producer_views.producer_catalog_edit,
        name="producer_catalog_edit",
    ),
    path(
        "catalogs/<int:producer_catalog_id>/publish/",
        producer_views.producer_catalog_publish,
        name="producer_catalog_publish",
    ),
    path(
        "catalogs/<int:producer_catalog_id>/import/",
        producer_views.producer_catalog_import,
        name="producer_catalog_import",
    ),
    path(
        "catalogs/<int:producer_catalog_id>/import/apply/",
        producer_views.producer_catalog_import_apply,
        name="producer_catalog_import_apply",
    ),
    path(
        "catalogs/<int:producer_catalog_id>/products/new/",
        producer_views.producer_product_create,
        name="producer_product_create",
    ),
    path(
        "products/<int:product_id>/", producer_views.producer_product_edit, name="producer_product"
    ),
    path(
        "products/<int:product_id>/delete/",
        producer_views.producer_product_delete,
        name="producer_product_delete",
    ),
    path(
        "links/<int:link_id>/break/", producer_views.producer_link_break, name="producer_link_break"
    ),
    path("invitations/<str:code>/", producer_views.producer_invitation, name="producer_invitation"),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
    path("producer/", include(producer_patterns)),
]

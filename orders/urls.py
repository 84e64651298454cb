from django.urls import include, path

from orders import manage_views, views

app_name = "orders"

group_patterns = [
    # The shop of a distribution: open to visitors (the cart is kept in the session until login).
    path("shop/<int:md_id>/", views.shop, name="shop"),
    path("shop/<int:md_id>/products/<int:product_id>/", views.product_detail, name="product"),
    path("shop/<int:md_id>/cart/", views.cart, name="cart"),
    path("shop/<int:md_id>/cart/add/", views.cart_add, name="cart_add"),
    path("shop/<int:md_id>/checkout/", views.checkout, name="checkout"),
    # A member's order.
    path("orders/<str:basket_code>/", views.basket, name="basket"),
    # Management.
    path("manage/orders/", manage_views.manage_list, name="manage_list"),
    path("manage/orders/<int:md_id>/", manage_views.manage_md, name="manage_md"),
    path("manage/orders/<int:md_id>/new/", manage_views.manage_new, name="manage_new"),
    path(
        "manage/orders/<int:md_id>/members/<int:member_id>/",
        manage_views.manage_member,
        name="manage_member",
    ),
    path("manage/orders/<int:md_id>/carts/", manage_views.manage_carts, name="manage_carts"),
    path(
        "manage/orders/<int:md_id>/wholesale/",
        manage_views.manage_wholesale,
        name="manage_wholesale",
    ),
]

urlpatterns = [
    path("orders/", views.my_orders, name="my_orders"),
    path("g/<slug:group_slug>/", include(group_patterns)),
]

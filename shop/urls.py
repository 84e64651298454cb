from django.urls import include, path

from shop import views

app_name = "shop"

group_patterns = [
    # The shop of a distribution: open to visitors (the cart is kept in the session until login).
    path("shop/<int:md_id>/", views.shop, name="shop"),
    path("shop/<int:md_id>/products/<int:product_id>/", views.product_detail, name="product"),
    path("shop/<int:md_id>/cart/", views.cart, name="cart"),
    path("shop/<int:md_id>/cart/add/", views.cart_add, name="cart_add"),
    path("shop/<int:md_id>/cart/update/", views.cart_update, name="cart_update"),
    path("shop/<int:md_id>/cart/checkout/", views.cart_checkout, name="cart_checkout"),
    path("shop/<int:md_id>/checkout/", views.checkout, name="checkout"),
]

urlpatterns = [
    path("g/<slug:group_slug>/", include(group_patterns)),
]

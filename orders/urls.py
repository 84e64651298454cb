from django.urls import include, path, register_converter

from orders import manage_views, views
from orders.models import CODE_ALPHABET, CODE_LENGTH


class BasketCodeConverter:
    """A basket code as ``new_basket_code`` makes them: any other text is a 404 at once, before
    a query (a NUL byte, a 100 kB string, a quote)."""

    regex = f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(BasketCodeConverter, "basket_code")

app_name = "orders"

group_patterns = [
    # A member's order.
    path("orders/<basket_code:basket_code>/", views.basket, name="basket"),
    path("orders/<basket_code:basket_code>/save/", views.basket_save, name="basket_save"),
    path("orders/<basket_code:basket_code>/cancel/", views.basket_cancel, name="basket_cancel"),
    path(
        "orders/<basket_code:basket_code>/pay-rest/", views.basket_pay_rest, name="basket_pay_rest"
    ),
    # Management.
    path("manage/orders/", manage_views.manage_list, name="manage_list"),
    path("manage/orders/<int:md_id>/", manage_views.manage_md, name="manage_md"),
    path("manage/orders/<int:md_id>/new/", manage_views.manage_new, name="manage_new"),
    path(
        "manage/orders/<int:md_id>/members/<int:member_id>/",
        manage_views.manage_member,
        name="manage_member",
    ),
    path(
        "manage/orders/<int:md_id>/members/<int:member_id>/save/",
        manage_views.manage_member_save,
        name="manage_member_save",
    ),
    path(
        "manage/orders/<int:md_id>/members/<int:member_id>/cancel/",
        manage_views.manage_member_cancel,
        name="manage_member_cancel",
    ),
    path("manage/orders/<int:md_id>/carts/", manage_views.manage_carts, name="manage_carts"),
    path(
        "manage/orders/<int:md_id>/carts/remind/",
        manage_views.manage_carts_remind,
        name="manage_carts_remind",
    ),
    path(
        "manage/orders/<int:md_id>/carts/<basket_code:basket_code>/remind/",
        manage_views.manage_cart_remind,
        name="manage_cart_remind",
    ),
    path(
        "manage/orders/<int:md_id>/carts/<basket_code:basket_code>/confirm/",
        manage_views.manage_cart_confirm,
        name="manage_cart_confirm",
    ),
    path(
        "manage/orders/<int:md_id>/carts/<basket_code:basket_code>/delete/",
        manage_views.manage_cart_delete,
        name="manage_cart_delete",
    ),
    path(
        "manage/orders/<int:md_id>/wholesale/",
        manage_views.manage_wholesale,
        name="manage_wholesale",
    ),
    path(
        "manage/orders/<int:md_id>/wholesale/apply/",
        manage_views.manage_wholesale_apply,
        name="manage_wholesale_apply",
    ),
    path(
        "manage/orders/<int:md_id>/wholesale/save/",
        manage_views.manage_wholesale_save,
        name="manage_wholesale_save",
    ),
    path(
        "manage/orders/<int:md_id>/wholesale/confirm/",
        manage_views.manage_wholesale_confirm,
        name="manage_wholesale_confirm",
    ),
]

urlpatterns = [
    path("orders/", views.my_orders, name="my_orders"),
    path("g/<slug:group_slug>/", include(group_patterns)),
]

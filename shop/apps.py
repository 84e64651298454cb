from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    """The member storefront: the shop of a distribution, the product page, the cart and the
    checkout. No models: carts and orders are ``orders``'s."""

    name = "shop"
    verbose_name = _("Shop")

"""A shop for tests: two producers' catalogs attached to a distribution whose orders are open."""

from dataclasses import dataclass, field
from decimal import Decimal

from catalogs.models import Catalog, Product
from distributions.models import MultiDistrib
from members.models import Member
from orders import services
from orders.models import Basket
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory
from tests.distributions.factories import make_md
from tests.factories import MemberFactory, UserFactory

D = Decimal


@dataclass
class Shop:
    md: MultiDistrib
    farm: Catalog  # stock tracked
    bakery: Catalog  # no stock
    products: dict[str, Product] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Product:
        return self.products[name]


def make_shop(world, *, extra_products: int = 0, md_kwargs=None) -> Shop:
    farm = CatalogFactory(
        group=world.group,
        vendor=VendorFactory(name="Ferme du Pré"),
        name="Légumes",
        stock_tracked=True,
    )
    bakery = CatalogFactory(group=world.group, vendor=VendorFactory(name="Fournil"), name="Pain")
    products = {
        "tomatoes": ProductFactory(
            catalog=farm,
            name="Tomates",
            unit_type="kg",
            unit_quantity=D("1"),
            price=D("4.80"),
            stock=D("10"),
            taxonomy=None,
        ),
        "eggs": ProductFactory(
            catalog=farm,
            name="Œufs",
            unit_type="piece",
            unit_quantity=D("6"),
            price=D("2.10"),
            stock=D("3"),
        ),
        "squash": ProductFactory(
            catalog=farm,
            name="Potimarron",
            unit_type="kg",
            unit_quantity=D("1"),
            price=D("2.90"),
            variable_weight=True,
            stock=None,
        ),
        "bread": ProductFactory(catalog=bakery, name="Pain de campagne", price=D("3.50")),
        "flour": ProductFactory(
            catalog=bakery,
            name="Farine",
            unit_type="kg",
            unit_quantity=D("1"),
            price=D("1.75"),
            bulk=True,
            small_quantity=D("0.5"),
        ),
        "apples": ProductFactory(
            catalog=farm,
            name="Pommes",
            unit_type="kg",
            unit_quantity=D("10"),
            price=D("25.00"),
            wholesale=True,
            stock=None,
        ),
    }
    for i in range(extra_products):
        ProductFactory(catalog=bakery if i % 2 else farm, name=f"Produit {i:04d}", price=D("1.00"))
    md = make_md(world.group, catalogs=[farm, bakery], acting_user=world.admin, **(md_kwargs or {}))
    return Shop(md, farm, bakery, products)


def member_of(world) -> Member:
    return Member.objects.get(group=world.group, user=world.member)


def new_member(group, **user_kwargs) -> Member:
    return MemberFactory(group=group, user=UserFactory(**user_kwargs))


def order(md, member, items: dict[Product, str], *, payment_type: str = "", acting_user=None):
    """Fill the member's cart and place it, as the member."""
    for product, quantity in items.items():
        services.cart_set(
            member=member,
            md=md,
            product=product,
            quantity=D(quantity),
            acting_user=acting_user or member.user,
        )
    cart = Basket.objects.get(multidistrib=md, member=member, state=Basket.State.CART)
    return services.order_place(
        cart=cart, acting_user=acting_user or member.user, payment_type=payment_type
    )

from dataclasses import dataclass
from decimal import Decimal

import pytest

from members.models import Member
from tests.day.factories import make_basket, make_catalog, make_md, make_product


@dataclass
class Day:
    md: object
    vegetables: object
    bread: object
    carrots: object
    tomatoes: object
    loaf: object
    cookie: object
    member_basket: object
    admin_basket: object
    coord_basket: object
    members: dict


def build_day(world, *, days: int = 10) -> Day:
    """Three baskets, two catalogs (one with a 2 % fee), a variable-weight product.

    Hand-computed totals (per line rounding, half up):
    * Membre: carrots 1.5 x 2.35 = 3.525 → 3.53; tomatoes 0.7 x 3.10 = 2.17;
      loaf 3.33 x 1.02 = 3.3966 → 3.40; cookies 3 x 0.99 x 1.02 = 3.0294 → 3.03. Total 12.13.
    * Admin: carrots 2 x 2.35 = 4.70; cookie 0.99 x 1.02 = 1.0098 → 1.01. Total 5.71.
    * Coord: loaves 2 x 3.33 x 1.02 = 6.7932 → 6.79; tomatoes 1.25 x 3.10 = 3.875 → 3.88.
      Total 10.67. Grand total 28.51.
    """
    group = world.group
    vegetables = make_catalog(group, name="Légumes", vendor_name="Ferme du Mas")
    bread = make_catalog(group, name="Pain", vendor_name="Fournil", fee_percent=Decimal("2"))
    carrots = make_product(
        vegetables, name="Carottes", price="2.35", unit_type="kg", variable_weight=True
    )
    tomatoes = make_product(vegetables, name="Tomates", price="3.10", unit_type="kg", bulk=True)
    loaf = make_product(bread, name="Pain complet", price="3.33")
    cookie = make_product(bread, name="Cookie", price="0.99", vat="20")
    md = make_md(group, days=days, catalogs=[vegetables, bread])
    members = {m.user_id: m for m in Member.objects.filter(group=group)}
    m_member = members[world.member.pk]
    m_admin = members[world.admin.pk]
    m_coord = members[world.coordinator.pk]
    member_basket = make_basket(
        md,
        m_member,
        [(carrots, "1.5"), (tomatoes, "0.7"), (loaf, 1), (cookie, 3)],
        payment_type="onthespot",
    )
    admin_basket = make_basket(md, m_admin, [(carrots, 2), (cookie, 1)], payment_type="cheque")
    coord_basket = make_basket(
        md, m_coord, [(loaf, 2), (tomatoes, "1.25")], payment_type="transfer"
    )
    return Day(
        md,
        vegetables,
        bread,
        carrots,
        tomatoes,
        loaf,
        cookie,
        member_basket,
        admin_basket,
        coord_basket,
        {"member": m_member, "admin": m_admin, "coord": m_coord},
    )


@pytest.fixture
def day(world):
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.sheet_text = "Merci d'apporter vos sacs."
    world.group.save()
    return build_day(world)


@pytest.fixture
def past_day(world):
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    return build_day(world, days=-1)

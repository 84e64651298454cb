"""Objects of world.group for the URL keywords of the orders app (tests/test_isolation.py)."""

from members.models import Member
from orders.models import Basket
from tests.distributions.samples import distribution_samples


def order_samples(world) -> dict:
    cached = getattr(world, "_order_samples", None)
    if cached is None:
        md_id = distribution_samples(world)["md_id"]
        member = Member.objects.get(group=world.group, user=world.member)
        basket = Basket.objects.create(
            group=world.group,
            multidistrib_id=md_id,
            member=member,
            state=Basket.State.CONFIRMED,
            number=1,
        )
        cached = world._order_samples = {"basket_code": basket.code}
    return cached

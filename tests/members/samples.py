"""Objects of world.group for the URL keywords of the membership fee pages (test_isolation)."""

from datetime import date

from members.models import Membership


def fee_samples(world) -> dict:
    cached = getattr(world, "_fee_samples", None)
    if cached is None:
        member = world.group.members.get(user=world.member)
        fee = Membership.objects.create(
            group=world.group, member=member, year=2020, amount="10.00", paid_on=date(2020, 9, 1)
        )
        cached = world._fee_samples = {"fee_id": fee.pk}
    return cached

"""Objects of world.group for the URL keywords of online payment (test_isolation)."""

from decimal import Decimal

from members.models import Member
from payments.stripe.models import CardCheckout, GroupStripeAccount, StripeAccount
from tests.distributions.samples import distribution_samples


def payment_samples(world) -> dict:
    cached = getattr(world, "_payment_samples", None)
    if cached is None:
        from distributions.models import MultiDistrib

        md = MultiDistrib.objects.get(pk=distribution_samples(world)["md_id"])
        account = StripeAccount.objects.create(account_id="acct_test_isolation")
        GroupStripeAccount.objects.create(group=world.group, account=account)
        checkout = CardCheckout.objects.create(
            group=world.group,
            member=Member.objects.get(group=world.group, user=world.member),
            multidistrib=md,
            account=account,
            amount=Decimal("10.00"),
            fee=Decimal("0.36"),
            state=CardCheckout.State.EXPIRED,
        )
        cached = world._payment_samples = {"checkout_id": checkout.pk}
    return cached

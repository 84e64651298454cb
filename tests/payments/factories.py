"""Ledger rows for tests, written through the services (the model refuses shortcuts)."""

from decimal import Decimal

from payments import services


def paid(world_or_group, member, amount="10.00", payment_type="cash", acting_user=None, **kw):
    group = getattr(world_or_group, "group", world_or_group)
    return services.payment_record(
        group=group,
        member=member,
        amount=Decimal(amount),
        payment_type=payment_type,
        acting_user=acting_user,
        **kw,
    )


def ordered(group, member, reference, amount, acting_user=None, label="Commande"):
    return services.order_debt_record(
        group=group,
        member=member,
        reference=reference,
        amount=Decimal(amount),
        label=label,
        acting_user=acting_user,
    )

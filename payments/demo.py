"""Demo balances in the group "demo": some members in credit, some owing, some pending cheques.

Two past distributions: the older one validated (orders and payments confirmed, one typing
mistake corrected), last week's still open with cheques, transfers and on-the-spot payments to
confirm. A few members prepaid some credit. Every row carries a ``demo-…`` reference and is
written through the services, which either set a total (running again changes nothing) or are
skipped when their row exists, so the seed is idempotent.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from groups.models import Group
from members.demo import demo_users
from members.models import Member
from payments import selectors, services
from payments.models import ONTHESPOT, Operation

OLD, LAST = "demo-d2", "demo-d1"


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def _pay_once(group, member, reference, **kwargs) -> None:
    exists = Operation.objects.filter(
        group=group, member=member, reference=reference, kind=Operation.Kind.PAYMENT
    ).exists()
    if not exists:
        services.payment_record(group=group, member=member, reference=reference, **kwargs)


def seed(stdout) -> None:
    group = Group.objects.filter(slug="demo").first()
    if group is None:
        return
    seed_online(stdout)
    users = demo_users()
    admin = users[0]
    by_user = {m.user_id: m for m in Member.objects.filter(group=group, user__in=users)}
    members = [by_user[u.pk] for u in users if u.pk in by_user]
    if len(members) < 26:
        return
    today = timezone.localdate(timezone=group.tzinfo)
    old_day, last_day = today - timedelta(days=14), today - timedelta(days=7)
    old_label = f"Commande pour le {old_day:%d/%m/%Y}"
    last_label = f"Commande pour le {last_day:%d/%m/%Y}"
    rng = random.Random(2024)

    # The distribution two weeks ago: everyone who ordered paid on the spot; validated.
    for index, member in enumerate(members[2:22], start=2):
        total = Decimal("23.40") if index == 2 else _amount(rng, 8, 45)
        services.order_debt_record(
            group=group,
            member=member,
            reference=OLD,
            amount=total,
            label=old_label,
            date=old_day,
            acting_user=admin,
        )
        if index % 5 == 0:
            continue  # did not pay: owes the whole order
        paid = Decimal("25.00") if index == 2 else total + [0, 0, 5, -3][index % 4]
        _pay_once(
            group,
            member,
            OLD,
            amount=paid if index != 4 else Decimal("300.00"),
            payment_type="cheque" if index % 2 == 0 else "cash",
            label="Paiement à la distribution",
            date=old_day,
            acting_user=admin,
        )
        if index == 4:
            wrong = Operation.objects.get(
                group=group, member=member, reference=OLD, kind=Operation.Kind.PAYMENT
            )
            if not wrong.corrections.exists():
                services.correction_record(
                    group=group,
                    member=member,
                    amount=paid - wrong.amount,
                    reason=f"Chèque de {paid} € saisi {wrong.amount} €",
                    reverses=wrong,
                    date=old_day,
                    acting_user=admin,
                )
    services.payments_confirm_for_references(group=group, references=[OLD], acting_user=admin)

    # Last week's distribution: not validated, payments announced and not all received.
    kinds = ["cheque", "cheque", "transfer", ONTHESPOT, "cheque", "cash"]
    for index, member in enumerate(members[2:16], start=2):
        total = Decimal("18.70") if index == 2 else _amount(rng, 6, 38)
        services.order_debt_record(
            group=group,
            member=member,
            reference=LAST,
            amount=total,
            label=last_label,
            date=last_day,
            acting_user=admin,
        )
        services.payment_intention_record(
            group=group,
            member=member,
            reference=LAST,
            payment_type="cheque" if index == 2 else kinds[index % len(kinds)],
            amount=total,
            label=f"Paiement de la commande du {last_day:%d/%m/%Y}",
            date=last_day,
            acting_user=member.user,
        )

    # Prepaid credit.
    for member in members[22:26]:
        _pay_once(
            group,
            member,
            "demo-credit",
            amount=Decimal("50.00"),
            payment_type="transfer",
            label="Avance sur commandes",
            date=old_day - timedelta(days=10),
            acting_user=admin,
        )

    balances = selectors.balances_for_group(group=group)
    owing = sum(1 for b in balances.values() if b < 0)
    credit = sum(1 for b in balances.values() if b > 0)
    pending = selectors.pending_list(group=group).count()
    stdout.write(
        f"Payments: {owing} members owing, {credit} in credit, {pending} payments to confirm"
    )


DEMO_ACCOUNT = "acct_demo_cagette"


def seed_online(stdout) -> None:
    """The demo group collects card payments with a Stripe account the fake Stripe of ``make
    run`` knows (``--demo-account``); without Stripe keys card payment stays hidden."""
    from groups.models import PaymentType
    from payments.stripe.models import GroupStripeAccount, StripeAccount

    group = Group.objects.filter(slug="demo").first()
    if group is None:
        return
    account, _created = StripeAccount.objects.get_or_create(
        account_id=DEMO_ACCOUNT,
        defaults={
            "name": group.name,
            "charges_enabled": True,
            "payouts_enabled": True,
            "details_submitted": True,
            "manual_payouts": True,
        },
    )
    GroupStripeAccount.objects.get_or_create(group=group, defaults={"account": account})
    types = list(group.payment_types or [])
    if PaymentType.ONLINE not in types and PaymentType.MONEYPOT not in types:
        group.payment_types = [*types, PaymentType.ONLINE]
        group.save(update_fields=["payment_types"])

"""Simultaneous money-pot debits on PostgreSQL: the member's row lock serialises them."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from groups.models import Group
from members.models import Member
from payments import selectors, services
from tests.factories import MemberFactory, PlaceFactory


def _race(group_id: int, member_id: int, amounts: list[str]) -> tuple[list[str], list[str]]:
    """Run one money-pot debit per amount, all released at once; return (won, refused)."""
    barrier = threading.Barrier(len(amounts))
    won: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def debit(index: int, amount: str) -> None:
        close_old_connections()
        try:
            group = Group.objects.get(pk=group_id)
            member = Member.objects.get(pk=member_id)
            barrier.wait(timeout=10)
            try:
                services.moneypot_debit(
                    group=group,
                    member=member,
                    reference=f"basket-{index}",
                    amount=Decimal(amount),
                    label="Commande",
                    acting_user=None,
                )
            except services.MoneyPotInsufficientError:
                with lock:
                    refused.append(amount)
            else:
                with lock:
                    won.append(amount)
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=debit, args=(i, amount)) for i, amount in enumerate(amounts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return won, refused


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_debits_cannot_overdraw_the_money_pot(requires_postgres):
    group = PlaceFactory().group
    group.payment_types = ["moneypot"]
    group.save(update_fields=["payment_types"])
    member = MemberFactory(group=group)
    services.payment_record(
        group=group, member=member, amount=Decimal("20.00"), payment_type="cash", acting_user=None
    )
    won, refused = _race(group.pk, member.pk, ["15.00", "15.00"])
    assert len(won) == 1 and len(refused) == 1
    assert selectors.balance_for_member(group=group, member=member) == Decimal("5.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_simultaneous_debits_stop_at_the_negative_floor(requires_postgres):
    group = PlaceFactory().group
    group.payment_types = ["moneypot"]
    group.allow_negative_moneypot = True
    group.moneypot_floor = Decimal("-10.00")
    group.save(update_fields=["payment_types", "allow_negative_moneypot", "moneypot_floor"])
    member = MemberFactory(group=group)
    other = MemberFactory(group=group)
    services.payment_record(
        group=group, member=member, amount=Decimal("20.00"), payment_type="cash", acting_user=None
    )
    won, refused = _race(group.pk, member.pk, ["10.00"] * 6)
    # 20 of credit and 10 of overdraft: exactly three debits of 10 fit.
    assert len(won) == 3 and len(refused) == 3
    balance = selectors.balance_for_member(group=group, member=member)
    assert balance == Decimal("-10.00")
    assert selectors.balances_for_group(group=group).get(other.pk, Decimal(0)) == 0

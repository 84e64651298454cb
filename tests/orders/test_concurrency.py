"""Many simultaneous checkouts on PostgreSQL: exactly the stock is sold (decision 6)."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from catalogs.models import Product
from orders import services
from orders.models import Basket, OrderLine
from payments.models import Operation
from tests.orders.factories import D, make_shop, new_member

BUYERS = 30
STOCK = D("10")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_checkouts_sell_exactly_the_stock(world, requires_postgres):
    shop = make_shop(world)
    eggs = shop["eggs"]
    Product.objects.filter(pk=eggs.pk).update(stock=STOCK)
    members = [new_member(world.group) for _ in range(BUYERS)]
    for member in members:
        # Every cart also holds bread (no stock limit): a refused egg line must not block it.
        for product in (eggs, shop["bread"]):
            services.cart_set(
                member=member, md=shop.md, product=product, quantity=D("1"), acting_user=member.user
            )
    carts = {m.pk: Basket.objects.get(member=m, state="cart").pk for m in members}

    barrier = threading.Barrier(BUYERS)
    lock = threading.Lock()
    won, refused, errors = [], [], []

    def checkout(member_id: int) -> None:
        close_old_connections()
        try:
            cart = Basket.objects.select_related("member__user").get(pk=carts[member_id])
            barrier.wait(timeout=20)
            result = services.order_place(
                cart=cart, acting_user=cart.member.user, payment_type="onthespot"
            )
            egg_placed = result.basket.lines.filter(product=eggs).exists()
            with lock:
                if egg_placed:
                    won.append(member_id)
                else:
                    refused.append([issue.message for issue in result.issues])
        except BaseException as exc:  # reported to the main thread
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(m.pk,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(won) == int(STOCK) and len(refused) == BUYERS - int(STOCK)
    eggs.refresh_from_db()
    assert eggs.stock == 0
    sold = sum(
        OrderLine.objects.filter(product=eggs, basket__state="confirmed").values_list(
            "quantity", flat=True
        )
    )
    assert sold == STOCK
    # Every refused buyer was told, with the stock message, and still got their bread.
    for messages in refused:
        assert len(messages) == 1 and "Œufs" in messages[0]
    assert Basket.objects.filter(state="confirmed").count() == BUYERS
    assert (
        OrderLine.objects.filter(product=shop["bread"], basket__state="confirmed").count() == BUYERS
    )
    # Numbers are unique and consecutive; one debt per member.
    numbers = sorted(Basket.objects.filter(state="confirmed").values_list("number", flat=True))
    assert numbers == list(range(1, BUYERS + 1))
    assert Operation.objects.filter(kind="order").count() == BUYERS
    assert sum(Operation.objects.filter(kind="order").values_list("amount", flat=True)) == -(
        D("3.50") * BUYERS + D("2.10") * STOCK
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_cart_confirmed_twice_at_once_makes_one_order(world, requires_postgres):
    shop = make_shop(world)
    member = new_member(world.group)
    services.cart_set(
        member=member, md=shop.md, product=shop["eggs"], quantity=D("2"), acting_user=member.user
    )
    cart_id = Basket.objects.get(member=member, state="cart").pk
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def confirm() -> None:
        close_old_connections()
        try:
            cart = Basket.objects.select_related("member__user").get(pk=cart_id)
            barrier.wait(timeout=10)
            try:
                services.order_place(cart=cart, acting_user=member.user)
                outcomes.append("placed")
            except services.OrderError:
                outcomes.append("refused")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(outcomes) == ["placed", "refused"]
    shop["eggs"].refresh_from_db()
    assert shop["eggs"].stock == Decimal("1")
    assert OrderLine.objects.get(basket__state="confirmed").quantity == D("2")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_members_of_a_group_check_out_at_the_same_time(world, requires_postgres, monkeypatch):
    """A member's own checkout locks their row, not the group's: another member's checkout
    goes through while the first one is still writing its order (they used to queue one
    behind the other on the group's row, locked by the join of ``lock_member``)."""
    from orders.services import ordering

    shop = make_shop(world)
    first, second = new_member(world.group), new_member(world.group)
    carts = {}
    for member in (first, second):
        services.cart_set(
            member=member,
            md=shop.md,
            product=shop["bread"],
            quantity=D("1"),
            acting_user=member.user,
        )
        carts[member.pk] = Basket.objects.get(member=member, state="cart").pk
    writing, finish = threading.Event(), threading.Event()
    write = ordering._write_order

    def slow_for_the_first(**kwargs):
        if kwargs["member"].pk == first.pk:
            writing.set()
            finish.wait(timeout=20)
        return write(**kwargs)

    monkeypatch.setattr(ordering, "_write_order", slow_for_the_first)
    outcomes, errors = {}, []

    def checkout(member) -> None:
        close_old_connections()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '5s'")
            cart = Basket.objects.get(pk=carts[member.pk])
            result = services.order_place(cart=cart, acting_user=member.user, as_admin=False)
            outcomes[member.pk] = result.basket.number
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    slow = threading.Thread(target=checkout, args=(first,))
    slow.start()
    assert writing.wait(timeout=20)
    fast = threading.Thread(target=checkout, args=(second,))
    fast.start()
    fast.join(timeout=30)
    finished_while_the_first_wrote = second.pk in outcomes
    finish.set()
    slow.join(timeout=30)
    assert not errors, errors
    assert finished_while_the_first_wrote
    assert outcomes == {second.pk: 1, first.pk: 2}

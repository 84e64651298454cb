"""The order rules of spec §3 with decisions 6 and 7: placing, merging, stock, prices, ledger."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from catalogs.models import Product
from orders import services
from orders.models import Basket, OrderLine
from payments import selectors as payment_selectors
from payments.models import Operation
from tests.orders.factories import D, make_shop, member_of, new_member, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


def test_order_place_writes_lines_at_the_prices_of_the_moment_and_takes_stock(world, shop):
    member = member_of(world)
    result = order(
        shop.md, member, {shop["tomatoes"]: "2", shop["bread"]: "1"}, payment_type="onthespot"
    )
    basket = result.basket
    assert basket.is_confirmed and basket.number == 1 and not result.issues
    lines = {line.product_id: line for line in basket.lines.all()}
    assert lines[shop["tomatoes"].pk].unit_price == D("4.80")
    assert lines[shop["tomatoes"].pk].quantity == D("2")
    assert lines[shop["bread"].pk].vat_rate == D("5.5")
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("8")
    # The cart is gone: it became the order.
    assert not Basket.objects.filter(state=Basket.State.CART, member=member).exists()
    assert basket.total() == D("13.10")


def test_basket_codes_are_random_and_numbers_follow_each_other(world, shop):
    first = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    second = order(shop.md, new_member(world.group), {shop["bread"]: "1"}).basket
    assert (first.number, second.number) == (1, 2)
    assert first.code != second.code and len(first.code) == 8
    assert not first.code.isdigit()


def test_ordering_again_merges_into_the_same_line_and_the_same_basket(world, shop):
    member = member_of(world)
    first = order(shop.md, member, {shop["tomatoes"]: "1"}).basket
    second = order(shop.md, member, {shop["tomatoes"]: "2"}).basket
    assert first.pk == second.pk
    line = OrderLine.objects.get(basket=first, product=shop["tomatoes"])
    assert line.quantity == D("3")


def test_a_price_change_never_reprices_a_placed_quantity(world, shop):
    """Decision 7 (fixes spec §14.1): the addition at the new price gets its own line."""
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "1"}).basket
    Product.objects.filter(pk=shop["tomatoes"].pk).update(price=D("6.00"))
    order(shop.md, member, {shop["tomatoes"]: "1"})
    prices = sorted(
        (line.unit_price, line.quantity)
        for line in OrderLine.objects.filter(basket=basket, product=shop["tomatoes"])
    )
    assert prices == [(D("4.80"), D("1")), (D("6.00"), D("1"))]
    assert Basket.objects.get(pk=basket.pk).total() == D("10.80")


def test_line_total_includes_the_catalog_fee_rounded_per_line(world, shop):
    shop.bakery.fee_percent = D("5")
    shop.bakery.save()
    basket = order(shop.md, member_of(world), {shop["bread"]: "3"}).basket
    line = basket.lines.get()
    assert line.fee_percent == D("5")
    # 3 x 3.50 x 1.05 = 11.025 → 11.03 (half-up, per line).
    assert line.total == D("11.03")


def test_one_debt_per_member_per_distribution_follows_every_change(world, shop):
    member = member_of(world)
    basket = order(shop.md, member, {shop["bread"]: "2"}, payment_type="onthespot").basket
    order(shop.md, member, {shop["tomatoes"]: "1"})
    group = world.group
    assert payment_selectors.debt_for_reference(
        group=group, member=member, reference=basket.code
    ) == D("11.80")
    references = set(
        Operation.objects.filter(group=group, member=member, kind="order").values_list(
            "reference", flat=True
        )
    )
    assert references == {basket.code}
    services.order_update(
        md=shop.md, member=member, quantities={shop["bread"].pk: D("1")}, acting_user=member.user
    )
    assert payment_selectors.debt_for_reference(
        group=group, member=member, reference=basket.code
    ) == D("8.30")
    # The payment announced at checkout follows the total.
    announced = sum(
        Operation.objects.filter(
            group=group, member=member, reference=basket.code, is_money=True
        ).values_list("amount", flat=True)
    )
    assert announced == D("8.30")


def test_a_line_whose_stock_vanished_is_refused_alone(world, shop):
    """User-requests item 2 and decision 6: the other lines are placed, the short one stays
    in the cart clamped to what is left, with the stock message."""
    member = member_of(world)
    for product, quantity in ((shop["eggs"], "3"), (shop["bread"], "2")):
        services.cart_set(
            member=member,
            md=shop.md,
            product=product,
            quantity=D(quantity),
            acting_user=world.member,
        )
    Product.objects.filter(pk=shop["eggs"].pk).update(stock=D("1"))
    cart = Basket.objects.get(member=member, state=Basket.State.CART)
    result = services.order_place(cart=cart, acting_user=world.member)
    assert [line.product_id for line in result.basket.lines.all()] == [shop["bread"].pk]
    assert len(result.issues) == 1 and "1" in result.issues[0].message
    remaining = Basket.objects.get(member=member, state=Basket.State.CART).lines.get()
    assert remaining.product_id == shop["eggs"].pk and remaining.quantity == D("1")
    shop["eggs"].refresh_from_db()
    assert shop["eggs"].stock == D("1")


def test_nothing_is_written_when_no_line_can_be_served(world, shop):
    member = member_of(world)
    services.cart_set(
        member=member, md=shop.md, product=shop["eggs"], quantity=D("2"), acting_user=world.member
    )
    Product.objects.filter(pk=shop["eggs"].pk).update(stock=D("0"))
    cart = Basket.objects.get(member=member, state=Basket.State.CART)
    result = services.order_place(cart=cart, acting_user=world.member)
    assert result.basket is None and result.issues
    assert not Basket.objects.exclude(state=Basket.State.CART).exists()
    assert not Operation.objects.filter(member=member).exists()


def test_members_edit_until_the_window_closes_admins_until_validation(world, shop):
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "2"}).basket
    later = shop.md.orders_close_at + timedelta(minutes=1)
    result = services.order_update(
        md=shop.md,
        member=member,
        quantities={shop["tomatoes"].pk: D("1")},
        acting_user=world.member,
        now=later,
    )
    assert not result.changed and result.issues
    result = services.order_update(
        md=shop.md,
        member=member,
        quantities={shop["tomatoes"].pk: D("5")},
        acting_user=world.admin,
        now=later,
    )
    assert result.changed
    assert OrderLine.objects.get(basket=basket).quantity == D("5")
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("5")
    shop.md.validated_at = timezone.now()
    shop.md.save(update_fields=["validated_at"])
    with pytest.raises(services.OrderError):
        services.order_update(
            md=shop.md,
            member=member,
            quantities={shop["tomatoes"].pk: D("1")},
            acting_user=world.admin,
            now=later,
        )


def test_decreasing_gives_stock_back_and_zero_cancels_the_order(world, shop):
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "4"}).basket
    services.order_update(
        md=shop.md, member=member, quantities={shop["tomatoes"].pk: 0}, acting_user=world.member
    )
    basket.refresh_from_db()
    shop["tomatoes"].refresh_from_db()
    assert basket.is_cancelled and shop["tomatoes"].stock == D("10")
    assert (
        payment_selectors.debt_for_reference(
            group=world.group, member=member, reference=basket.code
        )
        == 0
    )


def test_cancel_gives_stock_back_and_zeroes_the_debt_then_ordering_again_revives_it(world, shop):
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "3"}).basket
    services.order_cancel(basket=basket, acting_user=world.member)
    basket.refresh_from_db()
    shop["tomatoes"].refresh_from_db()
    assert basket.is_cancelled and shop["tomatoes"].stock == D("10")
    assert (
        payment_selectors.debt_for_reference(
            group=world.group, member=member, reference=basket.code
        )
        == 0
    )
    again = order(shop.md, member, {shop["bread"]: "1"}).basket
    assert again.pk == basket.pk and again.is_confirmed
    assert [line.product_id for line in again.lines.all()] == [shop["bread"].pk]


def test_a_member_cannot_cancel_after_the_window_but_an_admin_can(world, shop):
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "3"}).basket
    later = shop.md.orders_close_at + timedelta(hours=1)
    with pytest.raises(services.OrderError):
        services.order_cancel(basket=basket, acting_user=world.member, now=later)
    services.order_cancel(basket=basket, acting_user=world.admin, now=later)
    assert Basket.objects.get(pk=basket.pk).is_cancelled


def test_products_weighed_piece_by_piece_get_a_line_each(world, shop):
    squash = shop["squash"]
    squash.multi_weight = True
    squash.save()
    basket = order(shop.md, member_of(world), {squash: "3"}).basket
    assert list(basket.lines.values_list("quantity", flat=True)) == [D("1")] * 3
    with pytest.raises(services.OrderError):
        services.cart_set(
            member=member_of(world),
            md=shop.md,
            product=squash,
            quantity=D("1.5"),
            acting_user=world.member,
        )


def test_actual_weight_replaces_the_ordered_quantity_in_the_total(world, shop):
    basket = order(shop.md, member_of(world), {shop["squash"]: "2"}).basket
    line = basket.lines.get()
    line.actual_quantity = D("2.350")
    assert line.total == D("6.82")  # 2.350 x 2.90 = 6.815 → 6.82


def test_confirmation_email_has_the_code_and_contents_in_text_and_html(
    world, shop, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        basket = order(
            shop.md,
            member_of(world),
            {shop["tomatoes"]: "2", shop["bread"]: "1"},
            payment_type="onthespot",
        ).basket
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.member.email]
    assert basket.code in message.subject
    assert basket.code in message.body and "Tomates" in message.body and "Fournil" in message.body
    assert "13,10" in message.body
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert basket.code in html and "Pain de campagne" in html and "13,10" in html


def test_confirmation_email_is_in_the_members_language(
    world, shop, django_capture_on_commit_callbacks
):
    world.member.language = "en"
    world.member.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order(shop.md, member_of(world), {shop["bread"]: "1"})
    message = mail.outbox[0]
    assert "confirmed" in message.subject
    assert "€3.50" in message.body


def test_confirmation_email_is_sent_by_its_own_task_once_without_a_second_task(
    world, shop, django_capture_on_commit_callbacks, monkeypatch
):
    """The worker that renders the confirmation sends it (no ``outbox_deliver`` queued for
    it); the outbox row is marked sent, so a later sweep or a second delivery sends nothing."""
    from kernel import outbox
    from kernel.models import OutboxMail

    queued: list[list[int]] = []
    monkeypatch.setattr(outbox, "queue_delivery", lambda ids: queued.append(list(ids)))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        basket = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    assert queued == []
    assert len(mail.outbox) == 1 and basket.code in mail.outbox[0].subject
    row = OutboxMail.objects.get(kind="order_confirmed")
    assert row.status == OutboxMail.Status.SENT
    assert outbox.outbox_deliver_ids([row.pk]) == 0
    assert len(mail.outbox) == 1


def test_moneypot_group_refuses_an_order_the_balance_cannot_pay_and_keeps_the_stock(world, shop):
    group = world.group
    group.payment_types = ["moneypot"]
    group.save()
    member = member_of(world)
    services.cart_set(
        member=member,
        md=shop.md,
        product=shop["tomatoes"],
        quantity=D("2"),
        acting_user=world.member,
    )
    cart = Basket.objects.get(member=member, state=Basket.State.CART)
    with pytest.raises(services.OrderError.__mro__[1]):
        services.order_place(cart=cart, acting_user=world.member)
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("10")
    assert not Basket.objects.exclude(state=Basket.State.CART).exists()


def test_group_without_payments_writes_no_ledger_row(world, shop):
    group = world.group
    group.has_payments = False
    group.save()
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    assert not Operation.objects.exists()


def test_orders_of_other_groups_products_are_refused(world, shop):
    from tests.catalogs.factories import CatalogFactory, ProductFactory

    foreign = ProductFactory(catalog=CatalogFactory(group=world.other_group))
    result = services.order_update(
        md=shop.md,
        member=member_of(world),
        quantities={foreign.pk: D("1")},
        acting_user=world.admin,
    )
    assert not result.changed
    assert not OrderLine.objects.exists()


def test_coordinators_are_limited_to_their_catalogs(world, shop):
    member = member_of(world)
    result = services.order_update(
        md=shop.md,
        member=member,
        quantities={shop["bread"].pk: D("1"), shop["tomatoes"].pk: D("1")},
        acting_user=world.coordinator,
        catalog_ids={shop.farm.pk},
        as_admin=True,
    )
    assert [line.product_id for line in result.basket.lines.all()] == [shop["tomatoes"].pk]
    assert len(result.issues) == 1


def _cart(member, md, items):
    for product, quantity in items.items():
        services.cart_set(
            member=member, md=md, product=product, quantity=D(quantity), acting_user=member.user
        )
    return Basket.objects.get(member=member, state=Basket.State.CART)


def test_a_buyer_who_loses_the_last_units_meanwhile_gets_the_other_lines_and_no_trace(
    world, shop, monkeypatch
):
    """The order is written before the stock is taken: when another buyer takes the last eggs
    in between, that attempt is rolled back whole and the order written again without them."""
    from kernel.models import LogEntry
    from orders.services import ordering

    member = member_of(world)
    cart = _cart(member, shop.md, {shop["eggs"]: "2", shop["bread"]: "1"})
    write, take = ordering._write_order, ordering._take_stock
    attempts = []

    def write_order(**kwargs):
        attempts.append([item.product_id for item in kwargs["candidates"]])
        return write(**kwargs)

    def take_stock(product, quantity):
        if product.pk == shop["eggs"].pk:
            # Another buyer's committed UPDATE: it stays whatever this transaction undoes.
            Product.objects.filter(pk=product.pk).update(stock=D("0"))
        return take(product, quantity)

    monkeypatch.setattr(ordering, "_write_order", write_order)
    monkeypatch.setattr(ordering, "_take_stock", take_stock)
    result = services.order_place(cart=cart, acting_user=world.member, payment_type="onthespot")
    assert attempts == [sorted([shop["eggs"].pk, shop["bread"].pk]), [shop["bread"].pk]]
    basket = result.basket
    assert [line.product_id for line in basket.lines.all()] == [shop["bread"].pk]
    assert [issue.product_id for issue in result.issues] == [shop["eggs"].pk]
    assert "rupture de stock" in result.issues[0].message
    shop["eggs"].refresh_from_db()
    assert shop["eggs"].stock == D("0")
    # Nothing of the first attempt is left: one order, one debt, one payment, their entries.
    assert Basket.objects.exclude(state=Basket.State.CART).count() == 1 and basket.number == 1
    rows = Operation.objects.filter(member=member).order_by("pk")
    assert [(op.kind, op.amount) for op in rows] == [("order", D("-3.50")), ("payment", D("3.50"))]
    assert LogEntry.objects.filter(action="payment.order_debt").count() == 1
    assert LogEntry.objects.filter(action="order.placed").count() == 1
    # The eggs left the cart (none left); the cart itself stays.
    assert not OrderLine.objects.filter(basket__state=Basket.State.CART).exists()


def test_a_buyer_whose_first_try_failed_is_served_whole_on_the_second(world, shop, monkeypatch):
    """Stock given back between the two tries: everything is placed and the cart, deleted by
    the rolled-back try, is deleted again."""
    from orders.services import ordering

    member = member_of(world)
    cart = _cart(member, shop.md, {shop["eggs"]: "2", shop["bread"]: "1"})
    take, tries = ordering._take_stock, []

    def take_stock(product, quantity):
        tries.append(product.pk)
        if len(tries) == 1:
            return False  # someone held the last eggs, then cancelled
        return take(product, quantity)

    monkeypatch.setattr(ordering, "_take_stock", take_stock)
    result = services.order_place(cart=cart, acting_user=world.member, payment_type="onthespot")
    assert tries == [shop["eggs"].pk, shop["eggs"].pk, shop["bread"].pk]
    assert not result.issues
    assert sorted(line.product_id for line in result.basket.lines.all()) == sorted(
        [shop["eggs"].pk, shop["bread"].pk]
    )
    assert not Basket.objects.filter(state=Basket.State.CART).exists()
    shop["eggs"].refresh_from_db()
    assert shop["eggs"].stock == D("1")
    assert Operation.objects.filter(member=member, kind="order").count() == 1


def test_placing_costs_one_stock_update_per_product_and_no_query_per_line(world, shop):
    """The lines, the ledger rows and the audit entries are written in one INSERT each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(member, items):
        cart = _cart(member, shop.md, items)
        with CaptureQueriesContext(connection) as ctx:
            result = services.order_place(
                cart=cart, acting_user=member.user, payment_type="onthespot", md=shop.md
            )
        assert result.basket is not None and not result.issues
        return len(ctx.captured_queries)

    one = queries(member_of(world), {shop["bread"]: "1"})
    two = queries(new_member(world.group), {shop["bread"]: "1", shop["flour"]: "1.5"})
    assert two == one
    with_stock = queries(new_member(world.group), {shop["bread"]: "1", shop["tomatoes"]: "1"})
    assert with_stock == one + 1  # the conditional UPDATE of the tomatoes' stock

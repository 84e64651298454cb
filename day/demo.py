"""Demo of the distribution day for the group ``demo``: one past distribution already validated
and one waiting for validation (with weighed products and on-the-spot payments to type).
Running it again changes nothing: the two distributions are found by their date and place."""

import contextlib
from datetime import time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from day import validation
from distributions.cycles import aware
from distributions.models import Distribution, MultiDistrib
from distributions.selectors import catalogs_for_day
from groups.models import Group
from members.demo import demo_users
from members.models import Member
from orders.models import Basket, BasketCounter, OrderLine
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import ONTHESPOT

PAST_DAYS = (9, 2)  # validated, waiting for validation
BASKETS = 12


def _md(group: Group, day) -> MultiDistrib | None:
    place = group.main_place
    existing = MultiDistrib.objects.filter(group=group, place=place, date=day).first()
    if existing is not None:
        return None
    catalogs = catalogs_for_day(group=group, day=day)
    if not catalogs:
        return None
    start = aware(day, time(18, 0), group.tzinfo)
    md = MultiDistrib(
        group=group,
        place=place,
        start_at=start,
        end_at=start + timedelta(hours=2),
        orders_open_at=start - timedelta(days=7),
        orders_close_at=start - timedelta(days=1),
    )
    md.full_clean()
    md.save()
    for catalog in catalogs:
        Distribution.objects.create(
            group=group,
            multidistrib=md,
            catalog=catalog,
            orders_open_at=md.orders_open_at,
            orders_close_at=md.orders_close_at,
        )
    return md


def _fill(md: MultiDistrib, members: list[Member], admin) -> None:
    group = md.group
    distributions = list(md.distributions.select_related("catalog"))
    products = []
    for d in distributions:
        products += [(d, p) for p in d.catalog.products.filter(active=True).order_by("pk")[:3]]
    if not products:
        return
    counter, _created = BasketCounter.objects.get_or_create(multidistrib=md)
    types = [ONTHESPOT, "cheque", "transfer"]
    for i, member in enumerate(members[:BASKETS]):
        BasketCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
        counter.refresh_from_db()
        payment_type = types[i % len(types)]
        basket = Basket.objects.create(
            group=group,
            multidistrib=md,
            member=member,
            number=counter.last,
            state=Basket.State.CONFIRMED,
            payment_type=payment_type,
            confirmed_at=md.orders_close_at - timedelta(hours=i + 1),
        )
        for j in range(3):
            d, product = products[(i + j * 2) % len(products)]
            quantity = Decimal("1.5") if product.variable_weight else Decimal(1 + (i + j) % 2)
            OrderLine.objects.create(
                group=group,
                basket=basket,
                distribution=d,
                product=product,
                product_name=product.name,
                quantity=quantity,
                unit_price=product.price,
                vat_rate=product.vat_rate,
                fee_percent=d.catalog.fee_percent,
            )
        total = basket.total()
        payments.order_debt_record(
            group=group,
            member=member,
            reference=basket.code,
            amount=total,
            label=validation.basket_label(md),
            acting_user=admin,
        )
        # A type the demo group does not take is simply left out.
        with contextlib.suppress(payments.PaymentError):
            payments.payment_intention_record(
                group=group,
                member=member,
                reference=basket.code,
                payment_type=payment_type,
                amount=total,
                acting_user=admin,
            )


def _validate(md: MultiDistrib, admin) -> None:
    group = md.group
    weighed = OrderLine.objects.filter(basket__multidistrib=md, product__variable_weight=True)
    weights = {line.pk: line.quantity - Decimal("0.087") for line in weighed}
    if weights:
        validation.weights_set(group=group, md=md, weights=weights, acting_user=admin)
    codes = Basket.objects.filter(multidistrib=md).values_list("code", flat=True)
    for i, op in enumerate(
        payment_selectors.onspot_untyped_list(group=group, references=codes).order_by("pk")
    ):
        validation.onspot_type_set(
            group=group,
            md=md,
            operation_id=op.pk,
            payment_type=("cash", "cheque")[i % 2],
            acting_user=admin,
        )
    validation.distribution_validate(group=group, md=md, acting_user=admin)


def seed(stdout) -> None:
    group = Group.objects.filter(slug="demo").select_related("main_place").first()
    if group is None or group.main_place is None:
        return
    users = demo_users()
    admin = users[0]
    members = list(
        Member.objects.filter(group=group, user__in=users).select_related("user").order_by("pk")
    )
    today = timezone.localdate(timezone.now(), group.tzinfo)
    made = 0
    for index, days in enumerate(PAST_DAYS):
        md = _md(group, today - timedelta(days=days))
        if md is None:
            continue
        _fill(md, members, admin)
        if index == 0:
            _validate(md, admin)
        made += 1
    if made:
        stdout.write(f"Distribution day: {made} past distributions with orders.")

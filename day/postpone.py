"""Postponing: move one catalog's or every catalog's orders to another general distribution
(spec §4.5, decision 4, user-requests item 8).

``postpone_preview`` says what the move will do and refuses with a clear reason; the move itself
(``distribution_postpone``) runs in one transaction:

* each catalog moved takes the target's date and order window (``Distribution.multidistrib``);
* a member's basket whose lines all move, and who has no order at the target yet, moves whole:
  same code, so its ledger rows (debt, payments, online payment) follow untouched; it gets the
  next basket number of the target; its card payments count in the target's card takings
  (``payments.stripe.services.card_checkouts_follow``);
* otherwise the lines join the member's order at the target (made if needed) and both debts are
  recomputed through the ledger (``validation.basket_debt_sync``); a basket left empty is
  cancelled and its debt brought to zero; what the old order paid by card for the lines that
  left follows them to the new order (``payments.services.moves.card_money_follow``: a pair of
  ledger rows, the card payment itself untouched); another payment already received stays on
  the old basket's reference and shows as credit until the team refunds or uses it;
* carts (not orders, spec §5) of the moved catalogs lose those lines: they reserve nothing;
* the stock of products is not touched: the same quantities are still ordered;
* a catalog whose end date is before the target is extended to it (spec §4.5);
* every member concerned gets an e-mail (decision 4), and the move is logged
  (``DistributionMove``) and audited.

A catalog that already takes part in the target (the next date of a weekly cycle) keeps its
participation there: the moved lines join it (and the members' baskets there, as above), and
the source's participation is removed (issue 13, item 9).

Refused: a validated distribution (source or target), the same distribution, a target before a
catalog's start.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from day.models import DistributionMove
from day.validation import DayError, basket_debt_sync
from distributions.cycles import aware
from distributions.models import DeliveryRequest, Distribution, DutyNeed, MultiDistrib
from distributions.services import md_create
from groups.models import Group
from kernel.audit import log_action
from kernel.forms import RowIdChoiceField
from kernel.mail import send_email_to_user
from orders.models import Basket, BasketCounter, OrderLine
from payments import services as payments
from payments.models import ON_THE_SPOT_TYPES, ONTHESPOT
from payments.services.moves import card_money_follow
from payments.stripe import services as stripe_services

TARGET_HORIZON = timedelta(days=400)


@dataclass
class Preview:
    source: MultiDistrib
    target: MultiDistrib
    distributions: list[Distribution]
    baskets_moved: int = 0
    baskets_merged: int = 0
    lines: int = 0
    members: list[str] = field(default_factory=list)
    extended: list[tuple[str, Any]] = field(default_factory=list)  # (catalog, new end date)
    emptied: int = 0
    # Catalogs already taking part in the target: their orders join that participation.
    joined: list[str] = field(default_factory=list)


def target_choices(*, group: Group, md: MultiDistrib):
    return (
        MultiDistrib.objects.filter(
            group=group,
            validated_at__isnull=True,
            cancelled_at__isnull=True,
            start_at__gte=timezone.now() - timedelta(days=1),
            start_at__lte=timezone.now() + TARGET_HORIZON,
        )
        .exclude(pk=md.pk)
        .select_related("place")
        .order_by("start_at")
    )


class PostponeForm(forms.Form):
    distribution = RowIdChoiceField(
        queryset=Distribution.objects.none(),
        required=False,
        label=gettext_lazy("Catalog"),
        empty_label=gettext_lazy("Every catalog of the distribution"),
    )
    target = RowIdChoiceField(
        queryset=MultiDistrib.objects.none(), label=gettext_lazy("Move the orders to")
    )

    def __init__(self, *args, group: Group, md: MultiDistrib, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["distribution"].queryset = Distribution.objects.filter(
            group=group, multidistrib=md
        ).select_related("catalog")
        self.fields["distribution"].label_from_instance = lambda d: d.catalog.name
        self.fields["target"].queryset = target_choices(group=group, md=md)
        self.fields["target"].label_from_instance = lambda m: (
            f"{timezone.localtime(m.start_at, m.tz):%d/%m/%Y %H:%M} · {m.place.name}"
        )


class NewDateForm(forms.Form):
    new_date = forms.DateField(
        label=gettext_lazy("Or create a new date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def target_create(*, group: Group, md: MultiDistrib, day: date, acting_user: Any) -> MultiDistrib:
    """A new distribution on ``day`` to postpone to (decision 4): the same place and hours, the
    order window moved by as many days; no catalog yet (the postponement brings them)."""
    if md.validated_at is not None:
        raise DayError(_("This distribution is validated: its orders can no longer move."))
    if day <= md.date:
        raise DayError({"new_date": _("Choose a date after this distribution.")})
    delta = day - md.date
    tz = md.tz

    def shifted(value):
        local = timezone.localtime(value, tz)
        return aware(local.date() + delta, local.time().replace(tzinfo=None), tz)

    try:
        return md_create(
            group=group,
            place=md.place,
            day=day,
            start_time=md.local_start.time().replace(tzinfo=None),
            end_time=md.local_end.time().replace(tzinfo=None),
            orders_open_at=shifted(md.orders_open_at),
            orders_close_at=shifted(md.orders_close_at),
            acting_user=acting_user,
        )
    except ValidationError as exc:
        raise DayError(exc.messages) from exc


def _check(group: Group, md: MultiDistrib, target: MultiDistrib, moved: list[Distribution]) -> None:
    if md.group_id != group.pk or target.group_id != group.pk:
        raise DayError(_("Choose distributions of this group."))
    if md.validated_at is not None:
        raise DayError(_("This distribution is validated: its orders can no longer move."))
    if target.pk == md.pk:
        raise DayError(_("Choose another distribution than this one."))
    if target.validated_at is not None:
        raise DayError(_("The target distribution is validated: choose another one."))
    if not moved:
        raise DayError(_("No catalog takes part in this distribution."))
    for d in moved:
        if target.date < d.catalog.start_date:
            raise DayError(
                _("The target distribution is before the start of the catalog %(catalog)s.")
                % {"catalog": d.catalog.name}
            )


def _moved(group: Group, md: MultiDistrib, distribution: Distribution | None) -> list[Distribution]:
    qs = Distribution.objects.filter(group=group, multidistrib=md).select_related("catalog")
    if distribution is not None:
        qs = qs.filter(pk=distribution.pk)
    return list(qs.order_by("catalog__name", "pk"))


def _plan(group, md, target, moved) -> tuple[Preview, dict[int, str]]:
    """Which baskets move whole and which are merged: {basket id: "move" | "merge"}."""
    preview = Preview(source=md, target=target, distributions=moved)
    moved_ids = {d.pk for d in moved}
    baskets = (
        Basket.objects.filter(group=group, multidistrib=md, state=Basket.State.CONFIRMED)
        .select_related("member__user")
        .prefetch_related("lines")
        .order_by("member__user__last_name", "pk")
    )
    at_target = set(
        Basket.objects.filter(multidistrib=target)
        .exclude(state=Basket.State.CART)
        .values_list("member_id", flat=True)
    )
    plan: dict[int, str] = {}
    for basket in baskets:
        lines = list(basket.lines.all())
        moving = [line for line in lines if line.distribution_id in moved_ids]
        if not moving:
            continue
        preview.lines += len(moving)
        preview.members.append(basket.member.user.display_name)
        if len(moving) == len(lines) and basket.member_id not in at_target:
            plan[basket.pk] = "move"
            preview.baskets_moved += 1
        else:
            plan[basket.pk] = "merge"
            preview.baskets_merged += 1
            if len(moving) == len(lines):
                preview.emptied += 1
    there = _participations(target)
    for d in moved:
        if d.catalog.end_date < target.date:
            preview.extended.append((d.catalog.name, target.date))
        if d.catalog_id in there:
            preview.joined.append(d.catalog.name)
    return preview, plan


def _participations(target: MultiDistrib) -> dict[int, Distribution]:
    """The target's catalog participations, by catalog id."""
    return {d.catalog_id: d for d in Distribution.objects.filter(multidistrib=target)}


def postpone_preview(
    *, group: Group, md: MultiDistrib, target: MultiDistrib, distribution: Distribution | None
) -> Preview:
    moved = _moved(group, md, distribution)
    _check(group, md, target, moved)
    return _plan(group, md, target, moved)[0]


def _next_number(target: MultiDistrib) -> int:
    counter, _created = BasketCounter.objects.get_or_create(multidistrib=target)
    BasketCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return counter.last


def _target_basket(group, target, source_basket) -> tuple[Basket, bool]:
    basket = (
        Basket.objects.select_for_update()
        .filter(multidistrib=target, member=source_basket.member)
        .exclude(state=Basket.State.CART)
        .first()
    )
    if basket is not None:
        if basket.state == Basket.State.CANCELLED:
            # The cancelled order's lines stay as history until the basket is used again: they
            # are not part of what moves here (their stock went back when it was cancelled).
            basket.lines.all().delete()
            basket.delivery, basket.delivery_fee = False, Decimal("0.00")
            basket.state = Basket.State.CONFIRMED
            basket.cancelled_at = None
            basket.confirmed_at = timezone.now()
            if basket.number is None:
                basket.number = _next_number(target)
            basket.save(
                update_fields=[
                    "state",
                    "cancelled_at",
                    "confirmed_at",
                    "number",
                    "delivery",
                    "delivery_fee",
                ]
            )
        return basket, False
    basket = Basket.objects.create(
        group=group,
        multidistrib=target,
        member=source_basket.member,
        state=Basket.State.CONFIRMED,
        payment_type=source_basket.payment_type,
        number=_next_number(target),
        confirmed_at=timezone.now(),
    )
    return basket, True


@transaction.atomic
def _move_delivery(md: MultiDistrib, target: MultiDistrib, basket: Basket, acting_user) -> None:
    """A basket delivered at home keeps its delivery at the new date when the new date offers
    it (the address moves with it); otherwise the delivery and its fee are dropped."""
    user = basket.member.user
    request = DeliveryRequest.objects.filter(multidistrib=md, user=user).first()
    taken = DeliveryRequest.objects.filter(multidistrib=target, user=user).exists()
    if target.delivery_enabled and (request is not None or taken):
        if request is not None and not taken:
            request.multidistrib = target
            request.save(update_fields=["multidistrib"])
        return
    basket.delivery, basket.delivery_fee = False, Decimal("0.00")
    basket.save(update_fields=["delivery", "delivery_fee"])
    basket_debt_sync(basket=basket, acting_user=acting_user)


@transaction.atomic
def distribution_postpone(
    *,
    group: Group,
    md: MultiDistrib,
    target: MultiDistrib,
    distribution: Distribution | None,
    acting_user: Any,
) -> DistributionMove:
    """Move the orders (see the module's docstring); returns the log row."""
    locked = list(
        MultiDistrib.objects.select_for_update()
        .filter(group=group, pk__in=[md.pk, target.pk])
        .order_by("pk")
    )
    if len(locked) != 2:
        raise DayError(_("Choose distributions of this group."))
    md, target = (locked[0], locked[1]) if locked[0].pk == md.pk else (locked[1], locked[0])
    moved = _moved(group, md, distribution)
    _check(group, md, target, moved)
    preview, plan = _plan(group, md, target, moved)
    moved_ids = [d.pk for d in moved]
    now = timezone.now()

    # The catalogs take the target's date and order window; catalogs ending before are extended.
    # A catalog already taking part in the target keeps that participation: its lines join it
    # below and the source's participation goes (decision 4: a weekly cycle's next date).
    extended = []
    there = _participations(target)
    joining: dict[int, Distribution] = {}
    for d in moved:
        if d.catalog.end_date < target.date:
            d.catalog.end_date = target.date
            d.catalog.save(update_fields=["end_date"])
            extended.append(d.catalog.name)
        if d.catalog_id in there:
            joining[d.pk] = there[d.catalog_id]
            continue
        d.multidistrib = target
        d.orders_open_at = min(target.orders_open_at, target.orders_close_at)
        d.orders_close_at = target.orders_close_at
        d.full_clean()
        d.save(update_fields=["multidistrib", "orders_open_at", "orders_close_at"])

    # Carts are not orders: the moved catalogs' lines leave them.
    OrderLine.objects.filter(
        basket__multidistrib=md, basket__state=Basket.State.CART, distribution_id__in=moved_ids
    ).delete()

    baskets = {
        b.pk: b
        for b in Basket.objects.select_for_update()
        .filter(pk__in=list(plan))
        .select_related("member__user", "group", "multidistrib")
    }
    notified = []
    for basket_id, how in plan.items():
        basket = baskets[basket_id]
        notified.append(basket.member.user)
        if how == "move":
            basket.multidistrib = target
            basket.number = _next_number(target)
            basket.updated_at = now
            basket.save(update_fields=["multidistrib", "number", "updated_at"])
            if basket.delivery:
                _move_delivery(md, target, basket, acting_user)
            continue
        into, created = _target_basket(group, target, basket)
        OrderLine.objects.filter(basket=basket, distribution_id__in=moved_ids).update(
            basket=into, updated_at=now
        )
        into.multidistrib = target
        basket_debt_sync(basket=into, acting_user=acting_user)
        if created and (basket.payment_type in (ONTHESPOT, *ON_THE_SPOT_TYPES)):
            with contextlib.suppress(payments.PaymentError):
                payments.payment_intention_record(
                    group=group,
                    member=into.member,
                    reference=into.code,
                    payment_type=basket.payment_type,
                    amount=into.total(list(into.lines.all())),
                    acting_user=acting_user,
                )
        Basket.objects.filter(pk=into.pk).update(updated_at=now)
        if not basket.lines.exists():
            basket.state = Basket.State.CANCELLED
            basket.cancelled_at = now
            basket.number = None
            basket.updated_at = now
            basket.save(update_fields=["state", "cancelled_at", "number", "updated_at"])
        basket_debt_sync(basket=basket, acting_user=acting_user)
        # What the old order paid by card for the lines that left follows them (issue 13);
        # then the payment announced at the new order (on the spot) is only what is left.
        if card_money_follow(
            group=group,
            member=basket.member,
            from_reference=basket.code,
            to_reference=into.code,
            reason=_("Lines postponed to %(target)s") % {"target": target},
            acting_user=acting_user,
            multidistrib=target,
        ):
            basket_debt_sync(basket=into, acting_user=acting_user)
        Basket.objects.filter(pk=basket.pk).update(updated_at=now)

    # Orders paid by card that moved whole keep their code: their card payments now count in
    # the target's takings, refunds and payout (not when the source's payout was requested).
    stripe_services.card_checkouts_follow(
        group=group,
        references=[baskets[pk].code for pk, how in plan.items() if how == "move"],
        md=target,
        acting_user=acting_user,
    )

    for source_id, into_distribution in joining.items():
        # Every order line left on the source participation (the moved ones, and the history
        # of cancelled orders) now belongs to the target's; then the source's goes.
        OrderLine.objects.filter(distribution_id=source_id).update(
            distribution=into_distribution, updated_at=now
        )
        source = next(d for d in moved if d.pk == source_id)
        DutyNeed.objects.filter(multidistrib=md, role__catalog=source.catalog_id).delete()
        source.delete()

    move = DistributionMove.objects.create(
        group=group,
        source=md,
        target=target,
        source_label=str(md)[:128],
        target_label=str(target)[:128],
        catalogs=[d.catalog.name for d in moved],
        baskets_moved=preview.baskets_moved,
        baskets_merged=preview.baskets_merged,
        lines=preview.lines,
        members_notified=len(notified),
        catalogs_extended=extended,
        moved_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    log_action(
        action="orders.distribution_postponed",
        acting_user=acting_user,
        group=group,
        obj=move,
        source=md.pk,
        target=target.pk,
        catalogs=move.catalogs,
        lines=move.lines,
    )
    catalogs = ", ".join(move.catalogs)
    for user in notified:
        send_email_to_user(
            name="day_postponed",
            user=user,
            context={"source": md, "target": target, "catalogs": catalogs},
            group=group,
            flag="notify_order_changes",
        )
    return move

"""What the members app learns from the apps to its right about one person (``members.hooks``):
why an account cannot be deleted yet, the person's data download, the member sheet's panels and
the warnings before removing a member. Wiring only: each reads through the owning app's models
and selectors (the ledger through ``payments.selectors``)."""

from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from distributions.models import Duty
from kernel.money import format_money, line_total
from members.models import Member
from orders.models import Basket, OrderLine
from payments import selectors as payments


def deletion_refusals(user: Any) -> list[str]:
    reasons = []
    for member in Member.objects.filter(user=user).select_related("group"):
        balance = payments.balance_for_member(group=member.group, member=member)
        if balance < 0:
            reasons.append(
                _("You owe %(amount)s to %(group)s: settle it first.")
                % {
                    "amount": format_money(
                        -balance, member.group.currency, translation.get_language() or "fr"
                    ),
                    "group": member.group.name,
                }
            )
    upcoming = (
        Basket.objects.filter(
            member__user=user,
            state=Basket.State.CONFIRMED,
            multidistrib__end_at__gt=timezone.now(),
        )
        .select_related("multidistrib", "member__group")
        .order_by("multidistrib__start_at")
    )
    for basket in upcoming:
        reasons.append(
            _("Your order for %(date)s at %(group)s is not distributed yet.")
            % {
                "date": formats.date_format(basket.multidistrib.date, "SHORT_DATE_FORMAT"),
                "group": basket.member.group.name,
            }
        )
    duties = (
        Duty.objects.filter(user=user, need__multidistrib__end_at__gt=timezone.now())
        .select_related("need__multidistrib__group", "need__role")
        .order_by("need__multidistrib__start_at")
    )
    for duty in duties:
        md = duty.need.multidistrib
        reasons.append(
            _("You volunteered as %(role)s on %(date)s at %(group)s: withdraw first.")
            % {
                "role": duty.need.role.name,
                "date": formats.date_format(md.date, "SHORT_DATE_FORMAT"),
                "group": md.group.name,
            }
        )
    return reasons


def personal_data(user: Any) -> dict[str, list[dict]]:
    lines = (
        OrderLine.objects.filter(basket__member__user=user)
        .exclude(basket__state=Basket.State.CART)
        .select_related("basket__multidistrib", "basket__member__group")
        .order_by("basket__multidistrib__start_at", "pk")
    )
    orders = [
        {
            "group": line.basket.member.group.name,
            "distribution": line.basket.multidistrib.date,
            "order": line.basket.code,
            "state": line.basket.state,
            "product": line.product_name,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "total": line_total(
                line.unit_price,
                line.quantity,
                line.basket.member.group.currency,
                fee_percent=line.fee_percent,
            ),
        }
        for line in lines
    ]
    operations = []
    for member in Member.objects.filter(user=user).select_related("group"):
        for op in payments.operation_list(group=member.group, member=member):
            operations.append(
                {
                    "group": member.group.name,
                    "date": op.date,
                    "type": op.kind,
                    "label": op.label,
                    "amount": op.amount,
                    "currency": op.currency,
                    "state": op.state,
                }
            )
    duties = [
        {
            "group": duty.need.multidistrib.group.name,
            "date": duty.need.multidistrib.date,
            "role": duty.need.role.name,
        }
        for duty in Duty.objects.filter(user=user).select_related(
            "need__multidistrib__group", "need__role"
        )
    ]
    return {"orders": orders, "operations": operations, "duties": duties}


def member_sheet(member: Any) -> list[dict]:
    group = member.group
    summary = payments.account_summary(group=group, member=member)
    operations = list(payments.operation_list(group=group, member=member)[:20])
    baskets = list(
        Basket.objects.filter(member=member)
        .exclude(state=Basket.State.CART)
        .select_related("multidistrib")
        .order_by("-multidistrib__start_at")[:20]
    )
    duties = list(
        Duty.objects.filter(user=member.user, need__multidistrib__group=group)
        .select_related("need__multidistrib", "need__role")
        .order_by("-need__multidistrib__start_at")[:20]
    )
    return [
        {
            "template": "members/_sheet_account.html",
            "summary": summary,
            "operations": operations,
            "group": group,
            "member": member,
        },
        {"template": "members/_sheet_orders.html", "baskets": baskets, "group": group},
        {"template": "members/_sheet_duties.html", "duties": duties},
    ]


def removal_warnings(member: Any) -> list[str]:
    upcoming = (
        Basket.objects.filter(
            member=member,
            state=Basket.State.CONFIRMED,
            multidistrib__end_at__gt=timezone.now(),
        )
        .select_related("multidistrib")
        .order_by("multidistrib__start_at")
    )
    return [
        _("%(name)s has an order for %(date)s: it stays, and so does the ledger.")
        % {
            "name": member.user.display_name,
            "date": formats.date_format(b.multidistrib.date, "SHORT_DATE_FORMAT"),
        }
        for b in upcoming
    ]


def register() -> None:
    from members import hooks

    hooks.register_deletion_check(deletion_refusals)
    hooks.register_personal_data(personal_data)
    hooks.register_member_sheet(member_sheet)
    hooks.register_removal_warning(removal_warnings)

"""Reads of the ledger. Every function takes the group and filters on it.

Balances are computed from the rows, never cached (user-requests: drifting cached balances), with
one aggregated query whatever the number of members. What counts is ``models.COUNTED``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round

from distributions.models import MultiDistrib
from groups.models import Group
from kernel.money import quantize
from members.models import Member, active_member_q
from payments.models import COUNTED, ON_THE_SPOT_TYPES, ONTHESPOT, Operation

ZERO = Decimal("0.00")
MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)


def _money(value: Decimal | None, group: Group) -> Decimal:
    """Aggregates come back unrounded from some databases (SQLite sums through floats)."""
    return quantize(value or ZERO, group.currency)


def _sum(field: str = "amount", **kw) -> Coalesce:
    return Coalesce(Sum(field, **kw), Value(ZERO), output_field=MONEY)


def balance_for_member(*, group: Group, member: Member) -> Decimal:
    """The member's balance in the group (spec §2.2): pending payments do not count."""
    result = (
        Operation.objects.filter(group=group, member=member).filter(COUNTED).aggregate(s=_sum())
    )
    return _money(result["s"], group)


def balances_for_group(
    *, group: Group, member_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    """Balances by member id, in one query. Members without any row are absent (balance 0)."""
    qs = Operation.objects.filter(group=group).filter(COUNTED)
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    rows = qs.values("member_id").annotate(s=Sum("amount")).order_by()
    return {row["member_id"]: _money(row["s"], group) for row in rows}


def pending_total_for_member(*, group: Group, member: Member) -> Decimal:
    """Payments announced but not received yet (pending cheques, transfers…)."""
    return _money(
        Operation.objects.filter(group=group, member=member)
        .pending_money()
        .aggregate(s=_sum())["s"],
        group,
    )


def account_summary(*, group: Group, member: Member) -> dict[str, Decimal | int]:
    """Balance and payments announced but not received, in one query."""
    pending = Q(is_money=True, state=Operation.State.PENDING)
    summary = Operation.objects.filter(group=group, member=member).aggregate(
        balance=_sum(filter=COUNTED),
        pending=_sum(filter=pending),
    )
    summary["balance"] = _money(summary["balance"], group)
    summary["pending"] = _money(summary["pending"], group)
    return summary


def operation_list(*, group: Group, member: Member) -> QuerySet[Operation]:
    """A member's rows, newest first, ready for display."""
    return (
        Operation.objects.filter(group=group, member=member)
        .select_related("recorded_by", "confirmed_by", "reverses")
        .order_by("-date", "-created_at", "-id")
    )


def history(*, group: Group, member: Member) -> QuerySet[Operation]:
    """A member's history for reading (issue 18): one line per operation that corrects nothing,
    newest first, annotated with ``effective`` (its amount with its corrections folded in); the
    corrections themselves are prefetched (``op.corrections.all``, oldest first) for the
    "details" of the line. The ledger is untouched: corrections stay rows of their own; a
    correction that corrects nothing is a line of its own."""
    return (
        Operation.objects.filter(group=group, member=member, reverses__isnull=True)
        .annotate(effective=corrected_amount())
        .select_related("recorded_by", "confirmed_by")
        .prefetch_related(
            Prefetch(
                "corrections",
                queryset=Operation.objects.select_related("recorded_by").order_by(
                    "created_at", "id"
                ),
            )
        )
        .order_by("-date", "-created_at", "-id")
    )


def pending_list(*, group: Group, member: Member | None = None) -> QuerySet[Operation]:
    """Payments and refunds announced and not received yet, oldest first: what admins confirm.

    Each row is annotated with ``effective``: its amount with its pending corrections (an
    intention lowered after a change of order). Fully cancelled intentions are left out.
    """
    qs = Operation.objects.filter(
        group=group, kind__in=Operation.MONEY_KINDS, state=Operation.State.PENDING
    )
    if member is not None:
        qs = qs.filter(member=member)
    return (
        qs.annotate(effective=corrected_amount())
        .exclude(effective=ZERO)
        .select_related("member__user")
        .order_by("date", "created_at", "id")
    )


BALANCE_STATUSES = ("owing", "credit", "zero", "pending")


def member_balance_list(*, group: Group, search: str = "", status: str = "") -> QuerySet[Member]:
    """Members with their balance and pending payments, for the balances page.

    Active members, plus former members whose balance is not zero (they still owe or are owed).
    """
    pending = Q(operations__is_money=True, operations__state=Operation.State.PENDING)
    counted = Q(operations__is_money=False) | Q(operations__state=Operation.State.CONFIRMED)
    qs = (
        Member.objects.filter(group=group)
        .select_related("user")
        .annotate(
            # Rounded in SQL so that filters compare exact cents, SQLite included.
            balance=Round(_sum("operations__amount", filter=counted), 2, output_field=MONEY),
            pending=Round(_sum("operations__amount", filter=pending), 2, output_field=MONEY),
        )
        .filter(active_member_q() | ~Q(balance=ZERO))
    )
    for term in search.split():
        qs = qs.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__email__icontains=term)
            | Q(user__first_name2__icontains=term)
            | Q(user__last_name2__icontains=term)
        )
    if status == "owing":
        qs = qs.filter(balance__lt=0)
    elif status == "credit":
        qs = qs.filter(balance__gt=0)
    elif status == "zero":
        qs = qs.filter(balance=ZERO)
    elif status == "pending":
        qs = qs.filter(~Q(pending=ZERO))
    return qs.order_by("balance", "user__last_name", "user__first_name", "pk")


def balance_totals(*, group: Group, members: QuerySet[Member]) -> dict[str, Decimal | int]:
    """Totals of a ``member_balance_list``: owed, in credit, pending and counts, in one query.

    Summed here rather than by an aggregate over aggregates, which databases disagree on.
    """
    totals: dict[str, Decimal | int] = {
        "owed": ZERO,
        "credit": ZERO,
        "pending": ZERO,
        "owing_count": 0,
        "credit_count": 0,
        "count": 0,
    }
    # balance and pending are annotations of member_balance_list, unknown to the stubs.
    rows = members.order_by().values_list("balance", "pending")  # type: ignore[misc]
    for raw_balance, raw_pending in rows:
        balance, pending = _money(raw_balance, group), _money(raw_pending, group)
        totals["count"] += 1
        totals["pending"] += pending
        if balance < 0:
            totals["owed"] += balance
            totals["owing_count"] += 1
        elif balance > 0:
            totals["credit"] += balance
            totals["credit_count"] += 1
    return totals


def _reference_debt_q() -> Q:
    return Q(kind=Operation.Kind.ORDER) | Q(
        kind=Operation.Kind.CORRECTION, reverses__kind=Operation.Kind.ORDER
    )


def debt_for_reference(*, group: Group, member: Member, reference: str) -> Decimal:
    """What the member owes for this reference, as a positive amount (0 when nothing)."""
    total = (
        Operation.objects.filter(group=group, member=member, reference=reference)
        .filter(_reference_debt_q())
        .aggregate(s=_sum())["s"]
    )
    return -_money(total, group)


def is_reference_settled(*, group: Group, member: Member, reference: str) -> bool:
    """Whether what the member owes for ``reference`` (a basket) is paid.

    Settled when the counted rows of that reference sum to zero or more (its debt is covered by
    confirmed payments carrying the reference), or when the member's whole balance is zero or
    more (a prepaid balance or other payments cover every debt, money-pot groups included). A
    reference with no row is settled. Pending payments do not settle anything (spec §2.2).
    """
    return references_settled(group=group, references=[reference], members=[member]).get(
        (member.pk, reference), True
    )


def references_settled(
    *, group: Group, references: Iterable[str], members: Iterable[Member] | None = None
) -> dict[tuple[int, str], bool]:
    """``is_reference_settled`` for many (member, reference) pairs, in one query.

    Keys are ``(member_id, reference)`` for every pair that has rows; missing pairs are settled.
    """
    refs = [r for r in set(references) if r]
    if not refs:
        return {}
    balance = (
        Operation.objects.filter(group=group, member=OuterRef("member_id"))
        .filter(COUNTED)
        .values("member_id")
        .annotate(s=Sum("amount"))
        .values("s")[:1]
    )
    qs = Operation.objects.filter(group=group, reference__in=refs)
    if members is not None:
        qs = qs.filter(member__in=[m.pk for m in members])
    rows = (
        qs.values("member_id", "reference")
        .annotate(
            ref_total=_sum(filter=COUNTED),
            balance=Coalesce(Subquery(balance, output_field=MONEY), Value(ZERO)),
        )
        .order_by()
    )
    return {
        (row["member_id"], row["reference"]): _money(row["ref_total"], group) >= 0
        or _money(row["balance"], group) >= 0
        for row in rows
    }


def onspot_awaiting_type(*, group: Group, references: Iterable[str]) -> QuerySet[Operation]:
    """Pending on-the-spot intentions without an actual type, which block validation."""
    return Operation.objects.filter(
        group=group,
        reference__in=list(references),
        payment_type=ONTHESPOT,
        state=Operation.State.PENDING,
    ).select_related("member__user")


def operations_of_group(*, group: Group) -> QuerySet[Operation]:
    """Every ledger row of the group, as stored (the whole-group archive copies them as they are)."""
    return Operation.objects.filter(group=group)


# Who knows which operations belong to a distribution: the payments app does not look behind a
# row's reference (a basket code), so an app that knows baskets registers
# ``provider(multidistrib) -> QuerySet`` of the references of that distribution's orders
# (``reports.apps``). Without a provider, the distribution filter keeps no row.
_distribution_references: list[Callable[[MultiDistrib], QuerySet]] = []


def register_distribution_references(
    provider: Callable[[MultiDistrib], QuerySet],
) -> Callable[[MultiDistrib], QuerySet]:
    if provider not in _distribution_references:
        _distribution_references.append(provider)
    return provider


def ledger_operations(
    *,
    group: Group,
    start: date,
    end: date,
    member: Member | None = None,
    kind: str | None = None,
    payment_type: str | None = None,
    distribution: MultiDistrib | None = None,
) -> QuerySet[Operation]:
    """The ledger's rows dated from ``start`` to ``end`` included, oldest first, filtered as the
    ledger page asks (the same reading for its file): one member, one type of operation, one
    payment type, the operations of one distribution's orders (their debts, payments, refunds
    and corrections, matched by the baskets' codes)."""
    rows = Operation.objects.filter(group=group, date__gte=start, date__lte=end)
    if member is not None:
        rows = rows.filter(member=member)
    if kind:
        rows = rows.filter(kind=kind)
    if payment_type:
        rows = rows.filter(payment_type=payment_type)
    if distribution is not None:
        match = Q(pk__in=[])
        for provider in _distribution_references:
            match |= Q(reference__in=provider(distribution))
        rows = rows.filter(match)
    return rows.select_related("member__user", "recorded_by", "reverses").order_by(
        "date", "created_at", "id"
    )


# --- corrections folded in, and what the distribution day reads ------------------------------


def corrected_amount() -> Round:
    """A row's amount with its corrections folded in, rounded to the cent in SQL.

    A correction is a new row pointing to the row it corrects (``reverses``), never to another
    correction, so a row and its ``corrections`` add up to what it stands for now. Annotate roots
    with it: ``qs.filter(reverses__isnull=True).annotate(effective=corrected_amount())``.
    """
    return Round(F("amount") + _sum("corrections__amount"), 2, output_field=MONEY)


def payments_for_references(*, group: Group, references: Iterable[str]) -> QuerySet[Operation]:
    """Payments and refunds carrying these references (basket codes), oldest first.

    Each is annotated with ``effective``, its amount with its corrections; the corrections are
    not listed on their own, and a payment corrected down to zero is left out.
    """
    return (
        Operation.objects.filter(
            group=group, reference__in=list(references), is_money=True, reverses__isnull=True
        )
        .annotate(effective=corrected_amount())
        .exclude(effective=ZERO)
        .order_by("pk")
    )


def onspot_untyped_list(*, group: Group, references: Iterable[str]) -> QuerySet[Operation]:
    """On-the-spot intentions still waiting for their actual type, which block validation.

    The intentions themselves, not their corrections, annotated with ``effective``; one corrected
    down to zero (nothing was delivered, nothing is paid) has nothing to type and is left out.
    """
    return (
        onspot_awaiting_type(group=group, references=references)
        .filter(reverses__isnull=True)
        .annotate(effective=corrected_amount())
        .exclude(effective=ZERO)
    )


def pending_onspot_payment(*, group: Group, member: Member, reference: str) -> Operation | None:
    """The member's newest pending payment on the spot for ``reference`` (typed or not)."""
    return (
        Operation.objects.filter(
            group=group,
            member=member,
            reference=reference,
            kind=Operation.Kind.PAYMENT,
            state=Operation.State.PENDING,
            payment_type__in=[ONTHESPOT, *ON_THE_SPOT_TYPES],
        )
        .order_by("-pk")
        .first()
    )


def operation_get_for_references(
    *, group: Group, operation_id: int, references: Iterable[str] | QuerySet
) -> Operation | None:
    """The row ``operation_id`` if it carries one of ``references`` and is not a correction.

    ``references`` may be a ``values("code")`` queryset: it is then read as a subquery.
    """
    return Operation.objects.filter(
        group=group, pk=operation_id, reference__in=references, reverses__isnull=True
    ).first()


def money_totals_by_type(*, group: Group, start: date, end: date) -> list[tuple[str, Decimal, int]]:
    """Money received (payments minus refunds, confirmed) per payment type over a period, in one
    query: ``(type code, amount, rows)``, largest first. Pending payments are not counted."""
    rows = (
        Operation.objects.filter(group=group, is_money=True, date__gte=start, date__lte=end)
        .filter(COUNTED)
        .values("payment_type")
        .annotate(amount=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY), rows=Count("pk"))
        .order_by("payment_type")
    )
    result = [(r["payment_type"], _money(r["amount"], group), r["rows"]) for r in rows]
    return sorted(result, key=lambda r: (-r[1], r[0]))

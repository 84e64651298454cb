"""Validating a general distribution (spec §6, payments spec §2.8, decision 5).

Before validating, the team records what happened at the distribution:

* ``weights_set``: the weighed quantity of variable-weight lines. The basket's debt in the
  ledger follows (``payments.order_debt_record``), and so does an on-the-spot payment intention
  (the member pays the weighed amount on the spot); a transfer already sent does not change.
* ``absence_set``: a member who did not come. Their order is still owed, but the validation does
  not take their payments as received (they did not come to pay) and does not ask for the type
  of their on-the-spot payment. Their rows stay pending for the team to settle later.
* ``onspot_type_set``: the actual type (cash, cheque, card) of an on-the-spot payment.

``distribution_validate`` is refused before the distribution starts and while a present
member's on-the-spot payment has no actual type. In one transaction it confirms the order debts
and the pending payments of the present members' baskets (``payments_confirm_for_references``)
and sets ``MultiDistrib.validated_at``, which locks the orders: weights, absences and the
postponement refuse a validated distribution. It reports progress through the cache so the page
that started it can show a progress bar while the transaction runs.

``distribution_unvalidate`` (group admins, audited) restores exactly what the validation changed:
the ledger rows of its confirmation batches go back to pending, ``validated_at`` is cleared.
Weights and absences were entered before and stay. Baskets validated on their own
(``day.member_tools.basket_validate``) are skipped by the validation and put back to pending by
its reversal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from day.models import BasketAbsence, BasketValidation, DistributionValidation
from distributions.models import MultiDistrib
from groups.models import Group
from kernel.audit import log_action
from kernel.numbers import NumberError, parse_decimal
from orders.models import Basket, OrderLine, unit_size
from orders.selectors import uses_moneypot
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import Operation
from payments.services import card_refunds

# Baskets confirmed per call to the ledger: the progress bar moves once per chunk.
CHUNK = 100
QTY_PLACES = Decimal("0.001")


class DayError(ValidationError):
    """An expected refusal, with a translated message to show as is."""


# --- helpers --------------------------------------------------------------------------------


def _lock_md(group: Group, md: MultiDistrib) -> MultiDistrib:
    locked = MultiDistrib.objects.select_for_update().filter(group=group, pk=md.pk).first()
    if locked is None:
        raise DayError(_("This distribution is not one of this group's."))
    return locked


def _refuse_if_validated(md: MultiDistrib) -> None:
    if md.cancelled_at is not None:
        raise DayError(_("This distribution is cancelled: its orders can no longer change."))
    if md.validated_at is not None:
        raise DayError(_("This distribution is validated: its orders can no longer change."))


def basket_label(md: MultiDistrib) -> str:
    local = timezone.localtime(md.start_at, md.tz)
    return _("Order for %(date)s") % {"date": local.strftime("%d/%m/%Y")}


def basket_debt_sync(*, basket: Basket, acting_user: Any) -> Decimal:
    """Bring the basket's debt (and an on-the-spot intention) to its current total."""
    group = basket.group
    # Only a confirmed basket owes anything: one cancelled (e.g. emptied by a postponement)
    # owes neither its lines nor its delivery fee.
    total = (
        basket.total(list(basket.lines.all()))
        if basket.state == Basket.State.CONFIRMED
        else Decimal("0.00")
    )
    if not group.payments_enabled:
        return total  # the group keeps no accounts: nothing to write
    debt = {
        "group": group,
        "member": basket.member,
        "reference": basket.code,
        "amount": total,
        "label": basket_label(basket.multidistrib),
        "acting_user": acting_user,
    }
    if uses_moneypot(group):
        # Paid from the prepaid balance, as at checkout (its floor is checked there too).
        payments.moneypot_debit(**debt)
        return total
    payments.order_debt_record(**debt)
    pending_onspot = payment_selectors.pending_onspot_payment(
        group=group, member=basket.member, reference=basket.code
    )
    if (
        pending_onspot is not None
        and payment_selectors.payments_for_references(group=group, references=[basket.code])
        .filter(pk=pending_onspot.pk)
        .exists()
    ):
        # (An on-the-spot payment the team deleted, corrected down to zero, stays deleted.)
        # A type the group no longer accepts is refused: the debt is right, the difference
        # shows as due on the sheet and the team records it by hand.
        with contextlib.suppress(payments.PaymentError):
            payments.payment_intention_record(
                group=group,
                member=basket.member,
                reference=basket.code,
                payment_type=pending_onspot.payment_type,
                amount=total,
                acting_user=acting_user,
            )
    return total


def card_refunds_after_commit(
    *, group: Group, baskets: Iterable[Basket], reason: str, acting_user: Any
) -> None:
    """Once committed, each of these orders paid by card gets back by card what it now paid too
    much (``card_refunds.order_refund_on_commit``: once per order, nothing without a card
    payment). Used by the weights, the validation and the tools of ``day.tools``."""
    for basket in baskets:
        card_refunds.order_refund_on_commit(
            group=group,
            member=basket.member,
            reference=basket.code,
            reason=reason,
            acting_user=acting_user,
        )


def line_weight(line: OrderLine) -> Decimal | None:
    """The weight recorded on a line, in the product's unit (None before weighing)."""
    if line.actual_weight is not None:
        return line.actual_weight
    if line.actual_quantity is not None:
        return line.actual_quantity * unit_size(line.product.unit_quantity)
    return None


# A weighed quantity beyond this is a typing mistake (decimal point forgotten), not a weight.
MAX_WEIGHT = Decimal("99999.999")
WEIGHT_FACTOR_LIMIT = 10


def parse_weight(value: Any) -> Decimal | None:
    """A typed weight (``1,25`` or ``1.25``), read by ``kernel.numbers.parse_decimal``."""
    try:
        return parse_decimal(value, places=3, maximum=MAX_WEIGHT)
    except NumberError as exc:
        raise DayError(str(exc)) from exc


# --- before validating ----------------------------------------------------------------------


@transaction.atomic
def weights_set(
    *,
    group: Group,
    md: MultiDistrib,
    weights: dict[int, Any],
    acting_user: Any,
    shown: dict[int, Any] | None = None,
) -> list[Basket]:
    """Record weights (``{line id: weight}``; empty = back to the ordered quantity).

    A weight is in the product's unit (kg for a product sold per 1.5 kg, g for one sold per
    250 g): the line then bills unit price x weight / quantity per unit (spec §6, issue 13).

    Only variable-weight lines of confirmed baskets of this distribution. Debts follow.
    Returns the baskets changed.

    ``shown``: the weights the page showed when it was loaded. Several volunteers weigh at once
    on their phones: a field left as it was shown changes nothing (so an older page does not
    erase a weight saved meanwhile), and a field changed on a line someone else weighed since
    is refused. Without it (no page), an empty field changes nothing.
    """
    md = _lock_md(group, md)
    _refuse_if_validated(md)
    parsed = {int(pk): parse_weight(value) for pk, value in weights.items()}
    before = {int(pk): parse_weight(value) for pk, value in (shown or {}).items()}
    lines = list(
        OrderLine.objects.select_for_update(of=("self",))
        .filter(
            group=group,
            pk__in=list(parsed),
            basket__multidistrib=md,
            basket__state=Basket.State.CONFIRMED,
        )
        .select_related("product", "basket__member__user")
        .order_by("pk")
    )
    if len(lines) != len(parsed):
        raise DayError(_("Some of these lines are not orders of this distribution."))
    changed: dict[int, list] = {}
    now = timezone.now()
    validated = set(
        BasketValidation.objects.filter(basket__in={line.basket_id for line in lines}).values_list(
            "basket_id", flat=True
        )
    )
    for line in lines:
        if not line.product.variable_weight:
            raise DayError(
                _("%(product)s is not sold by variable weight.") % {"product": line.product_name}
            )
        weight = parsed[line.pk]
        current = line_weight(line)
        if weight == current:
            continue
        if line.pk in before:
            if weight == before[line.pk]:
                continue  # not touched on this page
            if before[line.pk] != current:
                raise DayError(
                    _(
                        "%(product)s of %(member)s was weighed by someone else meanwhile: "
                        "check the weights on the page and save again."
                    )
                    % {"product": line.product_name, "member": line.basket.member.user.display_name}
                )
        elif weight is None:
            continue  # an empty field from a page that did not say what it showed
        size = unit_size(line.product.unit_quantity)
        ordered = line.quantity * size
        if weight is not None and ordered and weight > ordered * WEIGHT_FACTOR_LIMIT:
            # 1437 typed for 1.437 kg would bill a thousand times the price.
            raise DayError(
                _(
                    "%(product)s: %(weight)s is more than ten times the %(ordered)s ordered; "
                    "check the weight."
                )
                % {
                    "product": line.product_name,
                    "weight": formats.number_format(weight.normalize()),
                    "ordered": formats.number_format(ordered.normalize()),
                }
            )
        if line.basket_id in validated:
            raise DayError(
                _("The basket of %(member)s is validated: reverse its validation to weigh.")
                % {"member": line.basket.member.user.display_name}
            )
        changed.setdefault(line.basket_id, []).append(
            {"line": line.pk, "before": str(current), "after": str(weight)}
        )
        line.actual_weight = weight
        line.weight_unit_size = size if weight is not None else None
        line.actual_quantity = (
            None if weight is None else (weight / size).quantize(QTY_PLACES, ROUND_HALF_UP)
        )
        line.updated_at = now
        line.save(
            update_fields=["actual_quantity", "actual_weight", "weight_unit_size", "updated_at"]
        )
    baskets = list(
        Basket.objects.filter(pk__in=list(changed))
        .select_related("member__user", "multidistrib", "group")
        .prefetch_related("lines")
    )
    for basket in baskets:
        total = basket_debt_sync(basket=basket, acting_user=acting_user)
        Basket.objects.filter(pk=basket.pk).update(updated_at=now)
        log_action(
            action="orders.weights_set",
            acting_user=acting_user,
            group=group,
            obj=basket,
            lines=changed[basket.pk],
            total=str(total),
        )
    # A lighter weight makes an order paid by card cheaper: the difference goes back by card.
    card_refunds_after_commit(
        group=group,
        baskets=baskets,
        reason=card_refunds.platform_reason(gettext_noop("Lighter weight at the distribution")),
        acting_user=acting_user,
    )
    return baskets


@transaction.atomic
def absence_set(*, group: Group, basket: Basket, absent: bool, acting_user: Any) -> None:
    """Mark a member as absent from the distribution (or present again)."""
    md = _lock_md(group, basket.multidistrib)
    _refuse_if_validated(md)
    if basket.group_id != group.pk or basket.state != Basket.State.CONFIRMED:
        raise DayError(_("This order is not part of this distribution."))
    if absent:
        _absence, created = BasketAbsence.objects.get_or_create(
            basket=basket, defaults={"group": group, "marked_by": acting_user}
        )
    else:
        created = BasketAbsence.objects.filter(basket=basket).delete()[0] > 0
    if created:
        Basket.objects.filter(pk=basket.pk).update(updated_at=timezone.now())
        log_action(
            action="orders.absence_set" if absent else "orders.absence_cleared",
            acting_user=acting_user,
            group=group,
            obj=basket,
            member_id=basket.member_id,
        )


def onspot_type_set(
    *, group: Group, md: MultiDistrib, operation_id: int, payment_type: str, acting_user: Any
) -> Operation:
    """Give an on-the-spot payment of this distribution its actual type (spec §2.8)."""
    codes = Basket.objects.filter(group=group, multidistrib=md).values("code")
    # The payment itself, not one of its corrections: the type is given to both together.
    operation = payment_selectors.operation_get_for_references(
        group=group, operation_id=operation_id, references=codes
    )
    if operation is None:
        raise DayError(_("This payment is not part of this distribution."))
    if md.validated_at is not None:
        raise DayError(_("This distribution is validated: its orders can no longer change."))
    try:
        return payments.onspot_assign_type(
            group=group, operation=operation, payment_type=payment_type, acting_user=acting_user
        )
    except payments.PaymentError as exc:
        raise DayError(exc.messages) from exc


# --- validation -----------------------------------------------------------------------------


def _present_codes(group: Group, md: MultiDistrib) -> list[str]:
    """The baskets the validation confirms: present members', not validated on their own."""
    return list(
        Basket.objects.filter(
            group=group,
            multidistrib=md,
            state=Basket.State.CONFIRMED,
            absence__isnull=True,
            day_validation__isnull=True,
        )
        .order_by("pk")
        .values_list("code", flat=True)
    )


def validation_refusals(*, group: Group, md: MultiDistrib, now=None) -> list[str]:
    """Why the distribution cannot be validated now (empty when it can), decision 5."""
    now = now or timezone.now()
    reasons = []
    if md.validated_at is not None:
        reasons.append(_("This distribution is already validated."))
        return reasons
    if md.cancelled_at is not None:
        reasons.append(_("This distribution is cancelled: there is nothing to validate."))
        return reasons
    if md.start_at > now:
        reasons.append(_("The distribution has not started yet: it cannot be validated."))
    waiting = list(
        payment_selectors.onspot_untyped_list(group=group, references=_present_codes(group, md))
    )
    if waiting:
        names = ", ".join(sorted({op.member.user.display_name for op in waiting}))
        reasons.append(
            _("Choose how these on-the-spot payments were paid first: %(names)s.")
            % {"names": names}
        )
    return reasons


def progress_key(validation_id: int) -> str:
    return f"day:validation:{validation_id}:progress"


def validation_progress(validation: DistributionValidation) -> int:
    """The progress of a running validation: the cache while its transaction runs."""
    if validation.status != DistributionValidation.Status.RUNNING:
        return (
            100 if validation.status == DistributionValidation.Status.DONE else validation.progress
        )
    return int(cache.get(progress_key(validation.pk), validation.progress))


def validation_start(*, group: Group, md: MultiDistrib, acting_user: Any) -> DistributionValidation:
    """Check, then record a running validation (or return the one running)."""
    reasons = validation_refusals(group=group, md=md)
    if reasons:
        raise DayError(reasons)
    running = DistributionValidation.objects.filter(
        group=group, multidistrib=md, status=DistributionValidation.Status.RUNNING
    ).first()
    if running is not None:
        return running
    return DistributionValidation.objects.create(
        group=group, multidistrib=md, started_by=acting_user
    )


@transaction.atomic
def validation_request(
    *, group: Group, md: MultiDistrib, acting_user: Any
) -> DistributionValidation:
    """Start validating in a worker: ``validation_start``, then the task queued after commit."""
    row = validation_start(group=group, md=md, acting_user=acting_user)
    from day.tasks import distribution_validate  # day.tasks imports this module

    transaction.on_commit(lambda: distribution_validate.delay(row.pk))
    return row


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def distribution_validate(
    *,
    group: Group,
    md: MultiDistrib,
    acting_user: Any,
    validation: DistributionValidation | None = None,
    progress: Callable[[int], None] | None = None,
) -> DistributionValidation:
    """Validate the distribution: confirm debts and payments, lock the orders (spec §6).

    All or nothing: a refusal leaves everything as it was, the validation row says why.
    """
    if validation is None:
        validation = validation_start(group=group, md=md, acting_user=acting_user)
    try:
        with transaction.atomic():
            validation = _validate(group, md, acting_user, validation, progress)
    except ValidationError as exc:
        # Only a validation still running fails: a task delivered twice must not mark failed
        # the validation the first delivery finished.
        DistributionValidation.objects.filter(
            pk=validation.pk, status=DistributionValidation.Status.RUNNING
        ).update(
            status=DistributionValidation.Status.FAILED,
            error=" ".join(exc.messages)[:2000],
            finished_at=timezone.now(),
        )
        cache.delete(progress_key(validation.pk))
        validation.refresh_from_db()
        raise
    cache.delete(progress_key(validation.pk))
    return validation


def _validate(group, md, acting_user, validation, progress) -> DistributionValidation:
    md = _lock_md(group, md)
    # Read again under the lock: another delivery of the same task may have finished it.
    current = DistributionValidation.objects.select_for_update().get(pk=validation.pk)
    if current.status != DistributionValidation.Status.RUNNING:
        return current
    reasons = validation_refusals(group=group, md=md)
    if reasons:
        raise DayError(reasons)
    codes = _present_codes(group, md)
    batches: list[str] = []
    changed: list[int] = []
    done = 0
    report = progress or (lambda pct: cache.set(progress_key(validation.pk), pct, 3600))
    report(1)
    for chunk in _chunks(codes, CHUNK):
        result = payments.payments_confirm_for_references(
            group=group, references=chunk, acting_user=acting_user
        )
        if result.batch is not None:
            batches.append(str(result.batch))
        changed.extend(result.operation_ids)
        done += len(chunk)
        report(max(1, min(99, done * 100 // max(len(codes), 1))))
    # A member who paid by card more than their order comes to is refunded by card once the
    # validation is committed (nothing for the others, nothing twice).
    card_paid = set(
        payment_selectors.payments_for_references(group=group, references=codes)
        .filter(remote_id__isnull=False)
        .values_list("reference", flat=True)
    )
    card_refunds_after_commit(
        group=group,
        baskets=Basket.objects.filter(group=group, multidistrib=md, code__in=card_paid)
        .select_related("member")
        .order_by("pk"),
        reason=card_refunds.platform_reason(gettext_noop("Overpaid, refunded at validation")),
        acting_user=acting_user,
    )
    now = timezone.now()
    md.validated_at = now
    md.save(update_fields=["validated_at"])
    validation.status = DistributionValidation.Status.DONE
    validation.progress = 100
    validation.batches = batches
    validation.operation_ids = changed
    validation.baskets = len(codes)
    validation.finished_at = now
    validation.error = ""
    validation.save()
    log_action(
        action="orders.distribution_validated",
        acting_user=acting_user,
        group=group,
        obj=md,
        baskets=len(codes),
        batches=batches,
        operations=len(changed),
    )
    report(100)
    return validation


@transaction.atomic
def distribution_unvalidate(
    *, group: Group, md: MultiDistrib, acting_user: Any, reason: str = ""
) -> DistributionValidation:
    """Reverse the validation (group admins; the view checks the right), audited.

    Puts back to pending exactly the ledger rows the validation confirmed, clears
    ``validated_at``; nothing else changes.
    """
    md = _lock_md(group, md)
    if md.validated_at is None:
        raise DayError(_("This distribution is not validated."))
    validation = (
        DistributionValidation.objects.select_for_update()
        .filter(group=group, multidistrib=md, status=DistributionValidation.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if validation is None:
        raise DayError(_("No finished validation of this distribution to reverse."))
    restored: list[int] = []
    for batch in validation.batches:
        try:
            restored += payments.payments_confirm_reverse(
                group=group,
                batch=batch,
                acting_user=acting_user,
                reason=reason or _("Distribution validation reversed"),
            )
        except payments.PaymentError as exc:
            raise DayError(exc.messages) from exc
    # Baskets validated on their own before are validated no more (spec §6 item 8: every
    # validated basket goes back to pending).
    from day.member_tools import basket_validation_reverse

    for row in BasketValidation.objects.select_for_update().filter(
        group=group, basket__multidistrib=md
    ):
        restored += basket_validation_reverse(group=group, row=row, acting_user=acting_user)
    validation.status = DistributionValidation.Status.REVERSED
    validation.reversed_by = acting_user if getattr(acting_user, "pk", None) else None
    validation.reversed_at = timezone.now()
    validation.reversal_reason = (reason or "")[:255]
    validation.save(update_fields=["status", "reversed_by", "reversed_at", "reversal_reason"])
    md.validated_at = None
    md.save(update_fields=["validated_at"])
    log_action(
        action="orders.distribution_unvalidated",
        acting_user=acting_user,
        group=group,
        obj=md,
        operations=restored,
        reason=reason,
    )
    return validation

"""Planning writes: general distributions, cycles, catalogs taking part, order windows."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogs.models import Catalog
from distributions import hooks
from distributions.cycles import MAX_DATES, CycleTimes, PlannedDate, aware, cycle_dates, plan
from distributions.models import (
    Distribution,
    DistributionCycle,
    Duty,
    DutyNeed,
    MultiDistrib,
    VolunteerRole,
)
from distributions.services.timeslots import regenerate_slots
from groups.models import Group, Place
from kernel.audit import log_action
from kernel.mail import send_email_to_user
from members.models import User


class ConfirmationRequired(Exception):  # noqa: N818 (a request for confirmation, not an error)
    """Removing these catalogs cancels orders: the caller must ask, then pass ``confirmed``."""

    def __init__(self, distributions: list[Distribution], counts: dict[int, int]) -> None:
        super().__init__("confirmation required")
        self.distributions = distributions
        self.counts = counts


def short_date(day: date | datetime) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def refresh_active_until(group: Group) -> None:
    """groups.Group.active_until: the day of the group's last planned distribution (map, decision 10)."""
    last = MultiDistrib.objects.filter(group=group).aggregate(last=Max("date"))["last"]
    if group.active_until != last:
        Group.objects.filter(pk=group.pk).update(active_until=last)
        group.active_until = last


def _lock(md: MultiDistrib) -> MultiDistrib:
    return MultiDistrib.objects.select_for_update().select_related("group", "place").get(pk=md.pk)


def _refuse_if_validated(md: MultiDistrib) -> None:
    if md.validated_at is not None:
        raise ValidationError(_("This distribution is validated: it can no longer be changed."))


def _refuse_if_closed(md: MultiDistrib) -> None:
    """Planning changes: refused once validated, or once cancelled (it may still be deleted)."""
    _refuse_if_validated(md)
    if md.cancelled_at is not None:
        raise ValidationError(_("This distribution is cancelled: it can no longer be changed."))


def _check_place_free(*, place: Place, day: date, exclude_pk: int | None = None) -> None:
    clash = MultiDistrib.objects.filter(place=place, date=day)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"date": _("There is already a distribution at this place that day.")}
        )


def _save_md(md: MultiDistrib) -> None:
    md.full_clean()
    try:
        with transaction.atomic():
            md.save()
    except IntegrityError as exc:
        # A concurrent request took the place that day between the check and the insert.
        raise ValidationError(
            {"date": _("There is already a distribution at this place that day.")}
        ) from exc


def _catalog_window(md: MultiDistrib, catalog: Catalog) -> tuple[datetime, datetime]:
    """Market mode: the distribution's window. CSA mode: the catalog's delays (spec §2)."""
    opens, closes = md.orders_open_at, md.orders_close_at
    if not md.group.shop_mode:
        if catalog.order_open_days_before:
            opens = md.start_at - timedelta(days=catalog.order_open_days_before)
        if catalog.order_close_hours_before:
            closes = md.start_at - timedelta(hours=catalog.order_close_hours_before)
        opens = min(opens, closes)
    return opens, closes


def _add_catalog_roles(md: MultiDistrib, catalog: Catalog) -> None:
    for role in VolunteerRole.objects.filter(group=md.group, catalog=catalog):
        DutyNeed.objects.get_or_create(
            multidistrib=md, role=role, defaults={"group": md.group, "people": 1}
        )


def _participate(md: MultiDistrib, catalog: Catalog) -> Distribution:
    """A catalog joins a distribution (spec §4.3 participate)."""
    if catalog.group_id != md.group_id:
        raise ValidationError(_("Choose a catalog of this group."))
    if Distribution.objects.filter(multidistrib=md, catalog=catalog).exists():
        raise ValidationError(
            _("%(catalog)s already takes part in this distribution.") % {"catalog": catalog.name}
        )
    refusal = hooks.open_orders_refusal(catalog)
    if refusal:
        raise ValidationError(refusal)
    opens, closes = _catalog_window(md, catalog)
    distribution = Distribution(
        group=md.group,
        multidistrib=md,
        catalog=catalog,
        orders_open_at=opens,
        orders_close_at=closes,
    )
    distribution.full_clean()
    distribution.save()
    _add_catalog_roles(md, catalog)
    return distribution


@transaction.atomic
def md_create(
    *,
    group: Group,
    place: Place,
    day: date,
    start_time: time,
    end_time: time,
    orders_open_at: datetime,
    orders_close_at: datetime,
    catalogs: list[Catalog] | tuple = (),
    cycle: DistributionCycle | None = None,
    acting_user: Any,
) -> MultiDistrib:
    """Create a general distribution, with the group's general duty roles (spec §4.1).

    Catalogs given are attached; one outside its dates makes the whole creation fail.
    """
    tz = group.tzinfo
    if place.group_id != group.pk:
        raise ValidationError({"place": _("Choose a place of this group.")})
    _check_place_free(place=place, day=day)
    md = MultiDistrib(
        group=group,
        place=place,
        cycle=cycle,
        date=day,
        start_at=aware(day, start_time, tz),
        end_at=aware(day, end_time, tz),
        orders_open_at=orders_open_at,
        orders_close_at=orders_close_at,
    )
    _save_md(md)
    DutyNeed.objects.bulk_create(
        DutyNeed(group=group, multidistrib=md, role=role, people=1)
        for role in VolunteerRole.objects.filter(group=group, catalog__isnull=True)
    )
    for catalog in catalogs:
        _participate(md, catalog)
    refresh_active_until(group)
    log_action(
        action="distribution.created",
        acting_user=acting_user,
        group=group,
        obj=md,
        date=day.isoformat(),
        place=place.name,
        catalogs=[c.pk for c in catalogs],
    )
    return md


def _shift(value: datetime | None, days: int, tz) -> datetime | None:
    """The same wall-clock time ``days`` later, in the group's time zone."""
    if value is None:
        return None
    local = timezone.localtime(value, tz)
    return aware(local.date() + timedelta(days=days), local.time().replace(tzinfo=None), tz)


@transaction.atomic
def md_update(
    *,
    md: MultiDistrib,
    place: Place,
    day: date,
    start_time: time,
    end_time: time,
    orders_open_at: datetime,
    orders_close_at: datetime,
    realign_catalogs: bool = False,
    acting_user: Any,
) -> MultiDistrib:
    """Change the date, hours, place or default window (spec §3.1, §4.4).

    Each catalog's window follows the default one where it was equal to it (or everywhere with
    ``realign_catalogs``); a customised window is kept. Time slots follow the new hours while no
    member has chosen one yet.
    """
    md = _lock(md)
    _refuse_if_closed(md)
    group, tz = md.group, md.group.tzinfo
    if place.group_id != group.pk:
        raise ValidationError({"place": _("Choose a place of this group.")})
    _check_place_free(place=place, day=day, exclude_pk=md.pk)
    old_open, old_close, old_date = md.orders_open_at, md.orders_close_at, md.date
    old_start, old_end, old_place = md.start_at, md.end_at, md.place
    md.place = place
    md.date = day
    md.start_at = aware(day, start_time, tz)
    md.end_at = aware(day, end_time, tz)
    md.orders_open_at = orders_open_at
    md.orders_close_at = orders_close_at
    moved_days = (day - old_date).days
    if moved_days and md.delivery_enabled:
        md.delivery_starts_at = _shift(md.delivery_starts_at, moved_days, tz)
        md.delivery_ends_at = _shift(md.delivery_ends_at, moved_days, tz)
    hours_changed = (md.start_at, md.end_at) != (old_start, old_end)
    if hours_changed and md.slots_enabled and md.slot_requests.exists():
        raise ValidationError(
            _(
                "Members have already chosen their time slots: turn the time slots off before changing the hours."
            )
        )
    if moved_days:
        # The automatic e-mails are due again for the new date.
        md.vacant_roles_mailed_at = None
    _save_md(md)

    for distribution in md.distributions.select_related("catalog", "catalog__vendor"):
        if realign_catalogs or distribution.orders_open_at == old_open:
            distribution.orders_open_at = md.orders_open_at
        if realign_catalogs or distribution.orders_close_at == old_close:
            distribution.orders_close_at = md.orders_close_at
        distribution.multidistrib = md
        try:
            distribution.full_clean()
        except ValidationError as exc:
            raise ValidationError(
                _("%(catalog)s: %(problem)s")
                % {"catalog": distribution.catalog.name, "problem": " ".join(exc.messages)}
            ) from exc
        distribution.save(update_fields=["orders_open_at", "orders_close_at"])
    if moved_days:
        Duty.objects.filter(need__multidistrib=md).update(reminded_at=None)
    if hours_changed and md.slots_enabled:
        regenerate_slots(md=md, old_start=old_start)
    refresh_active_until(group)
    if hours_changed or place.pk != old_place.pk:
        _tell_customers_of_change(md, old_start=old_start, old_place=old_place)
    log_action(
        action="distribution.changed",
        acting_user=acting_user,
        group=group,
        obj=md,
        date=day.isoformat(),
        place=place.name,
        realign_catalogs=realign_catalogs,
    )
    return md


def _tell_customers_of_change(md: MultiDistrib, *, old_start: datetime, old_place: Place) -> None:
    """Members who ordered are e-mailed the new date, hours or place (issue 13, item 9)."""
    user_ids = hooks.customers(md) or set()
    if not user_ids:
        return
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        send_email_to_user(
            name="distribution_changed",
            user=user,
            group=md.group,
            context={"md": md, "old_start": old_start, "old_place": old_place},
            flag="notify_order_changes",
        )


def _orders_problem(distributions: list[Distribution]) -> str | None:
    counts = hooks.order_counts(d.pk for d in distributions)
    busy = [d for d in distributions if counts.get(d.pk)]
    if not busy:
        return None
    return _("Orders are recorded for %(catalogs)s: remove these catalogs first.") % {
        "catalogs": ", ".join(d.catalog.name for d in busy)
    }


@transaction.atomic
def md_delete(*, md: MultiDistrib, acting_user: Any) -> None:
    """Delete a distribution that has no orders (spec §4.6)."""
    md = _lock(md)
    _refuse_if_validated(md)
    distributions = list(md.distributions.select_related("catalog"))
    problem = _orders_problem(distributions) or hooks.deletion_refusal(md)
    if problem:
        raise ValidationError(problem)
    group = md.group
    log_action(
        action="distribution.deleted",
        acting_user=acting_user,
        group=group,
        obj=md,
        date=md.date.isoformat(),
        place=md.place.name,
    )
    md.delete()
    refresh_active_until(group)


def _remove_catalog(distribution: Distribution, acting_user: Any) -> None:
    md = distribution.multidistrib
    if hooks.order_counts([distribution.pk]).get(distribution.pk):
        hooks.cancel_orders(distribution, acting_user)
    DutyNeed.objects.filter(multidistrib=md, role__catalog=distribution.catalog_id).delete()
    log_action(
        action="distribution.catalog_removed",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        catalog=distribution.catalog.name,
    )
    distribution.delete()


@transaction.atomic
def md_set_catalogs(
    *,
    md: MultiDistrib,
    catalogs: list[Catalog],
    confirmed: bool = False,
    acting_user: Any,
) -> tuple[list[Distribution], list[Catalog]]:
    """Make ``catalogs`` exactly the catalogs taking part (spec §4.3 inviteFarmers).

    Removing a catalog that has orders raises ConfirmationRequired unless ``confirmed``; the
    orders app then cancels those orders (and tells the members) through its hook.
    Returns the distributions added and the catalogs removed.
    """
    md = _lock(md)
    _refuse_if_closed(md)
    wanted = {c.pk: c for c in catalogs}
    current = {d.catalog_id: d for d in md.distributions.select_related("catalog")}
    leaving = [d for pk, d in current.items() if pk not in wanted]
    if leaving:
        counts = hooks.order_counts(d.pk for d in leaving)
        with_orders = [d for d in leaving if counts.get(d.pk)]
        if with_orders and not hooks.can_cancel_orders():
            raise ValidationError(_orders_problem(with_orders))
        if with_orders and not confirmed:
            raise ConfirmationRequired(with_orders, counts)
    removed = []
    for distribution in leaving:
        removed.append(distribution.catalog)
        _remove_catalog(distribution, acting_user)
    added = []
    for pk, catalog in wanted.items():
        if pk in current:
            continue
        try:
            added.append(_participate(md, catalog))
        except ValidationError as exc:
            raise ValidationError(
                _("%(catalog)s: %(problem)s")
                % {"catalog": catalog.name, "problem": " ".join(exc.messages)}
            ) from exc
        log_action(
            action="distribution.catalog_added",
            acting_user=acting_user,
            group=md.group,
            obj=md,
            catalog=catalog.name,
        )
    return added, removed


@transaction.atomic
def distribution_update_window(
    *,
    distribution: Distribution,
    orders_open_at: datetime,
    orders_close_at: datetime,
    acting_user: Any,
) -> Distribution:
    """Customise one catalog's order window (spec §3.1 "Personnaliser les dates")."""
    md = _lock(distribution.multidistrib)
    _refuse_if_closed(md)
    distribution = Distribution.objects.select_for_update().get(pk=distribution.pk)
    distribution.multidistrib = md
    distribution.orders_open_at = orders_open_at
    distribution.orders_close_at = orders_close_at
    distribution.full_clean()
    distribution.save(update_fields=["orders_open_at", "orders_close_at"])
    log_action(
        action="distribution.window_changed",
        acting_user=acting_user,
        group=md.group,
        obj=distribution,
        opens=orders_open_at.isoformat(),
        closes=orders_close_at.isoformat(),
    )
    return distribution


@dataclass
class OpenResult:
    opened: list[Distribution] = field(default_factory=list)
    refused: list[tuple[Catalog, str]] = field(default_factory=list)


@transaction.atomic
def md_open_orders(
    *,
    md: MultiDistrib,
    catalogs: list[Catalog],
    closes_at: datetime | None = None,
    acting_user: Any,
    now: datetime | None = None,
) -> OpenResult:
    """Open orders now for these catalogs, attaching those not yet taking part.

    Orders open at once (an opening date in the future is brought forward); ``closes_at``, when
    given, becomes their closing date. A catalog that cannot open (dates, producer's legal data:
    decision 13, a closing date already past) is reported in ``refused``; the others open.
    """
    now = now or timezone.now()
    md = _lock(md)
    _refuse_if_closed(md)
    if now >= md.start_at:
        raise ValidationError(_("This distribution has started: orders can no longer open."))
    if closes_at is not None:
        if closes_at <= now:
            raise ValidationError({"closes_at": _("The closing date must be in the future.")})
        if closes_at > md.start_at:
            raise ValidationError(
                {"closes_at": _("Orders must close before the distribution starts.")}
            )
    current = {
        d.catalog_id: d for d in md.distributions.select_related("catalog", "catalog__vendor")
    }
    result = OpenResult()
    for catalog in catalogs:
        refusal = hooks.open_orders_refusal(catalog)
        if refusal:
            result.refused.append((catalog, refusal))
            continue
        distribution = current.get(catalog.pk)
        if distribution is None:
            try:
                with transaction.atomic():
                    distribution = _participate(md, catalog)
            except ValidationError as exc:
                result.refused.append((catalog, " ".join(exc.messages)))
                continue
        closing = closes_at or distribution.orders_close_at
        if closing <= now:
            result.refused.append(
                (catalog, _("Its orders have closed: give a new closing date to reopen them."))
            )
            continue
        distribution.orders_open_at = min(distribution.orders_open_at, now)
        distribution.orders_close_at = closing
        distribution.multidistrib = md
        distribution.full_clean()
        distribution.save(update_fields=["orders_open_at", "orders_close_at"])
        result.opened.append(distribution)
    if result.opened:
        md.orders_open_at = min(md.orders_open_at, now)
        if closes_at is not None:
            md.orders_close_at = max(md.orders_close_at, closes_at)
        md.full_clean()
        md.save(update_fields=["orders_open_at", "orders_close_at"])
        log_action(
            action="distribution.orders_opened",
            acting_user=acting_user,
            group=md.group,
            obj=md,
            catalogs=[d.catalog.name for d in result.opened],
        )
    return result


# Cycles ------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    planned: PlannedDate
    conflict: bool
    catalogs: list[Catalog]
    skipped: list[Catalog]
    errors: list[str]
    refused: list[tuple[Catalog, str]] = field(default_factory=list)


def cycle_preview(
    *,
    group: Group,
    place: Place,
    cycle_type: str,
    start_date: date,
    end_date: date,
    times: CycleTimes,
    catalogs: list[Catalog] | tuple = (),
) -> list[PreviewRow]:
    """The distributions a cycle would create, with what would go wrong for each."""
    if end_date < start_date:
        raise ValidationError({"end_date": _("The end must be after the start.")})
    days = cycle_dates(cycle_type, start_date, end_date)
    if len(days) > MAX_DATES:
        raise ValidationError(
            {
                "end_date": ngettext(
                    "A cycle creates at most %(max)d distribution: choose an earlier end date.",
                    "A cycle creates at most %(max)d distributions: choose an earlier end date.",
                    MAX_DATES,
                )
                % {"max": MAX_DATES}
            }
        )
    taken = set(
        MultiDistrib.objects.filter(place=place, date__in=days).values_list("date", flat=True)
    )
    tz = group.tzinfo
    # A producer who may not open orders (decision 13) is left out of the whole cycle.
    refused = [(c, r) for c in catalogs if (r := hooks.open_orders_refusal(c))]
    catalogs = [c for c in catalogs if c not in {x for x, _r in refused}]
    rows = []
    for day in days:
        planned = plan(day, times, tz)
        errors = []
        if planned.end_at <= planned.start_at:
            errors.append(_("The distribution must end after it starts."))
        if planned.orders_close_at > planned.start_at:
            errors.append(_("Orders must close before the distribution starts."))
        if planned.orders_open_at > planned.orders_close_at:
            errors.append(_("Orders must open before they close."))
        rows.append(
            PreviewRow(
                planned=planned,
                conflict=day in taken,
                catalogs=[c for c in catalogs if c.is_active_on(day)],
                skipped=[c for c in catalogs if not c.is_active_on(day)],
                errors=errors,
                refused=refused,
            )
        )
    return rows


@transaction.atomic
def cycle_create(
    *,
    group: Group,
    place: Place,
    cycle_type: str,
    start_date: date,
    end_date: date,
    times: CycleTimes,
    catalogs: list[Catalog] | tuple = (),
    acting_user: Any,
) -> DistributionCycle:
    """Create a cycle and all its distributions at once (spec §4.2), or nothing.

    A day already taken at this place makes the whole creation fail, as do wrong hours. Each
    catalog joins the dates within its own start and end.
    """
    if place.group_id != group.pk:
        raise ValidationError({"place": _("Choose a place of this group.")})
    rows = cycle_preview(
        group=group,
        place=place,
        cycle_type=cycle_type,
        start_date=start_date,
        end_date=end_date,
        times=times,
        catalogs=catalogs,
    )
    if not rows:
        raise ValidationError(_("This period holds no distribution day."))
    taken = [short_date(row.planned.day) for row in rows if row.conflict]
    if taken:
        raise ValidationError(
            _("There is already a distribution at this place on: %(dates)s.")
            % {"dates": ", ".join(taken)}
        )
    errors = sorted({e for row in rows for e in row.errors})
    if errors:
        raise ValidationError(errors)
    cycle = DistributionCycle(
        group=group,
        place=place,
        cycle_type=cycle_type,
        start_date=start_date,
        end_date=end_date,
        start_time=times.start_time,
        end_time=times.end_time,
        order_open_days_before=times.open_days_before,
        order_open_time=times.open_time,
        order_close_days_before=times.close_days_before,
        order_close_time=times.close_time,
    )
    cycle.full_clean()
    cycle.save()
    for row in rows:
        md_create(
            group=group,
            place=place,
            day=row.planned.day,
            start_time=times.start_time,
            end_time=times.end_time,
            orders_open_at=row.planned.orders_open_at,
            orders_close_at=row.planned.orders_close_at,
            catalogs=row.catalogs,
            cycle=cycle,
            acting_user=acting_user,
        )
    log_action(
        action="distribution_cycle.created",
        acting_user=acting_user,
        group=group,
        obj=cycle,
        cycle_type=cycle_type,
        dates=len(rows),
    )
    return cycle


@transaction.atomic
def cycle_set_catalog(
    *,
    cycle: DistributionCycle,
    catalog: Catalog,
    attach: bool,
    acting_user: Any,
    now: datetime | None = None,
) -> tuple[int, list[str]]:
    """Attach a catalog to (or detach it from) every date of the cycle still to come, with the
    rules of one date (issue 13, item 10): a validated date is left out; attaching follows
    ``_participate`` (producer's consent, catalog dates…); detaching a date where the catalog
    has orders is refused for that date (remove it there, confirming the cancellation).
    Returns how many dates changed and, for each date left as it was, why.
    """
    now = now or timezone.now()
    if catalog.group_id != cycle.group_id:
        raise ValidationError(_("Choose a catalog of this group."))
    changed, problems = 0, []
    for md in (
        cycle.multidistribs.filter(start_at__gt=now)
        .select_related("group", "place")
        .order_by("start_at")
    ):
        when = short_date(md.date)
        try:
            with transaction.atomic():
                md = _lock(md)
                _refuse_if_closed(md)
                current = Distribution.objects.filter(multidistrib=md, catalog=catalog).first()
                if attach and current is None:
                    _participate(md, catalog)
                    changed += 1
                elif not attach and current is not None:
                    problem = _orders_problem([current])
                    if problem:
                        raise ValidationError(problem)
                    current.multidistrib = md
                    _remove_catalog(current, acting_user)
                    changed += 1
        except ValidationError as exc:
            problems.append(
                _("%(date)s: %(problem)s") % {"date": when, "problem": " ".join(exc.messages)}
            )
    log_action(
        action="distribution_cycle.catalog_attached"
        if attach
        else "distribution_cycle.catalog_detached",
        acting_user=acting_user,
        group=cycle.group,
        obj=cycle,
        catalog=catalog.name,
        dates=changed,
        refused=len(problems),
    )
    return changed, problems


@transaction.atomic
def cycle_delete(
    *, cycle: DistributionCycle, acting_user: Any, now: datetime | None = None
) -> list[str]:
    """Delete a cycle with its distributions still to come (spec §4.2 delete cycle).

    Past distributions are history and stay (detached from the cycle). A distribution that
    cannot be deleted (orders, validated) stays too; the reasons are returned.
    """
    now = now or timezone.now()
    problems = []
    for md in cycle.multidistribs.filter(start_at__gt=now).select_related("place"):
        try:
            with transaction.atomic():
                md_delete(md=md, acting_user=acting_user)
        except ValidationError as exc:
            problems.append(
                _("%(date)s: %(problem)s")
                % {"date": short_date(md.date), "problem": " ".join(exc.messages)}
            )
    group = cycle.group
    log_action(
        action="distribution_cycle.deleted",
        acting_user=acting_user,
        group=group,
        obj=cycle,
        kept=len(problems),
    )
    cycle.delete()
    refresh_active_until(group)
    return problems

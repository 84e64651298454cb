"""Distribution screens: planning (admins), duties, time slots, delivery, calendars."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalogs.models import Catalog
from distributions import feeds, forms, hooks, selectors, services
from distributions.models import (
    DeliveryRequest,
    Distribution,
    DistributionCycle,
    Duty,
    DutyNeed,
    MultiDistrib,
    State,
    VolunteerRole,
)
from groups.tenancy import (
    get_for_group,
    group_member_required,
    group_permission_required,
    group_public,
)
from kernel.numbers import parse_id

MANAGE = "can_manage_catalogs"  # the distribution section needs "all catalogs" (spec §1.13)


def _posted(request: HttpRequest):
    """The POST data, even empty (a form of checkboxes may post nothing), or None on GET."""
    return request.POST if request.method == "POST" else None


def _md(request: HttpRequest, md_id: int) -> MultiDistrib:
    return selectors.md_get(group=request.group, md_id=md_id, counts=True)


def _to_detail(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    return redirect("distributions:manage_detail", group_slug=request.group.slug, md_id=md.pk)


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# Planning ---------------------------------------------------------------------------------


@group_permission_required(MANAGE)
@require_GET
def manage_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    page = Paginator(selectors.md_list(group=request.group, when=when), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "distributions/manage_list.html",
        {
            "group": request.group,
            "page": page,
            "when": when,
            "cycles": selectors.cycle_list(group=request.group) if when == "upcoming" else [],
            "now": timezone.now(),
        },
    )


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def md_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    form = forms.MultiDistribForm(_posted(request), group=group)
    if request.method == "POST" and form.is_valid():
        try:
            md = services.md_create(group=group, acting_user=request.user, **form.service_kwargs())
        except ValidationError as exc:
            forms.add_service_errors(form, exc, form.ERRORS)
        else:
            messages.success(request, _("Distribution created. Now add the catalogs taking part."))
            return redirect("distributions:manage_catalogs", group_slug=group.slug, md_id=md.pk)
    return render(request, "distributions/md_form.html", {"group": group, "form": form, "md": None})


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def md_edit(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    group, md = request.group, _md(request, md_id)
    form = forms.MultiDistribEditForm(_posted(request), group=group, md=md)
    if request.method == "POST" and form.is_valid():
        try:
            services.md_update(
                md=md,
                realign_catalogs=form.cleaned_data["realign_catalogs"],
                acting_user=request.user,
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc, form.ERRORS)
        else:
            messages.success(request, _("Distribution saved."))
            return _to_detail(request, md)
    return render(request, "distributions/md_form.html", {"group": group, "form": form, "md": md})


@group_permission_required(MANAGE)
@require_GET
def md_detail(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = selectors.md_with_needs(group=request.group, md_id=md_id)
    counted = selectors.md_get(group=request.group, md_id=md_id, counts=True)
    now = timezone.now()
    distributions = list(md.distributions.all())
    open_now = [d for d in distributions if d.state(now) == State.OPEN]
    return render(
        request,
        "distributions/md_detail.html",
        {
            "group": request.group,
            "md": md,
            "counts": counted,
            "now": now,
            "states": State,
            # Orders open: say until when; "Open orders" only while a catalog is left to open.
            "open_until": max((d.orders_close_at for d in open_now), default=None),
            "can_open_orders": not md.is_validated
            and now < md.start_at
            and (not distributions or len(open_now) < len(distributions)),
        },
    )


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def md_delete(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    if request.method == "POST":
        try:
            services.md_delete(md=md, acting_user=request.user)
        except ValidationError as exc:
            _error(request, exc)
            return _to_detail(request, md)
        messages.success(request, _("Distribution deleted."))
        return redirect("distributions:manage_list", group_slug=request.group.slug)
    return render(request, "distributions/md_delete.html", {"group": request.group, "md": md})


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def md_cancel(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Cancel the whole distribution: the page shows what it does (orders cancelled, card
    payments refunded, members told); confirming does it, once (a second post is refused)."""
    md = _md(request, md_id)
    form = forms.CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            done = services.md_cancel(
                md=md, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.AlreadyCancelledError as exc:
            messages.info(request, " ".join(exc.messages))
            return _to_detail(request, md)
        except ValidationError as exc:
            _error(request, exc)
            return _to_detail(request, md)
        messages.success(request, _("The distribution is cancelled; the members are told."))
        for notice in getattr(done, "cancel_notices", []):
            messages.info(request, notice)
        return _to_detail(request, md)
    context = {
        "group": request.group,
        "md": md,
        "form": form,
        "sections": hooks.cancel_summary(md),
    }
    return render(request, "distributions/md_cancel.html", context)


def _cycle_form(request: HttpRequest) -> forms.CycleForm:
    group = request.group
    return forms.CycleForm(
        _posted(request), group=group, catalogs=selectors.catalogs_current(group=group)
    )


def _cycle_page(request: HttpRequest, form: forms.CycleForm, rows=None) -> HttpResponse:
    return render(
        request,
        "distributions/cycle_form.html",
        {
            "group": request.group,
            "form": form,
            "rows": rows,
            "has_conflicts": bool(rows) and any(r.conflict or r.errors for r in rows),
        },
    )


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The cycle's form (GET); its preview posts here to create the distributions (POST)."""
    form = _cycle_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(acting_user=request.user, **form.service_kwargs())
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(n)s distributions created.") % {"n": cycle.multidistribs.count()}
            )
            return redirect("distributions:manage_list", group_slug=request.group.slug)
    return _cycle_page(request, form)


@group_permission_required(MANAGE)
@require_POST
def cycle_preview(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The distributions the posted cycle would create, before creating them."""
    form = _cycle_form(request)
    rows = None
    if form.is_valid():
        try:
            rows = services.cycle_preview(**form.service_kwargs())
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            if not rows:
                form.add_error("end_date", _("This period holds no distribution day."))
    return _cycle_page(request, form, rows)


@group_permission_required(MANAGE)
@require_POST
def cycle_edit(request: HttpRequest, group_slug: str) -> HttpResponse:
    """Back from the preview to the form, with the values posted."""
    return _cycle_page(request, _cycle_form(request))


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def cycle_delete(request: HttpRequest, group_slug: str, cycle_id: int) -> HttpResponse:
    cycle = get_for_group(
        DistributionCycle.objects.select_related("place"), request.group, pk=cycle_id
    )
    if request.method == "POST":
        problems = services.cycle_delete(cycle=cycle, acting_user=request.user)
        for problem in problems:
            messages.warning(request, problem)
        messages.success(request, _("The cycle is deleted."))
        return redirect("distributions:manage_list", group_slug=request.group.slug)
    upcoming = cycle.multidistribs.filter(start_at__gt=timezone.now()).count()
    return render(
        request,
        "distributions/cycle_delete.html",
        {"group": request.group, "cycle": cycle, "upcoming": upcoming},
    )


def _cycle(request: HttpRequest, cycle_id: int) -> DistributionCycle:
    return get_for_group(
        DistributionCycle.objects.select_related("place"), request.group, pk=cycle_id
    )


@group_permission_required(MANAGE)
@require_GET
def cycle_catalogs(request: HttpRequest, group_slug: str, cycle_id: int) -> HttpResponse:
    """Attach or detach a catalog on every date of a cycle still to come (issue 13)."""
    cycle = _cycle(request, cycle_id)
    upcoming = list(
        cycle.multidistribs.filter(start_at__gt=timezone.now())
        .prefetch_related("distributions__catalog")
        .order_by("start_at")
    )
    catalogs = selectors.catalogs_current(group=request.group)
    return render(
        request,
        "distributions/cycle_catalogs.html",
        {"group": request.group, "cycle": cycle, "upcoming": upcoming, "catalogs": catalogs},
    )


def _cycle_catalog_set(request: HttpRequest, cycle_id: int, *, attach: bool) -> HttpResponse:
    cycle = _cycle(request, cycle_id)
    catalog = get_for_group(Catalog, request.group, pk=parse_id(request.POST.get("catalog")) or 0)
    try:
        changed, problems = services.cycle_set_catalog(
            cycle=cycle, catalog=catalog, attach=attach, acting_user=request.user
        )
    except ValidationError as exc:
        changed, problems = 0, exc.messages
    for problem in problems:
        messages.warning(request, problem)
    messages.success(
        request,
        _("%(catalog)s: %(n)s dates changed.") % {"catalog": catalog.name, "n": changed},
    )
    return redirect(
        "distributions:cycle_catalogs", group_slug=request.group.slug, cycle_id=cycle.pk
    )


@group_permission_required(MANAGE)
@require_POST
def cycle_catalog_attach(request: HttpRequest, group_slug: str, cycle_id: int) -> HttpResponse:
    return _cycle_catalog_set(request, cycle_id, attach=True)


@group_permission_required(MANAGE)
@require_POST
def cycle_catalog_detach(request: HttpRequest, group_slug: str, cycle_id: int) -> HttpResponse:
    return _cycle_catalog_set(request, cycle_id, attach=False)


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def md_catalogs(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Tick the catalogs taking part; removing one with orders asks for confirmation first."""
    group, md = request.group, _md(request, md_id)
    attached = [d.catalog for d in md.distributions.all()]
    choices = {c.pk: c for c in selectors.catalogs_for_day(group=group, day=md.date)}
    for catalog in attached:
        choices.setdefault(catalog.pk, catalog)
    form = forms.CatalogsForm(
        _posted(request),
        choices=list(choices.values()),
        initial={"catalogs": [c.pk for c in attached]},
    )
    confirm = None
    if request.method == "POST" and form.is_valid():
        try:
            added, removed = services.md_set_catalogs(
                md=md,
                catalogs=list(form.cleaned_data["catalogs"]),
                confirmed=request.POST.get("confirmed") == "1",
                acting_user=request.user,
            )
        except services.ConfirmationRequired as pending:
            confirm = [(d, pending.counts.get(d.pk, 0)) for d in pending.distributions]
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            if added or removed:
                messages.success(request, _("Catalogs saved."))
            return _to_detail(request, md)
    return render(
        request,
        "distributions/md_catalogs.html",
        {"group": group, "md": md, "form": form, "confirm": confirm},
    )


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def md_open(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Open orders now for all or some catalogs at once.

    Only catalogs whose orders can open are offered: one already open shows its closing date
    (its dates are changed on their own page), one whose producer's legal data is incomplete
    shows why (decision 13).
    """
    group, md = request.group, _md(request, md_id)
    now = timezone.now()
    choices = selectors.open_orders_choices(group=group, md=md, now=now)
    openable = [c.catalog for c in choices if c.can_open]
    form = forms.OpenOrdersForm(
        _posted(request),
        group=group,
        choices=openable,
        initial={"catalogs": [c.catalog.pk for c in choices if c.can_open and c.distribution]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.md_open_orders(
                md=md,
                catalogs=list(form.cleaned_data["catalogs"]),
                closes_at=form.cleaned_data["closes_at"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc, {"closes_at": "close_date"})
        else:
            if result.opened:
                messages.success(
                    request,
                    _("Orders are open for: %(catalogs)s.")
                    % {"catalogs": ", ".join(d.catalog.name for d in result.opened)},
                )
            for catalog, reason in result.refused:
                messages.error(
                    request,
                    _("%(catalog)s: %(problem)s") % {"catalog": catalog.name, "problem": reason},
                )
            return _to_detail(request, md)
    boxes = {str(box.data["value"]): box for box in form["catalogs"]}
    rows = [(choice, boxes.get(str(choice.catalog.pk))) for choice in choices]
    return render(
        request,
        "distributions/md_open.html",
        {
            "group": group,
            "md": md,
            "form": form,
            "rows": rows,
            "can_open_any": bool(openable),
            "started": now >= md.start_at,
            "now": now,
        },
    )


@group_permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def distribution_window(
    request: HttpRequest, group_slug: str, md_id: int, distribution_id: int
) -> HttpResponse:
    group, md = request.group, _md(request, md_id)
    distribution = get_for_group(
        Distribution.objects.select_related("catalog", "catalog__vendor"),
        group,
        pk=distribution_id,
        multidistrib=md,
    )
    form = forms.WindowForm(
        _posted(request),
        group=group,
        opens=distribution.orders_open_at,
        closes=distribution.orders_close_at,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.distribution_update_window(
                distribution=distribution,
                orders_open_at=form.cleaned_data["orders_open_at"],
                orders_close_at=form.cleaned_data["orders_close_at"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc, form.ERRORS)
        else:
            messages.success(request, _("Order dates saved."))
            return _to_detail(request, md)
    return render(
        request,
        "distributions/window_form.html",
        {"group": group, "md": md, "distribution": distribution, "form": form},
    )


# Duties ------------------------------------------------------------------------------------


def _duties_page(
    request: HttpRequest,
    md: MultiDistrib,
    *,
    needs_form: forms.DutyNeedsForm | None = None,
    assign_form: forms.DutyAssignForm | None = None,
) -> HttpResponse:
    """The duties page; an action whose form failed passes it, bound, to show its errors."""
    group = request.group
    roles = list(selectors.role_list(group=group))
    return render(
        request,
        "distributions/manage_duties.html",
        {
            "group": group,
            "md": md,
            "needs_form": needs_form
            if needs_form is not None
            else forms.DutyNeedsForm(None, roles=roles, needs=list(md.duty_needs.all())),
            "assign_form": assign_form
            if assign_form is not None
            else _assign_form(request, md, None),
            "roles": roles,
        },
    )


def _assign_form(request: HttpRequest, md: MultiDistrib, data) -> forms.DutyAssignForm:
    return forms.DutyAssignForm(data, md=md, members=selectors.active_members(group=request.group))


def _to_duties(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    return redirect("distributions:manage_duties", group_slug=request.group.slug, md_id=md.pk)


@group_permission_required(MANAGE)
@require_GET
def manage_duties(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """People needed per role, and who holds them (admins assign and remove)."""
    return _duties_page(request, selectors.md_with_needs(group=request.group, md_id=md_id))


@group_permission_required(MANAGE)
@require_POST
def manage_duty_needs(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = selectors.md_with_needs(group=request.group, md_id=md_id)
    roles = list(selectors.role_list(group=request.group))
    form = forms.DutyNeedsForm(request.POST, roles=roles, needs=list(md.duty_needs.all()))
    if form.is_valid():
        try:
            services.duty_needs_set(md=md, people=form.people(), acting_user=request.user)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Volunteers needed saved."))
            return _to_duties(request, md)
    return _duties_page(request, md, needs_form=form)


@group_permission_required(MANAGE)
@require_POST
def manage_duty_assign(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = selectors.md_with_needs(group=request.group, md_id=md_id)
    form = _assign_form(request, md, request.POST)
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            services.duty_signup(
                need=form.cleaned_data["need"], user=user, acting_user=request.user
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is on duty.") % {"name": user.display_name})
            return _to_duties(request, md)
    return _duties_page(request, md, assign_form=form)


@group_permission_required(MANAGE)
@require_POST
def manage_duty_remove(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Take the volunteer of the posted ``duty`` off their role."""
    md = selectors.md_with_needs(group=request.group, md_id=md_id)
    raw = request.POST.get("duty", "")
    duty = get_for_group(
        Duty.objects.select_related("user"),
        request.group,
        pk=parse_id(raw) or 0,
        need__multidistrib=md,
    )
    try:
        services.duty_remove(duty=duty, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
        return _to_duties(request, md)
    messages.success(request, _("%(name)s is off duty.") % {"name": duty.user.display_name})
    return _to_duties(request, md)


@group_permission_required("admin")
@require_GET
def role_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    return render(
        request,
        "distributions/role_list.html",
        {"group": request.group, "roles": selectors.role_list(group=request.group)},
    )


def _role_form(request: HttpRequest, role: VolunteerRole) -> HttpResponse:
    form = forms.RoleForm(_posted(request), instance=role, group=request.group)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_save(role=form.instance, acting_user=request.user)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Role saved."))
            return redirect("distributions:role_list", group_slug=request.group.slug)
    return render(
        request,
        "distributions/role_form.html",
        {"group": request.group, "form": form, "role": role},
    )


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _role_form(request, VolunteerRole(group=request.group))


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, group_slug: str, role_id: int) -> HttpResponse:
    return _role_form(request, get_for_group(VolunteerRole, request.group, pk=role_id))


@group_permission_required("admin")
@require_POST
def role_delete(request: HttpRequest, group_slug: str, role_id: int) -> HttpResponse:
    role = get_for_group(VolunteerRole, request.group, pk=role_id)
    try:
        services.role_delete(
            role=role, force=request.POST.get("force") == "1", acting_user=request.user
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect("distributions:role_edit", group_slug=request.group.slug, role_id=role.pk)
    messages.success(request, _("Role deleted."))
    return redirect("distributions:role_list", group_slug=request.group.slug)


@group_member_required
@require_GET
def duty_calendar(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    mds = selectors.duty_calendar(group=group)
    now = timezone.now()
    for md in mds:
        md.can_join = md.volunteers_can_join(now)
        md.vacant = sum(max(0, n.people - len(n.duties.all())) for n in md.duty_needs.all())
        for need in md.duty_needs.all():
            holders = list(need.duties.all())
            need.mine = next((d for d in holders if d.user_id == request.user.pk), None)
            need.vacant = max(0, need.people - len(holders))
    return render(
        request,
        "distributions/duty_calendar.html",
        {"group": group, "mds": mds, "now": now},
    )


def _need(request: HttpRequest, md_id: int, role_id: int) -> DutyNeed:
    return get_for_group(
        DutyNeed.objects.select_related("multidistrib", "role"),
        request.group,
        multidistrib_id=md_id,
        role_id=role_id,
    )


@group_member_required
@require_POST
def duty_signup(request: HttpRequest, group_slug: str, md_id: int, role_id: int) -> HttpResponse:
    need = _need(request, md_id, role_id)
    try:
        services.duty_signup(need=need, user=request.user, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request, _("Thank you! You are on duty as %(role)s.") % {"role": need.role.name}
        )
    return redirect("distributions:duties", group_slug=request.group.slug)


@group_member_required
@require_http_methods(["GET", "POST"])
def duty_withdraw(request: HttpRequest, group_slug: str, md_id: int, role_id: int) -> HttpResponse:
    need = _need(request, md_id, role_id)
    duty = Duty.objects.filter(need=need, user=request.user).first()
    if duty is None:
        raise Http404
    form = forms.WithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_withdraw(
                duty=duty, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("You withdrew from the role. Thank you for telling us."))
            return redirect("distributions:duties", group_slug=request.group.slug)
    return render(
        request,
        "distributions/duty_withdraw.html",
        {"group": request.group, "need": need, "md": need.multidistrib, "form": form},
    )


# Time slots ---------------------------------------------------------------------------------


def _slots_page(
    request: HttpRequest,
    md: MultiDistrib,
    *,
    config_form: forms.SlotsConfigForm | None = None,
    override_form: forms.SlotOverrideForm | None = None,
) -> HttpResponse:
    """The time slots page; an action whose form failed passes it, bound, to show its errors."""
    return render(
        request,
        "distributions/manage_slots.html",
        {
            "group": request.group,
            "md": md,
            "config_form": config_form
            if config_form is not None
            else forms.SlotsConfigForm(None, md=md),
            "override_form": override_form
            if override_form is not None
            else _override_form(request, md, None),
            "board": selectors.slot_board(md=md) if md.slots_enabled else None,
            "now": timezone.now(),
        },
    )


def _override_form(request: HttpRequest, md: MultiDistrib, data) -> forms.SlotOverrideForm:
    return forms.SlotOverrideForm(
        data, md=md, members=selectors.active_members(group=request.group)
    )


def _slots_refused(request: HttpRequest, md: MultiDistrib, exc: ValidationError) -> HttpResponse:
    """A button of the page refused by the service: the reason shows as a message (a form that
    was not posted takes no error)."""
    _error(request, exc)
    return _to_slots(request, md)


def _to_slots(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    return redirect("distributions:manage_slots", group_slug=request.group.slug, md_id=md.pk)


@group_permission_required(MANAGE)
@require_GET
def manage_slots(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    return _slots_page(request, _md(request, md_id))


@group_permission_required(MANAGE)
@require_POST
def manage_slots_configure(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    form = forms.SlotsConfigForm(request.POST, md=md)
    if form.is_valid():
        try:
            services.slots_configure(md=md, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Time slots saved."))
            return _to_slots(request, md)
    return _slots_page(request, md, config_form=form)


@group_permission_required(MANAGE)
@require_POST
def manage_slots_disable(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    try:
        services.slots_disable(md=md, acting_user=request.user)
    except ValidationError as exc:
        return _slots_refused(request, md, exc)
    messages.success(request, _("Time slots are off."))
    return _to_slots(request, md)


@group_permission_required(MANAGE)
@require_POST
def manage_slots_resolve(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    try:
        result = services.slots_resolve(md=md, acting_user=request.user)
    except ValidationError as exc:
        return _slots_refused(request, md, exc)
    messages.success(
        request,
        _("Slots assigned: %(placed)s member(s) placed, %(unplaced)s without a slot.")
        % {"placed": len(result.placed), "unplaced": len(result.unplaced)},
    )
    return _to_slots(request, md)


@group_permission_required(MANAGE)
@require_POST
def manage_slots_unresolve(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    try:
        services.slots_unresolve(md=md, acting_user=request.user)
    except ValidationError as exc:
        return _slots_refused(request, md, exc)
    messages.success(request, _("Assignment cancelled."))
    return _to_slots(request, md)


@group_permission_required(MANAGE)
@require_POST
def manage_slot_override(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Give a member a slot by hand."""
    md = _md(request, md_id)
    form = _override_form(request, md, request.POST)
    if form.is_valid():
        try:
            over = services.slot_assign(
                md=md,
                user=form.cleaned_data["user"],
                slot=form.cleaned_data["slot"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Slot saved."))
            if over:
                messages.warning(request, _("This slot is now over its capacity."))
            return _to_slots(request, md)
    return _slots_page(request, md, override_form=form)


@group_member_required
@require_http_methods(["GET", "POST"])
def member_slots(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """The member's slot choice, on its own page (checkout includes the same partial)."""
    md = _md(request, md_id)
    if not md.slots_enabled:
        raise Http404
    current = selectors.slot_request_for(md=md, user=request.user)
    form = forms.SlotChoiceForm(
        _posted(request),
        md=md,
        initial={"slots": [s.pk for s in current.slots.all()] if current else []},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_request_save(
                md=md,
                user=request.user,
                slot_ids=[s.pk for s in form.cleaned_data["slots"]],
                acting_user=request.user,
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Your time slots are saved."))
            return redirect("distributions:list", group_slug=request.group.slug)
    return render(
        request,
        "distributions/member_slots.html",
        {
            "group": request.group,
            "md": md,
            "form": form,
            "current": current,
            "can_choose": md.state() == State.OPEN,
        },
    )


# Home delivery -----------------------------------------------------------------------------


def _delivery_page(
    request: HttpRequest, md: MultiDistrib, form: forms.DeliveryConfigForm | None = None
) -> HttpResponse:
    return render(
        request,
        "distributions/manage_delivery.html",
        {
            "group": request.group,
            "md": md,
            "form": form if form is not None else forms.DeliveryConfigForm(None, md=md),
            "deliveries": selectors.delivery_list(md=md),
        },
    )


def _to_delivery(request: HttpRequest, md: MultiDistrib) -> HttpResponse:
    return redirect("distributions:manage_delivery", group_slug=request.group.slug, md_id=md.pk)


@group_permission_required(MANAGE)
@require_GET
def manage_delivery(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    return _delivery_page(request, _md(request, md_id))


@group_permission_required(MANAGE)
@require_POST
def manage_delivery_configure(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _md(request, md_id)
    form = forms.DeliveryConfigForm(request.POST, md=md)
    if form.is_valid():
        try:
            services.delivery_configure(md=md, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Home delivery saved."))
            return _to_delivery(request, md)
    return _delivery_page(request, md, form)


@group_permission_required(MANAGE)
@require_POST
def manage_delivery_remove(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Remove the posted delivery ``request`` of a member."""
    md = _md(request, md_id)
    raw = request.POST.get("request", "")
    delivery = get_for_group(DeliveryRequest, request.group, pk=parse_id(raw) or 0, multidistrib=md)
    try:
        services.delivery_request_cancel(request=delivery, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
        return _to_delivery(request, md)
    messages.success(request, _("Delivery request removed."))
    return _to_delivery(request, md)


def _member_delivery_md(request: HttpRequest, md_id: int) -> MultiDistrib:
    md = _md(request, md_id)
    if not md.delivery_enabled:
        raise Http404
    return md


def _member_delivery_page(
    request: HttpRequest, md: MultiDistrib, form: forms.DeliveryRequestForm | None = None
) -> HttpResponse:
    existing = selectors.delivery_request_for(md=md, user=request.user)
    return render(
        request,
        "distributions/member_delivery.html",
        {
            "group": request.group,
            "md": md,
            "form": form
            if form is not None
            else forms.DeliveryRequestForm(None, user=request.user, existing=existing),
            "existing": existing,
            "can_ask": md.state() == State.OPEN,
        },
    )


@group_member_required
@require_GET
def member_delivery(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Ask for home delivery (checkout includes the same partial)."""
    return _member_delivery_page(request, _member_delivery_md(request, md_id))


@group_member_required
@require_POST
def member_delivery_save(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    md = _member_delivery_md(request, md_id)
    existing = selectors.delivery_request_for(md=md, user=request.user)
    form = forms.DeliveryRequestForm(request.POST, user=request.user, existing=existing)
    if form.is_valid():
        try:
            services.delivery_request_save(
                md=md, user=request.user, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("Your order will be delivered to your address."))
            return redirect("distributions:list", group_slug=request.group.slug)
    return _member_delivery_page(request, md, form)


@group_member_required
@require_POST
def member_delivery_cancel(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    """Collect the order at the distribution after all."""
    md = _member_delivery_md(request, md_id)
    existing = selectors.delivery_request_for(md=md, user=request.user)
    if existing is None:
        return _member_delivery_page(request, md)
    try:
        services.delivery_request_cancel(request=existing, acting_user=request.user)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("distributions:delivery", group_slug=request.group.slug, md_id=md.pk)
    messages.success(request, _("You will collect your order at the distribution."))
    return redirect("distributions:list", group_slug=request.group.slug)


# Members' lists and calendars --------------------------------------------------------------


@group_member_required
@require_GET
def member_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    mds = selectors.md_upcoming_for_group(group=group, limit=20)
    duties = selectors.member_duties(group=group, user=request.user)
    slots, deliveries = selectors.member_choices(mds=mds, user=request.user)
    for md in mds:
        md.my_duties = [d for d in duties if d.need.multidistrib_id == md.pk]
        md.my_slot = slots.get(md.pk)
        md.my_delivery = deliveries.get(md.pk)
    return render(
        request,
        "distributions/member_list.html",
        {"group": group, "mds": mds, "now": timezone.now()},
    )


@group_public
@require_GET
def group_ical(request: HttpRequest, group_slug: str) -> HttpResponse:
    return feeds.group_feed(request, request.group)


@login_required
@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.calendar_token_reset(user=request.user, acting_user=request.user)
        messages.success(request, _("Your calendar has a new link; the old one no longer works."))
        return redirect("distributions:my_calendar")
    token = services.calendar_token_get(user=request.user)
    url = request.build_absolute_uri(reverse("distributions:member_ical", args=[token.token]))
    return render(request, "distributions/my_calendar.html", {"feed_url": url})


@require_GET
def member_ical(request: HttpRequest, token: str) -> HttpResponse:
    return feeds.member_feed(request, token)

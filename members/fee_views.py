"""Membership fee pages (spec §5): a member's fees, several members at once, the "to renew"
list and its export, and the statistics per period. Thin views: forms validate,
``members.memberships`` writes (the ledger through the payments app's hooks)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.tenancy import group_permission_required
from kernel.redirects import redirect_back, safe_path
from members import fee_exports, fee_forms, memberships, selectors
from members.models import Member, Membership

RIGHT = "can_manage_members"


def _member(request: HttpRequest, member_id: int) -> Member:
    member = selectors.member_get(group=request.group, member_id=member_id)
    if member is None:
        raise Http404
    return member


def _fees_off(request: HttpRequest) -> HttpResponse | None:
    if request.group.has_membership:
        return None
    return render(request, "members/fees/off.html", {"group": request.group})


def _show_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _member_page(request: HttpRequest, member: Member, form, status: int = 200) -> HttpResponse:
    group = request.group
    fees = list(memberships.fees_for_member(member))
    current = memberships.current_period(group)
    names = {f.year: memberships.group_period(group, f.year).name for f in fees}
    for fee in fees:
        fee.period_name = names[fee.year]
    context = {
        "group": group,
        "member": member,
        "form": form,
        "fees": fees,
        "current": current,
        "up_to_date": any(f.year == current.year for f in fees),
        "next": safe_path(request.POST.get("next") or request.GET.get("next")) or "",
    }
    return render(request, "members/fees/member.html", context, status=status)


@group_permission_required(RIGHT)
@require_GET
def member_fees(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    off = _fees_off(request)
    if off:
        return off
    form = fee_forms.FeeForm(group=request.group, multidistrib_id=_md_param(request))
    return _member_page(request, member, form)


def _md_param(request: HttpRequest) -> int | None:
    value = request.GET.get("distribution", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@group_permission_required(RIGHT)
@require_POST
def member_fee_record(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    off = _fees_off(request)
    if off:
        return off
    form = fee_forms.FeeForm(request.POST, group=request.group)
    if form.is_valid():
        try:
            fee = memberships.membership_record(
                group=request.group, member=member, acting_user=request.user, **form.service_data()
            )
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(
                request,
                _("Membership fee for %(period)s recorded for %(name)s.")
                % {
                    "period": memberships.group_period(request.group, fee.year).name,
                    "name": member.user.display_name,
                },
            )
            return redirect_back(request, request.path.rsplit("record/", 1)[0])
    messages.error(request, _("Please correct the errors below."))
    return _member_page(request, member, form, status=400)


@group_permission_required(RIGHT)
@require_POST
def member_fee_delete(
    request: HttpRequest, group_slug: str, member_id: int, fee_id: int
) -> HttpResponse:
    member = _member(request, member_id)
    fee = Membership.objects.filter(group=request.group, member=member, pk=fee_id).first()
    if fee is None:
        raise Http404
    memberships.membership_delete(fee=fee, acting_user=request.user)
    messages.success(
        request,
        _("Membership fee for %(period)s deleted; its ledger lines are cancelled.")
        % {"period": memberships.group_period(request.group, fee.year).name},
    )
    return redirect("members:fees", group_slug=request.group.slug, member_id=member.pk)


@group_permission_required(RIGHT)
@require_http_methods(["GET", "POST"])
def fees_batch(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The same fee for several members; each refusal reported with the member's name."""
    group = request.group
    off = _fees_off(request)
    if off:
        return off
    data = request.POST if request.method == "POST" else None
    form = fee_forms.BatchFeeForm(data, group=group)
    if data is not None and form.is_valid():
        try:
            result = memberships.membership_record_batch(
                group=group,
                members=list(form.cleaned_data["members"]),
                acting_user=request.user,
                **form.service_data(),
            )
        except ValidationError as exc:
            _show_errors(form, exc)
        else:
            for member, message in result.errors:
                messages.error(request, f"{member.user.display_name} — {message}")
            if result.recorded:
                messages.success(
                    request,
                    _("%(count)s membership fees recorded.") % {"count": len(result.recorded)},
                )
            return redirect("members:fees_batch", group_slug=group.slug)
    to_renew = set(memberships.members_to_renew(group).values_list("pk", flat=True))
    return render(
        request,
        "members/fees/batch.html",
        {"group": group, "form": form, "to_renew": to_renew},
        status=400 if form.errors else 200,
    )


@group_permission_required(RIGHT)
@require_GET
def fees_to_renew(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    off = _fees_off(request)
    if off:
        return off
    members = memberships.members_to_renew_list(group)
    page = Paginator(members, 100).get_page(request.GET.get("page"))
    month = group.membership_renewal_month
    for m in page:
        m.last_period = memberships.period_name(m.last_year, month=month) if m.last_year else ""
    context = {
        "group": group,
        "page": page,
        "current": memberships.current_period(group),
        "stats": memberships.fee_stats(group),
        "up_to_date_count": memberships.members_up_to_date(group).count(),
    }
    return render(request, "members/fees/to_renew.html", context)


@group_permission_required(RIGHT)
@require_GET
def fees_to_renew_export(request: HttpRequest, group_slug: str, fmt: str) -> HttpResponseBase:
    off = _fees_off(request)
    if off:
        return off
    return fee_exports.to_renew_response(request.group, fmt, translation.get_language() or "fr")


@require_http_methods(["GET", "POST"])
def reminders_off(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click link of the reminder e-mail: a page with one button, no login needed (the
    signed token names the account); the same choice is a checkbox of the profile."""
    user = memberships.reminder_off_user(token)
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        memberships.reminders_off(user=user, acting_user=request.user)
        done = True
    return render(
        request,
        "members/fees/reminders_off.html",
        {"done": done or not user.notify_membership_reminder},
    )

"""Recording membership fees at the distribution day (spec §5): the members who ordered for
this distribution, their membership status, and one form recording the fee for those ticked,
linked to the distribution. Reached from the validation page (the card of ``day/templatetags/fee_card.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from distributions.selectors import md_get
from groups.tenancy import group_permission_required
from members import fee_forms, memberships
from members.models import Member
from orders.models import Basket


def customers(md) -> list[Member]:
    """Members with a confirmed order for ``md``, by name."""
    ids = Basket.objects.filter(multidistrib=md, state=Basket.State.CONFIRMED).values("member_id")
    return list(
        Member.objects.filter(pk__in=ids, group=md.group)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )


@group_permission_required("can_manage_members")
@require_http_methods(["GET", "POST"])
def day_fees(request: HttpRequest, group_slug: str, md_id: int) -> HttpResponse:
    group = request.group
    md = md_get(group=group, md_id=md_id)
    people = customers(md)
    valid = memberships.valid_member_ids(group, [m.pk for m in people])
    data = request.POST if request.method == "POST" else None
    form = fee_forms.BatchFeeForm(data, group=group, multidistrib_id=md.pk)
    form.fields["members"].queryset = Member.objects.filter(pk__in=[m.pk for m in people])
    if not data:
        form.fields["members"].initial = [m.pk for m in people if m.pk not in valid]
        form.fields["paid_on"].initial = min(md.date, memberships.group_today(group))
    if data is not None and group.has_membership and form.is_valid():
        fields = {**form.service_data(), "multidistrib_id": md.pk}
        try:
            result = memberships.membership_record_batch(
                group=group,
                members=list(form.cleaned_data["members"]),
                acting_user=request.user,
                **fields,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            for member, message in result.errors:
                messages.error(request, f"{member.user.display_name} — {message}")
            if result.recorded:
                messages.success(
                    request,
                    _("%(count)s membership fees recorded.") % {"count": len(result.recorded)},
                )
            return redirect("day:fees", group_slug=group.slug, md_id=md.pk)
    context = {
        "group": group,
        "md": md,
        "form": form,
        "people": [(m, m.pk in valid) for m in people],
        "checked": {int(v) for v in form["members"].value() or [] if str(v).isdigit()},
        "current": memberships.current_period(group),
        "collected": memberships.fee_stats_for_multidistrib(group, md.pk),
    }
    return render(request, "members/fees/day.html", context, status=400 if form.errors else 200)

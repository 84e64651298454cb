"""The iCal feeds: a group's distributions (public) and a member's own calendar (secret link)."""

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distributions import ical
from distributions.models import CalendarToken, MultiDistrib
from distributions.selectors import member_feed as member_feed_data
from groups.models import Group


def _location(md: MultiDistrib) -> str:
    address = md.place.full_address
    return f"{md.place.name}, {address}" if address else md.place.name


def _description(md: MultiDistrib, extra: list[str] | None = None) -> str:
    lines = list(extra or [])
    vendors = sorted({d.catalog.vendor.name for d in md.distributions.all()})
    if vendors:
        lines.append(_("Producers: %(names)s") % {"names": ", ".join(vendors)})
    opens, closes = md.order_window()
    tz = md.group.tzinfo
    lines.append(
        _("Orders from %(opens)s to %(closes)s")
        % {
            "opens": timezone.localtime(opens, tz).strftime("%d/%m/%Y %H:%M"),
            "closes": timezone.localtime(closes, tz).strftime("%d/%m/%Y %H:%M"),
        }
    )
    return "\n".join(lines)


def _md_event(request: HttpRequest, md: MultiDistrib, extra: list[str] | None = None) -> ical.Event:
    return ical.Event(
        uid=f"distribution-{md.pk}",
        start=md.start_at,
        end=md.end_at,
        summary=_("Distribution - %(group)s") % {"group": md.group.name},
        location=_location(md),
        description=_description(md, extra),
        url=request.build_absolute_uri(md.group.get_absolute_url()),
    )


def _response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=900"
    return response


def group_feed(request: HttpRequest, group: Group) -> HttpResponse:
    since = timezone.now() - timedelta(days=31)
    mds = (
        MultiDistrib.objects.filter(group=group, end_at__gte=since)
        .select_related("place", "group")
        .prefetch_related("distributions__catalog__vendor")
        .order_by("start_at", "pk")
    )
    events = [_md_event(request, md) for md in mds]
    return _response(ical.calendar(group.name, events), f"{group.slug}.ics")


def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    row = (
        CalendarToken.objects.filter(token=token, user__is_active=True)
        .select_related("user")
        .first()
    )
    if row is None:
        raise Http404
    user = row.user
    with translation.override(user.language):
        return _member_response(request, user)


def _member_response(request: HttpRequest, user) -> HttpResponse:
    data = member_feed_data(user=user)
    events = []
    for md in data["mds"]:
        extra = []
        slot = data["slots"].get(md.pk)
        if slot is not None:
            extra.append(_("Your time slot: %(slot)s") % {"slot": slot})
        events.append(_md_event(request, md, extra))
    for duty in data["duties"]:
        md = duty.need.multidistrib
        events.append(
            ical.Event(
                uid=f"duty-{duty.pk}",
                start=md.start_at,
                end=md.end_at,
                summary=_("Duty: %(role)s - %(group)s")
                % {"role": duty.need.role.name, "group": md.group.name},
                location=_location(md),
                url=request.build_absolute_uri(
                    reverse("distributions:duties", kwargs={"group_slug": md.group.slug})
                ),
            )
        )
    return _response(ical.calendar(_("My distributions"), events), "cagette.ics")

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups import forms, selectors, services
from groups.models import Place
from groups.tenancy import get_for_group, group_permission_required, group_public
from kernel import home as home_panels


@group_public
@require_GET
def group_detail(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    places = list(group.places.all())
    contact = group.contact
    # The contact's e-mail and phone are for members only (issue 12); visitors see the name.
    show_phone = bool(contact and contact.phone and request.member)
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "places": places,
            "contact": contact,
            "show_phone": show_phone,
            "panels": home_panels.group_panels(request, group),
        },
    )


@group_permission_required("any")
@require_GET
def group_manage(request: HttpRequest, group_slug: str) -> HttpResponse:
    """The management home (issue 18): what needs action, most urgent first, each with its link
    (items registered by the apps in ``kernel.home``), the guided start of a new group, then
    the next distributions with their figures."""
    group = request.group
    steps = home_panels.start_steps(request, group)
    show_start = (
        "admin" in request.group_perms
        and group.guided_start_hidden_at is None
        and not all(step.done for step in steps)
    )
    return render(
        request,
        "groups/manage.html",
        {
            "group": group,
            "actions": home_panels.actions(request, group),
            "steps": steps if show_start else [],
            "steps_done": sum(step.done for step in steps),
            "can_show_start": "admin" in request.group_perms
            and group.guided_start_hidden_at is not None
            and not all(step.done for step in steps),
            "panels": home_panels.manage_panels(request, group),
            "public_url": request.build_absolute_uri(group.get_absolute_url()),
        },
    )


@group_permission_required("admin")
@require_POST
def guided_start_hide(request: HttpRequest, group_slug: str) -> HttpResponse:
    services.guided_start_set_hidden(group=request.group, hidden=True, acting_user=request.user)
    return redirect("groups:manage", group_slug=request.group.slug)


@group_permission_required("admin")
@require_POST
def guided_start_show(request: HttpRequest, group_slug: str) -> HttpResponse:
    services.guided_start_set_hidden(group=request.group, hidden=False, acting_user=request.user)
    return redirect("groups:manage", group_slug=request.group.slug)


SETTINGS_PAGES = {
    "general": (forms.GroupGeneralForm, _("General")),
    "payments": (forms.GroupPaymentsForm, _("Payments")),
    "membership": (forms.GroupMembershipForm, _("Membership fees")),
    "volunteers": (forms.GroupVolunteersForm, _("Volunteers")),
}


def _settings_page(request: HttpRequest, page: str) -> HttpResponse:
    form_class, _title = SETTINGS_PAGES[page]
    group = request.group
    form = form_class(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=group,
    )
    if request.method == "POST":
        if form.is_valid():
            services.group_update(
                group=form.instance, changed=form.changed_data, acting_user=request.user
            )
            messages.success(request, _("Settings saved."))
            return redirect(request.path)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "groups/settings.html",
        {"group": group, "form": form, "page": page, "pages": SETTINGS_PAGES},
    )


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def settings_general(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _settings_page(request, "general")


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def settings_payments(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _settings_page(request, "payments")


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def settings_membership(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _settings_page(request, "membership")


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def settings_volunteers(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _settings_page(request, "volunteers")


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def settings_vat(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    form = forms.VatRatesForm(
        request.POST if request.method == "POST" else None, rates=group.vat_rates
    )
    if request.method == "POST":
        if form.is_valid():
            group.vat_rates = form.cleaned_data["vat_rates"]
            services.group_update(group=group, changed=["vat_rates"], acting_user=request.user)
            messages.success(request, _("Settings saved."))
            return redirect(request.path)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "groups/settings_vat.html",
        {"group": group, "form": form, "page": "vat", "pages": SETTINGS_PAGES},
    )


@group_permission_required("admin")
@require_GET
def place_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    places = request.group.places.all()
    return render(request, "groups/place_list.html", {"group": request.group, "places": places})


def _place_form(request: HttpRequest, place: Place) -> HttpResponse:
    form = forms.PlaceForm(request.POST if request.method == "POST" else None, instance=place)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.place_save(place=form.instance, acting_user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Place saved."))
                return redirect("groups:place_list", group_slug=request.group.slug)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request, "groups/place_form.html", {"group": request.group, "form": form, "place": place}
    )


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def place_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _place_form(request, Place(group=request.group))


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, group_slug: str, place_id: int) -> HttpResponse:
    return _place_form(request, get_for_group(Place, request.group, pk=place_id))


@group_permission_required("admin")
@require_POST
def place_delete(request: HttpRequest, group_slug: str, place_id: int) -> HttpResponse:
    place = get_for_group(Place, request.group, pk=place_id)
    try:
        services.place_delete(place=place, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Place deleted."))
    return redirect("groups:place_list", group_slug=request.group.slug)


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def group_delete(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    form = forms.GroupDeleteForm(request.POST if request.method == "POST" else None, group=group)
    if request.method == "POST" and form.is_valid():
        services.group_delete(
            group=group, confirmation=form.cleaned_data["confirmation"], acting_user=request.user
        )
        messages.success(
            request,
            _("The group %(name)s is deleted. Operators can restore it for 30 days.")
            % {"name": group.name},
        )
        return redirect("home")
    return render(request, "groups/group_delete.html", {"group": group, "form": form})


@require_GET
def group_map(request: HttpRequest) -> HttpResponse:
    return render(request, "groups/map.html", {})


@require_GET
def group_map_geojson(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(selectors.group_map_geojson())
    response["Cache-Control"] = "public, max-age=300"
    return response

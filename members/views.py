from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from groups.forms import GroupCreateForm
from groups.tenancy import group_member_required, group_permission_required, group_public
from members import forms, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = forms.ProfileForm(
        request.POST if request.method == "POST" else None, instance=request.user
    )
    if request.method == "POST":
        if form.is_valid():
            services.user_update_profile(
                user=form.instance, changed=form.changed_data, acting_user=request.user
            )
            messages.success(request, _("Your profile is saved."))
            response = redirect("members:profile")
            response.set_cookie("django_language", form.instance.language, samesite="Lax")
            return response
        messages.error(request, _("Please correct the errors below."))
    return render(request, "members/profile.html", {"form": form})


@group_public
@require_POST
def group_join(request: HttpRequest, group_slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.group.get_absolute_url())
    group = request.group
    if forms.JoinDetailsForm.needed(group, request.user):
        # The group asks for a phone or an address the person has not given yet (spec §4.3).
        bound = "details" in request.POST
        form = forms.JoinDetailsForm(
            request.POST if bound else None, instance=request.user, group=group
        )
        if not (bound and form.is_valid()):
            return render(request, "members/join_details.html", {"group": group, "form": form})
        services.user_update_profile(
            user=form.instance, changed=form.changed_data, acting_user=request.user
        )
    try:
        services.member_join(group=request.group, user=request.user, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Welcome to %(group)s!") % {"group": request.group.name})
    return redirect(request.group.get_absolute_url())


@group_member_required
@require_POST
def group_leave(request: HttpRequest, group_slug: str) -> HttpResponse:
    try:
        services.member_leave(member=request.member, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(request.group.get_absolute_url())
    messages.success(request, _("You left %(group)s.") % {"group": request.group.name})
    return redirect("home")


@group_permission_required("admin")
@require_http_methods(["GET", "POST"])
def member_rights(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = selectors.member_get(group=request.group, member_id=member_id)
    if member is None:
        raise Http404
    form = forms.MemberRightsForm(
        request.POST if request.method == "POST" else None, instance=member
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.member_rights_update(
                member=member, rights=form.cleaned_data, acting_user=request.user
            )
        except PermissionDenied as exc:
            form.add_error("is_admin", str(exc))
        else:
            messages.success(
                request, _("Rights of %(name)s saved.") % {"name": member.user.display_name}
            )
            return redirect("members:sheet", group_slug=request.group.slug, member_id=member.pk)
    return render(
        request,
        "members/member_rights.html",
        {"group": request.group, "form": form, "member": member},
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    form = GroupCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Your group is created. Complete its settings, then add producers.")
            )
            return redirect("groups:manage", group_slug=group.slug)
    return render(request, "groups/group_create.html", {"form": form})

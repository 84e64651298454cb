"""Pages of a person about their own account and memberships: waiting-list requests,
invitations, the first password, their data, deleting the account, leaving by link."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.tenancy import group_public
from members import forms, selectors
from members.services import MembershipError, accounts, waiting
from members.services import invitations as member_invitations
from members.signals import INVITATION_SESSION_KEY


@group_public
@require_http_methods(["GET", "POST"])
def join_request(request: HttpRequest, group_slug: str) -> HttpResponse:
    """A logged-in person asks to join a waiting-list group (spec §4.3)."""
    group = request.group
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.member or group.registration != group.Registration.WAITING_LIST:
        return redirect(group.get_absolute_url())
    form = forms.JoinRequestForm(request.POST or None)
    existing = selectors.user_join_request(group=group, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            waiting.join_request_create(
                group=group,
                user=request.user,
                message=form.cleaned_data["message"],
                acting_user=request.user,
            )
        except MembershipError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Your request is sent. The group will tell you by e-mail when it is decided."),
            )
        return redirect(group.get_absolute_url())
    return render(
        request, "members/join_request.html", {"group": group, "form": form, "existing": existing}
    )


@group_public
@require_POST
def join_request_withdraw(request: HttpRequest, group_slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.group.get_absolute_url())
    try:
        waiting.join_request_withdraw(
            group=request.group, user=request.user, acting_user=request.user
        )
    except MembershipError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect(request.group.get_absolute_url())


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation e-mail (spec §4.4)."""
    try:
        invite = member_invitations.invitation_resolve(token)
    except MembershipError as exc:
        return render(request, "members/invitation.html", {"error": " ".join(exc.messages)})
    group = invite.group
    if request.user.is_authenticated:
        if any(m.group_id == group.pk for m in selectors.user_memberships(user=request.user)):
            messages.info(request, _("You are already a member of this group."))
            return redirect(group.get_absolute_url())
        if request.method == "POST":
            try:
                member_invitations.invitation_accept(
                    invitation=invite, user=request.user, acting_user=request.user
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("You are now a member of %(group)s. You will get an e-mail when orders open.")
                    % {"group": group.name},
                )
            return redirect(group.get_absolute_url())
    elif not member_invitations.users_by_email([invite.email]):
        # The link proves the address: sign-up with it needs no confirmation e-mail, and the
        # new account joins the group (``members.signals``).
        request.session["account_verified_email"] = invite.email
        request.session[INVITATION_SESSION_KEY] = token
    return render(
        request,
        "members/invitation.html",
        {
            "invitation": invite,
            "group": group,
            "has_account": bool(member_invitations.users_by_email([invite.email])),
            "login_url": reverse("account_login") + "?next=" + request.path,
        },
    )


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """An account created by an admin: the person chooses their password and is logged in."""
    try:
        user = member_invitations.welcome_resolve(token)
    except MembershipError as exc:
        return render(request, "members/welcome.html", {"error": " ".join(exc.messages)})
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        member_invitations.welcome_set_password(
            user=user, password=form.cleaned_data["new_password1"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your password is set. Welcome!"))
        return redirect("home")
    return render(request, "members/welcome.html", {"form": form, "person": user})


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "members/my_data.html",
        {
            "memberships": selectors.user_memberships(user=request.user),
            "requests": selectors.user_join_requests(user=request.user),
            "refusals": accounts.account_deletion_refusals(request.user),
        },
    )


@login_required
@require_GET
def my_data_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        accounts.personal_data_zip(request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = 'attachment; filename="cagette-my-data.zip"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    refusals = accounts.account_deletion_refusals(request.user)
    if request.method == "POST" and not refusals:
        if request.POST.get("confirm") != "on":
            messages.error(request, _("Tick the box to confirm."))
        else:
            try:
                accounts.account_delete(user=request.user, acting_user=request.user)
            except ValidationError as exc:
                refusals = exc.messages
            else:
                logout(request)
                messages.success(request, _("Your account is deleted. Goodbye!"))
                return redirect("home")
    return render(request, "members/account_delete.html", {"refusals": refusals})


@require_http_methods(["GET", "POST"])
def leave_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The "leave this group" link of an e-mail's footer: signed, works without login."""
    try:
        member = accounts.leave_resolve(token)
    except MembershipError as exc:
        return render(request, "members/leave_by_link.html", {"error": " ".join(exc.messages)})
    if request.method == "POST" and member.left_at is None:
        try:
            accounts.member_leave_by_link(member=member)
        except ValidationError as exc:
            return render(request, "members/leave_by_link.html", {"error": " ".join(exc.messages)})
        messages.success(request, _("You left %(group)s.") % {"group": member.group.name})
        return redirect("home")
    return render(request, "members/leave_by_link.html", {"member": member})

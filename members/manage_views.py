"""Member administration (spec §4.5 to 4.6): list, export, sheet, add, invite, import, waiting list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.tenancy import group_permission_required
from kernel.storage import private_name, private_storage
from members import forms, hooks, selectors
from members.exporters import MemberExporter
from members.services import MembershipError, waiting
from members.services import imports as member_imports
from members.services import invitations as member_invitations

IMPORT_SESSION_KEY = "members_import"


def _filtered(request: HttpRequest):
    form = forms.MemberSearchForm(request.GET or None)
    options: dict = {}
    if form.is_valid():
        options = {k: v for k, v in form.cleaned_data.items() if v}
        options["search"] = options.pop("q", "")
    return form, selectors.member_list(group=request.group, **options)


def _member(request: HttpRequest, member_id: int):
    member = selectors.member_get(group=request.group, member_id=member_id)
    if member is None:
        raise Http404
    return member


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@group_permission_required("can_manage_members")
@require_GET
def member_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    form, members = _filtered(request)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/member_list.html",
        {
            "group": request.group,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "pending": selectors.pending_requests_count(request.group),
        },
    )


@group_permission_required("can_manage_members")
@require_GET
def member_export(request: HttpRequest, group_slug: str) -> HttpResponseBase:
    _form, members = _filtered(request)
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    exporter = MemberExporter(members, language=request.LANGUAGE_CODE)
    return exporter.response(file_format, f"{request.group.slug}-members.{file_format}")


@group_permission_required("can_manage_members")
@require_GET
def member_sheet(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    memberships = selectors.user_memberships(user=member.user)
    return render(
        request,
        "members/member_sheet.html",
        {
            "group": request.group,
            "member": member,
            "person": member.user,
            "memberships": memberships,
            "panels": hooks.member_sheet_panels(member),
            "rights_form": (
                forms.MemberRightsForm(instance=member) if "admin" in request.group_perms else None
            ),
        },
    )


@group_permission_required("can_manage_members")
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    lock = len(selectors.user_memberships(user=member.user)) > 1
    form = forms.MemberEditForm(
        request.POST if request.method == "POST" else None,
        instance=member.user,
        group=request.group,
        lock_email=lock,
    )
    if request.method == "POST" and form.is_valid():
        member_invitations.member_details_update(
            member=member, user=form.instance, changed=form.changed_data, acting_user=request.user
        )
        messages.success(request, _("Details of %(name)s saved.") % {"name": member.user})
        return redirect("members:sheet", group_slug=group_slug, member_id=member.pk)
    return render(
        request,
        "members/member_edit.html",
        {"group": request.group, "form": form, "member": member},
    )


@group_permission_required("can_manage_members")
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, group_slug: str, member_id: int) -> HttpResponse:
    from members.services import member_remove as remove

    member = _member(request, member_id)
    if request.method == "POST":
        try:
            remove(member=member, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("members:sheet", group_slug=group_slug, member_id=member.pk)
        messages.success(request, _("%(name)s was removed from the group.") % {"name": member.user})
        return redirect("members:list", group_slug=group_slug)
    return render(
        request,
        "members/member_remove.html",
        {"group": request.group, "member": member, "warnings": hooks.removal_warnings(member)},
    )


@group_permission_required("can_manage_members")
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = forms.MemberAddForm(request.POST or None, group=request.group)
    if request.method == "POST" and form.is_valid():
        try:
            member, created = member_invitations.member_create(
                group=request.group,
                details=form.details(),
                send_mail=form.cleaned_data["send_mail"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field_name, errors in exc.error_dict.items():
                    form.add_error(field_name if field_name in form.fields else None, errors)
            else:
                form.add_error("email", exc)
        else:
            if created:
                text = _("%(name)s is now a member.")
            else:
                text = _("%(name)s already had an account and is now a member.")
            messages.success(request, text % {"name": member.user})
            return redirect("members:sheet", group_slug=group_slug, member_id=member.pk)
    return render(request, "members/member_add.html", {"group": request.group, "form": form})


@group_permission_required("can_manage_members")
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        valid, invalid = member_invitations.parse_addresses(form.cleaned_data["addresses"])
        if invalid:
            form.add_error(
                "addresses",
                _("Not e-mail addresses: %(list)s") % {"list": ", ".join(invalid[:20])},
            )
        elif not valid:
            form.add_error("addresses", _("Give at least one e-mail address."))
        else:
            report = member_invitations.invitations_send(
                group=request.group, emails=valid, acting_user=request.user
            )
            _report_invitations(request, report)
            return redirect("members:invitations", group_slug=group_slug)
    return render(
        request,
        "members/invite.html",
        {
            "group": request.group,
            "form": form,
            "invitations": selectors.invitations_with_delivery(group=request.group),
        },
    )


def _report_invitations(request: HttpRequest, report) -> None:
    sent = len(report.sent) + len(report.resent)
    if sent:
        messages.success(
            request,
            ngettext("%(n)d invitation sent.", "%(n)d invitations sent.", sent) % {"n": sent},
        )
    if report.already_members:
        messages.info(
            request,
            _("Already members, not invited: %(list)s")
            % {"list": ", ".join(report.already_members[:20])},
        )


@group_permission_required("can_manage_members")
@require_POST
def invitations_resend(request: HttpRequest, group_slug: str) -> HttpResponse:
    pending = selectors.invitations(group=request.group).filter(accepted_at__isnull=True)
    emails = dict(pending.values_list("pk", "email"))
    form = forms.MemberIdsForm(request.POST, choices=list(emails))
    if not form.is_valid():
        messages.error(request, _("Tick at least one invitation."))
    else:
        report = member_invitations.invitations_send(
            group=request.group,
            emails=[emails[pk] for pk in form.cleaned_data["ids"]],
            acting_user=request.user,
        )
        _report_invitations(request, report)
    return redirect("members:invitations", group_slug=group_slug)


@group_permission_required("can_manage_members")
@require_http_methods(["GET", "POST"])
def member_import(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = forms.MemberImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        preview = member_imports.import_preview(
            group=request.group, data=data, filename=upload.name
        )
        if not preview.errors:
            storage = private_storage()
            previous = request.session.get(IMPORT_SESSION_KEY) or {}
            if previous.get("name"):
                storage.delete(previous["name"])  # a file previewed and never confirmed
            name = storage.save(private_name("member-imports", "members.bin"), ContentFile(data))
            request.session[IMPORT_SESSION_KEY] = {
                "group": request.group.pk,
                "name": name,
                "filename": upload.name,
            }
    return render(
        request,
        "members/member_import.html",
        {
            "group": request.group,
            "form": form,
            "preview": preview,
            "confirm_form": forms.MemberImportConfirmForm(),
            "columns": member_imports.COLUMNS,
        },
    )


@group_permission_required("can_manage_members")
@require_POST
def member_import_confirm(request: HttpRequest, group_slug: str) -> HttpResponse:
    stored = request.session.get(IMPORT_SESSION_KEY) or {}
    form = forms.MemberImportConfirmForm(request.POST)
    if stored.get("group") != request.group.pk or not form.is_valid():
        messages.error(request, _("Send the file again: the preview was lost."))
        return redirect("members:import", group_slug=group_slug)
    storage = private_storage()
    try:
        with storage.open(stored["name"]) as handle:
            data = handle.read()
    except OSError:
        messages.error(request, _("Send the file again: the preview was lost."))
        return redirect("members:import", group_slug=group_slug)
    preview = member_imports.import_preview(
        group=request.group, data=data, filename=stored["filename"]
    )
    try:
        result = member_imports.import_apply(
            group=request.group,
            preview=preview,
            mode=form.cleaned_data["mode"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("members:import", group_slug=group_slug)
    storage.delete(stored["name"])
    del request.session[IMPORT_SESSION_KEY]
    if result.invitations is not None:
        _report_invitations(request, result.invitations)
        return redirect("members:invitations", group_slug=group_slug)
    messages.success(
        request,
        _("Import done: %(created)d account(s) created, %(added)d existing account(s) added.")
        % {"created": result.created, "added": result.added},
    )
    return redirect("members:list", group_slug=group_slug)


@group_permission_required("can_manage_members")
@require_GET
def waiting_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    return render(
        request,
        "members/waiting_list.html",
        {"group": request.group, "requests": selectors.join_requests(group=request.group)},
    )


def _decide(request: HttpRequest, accept: bool) -> HttpResponse:
    ids = list(selectors.join_requests(group=request.group).values_list("pk", flat=True))
    form = forms.MemberIdsForm(request.POST, choices=ids)
    if not form.is_valid():
        messages.error(request, _("Tick at least one request."))
    else:
        count = waiting.join_requests_decide(
            group=request.group,
            request_ids=form.cleaned_data["ids"],
            accept=accept,
            acting_user=request.user,
        )
        text = (
            ngettext("%(n)d request accepted.", "%(n)d requests accepted.", count)
            if accept
            else ngettext("%(n)d request refused.", "%(n)d requests refused.", count)
        )
        messages.success(request, text % {"n": count})
    return redirect("members:waiting_list", group_slug=request.group.slug)


@group_permission_required("can_manage_members")
@require_POST
def waiting_accept(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _decide(request, accept=True)


@group_permission_required("can_manage_members")
@require_POST
def waiting_refuse(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _decide(request, accept=False)


@group_permission_required("can_manage_members")
@require_POST
def members_to_waiting_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    ids = list(selectors.member_list(group=request.group).values_list("pk", flat=True))
    form = forms.MemberIdsForm(request.POST, choices=ids)
    if not form.is_valid():
        messages.error(request, _("Tick at least one member."))
        return redirect("members:list", group_slug=group_slug)
    try:
        count = waiting.members_move_to_waiting_list(
            group=request.group, member_ids=form.cleaned_data["ids"], acting_user=request.user
        )
    except MembershipError as exc:
        messages.error(request, _error_text(exc))
        return redirect("members:list", group_slug=group_slug)
    messages.success(
        request,
        ngettext(
            "%(n)d member moved to the waiting list.",
            "%(n)d members moved to the waiting list.",
            count,
        )
        % {"n": count},
    )
    return redirect("members:waiting_list", group_slug=group_slug)

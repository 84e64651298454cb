from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.tenancy import group_permission_required
from kernel.mail import preferences_user_id
from kernel.security import content_security_policy
from members.models import User
from members.services import user_update_profile
from messaging import forms, selectors, services
from messaging.audiences import TEST
from messaging.models import Message

RIGHT = "can_send_messages"


def _message(request: HttpRequest, message_id: int) -> Message:
    return selectors.message_get(
        group=request.group, user=request.user, perms=request.group_perms, message_id=message_id
    )


@group_permission_required(RIGHT)
@require_GET
def message_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    history = selectors.message_history(group=group, user=request.user, perms=request.group_perms)
    context = {"group": group, "history": history}
    if "admin" in request.group_perms:
        context["opted_out"] = selectors.opted_out_counts(group)
        context["failed"] = selectors.failed_mail_count(group)
        context["failed_mails"] = selectors.failed_mails(group) if context["failed"] else []
    return render(request, "messaging/list.html", context)


def _initial(message: Message | None) -> dict:
    if message is None:
        return {}
    audience = message.audience
    if message.audience_param:
        audience = f"{audience}:{message.audience_param}"
    return {"audience": audience, "subject": message.subject, "body": message.body}


def _compose(request: HttpRequest, message: Message | None, reuse: Message | None) -> HttpResponse:
    """The form of a new message (``reuse``: a copy of an earlier one) or of a draft."""
    group = request.group
    options = selectors.audience_options(group=group, user=request.user)
    source = message or reuse
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = forms.MessageForm(*data, initial=_initial(source), options=options)
    if request.method == "POST" and form.is_valid():
        key, param = form.audience_choice()
        saved = services.message_save(
            group=group,
            acting_user=request.user,
            audience=key,
            audience_param=param,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            new_attachments=form.cleaned_data["files"],
            keep_attachments=source.attachments if source else [],
            message=message,
        )
        messages.success(request, _("Draft saved: check it, send yourself a test, then send it."))
        return redirect("messaging:detail", group.slug, saved.pk)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    context = {"group": group, "form": form, "options": options, "message": message}
    context["attachments"] = source.attachments if source else []
    return render(request, "messaging/compose.html", context)


@group_permission_required(RIGHT)
@require_http_methods(["GET", "POST"])
def message_new(request: HttpRequest, group_slug: str) -> HttpResponse:
    reuse = None
    if request.GET.get("reuse", "").isdigit():
        reuse = _message(request, int(request.GET["reuse"]))
    return _compose(request, None, reuse)


@group_permission_required(RIGHT)
@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, group_slug: str, message_id: int) -> HttpResponse:
    message = _message(request, message_id)
    if not message.is_draft:
        return redirect("messaging:detail", group_slug, message.pk)
    return _compose(request, message, None)


@group_permission_required(RIGHT)
@require_GET
def message_detail(request: HttpRequest, group_slug: str, message_id: int) -> HttpResponse:
    message = _message(request, message_id)
    context = {"group": request.group, "message": message}
    if message.is_draft:
        users = services.audiences.resolve(
            request.group, message.audience, message.audience_param, request.user
        )
        context["count"] = users.count()
    else:
        context["delivery"] = selectors.message_delivery(message)
    response = render(request, "messaging/detail.html", context)
    # The preview shows the images the message links to, as the recipients' mail clients will.
    policy = content_security_policy().replace("img-src ", "img-src https: ", 1)
    response.headers["Content-Security-Policy"] = policy
    return response


@group_permission_required(RIGHT)
@require_GET
def message_progress(request: HttpRequest, group_slug: str, message_id: int) -> JsonResponse:
    """How far the sending task is, for the detail page's progress line."""
    message = _message(request, message_id)
    return JsonResponse(
        {"status": message.status, "progress": message.progress, "total": message.total}
    )


@group_permission_required(RIGHT)
@require_POST
def message_test(request: HttpRequest, group_slug: str, message_id: int) -> HttpResponse:
    message = _message(request, message_id)
    services.message_send_test(message=message, acting_user=request.user)
    messages.success(request, _("A test was sent to %(email)s.") % {"email": request.user.email})
    return redirect("messaging:detail", group_slug, message.pk)


@group_permission_required(RIGHT)
@require_POST
def message_send(request: HttpRequest, group_slug: str, message_id: int) -> HttpResponse:
    message = _message(request, message_id)
    if message.audience == TEST:
        messages.error(request, _("This list is only for tests: choose the recipients."))
        return redirect("messaging:edit", group_slug, message.pk)
    try:
        count = services.message_send(message=message, acting_user=request.user)
    except services.MessageRefusedError:
        messages.error(request, _("This message was already sent."))
    else:
        messages.success(
            request, _("The message is on its way to %(n)s recipients.") % {"n": count}
        )
    return redirect("messaging:detail", group_slug, message.pk)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The footer link of every mail: the notification choices, without logging in."""
    user_id = preferences_user_id(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise Http404
    form = forms.PreferencesForm(request.POST if request.method == "POST" else None, instance=user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=form.instance, changed=form.changed_data, acting_user=user)
        messages.success(request, _("Your choices are saved."))
        return redirect("messaging:preferences", token)
    return render(request, "messaging/preferences.html", {"form": form, "person": user})

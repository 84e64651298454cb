"""The group archive in Django admin: operators download a group's archive (an action on the
groups' list) and import an archive made on another instance (a page of its own)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Group
from reports import archive

MAX_ARCHIVE_BYTES = 200 * 1024 * 1024


@admin.action(description=gettext_lazy("Download the group's archive"))
def download_archive(modeladmin, request: HttpRequest, queryset) -> HttpResponse | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Select exactly one group."), messages.WARNING)
        return None
    group = queryset.get()
    response = HttpResponse(archive.build_archive(group), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive.file_name(group)}"'
    return response


group_admin = admin.site._registry.get(Group)
if group_admin is not None:
    group_admin.actions = [*group_admin.actions, download_archive]
    group_admin.change_list_template = "admin/reports/group_change_list.html"


class ArchiveImportForm(forms.Form):
    archive = forms.FileField(label=gettext_lazy("Group archive (.cagette.zip)"))
    slug = forms.SlugField(
        label=gettext_lazy("Address of the new group"),
        required=False,
        help_text=gettext_lazy("Empty: the address it had on the other instance."),
    )

    def clean_archive(self):
        upload = self.cleaned_data["archive"]
        if upload.size > MAX_ARCHIVE_BYTES:
            raise forms.ValidationError(_("This file is too large."))
        return upload


def archive_import(request: HttpRequest) -> HttpResponse:
    """Operators (superusers) only: it creates users and a whole group."""
    if not request.user.is_superuser:
        raise PermissionDenied
    form = ArchiveImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = archive.load_archive(
                form.cleaned_data["archive"].read(),
                slug=form.cleaned_data["slug"] or None,
                acting_user=request.user,
            )
        except archive.ArchiveError as error:
            form.add_error("archive", str(error))
        else:
            if result.created:
                messages.success(
                    request,
                    _("Group %(name)s imported.") % {"name": result.group.name},
                )
            else:
                messages.info(request, _("This archive was already imported: nothing changed."))
            return redirect(reverse("admin:groups_group_change", args=[result.group.pk]))
    context = {
        **admin.site.each_context(request),
        "title": _("Import a group archive"),
        "form": form,
    }
    return TemplateResponse(request, "admin/reports/archive_import.html", context)

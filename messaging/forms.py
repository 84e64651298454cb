from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.outbox import MAX_ATTACHMENTS_BYTES, Attachment
from messaging.sanitize import message_html

MAX_FILES = 5
# Extension → type; the start of the file must match for the kinds that have a signature.
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class MessageForm(forms.Form):
    audience = forms.ChoiceField(label=_("Recipients"))
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Bold, italics, links, lists and images by address are kept; anything else is removed."
        ),
    )
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 5 files, 5 MB in all: PDF, images, text, spreadsheets, documents."),
    )

    def __init__(self, *args: Any, options: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["audience"].choices = [
            (o["value"], o["label"]) for o in options if o["available"]
        ]

    def clean_body(self) -> str:
        body = message_html(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError(_("Write the message."))
        return body

    def clean_files(self) -> list[Attachment]:
        uploads = self.cleaned_data.get("files") or []
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(_("At most 5 attachments."))
        attachments: list[Attachment] = []
        total = 0
        for upload in uploads:
            name = PurePath(upload.name).name[:100]
            ext = PurePath(name).suffix.lower()
            if ext not in ALLOWED_TYPES:
                raise forms.ValidationError(
                    _("%(name)s: this kind of file cannot be attached.") % {"name": name}
                )
            total += upload.size
            if total > MAX_ATTACHMENTS_BYTES:
                raise forms.ValidationError(_("The attachments weigh more than 5 MB in all."))
            content = upload.read()
            signatures = SIGNATURES.get(ext)
            if signatures and not content.startswith(signatures):
                raise forms.ValidationError(
                    _("%(name)s is not the kind of file its name says.") % {"name": name}
                )
            attachments.append(Attachment(name, content, ALLOWED_TYPES[ext]))
        return attachments

    def audience_choice(self) -> tuple[str, int | None]:
        key, _sep, param = self.cleaned_data["audience"].partition(":")
        return key, int(param) if param.isdigit() else None


class PreferencesForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.is_group_admin_anywhere():
            del self.fields["notify_distribution_validation"]

    class Meta:
        from members.models import User

        model = User
        fields = [
            "notify_orders_open",
            "notify_orders_closing",
            "notify_distribution_reminder",
            "notify_distribution_reminder_4h",
            "notify_volunteer_alerts",
            "notify_order_changes",
            "notify_distribution_validation",
            "notify_membership_reminder",
        ]

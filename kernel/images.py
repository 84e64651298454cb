"""Uploaded pictures: JPEG, PNG, GIF or WebP, by name and by content (design §10).

Pillow opens many more formats (PostScript, PDF written as images, BMP, TIFF…) and Django's
``ImageField`` accepts every extension Pillow knows: a ``.pdf`` or a ``.ps`` would then be stored
and served from the site's origin. ``ImageField`` here allows only the four formats browsers
show, and checks that the content is one of them, whatever the file's name says.
"""

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp"]
FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
REFUSAL = _("Send a picture in JPEG, PNG, GIF or WebP format.")

validate_image_extension = FileExtensionValidator(EXTENSIONS, message=REFUSAL)


class ImageFormField(forms.ImageField):
    default_validators = [validate_image_extension]
    default_error_messages = {"invalid_image": REFUSAL}

    def to_python(self, data: Any) -> Any:
        upload = super().to_python(data)
        image = getattr(upload, "image", None)
        if image is not None and image.format not in FORMATS:
            raise forms.ValidationError(REFUSAL, code="invalid_image")
        return upload


class ImageField(models.ImageField):
    """A model ``ImageField`` whose forms (and the admin's) take only the allowed pictures."""

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": ImageFormField, **kwargs})

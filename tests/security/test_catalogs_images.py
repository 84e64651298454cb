"""Pictures are JPEG, PNG, GIF or WebP by content and by name (issue 12, Low): a PDF or a
PostScript file, or an image renamed ``.pdf``, is refused next to the field, in French."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalogs.forms import ProductForm, VendorPhotoForm, VendorProfileForm
from groups.forms import GroupGeneralForm

RATES = [("5.5", "5,5 %")]
PRODUCT = {"name": "Pain", "unit_type": "piece", "vat_rate": "5.5", "active": "on", "price": "2"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


def picture(fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, fmt)
    return out.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content)


def _product_errors(file):
    form = ProductForm(PRODUCT, {"image": file}, vat_rates=RATES)
    form.is_valid()
    return form.errors.get("image")


def _photo_errors(file):
    form = VendorPhotoForm({"caption": ""}, {"image": file})
    form.is_valid()
    return form.errors.get("image")


def _profile_errors(file):
    form = VendorProfileForm({"name": "Ferme", "country": "FR"}, {"image": file})
    form.is_valid()
    return form.errors.get("image")


def _logo_errors(world, file):
    form = GroupGeneralForm({}, {"logo": file}, instance=world.group)
    form.is_valid()
    return form.errors.get("logo")


HOSTILE = [
    ("doc.pdf", PDF),
    ("doc.ps", PS),
    ("image.pdf", picture()),
    ("image.ps", picture()),
    ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("image.bmp", picture("BMP")),
]


@pytest.mark.parametrize(("name", "content"), HOSTILE)
@pytest.mark.parametrize("errors_of", [_product_errors, _photo_errors, _profile_errors])
def test_a_catalogs_picture_that_is_not_an_allowed_image_is_refused(db, errors_of, name, content):
    errors = errors_of(upload(name, content))
    assert errors, name
    assert all(not e.startswith(("Upload", "File extension")) for e in errors), errors


@pytest.mark.parametrize(("name", "content"), HOSTILE)
def test_a_group_logo_that_is_not_an_allowed_image_is_refused(world, name, content):
    assert _logo_errors(world, upload(name, content))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_allowed_pictures_are_accepted(world, fmt):
    ext = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    assert not _product_errors(upload(f"photo.{ext}", picture(fmt)))
    assert not _photo_errors(upload(f"photo.{ext}", picture(fmt)))
    assert not _logo_errors(world, upload(f"logo.{ext}", picture(fmt)))

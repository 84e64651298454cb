from datetime import timedelta
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from catalogs.models import (
    MAX_PRICE,
    MAX_QUANTITY_PER_LINE,
    Catalog,
    ProducerCatalog,
    ProducerProduct,
    Product,
    Vendor,
)
from catalogs.reference import naf_codes, normalize_naf, profession_choices, taxonomy
from catalogs.validators import normalize_siret
from groups.models import Group
from kernel.forms import RowIdChoiceField, RowIdsChoiceField
from kernel.images import ImageFormField
from kernel.numbers import DecimalInputField
from members.models import Member

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_STOCK = Decimal("999999999.999")


def price_field(**kwargs) -> DecimalInputField:
    """A price as people type it (``2,50`` or ``2.50``), at most ``MAX_PRICE``."""
    return DecimalInputField(places=2, maximum=MAX_PRICE, **kwargs)


def _check_image(image):
    if image and hasattr(image, "size") and image.size > MAX_IMAGE_BYTES:
        raise forms.ValidationError(_("The picture must weigh less than 2 MB."))
    return image


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# Producers ----------------------------------------------------------------------------------------


class VendorProfileForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Vendor
        fields = [
            "name",
            "people_name",
            "email",
            "phone",
            "profession",
            "profession2",
            "profession3",
            "description",
            "long_description",
            "website",
            "image",
            "address1",
            "address2",
            "postcode",
            "city",
            "latitude",
            "longitude",
            "listed_in_directory",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
            "long_description": forms.Textarea(attrs={"rows": 6}),
        }

    def clean_image(self):
        return _check_image(self.cleaned_data.get("image"))

    def clean_description(self):
        text = self.cleaned_data.get("description", "")
        if len(text) > 1000:
            raise forms.ValidationError(_("Keep the description under 1,000 characters."))
        return text

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            raise forms.ValidationError(_("Give both the latitude and the longitude, or neither."))
        return cleaned


class VendorLegalForm(forms.ModelForm):
    siret = forms.CharField(
        label=_("SIRET number"),
        max_length=32,
        required=False,
        help_text=_("14 digits, spaces allowed."),
    )
    naf_code = forms.CharField(
        label=_("Activity code (NAF)"),
        max_length=12,
        required=False,
        help_text=_("A sub-class such as 0113Z (market gardening) or 1071C (bakery)."),
        widget=forms.TextInput(attrs={"list": "naf-codes", "autocomplete": "off"}),
    )

    class Meta:
        model = Vendor
        fields = [
            "legal_name",
            "siret",
            "legal_status",
            "naf_code",
            "vat_number",
            "share_capital",
            "registered_address",
            "registered_postcode",
            "registered_city",
        ]

    def clean_siret(self):
        return normalize_siret(self.cleaned_data.get("siret", ""))

    def clean_naf_code(self):
        code = normalize_naf(self.cleaned_data.get("naf_code", ""))
        if code and code not in naf_codes():
            raise forms.ValidationError(_("Unknown NAF code: give a sub-class such as 0113Z."))
        return code

    def clean_vat_number(self):
        return "".join(self.cleaned_data.get("vat_number", "").split()).upper()


class VendorCreateForm(forms.ModelForm):
    """The producer space's first step: who you are."""

    class Meta:
        model = Vendor
        fields = ["name", "email", "phone", "profession", "postcode", "city"]


class VendorManagerForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of their account"))


class VendorPhotoForm(forms.Form):
    image = ImageFormField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=128, required=False)

    def clean_image(self):
        return _check_image(self.cleaned_data.get("image"))


# Catalogs -----------------------------------------------------------------------------------------


CATALOG_FIELDS = [
    "name",
    "description",
    "catalog_type",
    "start_date",
    "end_date",
    "order_open_days_before",
    "order_close_hours_before",
    "users_can_order",
    "stock_tracked",
    "fee_percent",
    "fee_label",
    "max_quantity_per_line",
]


class CatalogForm(forms.ModelForm):
    fee_percent = DecimalInputField(
        label=_("fee (%)"), places=2, maximum=Decimal(100), initial=Decimal(0)
    )
    max_quantity_per_line = DecimalInputField(
        label=_("Maximum quantity per order line"),
        places=0,
        minimum=Decimal(1),
        maximum=Decimal(MAX_QUANTITY_PER_LINE),
        required=False,
        help_text=format_lazy(
            _("In the product's unit; empty for the platform's maximum, {maximum}."),
            maximum=MAX_QUANTITY_PER_LINE,
        ),
    )

    class Meta:
        model = Catalog
        fields = CATALOG_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }

    def __init__(self, *args, group: Group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        if group.shop_mode:
            # Market mode: catalogs are variable-order ones (spec §2).
            del self.fields["catalog_type"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end must be after the start."))
        return cleaned


class CatalogCreateForm(CatalogForm):
    """A catalog for a producer already known to the group, or a new producer."""

    vendor = RowIdChoiceField(
        label=_("Producer"),
        queryset=Vendor.objects.none(),
        required=False,
        empty_label=_("— a new producer —"),
    )
    vendor_name = forms.CharField(label=_("New producer's name"), max_length=128, required=False)
    vendor_email = forms.EmailField(label=_("New producer's e-mail"), required=False)
    vendor_profession = forms.TypedChoiceField(
        label=_("New producer's profession"), required=False, coerce=int, empty_value=None
    )
    vendor_postcode = forms.CharField(
        label=_("New producer's postcode"), max_length=16, required=False
    )
    vendor_city = forms.CharField(label=_("New producer's city"), max_length=64, required=False)

    field_order = [
        "vendor",
        "vendor_name",
        "vendor_email",
        "vendor_profession",
        "vendor_postcode",
        "vendor_city",
    ]

    def __init__(self, *args, group: Group, **kwargs):
        kwargs.setdefault("initial", {})
        today = timezone.localdate()
        kwargs["initial"].setdefault("start_date", today)
        kwargs["initial"].setdefault("end_date", today + timedelta(days=365))
        super().__init__(*args, group=group, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = _("The producer's name when empty.")
        self.fields["vendor_profession"].choices = [("", "—"), *profession_choices()]
        # The group's own producer records and those it already has catalogs of (decision 18:
        # never another group's record); producers with a producer account are linked through
        # their own catalog instead.
        known = Vendor.objects.filter(Q(owner_group=group) | Q(catalogs__group=group))
        ids = set(known.filter(managers__isnull=True).values_list("pk", flat=True))
        self.fields["vendor"].queryset = Vendor.objects.filter(pk__in=ids).order_by("name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("vendor") is None and not cleaned.get("vendor_name", "").strip():
            self.add_error("vendor_name", _("Choose a producer or give the new producer's name."))
        return cleaned


class CoordinatorsForm(forms.Form):
    coordinators = RowIdsChoiceField(
        label=_("Coordinators"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They manage this catalog only: products, stock, orders."),
    )

    def __init__(self, *args, group: Group, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["coordinators"]
        field.queryset = (
            Member.objects.active()
            .filter(group=group)
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        field.label_from_instance = lambda m: f"{m.user.display_name} ({m.user.email})"


class DuplicateForm(forms.Form):
    name = forms.CharField(label=_("Name of the copy"), max_length=64)
    copy_products = forms.BooleanField(
        label=_("Copy the products (with their stock)"), required=False, initial=True
    )


# Products -----------------------------------------------------------------------------------------


PRODUCT_FIELDS = [
    "name",
    "ref",
    "taxonomy",
    "description",
    "image",
    "unit_type",
    "unit_quantity",
    "price",
    "vat_rate",
    "variable_weight",
    "multi_weight",
    "bulk",
    "small_quantity",
    "wholesale",
    "organic",
    "stock",
    "active",
]


class TaxonomyField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Category"),
            coerce=int,
            empty_value=None,
            required=False,
            choices=lambda: [("", "—"), *taxonomy().grouped_choices()],
            **kwargs,
        )


class BaseProductForm(forms.ModelForm):
    taxonomy = TaxonomyField()
    price = price_field(label=_("price incl. VAT"))
    vat_rate = forms.TypedChoiceField(label=_("VAT rate"), coerce=Decimal)

    class Meta:
        fields = PRODUCT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, vat_rates: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(vat_rates)
        current = self.instance.vat_rate if self.instance.pk else None
        values = {Decimal(v) for v, _label in choices}
        if current is not None and current not in values:
            choices.append((str(current), f"{current} %"))
        self.fields["vat_rate"].choices = choices
        if current is not None:
            self.initial["vat_rate"] = str(current)
        elif choices:
            self.initial.setdefault("vat_rate", choices[0][0])
        self.fields["price"].help_text = _("Including VAT, for one unit as sold.")
        self.fields["unit_quantity"].help_text = _(
            "For example 0.5 with the unit kg for a 500 g bag."
        )
        self.fields["small_quantity"].help_text = _(
            "Bulk only: the smallest step a member can order, e.g. 0.1."
        )

    def clean_image(self):
        return _check_image(self.cleaned_data.get("image"))


class ProductForm(BaseProductForm):
    class Meta(BaseProductForm.Meta):
        model = Product


class ProducerProductForm(BaseProductForm):
    class Meta(BaseProductForm.Meta):
        model = ProducerProduct


class ProductQuickForm(forms.Form):
    """Edit in place in the product list: price, stock, active."""

    price = price_field(label=_("Price"))
    stock = DecimalInputField(label=_("Stock"), places=3, maximum=MAX_STOCK, required=False)
    active = forms.BooleanField(label=_("Active"), required=False)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("active", _("Active")), ("inactive", _("Inactive"))],
    )
    organic = forms.BooleanField(label=_("Organic only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All")), *taxonomy().category_choices()]


class ProductSelectionForm(forms.Form):
    """Products ticked in a catalog's list, for an action on all of them."""

    products = forms.TypedMultipleChoiceField(
        coerce=int,
        required=True,
        error_messages={
            "required": _("Select at least one product."),
        },
    )

    def __init__(self, *args, product_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(pk, pk) for pk in product_ids]


class PriceChangeForm(ProductSelectionForm):
    percent = DecimalInputField(
        label=_("Percentage"),
        places=2,
        minimum=Decimal("-99.99"),
        maximum=Decimal(1000),
        help_text=_("5 raises prices by 5 %, -10 lowers them by 10 %."),
        error_messages={"required": _("Give the percentage.")},
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"), help_text=_("4 MB at most."))
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 4 * 1024 * 1024:
            raise forms.ValidationError(_("The file is too big (4 MB at most)."))
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Send a CSV or an XLSX file."))
        return upload


class ProducerImportForm(ImportForm):
    """The producers' product + offers file (``services.producer_catalog_import``)."""

    dry_run = None  # type: ignore[assignment]  # the preview always comes first
    prices_include_vat = forms.BooleanField(
        label=_("The file's prices include VAT"),
        required=False,
        help_text=_("Otherwise the prices are excl. VAT and the VAT of each line is added."),
    )
    disable_missing = forms.BooleanField(
        label=_("Disable the products missing from the file"),
        required=False,
        help_text=_("Products of this catalog whose reference is not in the file become inactive."),
    )
    images = forms.FileField(
        label=_("Pictures (ZIP file, optional)"),
        required=False,
        help_text=_(
            "The pictures the “URL Image” column names by file name (JPEG, PNG, GIF or WebP, "
            "2 MB each; 10 MB for the ZIP file)."
        ),
    )

    def clean_images(self):
        upload = self.cleaned_data["images"]
        if upload is None:
            return upload
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The ZIP file is too big (10 MB at most)."))
        if not upload.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("Send the pictures in a ZIP file."))
        return upload


class ProducerImportApplyForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The linked group catalogs ticked in the preview: they get the file's prices; the others
    # keep theirs. Rendered by the preview's template, one checkbox per linked catalog.
    links = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, link_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["links"].choices = [(pk, pk) for pk in link_ids]  # type: ignore[attr-defined]


# Producer catalogs, links, directory --------------------------------------------------------------


class ProducerCatalogForm(forms.ModelForm):
    class Meta:
        model = ProducerCatalog
        fields = ["name", "group_catalog_name", "description", "visible", "stock_tracked"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PublishForm(forms.Form):
    group = RowIdChoiceField(label=_("Group"), queryset=Group.objects.none())

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(pk__in=[g.pk for g in groups])


class DirectorySearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False)
    profession = forms.TypedChoiceField(
        label=_("Profession"), required=False, coerce=int, empty_value=None
    )
    category = forms.TypedChoiceField(
        label=_("Products"), required=False, coerce=int, empty_value=None
    )
    distance = forms.TypedChoiceField(
        label=_("Distance"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any")),
            (10, _("10 km")),
            (25, _("25 km")),
            (50, _("50 km")),
            (100, _("100 km")),
            (200, _("200 km")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profession"].choices = [("", _("All")), *profession_choices()]
        self.fields["category"].choices = [("", _("All")), *taxonomy().category_choices()]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Producer's e-mail"))
    vendor_name = forms.CharField(label=_("Producer's name"), max_length=128, required=False)
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AcceptInvitationForm(forms.Form):
    vendor = RowIdChoiceField(label=_("As the producer"), queryset=Vendor.objects.none())
    producer_catalog = RowIdChoiceField(
        label=_("Catalog to link"),
        queryset=ProducerCatalog.objects.none(),
        required=False,
        empty_label=_("— a new catalog, empty for now —"),
    )

    def __init__(self, *args, user, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        vendors = Vendor.objects.filter(managers=user)
        if invitation.vendor_id:
            vendors = vendors.filter(pk=invitation.vendor_id)
        self.fields["vendor"].queryset = vendors.order_by("name")
        catalogs = ProducerCatalog.objects.filter(vendor__managers=user).select_related("vendor")
        self.fields["producer_catalog"].queryset = catalogs.order_by("vendor__name", "name")
        self.fields["producer_catalog"].label_from_instance = lambda pc: (
            f"{pc.vendor.name} — {pc.name}"
        )
        if invitation.producer_catalog_id:
            self.initial["producer_catalog"] = invitation.producer_catalog_id
        if vendors.count() == 1:
            self.initial["vendor"] = vendors.first().pk

    def clean(self):
        cleaned = super().clean()
        vendor, pc = cleaned.get("vendor"), cleaned.get("producer_catalog")
        if vendor and pc and pc.vendor_id != vendor.pk:
            self.add_error("producer_catalog", _("This catalog belongs to another producer."))
        return cleaned

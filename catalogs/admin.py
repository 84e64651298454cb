from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin, ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm

from catalogs.models import (
    Catalog,
    CatalogLink,
    ProducerCatalog,
    ProducerProduct,
    Product,
    Vendor,
    VendorInvitation,
    VendorPhoto,
)
from catalogs.resources import ADMIN_FORMATS, CatalogResource, ProductResource, VendorResource
from kernel.admin_export import TranslatedExportForm, TranslatedExportFormMixin


class LegalDataFilter(admin.SimpleListFilter):
    title = _("legal data")
    parameter_name = "legal"

    def lookups(self, request, model_admin):
        return [("complete", _("Complete")), ("incomplete", _("Incomplete"))]

    def queryset(self, request, queryset):
        if self.value() not in ("complete", "incomplete"):
            return queryset
        complete = [v.pk for v in queryset if v.legal_data_complete]
        if self.value() == "complete":
            return queryset.filter(pk__in=complete)
        return queryset.exclude(pk__in=complete)


class VendorPhotoInline(admin.TabularInline):
    model = VendorPhoto
    extra = 0


@admin.register(Vendor)
class VendorAdmin(TranslatedExportFormMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [VendorResource]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "name",
        "city",
        "email",
        "profession",
        "siret",
        "legal_complete",
        "listed_in_directory",
        "blocked_reason",
        "created_at",
    ]
    list_filter = [
        LegalDataFilter,
        "listed_in_directory",
        "blocked_reason",
        "profession",
        "country",
    ]
    search_fields = ["name", "legal_name", "email", "siret", "city", "postcode", "managers__email"]
    filter_horizontal = ["managers"]
    raw_id_fields = ["owner_group"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [VendorPhotoInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "people_name",
                    "email",
                    "phone",
                    "managers",
                    "owner_group",
                    "blocked_reason",
                ]
            },
        ),
        (
            _("Public profile"),
            {
                "fields": [
                    "profession",
                    "profession2",
                    "profession3",
                    "description",
                    "long_description",
                    "website",
                    "image",
                    "listed_in_directory",
                ]
            },
        ),
        (
            _("Address"),
            {
                "fields": [
                    "address1",
                    "address2",
                    "postcode",
                    "city",
                    "country",
                    "latitude",
                    "longitude",
                ]
            },
        ),
        (
            _("Legal data"),
            {
                "fields": [
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
            },
        ),
        (_("Dates"), {"fields": ["created_at", "updated_at"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "website":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(boolean=True, description=_("legal data complete"))
    def legal_complete(self, obj: Vendor) -> bool:
        return obj.legal_data_complete


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ["name", "ref", "price", "vat_rate", "unit_type", "unit_quantity", "stock", "active"]
    show_change_link = True


@admin.register(Catalog)
class CatalogAdmin(TranslatedExportFormMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [CatalogResource]
    list_display = [
        "name",
        "group",
        "vendor",
        "catalog_type",
        "start_date",
        "end_date",
        "users_can_order",
    ]
    list_filter = ["catalog_type", "users_can_order", "stock_tracked", "end_date"]
    search_fields = ["name", "group__name", "group__slug", "vendor__name"]
    list_select_related = ["group", "vendor"]
    raw_id_fields = ["group", "vendor"]
    filter_horizontal = ["coordinators"]
    date_hierarchy = "start_date"
    inlines = [ProductInline]


class CatalogImportForm(ImportForm):
    catalog = forms.ModelChoiceField(
        label=_("Catalog to import into"),
        queryset=Catalog.objects.select_related("group").order_by("group__name", "name"),
    )


class CatalogConfirmImportForm(ConfirmImportForm):
    catalog = forms.ModelChoiceField(queryset=Catalog.objects.all(), widget=forms.HiddenInput())


@admin.register(Product)
class ProductAdmin(ImportExportModelAdmin):
    """Import goes into one catalog chosen on the import page; all or nothing (decision 12)."""

    resource_classes = [ProductResource]
    formats = ADMIN_FORMATS
    export_form_class = TranslatedExportForm
    import_form_class = CatalogImportForm
    confirm_form_class = CatalogConfirmImportForm
    list_display = [
        "name",
        "ref",
        "catalog",
        "group",
        "price",
        "vat_rate",
        "unit_type",
        "unit_quantity",
        "stock",
        "organic",
        "active",
    ]
    list_filter = ["active", "organic", "bulk", "variable_weight", "wholesale", "unit_type"]
    search_fields = ["name", "ref", "catalog__name", "group__name", "catalog__vendor__name"]
    list_select_related = ["catalog", "group"]
    raw_id_fields = ["group", "catalog"]
    readonly_fields = ["created_at", "updated_at"]

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        catalog = None
        if form is not None and hasattr(form, "cleaned_data"):
            catalog = form.cleaned_data.get("catalog")
        return {"catalog": catalog}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["catalog"] = import_form.cleaned_data["catalog"].pk
        return initial

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs


class ProducerProductInline(admin.TabularInline):
    model = ProducerProduct
    extra = 0
    fields = ["name", "ref", "price", "vat_rate", "unit_type", "unit_quantity", "stock", "active"]
    show_change_link = True


@admin.register(ProducerCatalog)
class ProducerCatalogAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "visible", "stock_tracked", "updated_at"]
    list_filter = ["visible", "stock_tracked"]
    search_fields = ["name", "vendor__name"]
    list_select_related = ["vendor"]
    raw_id_fields = ["vendor"]
    inlines = [ProducerProductInline]


@admin.register(ProducerProduct)
class ProducerProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "ref",
        "producer_catalog",
        "price",
        "vat_rate",
        "unit_type",
        "stock",
        "active",
    ]
    list_filter = ["active", "organic", "bulk", "unit_type"]
    search_fields = ["name", "ref", "producer_catalog__name", "producer_catalog__vendor__name"]
    list_select_related = ["producer_catalog"]
    raw_id_fields = ["producer_catalog"]


@admin.register(CatalogLink)
class CatalogLinkAdmin(admin.ModelAdmin):
    list_display = [
        "producer_catalog",
        "catalog",
        "group",
        "needs_sync",
        "last_synced_at",
        "created_at",
        "ended_at",
    ]
    list_filter = ["needs_sync", "ended_at"]
    search_fields = [
        "producer_catalog__name",
        "catalog__name",
        "group__name",
        "producer_catalog__vendor__name",
    ]
    list_select_related = ["producer_catalog", "catalog", "group"]
    raw_id_fields = ["group", "catalog", "producer_catalog", "created_by", "ended_by"]
    actions = ["sync_now"]

    @admin.action(description=_("Sync the selected links now"))
    def sync_now(self, request, queryset):
        from catalogs.services import catalog_link_sync

        count = 0
        for link in queryset.filter(ended_at__isnull=True):
            catalog_link_sync(link=link)
            count += 1
        self.message_user(request, _("%(count)d link(s) synced.") % {"count": count})


@admin.register(VendorInvitation)
class VendorInvitationAdmin(admin.ModelAdmin):
    list_display = [
        "group",
        "vendor",
        "email",
        "status",
        "created_at",
        "created_by",
        "responded_at",
    ]
    list_filter = ["status"]
    search_fields = ["group__name", "vendor__name", "email", "vendor_name"]
    list_select_related = ["group", "vendor", "created_by"]
    raw_id_fields = ["group", "vendor", "producer_catalog", "created_by", "responded_by", "catalog"]
    readonly_fields = ["code", "created_at", "responded_at"]


@admin.register(VendorPhoto)
class VendorPhotoAdmin(admin.ModelAdmin):
    list_display = ["vendor", "position"]
    list_filter = [("vendor__owner_group", admin.EmptyFieldListFilter)]
    search_fields = ["vendor__name", "vendor__email"]
    list_select_related = ["vendor"]
    raw_id_fields = ["vendor"]

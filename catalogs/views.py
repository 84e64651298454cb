"""Group screens: catalogs, products, import/export, links and the producer directory.

Catalog-level pages are open to members managing every catalog (``can_manage_catalogs``,
admins included) and to the coordinators of that catalog; ``catalog_get_for_manager`` decides.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalogs import forms, selectors, services
from catalogs.access import (
    catalog_get_for_manager,
    coordinated_catalog_ids,
    manages_all_catalogs,
)
from catalogs.exceptions import ProductImportError
from catalogs.models import Catalog, ProducerCatalog, Product, Vendor, VendorInvitation
from catalogs.reference import naf_choices
from groups.tenancy import get_for_group, group_member_required, group_permission_required
from kernel.redirects import safe_path
from members.models import Member

PRODUCTS_PER_PAGE = 100


def _catalog_queryset():
    return Catalog.objects.select_related(
        "vendor", "group", "source_link__producer_catalog__vendor"
    ).prefetch_related(
        Prefetch(
            "coordinators",
            queryset=Member.objects.select_related("user").order_by("user__last_name"),
        )
    )


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _back(request: HttpRequest, default: str) -> str:
    return safe_path(request.POST.get("next") or request.GET.get("next")) or default


# Catalogs -----------------------------------------------------------------------------------------


@group_member_required
@require_GET
def catalog_list(request: HttpRequest, group_slug: str) -> HttpResponse:
    all_rights = manages_all_catalogs(request)
    only = None if all_rights else coordinated_catalog_ids(request)
    if not all_rights and not only:
        raise PermissionDenied
    state = request.GET.get("state", "current")
    if state not in ("current", "ended", "all"):
        state = "current"
    catalogs = list(selectors.catalog_list(group=request.group, only_ids=only, state=state))
    incomplete = {c.vendor.pk: c.vendor for c in catalogs if not c.vendor.legal_data_complete}
    return render(
        request,
        "catalogs/catalog_list.html",
        {
            "group": request.group,
            "catalogs": catalogs,
            "state": state,
            "all_rights": all_rights,
            "incomplete_vendors": list(incomplete.values()),
            "today": selectors.group_today(request.group),
        },
    )


def _vendor_create(request: HttpRequest, form: forms.CatalogCreateForm) -> Vendor | None:
    """The new producer of ``form``; None when refused, with the errors next to its fields."""
    data = form.cleaned_data
    try:
        return services.vendor_create(
            acting_user=request.user,
            name=data["vendor_name"].strip(),
            email=data["vendor_email"],
            profession=data["vendor_profession"],
            postcode=data["vendor_postcode"],
            city=data["vendor_city"],
            owner_group=request.group,
        )
    except ValidationError as exc:
        for field, errors in exc.update_error_dict({}).items():
            form.add_error(f"vendor_{field}" if f"vendor_{field}" in form.fields else None, errors)
        return None


def _catalog_create(
    request: HttpRequest, form: forms.CatalogCreateForm, vendor: Vendor
) -> Catalog | None:
    """The new catalog of ``form``; None when refused, with the errors on the form."""
    data = form.cleaned_data
    fields = {name: data[name] for name in forms.CATALOG_FIELDS if name in data and name != "name"}
    try:
        return services.catalog_create(
            group=request.group,
            vendor=vendor,
            name=data["name"] or vendor.name[:64],
            acting_user=request.user,
            coordinators=[request.member] if request.member and not request.member.is_admin else [],
            **fields,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@group_permission_required("can_manage_catalogs")
@require_http_methods(["GET", "POST"])
def catalog_create(request: HttpRequest, group_slug: str) -> HttpResponse:
    group = request.group
    form = forms.CatalogCreateForm(
        request.POST or None, group=group, initial={"vendor": request.GET.get("vendor")}
    )
    if request.method == "POST" and form.is_valid():
        vendor = form.cleaned_data["vendor"] or _vendor_create(request, form)
        catalog = _catalog_create(request, form, vendor) if vendor else None
        if catalog is not None:
            messages.success(request, _("Catalog created. Add its products now."))
            return redirect("catalogs:detail", group_slug=group.slug, catalog_id=catalog.pk)
    return render(request, "catalogs/catalog_create.html", {"group": group, "form": form})


@group_member_required
@require_GET
def catalog_detail(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    """The catalog's products: search, filters, edit in place and bulk actions."""
    catalog = catalog_get_for_manager(request, catalog_id, queryset=_catalog_queryset())
    filters = forms.ProductFilterForm(request.GET or None)
    criteria = {}
    if filters.is_valid():
        criteria = {
            "search": filters.cleaned_data["q"],
            "category": filters.cleaned_data["category"],
            "state": filters.cleaned_data["state"],
            "organic": filters.cleaned_data["organic"],
        }
    products = selectors.product_list(catalog=catalog, **criteria)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogs/catalog_detail.html",
        {
            "group": request.group,
            "catalog": catalog,
            "link": catalog.active_link,
            "blockers": services.catalog_order_blockers(catalog),
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "all_rights": manages_all_catalogs(request),
            "today": selectors.group_today(request.group),
        },
    )


@group_member_required
@require_http_methods(["GET", "POST"])
def catalog_edit(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id, queryset=_catalog_queryset())
    form = forms.CatalogForm(request.POST or None, instance=catalog, group=request.group)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.catalog_update(
                    catalog=form.instance, changed=form.changed_data, acting_user=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Catalog saved."))
                return redirect("catalogs:detail", group_slug=group_slug, catalog_id=catalog.pk)
        else:
            messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "catalogs/catalog_edit.html",
        {"group": request.group, "catalog": catalog, "form": form},
    )


@group_permission_required("can_manage_catalogs")
@require_http_methods(["GET", "POST"])
def catalog_duplicate(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    form = forms.DuplicateForm(
        request.POST or None, initial={"name": (_("%(name)s (copy)") % {"name": catalog.name})[:64]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.catalog_duplicate(
                catalog=catalog,
                name=form.cleaned_data["name"],
                copy_products=form.cleaned_data["copy_products"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Catalog duplicated."))
            return redirect("catalogs:detail", group_slug=group_slug, catalog_id=copy.pk)
    return render(
        request,
        "catalogs/catalog_duplicate.html",
        {"group": request.group, "catalog": catalog, "form": form},
    )


@group_permission_required("can_manage_catalogs")
@require_POST
def catalog_end(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    link = catalog.active_link
    if link is not None:
        services.catalog_link_break(link=link, acting_user=request.user)
    else:
        services.catalog_end(catalog=catalog, acting_user=request.user)
    messages.success(
        request,
        _("The catalog %(name)s is ended. It stays in the past catalogs with its orders.")
        % {"name": catalog.name},
    )
    return redirect("catalogs:list", group_slug=group_slug)


@group_permission_required("can_manage_catalogs")
@require_http_methods(["GET", "POST"])
def catalog_coordinators(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id, queryset=_catalog_queryset())
    form = forms.CoordinatorsForm(
        request.POST or None,
        group=request.group,
        initial={"coordinators": list(catalog.coordinators.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.catalog_set_coordinators(
                catalog=catalog,
                members=list(form.cleaned_data["coordinators"]),
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Coordinators saved."))
            return redirect("catalogs:detail", group_slug=group_slug, catalog_id=catalog.pk)
    return render(
        request,
        "catalogs/catalog_coordinators.html",
        {"group": request.group, "catalog": catalog, "form": form},
    )


@group_member_required
@require_http_methods(["GET", "POST"])
def catalog_vendor(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    """The catalog's producer: editable by the group only when the group created it."""
    catalog = catalog_get_for_manager(request, catalog_id)
    vendor = catalog.vendor
    editable = services.vendor_editable_by_group(vendor, request.group)
    profile_form = legal_form = None
    if editable:
        which = request.POST.get("which") if request.method == "POST" else None
        profile_form = forms.VendorProfileForm(
            request.POST if which == "profile" else None,
            request.FILES if which == "profile" else None,
            instance=vendor,
            prefix="profile",
        )
        legal_form = forms.VendorLegalForm(
            request.POST if which == "legal" else None, instance=vendor, prefix="legal"
        )
        form = {"profile": profile_form, "legal": legal_form}.get(which)
        if form is not None:
            if form.is_valid():
                try:
                    services.vendor_update(
                        vendor=form.instance,
                        changed=form.changed_data,
                        acting_user=request.user,
                        group=request.group,
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, _("Producer saved."))
                    return redirect("catalogs:vendor", group_slug=group_slug, catalog_id=catalog.pk)
            else:
                messages.error(request, _("Please correct the errors below."))
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "catalogs/catalog_vendor.html",
        {
            "group": request.group,
            "catalog": catalog,
            "vendor": vendor,
            "editable": editable,
            "profile_form": profile_form,
            "legal_form": legal_form,
            "naf_choices": naf_choices(),
        },
    )


@group_member_required
@require_POST
def catalog_break_link(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    link = catalog.active_link
    if link is None:
        messages.error(request, _("This catalog is not linked to a producer's catalog."))
        return redirect("catalogs:detail", group_slug=group_slug, catalog_id=catalog.pk)
    services.catalog_link_break(link=link, acting_user=request.user)
    messages.success(
        request,
        _(
            "The link is broken and the catalog %(name)s is archived: its orders are kept, but no "
            "new order can be organised with it."
        )
        % {"name": catalog.name},
    )
    return redirect("catalogs:list", group_slug=group_slug)


# Products -----------------------------------------------------------------------------------------


def _product_form_page(request: HttpRequest, catalog: Catalog, product: Product) -> HttpResponse:
    if catalog.active_link is not None:
        messages.error(request, _("The products of this catalog are managed by the producer."))
        return redirect("catalogs:detail", group_slug=catalog.group.slug, catalog_id=catalog.pk)
    form = forms.ProductForm(
        request.POST or None,
        request.FILES or None,
        instance=product,
        vat_rates=request.group.vat_rate_choices(),
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.product_save(
                    product=form.instance, acting_user=request.user, changed=form.changed_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Product saved: %(name)s.") % {"name": form.instance.name}
                )
                if "save_add" in request.POST:
                    return redirect(
                        "catalogs:product_create",
                        group_slug=catalog.group.slug,
                        catalog_id=catalog.pk,
                    )
                return redirect(
                    "catalogs:detail", group_slug=catalog.group.slug, catalog_id=catalog.pk
                )
        else:
            messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "catalogs/product_form.html",
        {"group": request.group, "catalog": catalog, "product": product, "form": form},
    )


@group_member_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    return _product_form_page(request, catalog, Product(catalog=catalog, group=request.group))


def _product_of(catalog: Catalog, product_id: int) -> Product:
    product = Product.objects.filter(
        group_id=catalog.group_id, catalog=catalog, pk=product_id
    ).first()
    if product is None:
        raise Http404
    return product


@group_member_required
@require_http_methods(["GET", "POST"])
def product_edit(
    request: HttpRequest, group_slug: str, catalog_id: int, product_id: int
) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    return _product_form_page(request, catalog, _product_of(catalog, product_id))


@group_member_required
@require_POST
def product_quick_edit(
    request: HttpRequest, group_slug: str, catalog_id: int, product_id: int
) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    product = _product_of(catalog, product_id)
    back = _back(request, catalog.get_absolute_url())
    form = forms.ProductQuickForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{product.name} — {label} : {' '.join(errors)}")
        return redirect(back)
    data = form.cleaned_data
    try:
        if catalog.active_link is not None:
            if data["active"] != product.active:
                services.products_set_active(
                    catalog=catalog,
                    product_ids=[product.pk],
                    active=data["active"],
                    acting_user=request.user,
                )
        else:
            product.price = data["price"]
            product.stock = data["stock"]
            product.active = data["active"]
            services.product_save(
                product=product, acting_user=request.user, changed=["price", "stock", "active"]
            )
    except ValidationError as exc:
        messages.error(request, f"{product.name} : {_error_text(exc)}")
    else:
        messages.success(request, _("Product saved: %(name)s.") % {"name": product.name})
    return redirect(back)


@group_member_required
@require_POST
def product_delete(
    request: HttpRequest, group_slug: str, catalog_id: int, product_id: int
) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    product = _product_of(catalog, product_id)
    try:
        services.product_delete(product=product, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Product deleted: %(name)s.") % {"name": product.name})
    return redirect(_back(request, catalog.get_absolute_url()))


def _selection(request: HttpRequest, catalog: Catalog, form_class: type) -> dict | None:
    """The valid data of a form on the products ticked in ``catalog``; None after messages."""
    ids = list(Product.objects.filter(catalog=catalog).values_list("pk", flat=True))
    form = form_class(request.POST, product_ids=ids)
    if form.is_valid():
        return form.cleaned_data
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return None


def _products_set_active(request: HttpRequest, catalog_id: int, *, active: bool) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    data = _selection(request, catalog, forms.ProductSelectionForm)
    if data is not None:
        try:
            count = services.products_set_active(
                catalog=catalog,
                product_ids=data["products"],
                active=active,
                acting_user=request.user,
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("%(count)d product(s) changed.") % {"count": count})
    return redirect(_back(request, catalog.get_absolute_url()))


@group_member_required
@require_POST
def products_activate(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    return _products_set_active(request, catalog_id, active=True)


@group_member_required
@require_POST
def products_deactivate(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    return _products_set_active(request, catalog_id, active=False)


@group_member_required
@require_POST
def products_change_price(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    data = _selection(request, catalog, forms.PriceChangeForm)
    if data is not None:
        try:
            count = services.products_change_price(
                catalog=catalog,
                product_ids=data["products"],
                percent=data["percent"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request, _("Prices changed on %(count)d product(s).") % {"count": count}
            )
    return redirect(_back(request, catalog.get_absolute_url()))


@group_member_required
@require_http_methods(["GET", "POST"])
def product_import(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    report = None
    if catalog.active_link is not None:
        messages.error(request, _("The products of this catalog are managed by the producer."))
        return redirect("catalogs:detail", group_slug=group_slug, catalog_id=catalog.pk)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            report = services.product_import(
                catalog=catalog,
                data=upload.read(),
                filename=upload.name,
                acting_user=request.user,
                dry_run=dry_run,
            )
        except ProductImportError as exc:
            errors = exc.errors
        except ValidationError as exc:
            errors = [(0, _error_text(exc))]
        else:
            if not dry_run:
                messages.success(
                    request,
                    _(
                        "Import done: %(created)d new product(s), %(updated)d updated, %(unchanged)d unchanged."
                    )
                    % {
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    },
                )
                return redirect("catalogs:detail", group_slug=group_slug, catalog_id=catalog.pk)
    from catalogs.resources import COLUMNS

    return render(
        request,
        "catalogs/product_import.html",
        {
            "group": request.group,
            "catalog": catalog,
            "form": form,
            "errors": errors,
            "report": report,
            "columns": [c for c, _a in COLUMNS],
        },
        status=400 if errors else 200,
    )


@group_member_required
@require_GET
def product_export(request: HttpRequest, group_slug: str, catalog_id: int) -> HttpResponse:
    catalog = catalog_get_for_manager(request, catalog_id)
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    content, content_type, filename = services.product_export(
        catalog=catalog, file_format=file_format, language=get_language() or "fr"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Directory ----------------------------------------------------------------------------------------


def _directory_page(request: HttpRequest, invite_form=None, status: int = 200) -> HttpResponse:
    group = request.group
    search = forms.DirectorySearchForm(request.GET or None)
    criteria = {}
    searched = bool(request.GET)
    if search.is_valid():
        data = search.cleaned_data
        criteria = {
            "name": data["name"],
            "profession": data["profession"],
            "category": data["category"],
            "max_km": data["distance"],
        }
    results = selectors.vendor_directory_search(group=group, **criteria)
    return render(
        request,
        "catalogs/directory.html",
        {
            "group": group,
            "search": search,
            "searched": searched,
            "results": results,
            "located": bool(group.main_place and group.main_place.is_located),
            "invitations": selectors.invitation_list_for_group(group=group),
            "invite_form": invite_form or forms.InviteForm(),
        },
        status=status,
    )


@group_permission_required("can_manage_catalogs")
@require_GET
def directory(request: HttpRequest, group_slug: str) -> HttpResponse:
    return _directory_page(request)


@group_permission_required("can_manage_catalogs")
@require_POST
def directory_invite(request: HttpRequest, group_slug: str) -> HttpResponse:
    form = forms.InviteForm(request.POST)
    if form.is_valid():
        try:
            services.vendor_invite(
                group=request.group, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("catalogs:directory", group_slug=group_slug)
    return _directory_page(request, invite_form=form, status=400)


@group_permission_required("can_manage_catalogs")
@require_POST
def directory_request_link(
    request: HttpRequest, group_slug: str, producer_catalog_id: int
) -> HttpResponse:
    """Ask a producer to link one of their catalogs, or link it at once if it is yours."""
    pc = (
        ProducerCatalog.objects.select_related("vendor")
        .filter(pk=producer_catalog_id, visible=True, vendor__listed_in_directory=True)
        .first()
    )
    if pc is None:
        raise Http404
    try:
        if pc.vendor.managers.filter(pk=request.user.pk).exists():
            catalog = services.catalog_link_create(
                producer_catalog=pc,
                group=request.group,
                acting_user=request.user,
                coordinators=[request.member] if request.member else [],
            )
            messages.success(request, _("Catalog linked: %(name)s.") % {"name": catalog.name})
            return redirect("catalogs:detail", group_slug=group_slug, catalog_id=catalog.pk)
        services.vendor_invite(
            group=request.group,
            acting_user=request.user,
            vendor=pc.vendor,
            producer_catalog=pc,
            message=request.POST.get("message", ""),
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("Request sent to %(vendor)s: the link is made when they accept.")
            % {"vendor": pc.vendor.name},
        )
    return redirect("catalogs:directory", group_slug=group_slug)


@group_permission_required("can_manage_catalogs")
@require_POST
def invitation_cancel(request: HttpRequest, group_slug: str, invitation_id: int) -> HttpResponse:
    invitation = get_for_group(VendorInvitation, request.group, pk=invitation_id)
    try:
        services.vendor_invitation_cancel(invitation=invitation, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Invitation cancelled."))
    return redirect("catalogs:directory", group_slug=group_slug)

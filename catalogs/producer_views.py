"""The producer space (``/producer/…``): a user manages their producers, their own catalogs and
products, the groups they supply, and the invitations groups send them.

Everything is fetched through ``catalogs.access`` helpers filtering on ``Vendor.managers``: another
producer's objects are 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalogs import forms, selectors, services
from catalogs.access import (
    link_get_for_user,
    producer_catalog_get_for_user,
    producer_product_get_for_user,
    vendor_get_for_user,
)
from catalogs.exceptions import ProductImportError
from catalogs.models import (
    CatalogLink,
    ProducerCatalog,
    ProducerProduct,
    Vendor,
    VendorInvitation,
    VendorPhoto,
)
from catalogs.reference import naf_choices
from catalogs.services import producer_imports
from groups.models import live_group_q
from kernel.idempotency import new_token
from members.models import Member


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def producer_home(request: HttpRequest) -> HttpResponse:
    vendors = selectors.vendor_list_for_user(user=request.user)
    return render(
        request,
        "catalogs/producer/home.html",
        {
            "vendors": vendors,
            "group_catalogs": selectors.group_catalogs_of_vendors(vendors=vendors),
            "invitations": selectors.invitation_list_for_user(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def vendor_create(request: HttpRequest) -> HttpResponse:
    form = forms.VendorCreateForm(request.POST or None, initial={"email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            vendor = services.vendor_create(
                acting_user=request.user, manager=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Your producer profile is created. Complete your legal data so groups can open orders."
                ),
            )
            next_url = request.GET.get("next", "")
            if next_url.startswith("/producer/"):
                return redirect(next_url)
            return redirect("catalogs:producer_vendor", vendor_id=vendor.pk)
    return render(request, "catalogs/producer/vendor_create.html", {"form": form})


def _vendor_forms(request: HttpRequest, vendor: Vendor, which: str | None) -> dict:
    """The forms of the producer page, the one named ``which`` bound to the request."""

    def data(name: str):
        return request.POST if which == name else None

    def files(name: str):
        return request.FILES if which == name else None

    return {
        "profile": forms.VendorProfileForm(
            data("profile"), files("profile"), instance=vendor, prefix="profile"
        ),
        "legal": forms.VendorLegalForm(data("legal"), instance=vendor, prefix="legal"),
        "photo": forms.VendorPhotoForm(data("photo"), files("photo"), prefix="photo"),
        "manager": forms.VendorManagerForm(data("manager"), prefix="manager"),
    }


def _vendor_form_save(request: HttpRequest, vendor: Vendor, which: str, form) -> bool:
    """Apply the submitted form; False when its errors are to be shown."""
    if not form.is_valid():
        if which != "manager":
            messages.error(request, _("Please correct the errors below."))
        return False
    data = form.cleaned_data
    try:
        if which == "manager":
            added = services.vendor_add_manager(
                vendor=vendor, email=data["email"], acting_user=request.user
            )
            messages.success(
                request, _("%(name)s now manages this producer too.") % {"name": added.display_name}
            )
        elif which == "photo":
            services.vendor_photo_add(
                vendor=vendor,
                image=data["image"],
                caption=data["caption"],
                acting_user=request.user,
            )
            messages.success(request, _("Photo added."))
        else:
            services.vendor_update(
                vendor=form.instance, changed=form.changed_data, acting_user=request.user
            )
            messages.success(request, _("Saved."))
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def vendor_detail(request: HttpRequest, vendor_id: int) -> HttpResponse:
    """The producer's page: profile, legal data, photos and accounts, one form posted at a time."""
    vendor = vendor_get_for_user(request.user, vendor_id)
    which = request.POST.get("which") if request.method == "POST" else None
    page_forms = _vendor_forms(request, vendor, which)
    form = page_forms.get(which)
    if form is not None and _vendor_form_save(request, vendor, which, form):
        return redirect("catalogs:producer_vendor", vendor_id=vendor.pk)
    vendor.refresh_from_db()
    return render(
        request,
        "catalogs/producer/vendor.html",
        {
            "vendor": vendor,
            "profile_form": page_forms["profile"],
            "legal_form": page_forms["legal"],
            "photo_form": page_forms["photo"],
            "manager_form": page_forms["manager"],
            "managers": list(vendor.managers.order_by("last_name", "first_name")),
            "photos": list(vendor.photos.all()),
            "producer_catalogs": list(vendor.producer_catalogs.all()),
            "naf_choices": naf_choices(),
        },
    )


@login_required
@require_POST
def vendor_photo_delete(request: HttpRequest, vendor_id: int, photo_id: int) -> HttpResponse:
    vendor = vendor_get_for_user(request.user, vendor_id)
    photo = VendorPhoto.objects.filter(vendor=vendor, pk=photo_id).first()
    if photo is None:
        raise Http404
    services.vendor_photo_delete(photo=photo, acting_user=request.user)
    messages.success(request, _("Photo deleted."))
    return redirect("catalogs:producer_vendor", vendor_id=vendor.pk)


@login_required
@require_http_methods(["GET", "POST"])
def producer_catalog_create(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = vendor_get_for_user(request.user, vendor_id)
    pc = ProducerCatalog(vendor=vendor)
    form = forms.ProducerCatalogForm(request.POST or None, instance=pc)
    if request.method == "POST" and form.is_valid():
        services.producer_catalog_save(producer_catalog=form.instance, acting_user=request.user)
        messages.success(request, _("Catalog created. Add its products."))
        return redirect("catalogs:producer_catalog", producer_catalog_id=pc.pk)
    return render(
        request, "catalogs/producer/catalog_form.html", {"vendor": vendor, "form": form, "pc": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def producer_catalog_edit(request: HttpRequest, producer_catalog_id: int) -> HttpResponse:
    pc = producer_catalog_get_for_user(request.user, producer_catalog_id)
    form = forms.ProducerCatalogForm(request.POST or None, instance=pc)
    if request.method == "POST" and form.is_valid():
        services.producer_catalog_save(producer_catalog=form.instance, acting_user=request.user)
        messages.success(request, _("Catalog saved; the linked groups are being updated."))
        return redirect("catalogs:producer_catalog", producer_catalog_id=pc.pk)
    return render(
        request,
        "catalogs/producer/catalog_form.html",
        {"vendor": pc.vendor, "form": form, "pc": pc},
    )


@login_required
@require_GET
def producer_catalog_detail(request: HttpRequest, producer_catalog_id: int) -> HttpResponse:
    pc = producer_catalog_get_for_user(request.user, producer_catalog_id)
    search = request.GET.get("q", "")
    products = selectors.producer_product_list(producer_catalog=pc, search=search)
    page = Paginator(products, 100).get_page(request.GET.get("page"))
    links = selectors.link_list_for_producer_catalog(producer_catalog=pc)
    linked_groups = {link.group_id for link in links if link.is_active}
    groups = [
        g
        for g in selectors.groups_where_user_manages_catalogs(user=request.user)
        if g.pk not in linked_groups
    ]
    return render(
        request,
        "catalogs/producer/catalog_detail.html",
        {
            "pc": pc,
            "vendor": pc.vendor,
            "page": page,
            "search": search,
            "links": links,
            "publish_form": forms.PublishForm(groups=groups) if groups else None,
        },
    )


@login_required
@require_POST
def producer_catalog_publish(request: HttpRequest, producer_catalog_id: int) -> HttpResponse:
    """Link the catalog to a group where the producer manages catalogs (spec §12.2 "publish")."""
    pc = producer_catalog_get_for_user(request.user, producer_catalog_id)
    groups = selectors.groups_where_user_manages_catalogs(user=request.user)
    form = forms.PublishForm(request.POST, groups=groups)
    if not form.is_valid():
        messages.error(request, _("Choose one of your groups."))
        return redirect("catalogs:producer_catalog", producer_catalog_id=pc.pk)
    group = form.cleaned_data["group"]
    member = Member.objects.of_user(group=group, user=request.user).first()
    try:
        catalog = services.catalog_link_create(
            producer_catalog=pc,
            group=group,
            acting_user=request.user,
            coordinators=[member] if member else [],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("Catalog linked to %(group)s as %(catalog)s.")
            % {"group": group.name, "catalog": catalog.name},
        )
    return redirect("catalogs:producer_catalog", producer_catalog_id=pc.pk)


def _producer_product_page(
    request: HttpRequest, pc: ProducerCatalog, product: ProducerProduct
) -> HttpResponse:
    vat_rates = [("5.5", "5,5 %"), ("10", "10 %"), ("20", "20 %"), ("2.1", "2,1 %"), ("0", "0 %")]
    form = forms.ProducerProductForm(
        request.POST or None, request.FILES or None, instance=product, vat_rates=vat_rates
    )
    form.fields["ref"].required = True
    if request.method == "POST":
        if form.is_valid():
            try:
                services.producer_product_save(product=form.instance, acting_user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("Product saved: %(name)s.") % {"name": form.instance.name}
                )
                if "save_add" in request.POST:
                    return redirect("catalogs:producer_product_create", producer_catalog_id=pc.pk)
                return redirect("catalogs:producer_catalog", producer_catalog_id=pc.pk)
        else:
            messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "catalogs/producer/product_form.html",
        {"pc": pc, "vendor": pc.vendor, "product": product, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def producer_product_create(request: HttpRequest, producer_catalog_id: int) -> HttpResponse:
    pc = producer_catalog_get_for_user(request.user, producer_catalog_id)
    return _producer_product_page(request, pc, ProducerProduct(producer_catalog=pc))


@login_required
@require_http_methods(["GET", "POST"])
def producer_product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = producer_product_get_for_user(request.user, product_id)
    return _producer_product_page(request, product.producer_catalog, product)


@login_required
@require_POST
def producer_product_delete(request: HttpRequest, product_id: int) -> HttpResponse:
    product = producer_product_get_for_user(request.user, product_id)
    pc = product.producer_catalog
    services.producer_product_delete(product=product, acting_user=request.user)
    messages.success(
        request,
        _("Product removed; the groups keep it deactivated with its orders: %(name)s.")
        % {"name": product.name},
    )
    return redirect("catalogs:producer_catalog", producer_catalog_id=pc.pk)


@login_required
@require_POST
def producer_link_break(request: HttpRequest, link_id: int) -> HttpResponse:
    link = link_get_for_user(request.user, link_id)
    try:
        services.catalog_link_break(link=link, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("The link with %(group)s is broken; the group keeps its orders.")
            % {"group": link.group.name},
        )
    return redirect("catalogs:producer_catalog", producer_catalog_id=link.producer_catalog_id)


@login_required
@require_http_methods(["GET", "POST"])
def producer_invitation(request: HttpRequest, code: str) -> HttpResponse:
    """An invitation from a group: whoever holds the code (sent by e-mail) may answer it."""
    invitation = (
        VendorInvitation.objects.select_related(
            "group", "vendor", "producer_catalog", "created_by", "catalog"
        )
        .filter(live_group_q("group"), code=code)
        .first()
    )
    if invitation is None:
        raise Http404
    if invitation.vendor_id and not invitation.vendor.managers.filter(pk=request.user.pk).exists():
        # Addressed to a producer this user does not manage.
        raise Http404
    has_vendor = selectors.vendors_exist_for_user(user=request.user)
    form = forms.AcceptInvitationForm(
        request.POST or None, user=request.user, invitation=invitation
    )
    if request.method == "POST" and invitation.is_pending:
        if request.POST.get("answer") == "decline":
            services.vendor_invitation_decline(invitation=invitation, acting_user=request.user)
            messages.success(request, _("Invitation declined."))
            return redirect("catalogs:producer_home")
        if form.is_valid():
            try:
                catalog = services.vendor_invitation_accept(
                    invitation=invitation,
                    vendor=form.cleaned_data["vendor"],
                    producer_catalog=form.cleaned_data["producer_catalog"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("You now supply %(group)s with the catalog %(catalog)s.")
                    % {"group": invitation.group.name, "catalog": catalog.name},
                )
                return redirect("catalogs:producer_home")
    return render(
        request,
        "catalogs/producer/invitation.html",
        {"invitation": invitation, "form": form, "has_vendor": has_vendor},
    )


# Import of the product + offers file (issue 19 item 3) ------------------------------------------

IMPORT_CACHE_SECONDS = 3600


def _import_cache_key(token: str) -> str:
    return f"catalogs:producer-import:{token}"


def _import_page(request: HttpRequest, pc: ProducerCatalog, **context) -> HttpResponse:
    context.setdefault("form", forms.ProducerImportForm())
    status = 400 if context.get("errors") else 200
    context.update({"pc": pc, "vendor": pc.vendor, "columns": producer_imports.COLUMNS})
    return render(request, "catalogs/producer/catalog_import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def producer_catalog_import(request: HttpRequest, producer_catalog_id: int) -> HttpResponse:
    """Upload, then a preview: nothing is written here; the file waits in the cache for the
    "apply" button (``producer_catalog_import_apply``)."""
    pc = producer_catalog_get_for_user(request.user, producer_catalog_id)
    if request.method == "GET":
        return _import_page(request, pc)
    form = forms.ProducerImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, pc, form=form)
    upload, options = (
        form.cleaned_data["file"],
        {
            "disable_missing": form.cleaned_data["disable_missing"],
            "prices_include_vat": form.cleaned_data["prices_include_vat"],
        },
    )
    data = upload.read()
    images = form.cleaned_data["images"].read() if form.cleaned_data["images"] else None
    try:
        report = services.producer_catalog_import(
            producer_catalog=pc,
            data=data,
            filename=upload.name,
            acting_user=request.user,
            images=images,
            dry_run=True,
            **options,
        )
    except ProductImportError as exc:
        return _import_page(request, pc, form=form, errors=exc.errors)
    token = new_token()
    cache.set(
        _import_cache_key(token),
        {
            "user": request.user.pk,
            "pc": pc.pk,
            "data": data,
            "name": upload.name,
            "images": images,
            # The linked catalogs offered with a checkbox: those left unticked keep their prices.
            "shown": [change.link.pk for change in report.linked],
            **options,
        },
        IMPORT_CACHE_SECONDS,
    )
    apply_form = forms.ProducerImportApplyForm(initial={"token": token})
    return _import_page(
        request, pc, report=report, apply_form=apply_form, filename=upload.name, options=options
    )


@login_required
@require_POST
def producer_catalog_import_apply(request: HttpRequest, producer_catalog_id: int) -> HttpResponse:
    pc = producer_catalog_get_for_user(request.user, producer_catalog_id)
    live = CatalogLink.objects.filter(producer_catalog=pc, ended_at__isnull=True)
    form = forms.ProducerImportApplyForm(
        request.POST, link_ids=list(live.values_list("pk", flat=True))
    )
    key = _import_cache_key(form.data.get("token", "")) if form.is_valid() else ""
    pending = cache.get(key) if key else None
    mine = pending and pending["user"] == request.user.pk and pending["pc"] == pc.pk
    # Deleting claims the file: of two clicks racing, only one deletes it and imports.
    if not mine or not cache.delete(key):
        messages.error(
            request, _("This preview has expired or was already applied: send the file again.")
        )
        return redirect("catalogs:producer_catalog_import", producer_catalog_id=pc.pk)
    try:
        report = services.producer_catalog_import(
            producer_catalog=pc,
            data=pending["data"],
            filename=pending["name"],
            acting_user=request.user,
            disable_missing=pending["disable_missing"],
            prices_include_vat=pending["prices_include_vat"],
            images=pending["images"],
            update_links=set(live.values_list("pk", flat=True))
            - (set(pending["shown"]) - set(form.cleaned_data["links"])),
        )
    except ProductImportError as exc:  # the catalog changed since the preview
        return _import_page(request, pc, errors=exc.errors)
    messages.success(
        request,
        _(
            "Import done: %(created)d new product(s), %(updated)d updated, %(disabled)d disabled; the linked groups are being updated."
        )
        % {
            "created": len(report.created),
            "updated": len(report.updated),
            "disabled": len(report.disabled),
        },
    )
    return redirect("catalogs:producer_catalog", producer_catalog_id=pc.pk)

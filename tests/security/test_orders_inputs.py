"""Issue 12, orders and the distribution day: every typed quantity is a bounded number, a line
has a maximum (a catalog may lower it), ``next`` is a path of this site, basket codes have a
shape. Each test pins one finding of the attack run; none may end in an error 500."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from catalogs.models import Catalog
from orders import services
from orders.models import OrderLine
from shop.session_cart import SESSION_KEY
from tests.orders.factories import D, make_shop, member_of, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


def url(name, shop, **kw):
    return reverse(
        name if ":" in name else f"orders:{name}",
        kwargs={"group_slug": shop.md.group.slug, "md_id": shop.md.pk, **kw},
    )


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("typed", ["1e30", "99999999999", "NaN", "-Infinity", "1" * 45])
def test_a_hostile_quantity_in_the_public_cart_is_refused_with_a_message(
    world, shop, client_for, typed
):
    for user in (None, world.member):  # the session cart and the member's cart
        client = client_for(user)
        response = client.post(
            url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": typed}
        )
        assert response.status_code == 302
        assert "Pain de campagne" in said(response)
        assert not client.session.get(SESSION_KEY)
    assert not OrderLine.objects.exists()


def test_a_hostile_quantity_in_the_cart_update_is_refused_with_a_message(world, shop, client_for):
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "2"})
    for typed in ("1e30", "99999999999", "NaN"):
        response = client.post(url("shop:cart_update", shop), {f"q-{shop['bread'].pk}": typed})
        assert response.status_code == 302
        assert "Pain de campagne" in said(response)
    assert OrderLine.objects.get().quantity == 2


def test_no_line_above_the_platform_maximum(world, shop, client_for):
    """999,999,999 loaves were accepted: a 3.5 billion euro debt."""
    client = client_for(world.member)
    response = client.post(
        url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "999999999"}
    )
    assert "au plus 1000" in said(response)
    assert not OrderLine.objects.exists()
    ok = client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1000"})
    assert "dans votre panier" in said(ok)
    result = services.order_update(
        md=shop.md,
        member=member_of(world),
        quantities={shop["bread"].pk: D("1001")},
        acting_user=world.admin,
        as_admin=True,
    )
    assert not result.changed and "au plus 1000" in result.issues[0].message.lower()


def test_a_catalog_may_lower_the_maximum_per_line(world, shop, client_for):
    Catalog.objects.filter(pk=shop.bakery.pk).update(max_quantity_per_line=5)
    client = client_for(None)
    refused = client.post(
        url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "6"}
    )
    assert "au plus 5" in said(refused).lower()
    assert not client.session.get(SESSION_KEY)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "5"})
    assert client.session[SESSION_KEY]
    # The wholesale tolerance is bounded too.
    member = member_of(world)
    with pytest.raises(services.OrderError):
        services.cart_set(
            member=member,
            md=shop.md,
            product=shop["apples"],
            quantity=D("1"),
            tolerance=D("1001"),
            acting_user=world.member,
        )


def test_the_catalog_form_refuses_a_maximum_above_the_platform_default(world, client_for):
    from tests.catalogs.factories import CatalogFactory

    catalog = CatalogFactory(group=world.group)
    page = reverse(
        "catalogs:edit", kwargs={"group_slug": world.group.slug, "catalog_id": catalog.pk}
    )
    client = client_for(world.admin)
    form = client.get(page).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        start_date=catalog.start_date.isoformat(),
        end_date=catalog.end_date.isoformat(),
        max_quantity_per_line="5000",
    )
    response = client.post(page, data)
    assert response.status_code == 200
    assert "max_quantity_per_line" in response.context["form"].errors
    data["max_quantity_per_line"] = "12"
    assert client.post(page, data).status_code == 302
    catalog.refresh_from_db()
    assert catalog.max_quantity_per_line == 12


def test_a_hostile_quantity_in_an_order_being_changed_is_refused(world, shop, client_for):
    basket = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    client = client_for(world.member)
    save = reverse(
        "orders:basket_save", kwargs={"group_slug": world.group.slug, "basket_code": basket.code}
    )
    for typed in ("1e30", "99999999999", "NaN", "5000"):
        response = client.post(save, {f"q-{shop['bread'].pk}": typed})
        assert response.status_code in (200, 302)
    assert OrderLine.objects.get().quantity == 1


def test_a_hostile_quantity_entered_by_an_admin_is_refused(world, shop, client_for):
    member = member_of(world)
    save = url("manage_member_save", shop, member_id=member.pk)
    client = client_for(world.admin)
    for typed in ("1e30", "99999999999", "NaN", "5000"):
        response = client.post(save, {f"q-{shop['bread'].pk}": typed})
        assert response.status_code == 302
        assert "Pain de campagne" in said(response)
    assert not OrderLine.objects.exists()


def test_a_hostile_wholesale_amount_is_refused(world, shop, client_for):
    member = member_of(world)
    order(shop.md, member, {shop["apples"]: "0.5"})
    client = client_for(world.admin)
    for typed in ("NaN", "1e30", "99999999999"):
        response = client.post(
            url("manage_wholesale_save", shop),
            {"product": shop["apples"].pk, f"m-{member.pk}": typed},
        )
        assert response.status_code == 302
        assert said(response)
    assert OrderLine.objects.get().quantity == D("0.5")


def test_a_hostile_weight_is_refused_with_a_message(world, shop, client_for):
    from day import validation

    for typed in ("NaN", "1e30", "99999999999", "1,2345"):
        with pytest.raises(validation.DayError):
            validation.parse_weight(typed)
    assert validation.parse_weight("1,5") == Decimal("1.5")


@pytest.mark.parametrize("target", ["abc", "//evil.example/", "https://evil.example/x"])
def test_next_on_the_cart_is_only_a_path_of_this_site(world, shop, client_for, target):
    response = client_for(None).post(
        url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/g/{world.group.slug}/shop/")


def test_next_on_the_product_quick_edit_is_only_a_path_of_this_site(world, shop, client_for):
    quick = reverse(
        "catalogs:product_quick",
        kwargs={
            "group_slug": world.group.slug,
            "catalog_id": shop.bakery.pk,
            "product_id": shop["bread"].pk,
        },
    )
    response = client_for(world.admin).post(quick, {"price": "3,60", "next": "abc"})
    assert response.status_code == 302
    assert response["Location"] == shop.bakery.get_absolute_url()


@pytest.mark.parametrize("pk", ["9" * 30, "²", "1" * 5000, "-1"])
def test_a_product_id_that_is_no_row_id_is_refused_without_an_error_500(
    world, shop, client_for, pk
):
    """Found by probing field names, not only values: ``"²".isdigit()`` is true but ``int``
    refuses it; 30 digits overflow the query."""
    client = client_for(world.member)
    for data in ({f"q-{pk}": "1", "add": pk}, {"product": pk, "quantity": "1"}):
        assert client.post(url("shop:cart_add", shop), data).status_code in (302, 400)
    wholesale = client_for(world.admin).post(
        url("manage_wholesale_save", shop), {"product": pk, f"m-{pk}": "1"}
    )
    assert wholesale.status_code in (400, 404)
    assert not OrderLine.objects.exists()


def test_a_weight_field_named_with_no_row_id_is_no_error_500(world, shop, client_for):
    weights = reverse("day:weights", kwargs={"group_slug": world.group.slug, "md_id": shop.md.pk})
    response = client_for(world.admin).post(weights, {"weight-²": "1", "weight-" + "9" * 30: "1"})
    assert response.status_code == 302

"""Walk every URL pattern under /g/<group_slug>/ and check tenancy (design §4).

A new group view cannot ship unchecked: each must declare an access rule (the middleware refuses
it otherwise), each URL keyword needs a sample here, and public views are listed by name.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from groups.tenancy import PUBLIC

# Views open to anyone: adding one is a deliberate decision.
PUBLIC_VIEWS = {
    "groups:detail",
    "members:join",
    # The waiting list: a logged-in person who is not a member asks to join, or withdraws.
    "members:join_request",
    "members:join_withdraw",
    "distributions:group_ical",
    # The shop is open to visitors: they fill a cart in the session and log in at checkout.
    "shop:shop",
    "shop:product",
    "shop:cart",
    "shop:cart_add",
    "shop:cart_update",
    "shop:cart_checkout",
    "shop:checkout",
}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, route, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name, pattern


def group_patterns():
    seen = {}
    for route, name, pattern in _walk(get_resolver()):
        if "group_slug" in pattern.pattern.converters or "<slug:group_slug>" in route:
            seen[name] = (route, pattern)
    return seen


def sample_kwargs(world) -> dict:
    """One object of ``world.group`` per URL keyword; extend when a view adds a keyword."""
    from tests.catalogs.factories import isolation_samples
    from tests.day.samples import day_samples
    from tests.distributions.samples import distribution_samples
    from tests.members.samples import fee_samples
    from tests.messaging.samples import messaging_samples
    from tests.orders.samples import order_samples
    from tests.payments.stripe.samples import payment_samples

    return {
        "place_id": world.place.pk,
        "member_id": world.group.members.get(user=world.member).pk,
        **distribution_samples(world),
        **isolation_samples(world),
        **order_samples(world),
        **day_samples(world),
        **messaging_samples(world),
        **payment_samples(world),
        **fee_samples(world),
    }


def build_url(route: str, kwargs: dict) -> str:
    import re

    def sub(match):
        name = match.group(2)
        if name not in kwargs:
            raise AssertionError(
                f"No sample value for URL keyword {name!r} in {route}; add it to sample_kwargs"
            )
        return str(kwargs[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def test_every_group_view_declares_an_access_rule():
    for name, (_route, pattern) in group_patterns().items():
        assert getattr(pattern.callback, "group_access", None), f"{name} has no access rule"


def test_public_views_are_exactly_the_listed_ones():
    public = {
        name for name, (_r, p) in group_patterns().items() if p.callback.group_access[0] == PUBLIC
    }
    assert public == PUBLIC_VIEWS


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_everywhere_but_public_pages(world, client_for, method):
    client = client_for(world.outsider)
    kwargs = {"group_slug": world.group.slug, **sample_kwargs(world)}
    checked = 0
    for name, (route, _pattern) in group_patterns().items():
        if name in PUBLIC_VIEWS:
            continue
        url = build_url(route, kwargs)
        response = getattr(client, method)(url)
        assert response.status_code == 404, (
            f"{method.upper()} {url} ({name}) gave {response.status_code}"
        )
        checked += 1
    assert checked >= 10


def test_objects_of_another_group_are_404_even_for_its_admin(world, client_for):
    """The outsider is admin of the other group: through their own group's URL, our objects don't exist."""
    client = client_for(world.outsider)
    kwargs = {"group_slug": world.other_group.slug, **sample_kwargs(world)}
    for name, (route, _pattern) in group_patterns().items():
        if set(kwargs) & set(_pattern.pattern.converters) == {"group_slug"} or name in PUBLIC_VIEWS:
            continue
        url = build_url(route, kwargs)
        if url.count("/") and not any(
            f"<{k}" in route or f":{k}>" in route for k in sample_kwargs(world)
        ):
            continue
        response = client.get(url)
        assert response.status_code in (404, 405), f"GET {url} ({name}) gave {response.status_code}"


def test_member_without_rights_gets_403_on_management_pages(world, client_for):
    client = client_for(world.member)
    kwargs = {"group_slug": world.group.slug, **sample_kwargs(world)}
    checked = 0
    for name, (route, pattern) in group_patterns().items():
        _kind, right = pattern.callback.group_access
        if right is None:
            continue
        url = build_url(route, kwargs)
        response = client.get(url)
        assert response.status_code in (403, 405), f"GET {url} ({name}) gave {response.status_code}"
        if response.status_code == 405:
            assert client.post(url).status_code == 403, f"POST {url} ({name})"
        checked += 1
    assert checked >= 8


def test_anonymous_is_sent_to_login_on_private_pages(world, client_for):
    client = client_for(None)
    kwargs = {"group_slug": world.group.slug, **sample_kwargs(world)}
    for name, (route, _pattern) in group_patterns().items():
        if name in PUBLIC_VIEWS:
            continue
        url = build_url(route, kwargs)
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], (
            f"{url} ({name})"
        )


def test_unknown_and_deleted_groups_are_404(world, client_for):
    from django.utils import timezone

    client = client_for(world.admin)
    assert client.get("/g/nope/").status_code == 404
    world.group.deleted_at = timezone.now()
    world.group.save(update_fields=["deleted_at"])
    assert client.get(f"/g/{world.group.slug}/").status_code == 404
    assert client.get(f"/g/{world.group.slug}/manage/").status_code == 404


# Views open to a catalog's coordinator without the section's right, each scoped to their
# catalogs inside the view (issue 13, item 7): a member who coordinates nothing gets 403.
COORDINATED_DAY_VIEWS = {
    "day:index",
    "day:print",
    "day:csv",
    "day:producer_form",
    # Their catalogs' PDFs (issue 13, item 7): asked, followed and downloaded.
    "day:pdf",
    "day:producer_form_pdf",
    "day:document",
    "day:document_status",
    "day:document_download",
}


def test_member_coordinating_nothing_gets_403_on_the_coordinators_day_views(world, client_for):
    client = client_for(world.member)
    kwargs = {"group_slug": world.group.slug, **sample_kwargs(world)}
    patterns = group_patterns()
    assert set(patterns) >= COORDINATED_DAY_VIEWS
    for name in sorted(COORDINATED_DAY_VIEWS):
        route, pattern = patterns[name]
        assert pattern.callback.group_access[1] is None, name  # opened to members, scoped inside
        url = build_url(route, kwargs)
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        assert response.status_code == 403, f"{url} ({name}) gave {response.status_code}"

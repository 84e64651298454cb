"""kernel.redirects: ``next`` is a path of this site or nothing."""

import pytest
from django.test import RequestFactory

from kernel.redirects import redirect_back, safe_path


@pytest.mark.parametrize("value", ["/g/demo/", "/g/demo/shop/1/?page=2#p3"])
def test_a_path_of_this_site_is_kept(value):
    assert safe_path(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "shop:cart",
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "",
        None,
    ],
)
def test_anything_else_is_dropped(value):
    assert safe_path(value) is None


def test_redirect_back_falls_back_to_the_default_and_keeps_the_anchor():
    request = RequestFactory().post("/", {"next": "abc"})
    assert redirect_back(request, "/g/demo/", anchor="#p1")["Location"] == "/g/demo/#p1"
    request = RequestFactory().post("/", {"next": "/g/demo/cart/#x"})
    assert redirect_back(request, "/")["Location"] == "/g/demo/cart/"

"""Issue 18: every management page of the demo at 1280 px — nothing wider than the screen, French
only, axe finds no serious issue. The 360 px walk is ``test_phone_first.py``; they are two files so
that the test workers walk both widths at the same time."""

import pytest

from tests.browser.test_phone_first import demo, management_pages_check  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_management_page_fits_a_desktop(live_server, browser, demo):  # noqa: F811
    problems = management_pages_check(live_server, browser, 1280, 900)
    assert problems == [], "\n".join(problems)

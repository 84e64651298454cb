"""axe-core (vendored, served from the test) finds no serious or critical WCAG 2.1 AA issue."""

from pathlib import Path

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE)  # through DevTools: the page's CSP allows no inline script, rightly
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_main_pages_have_no_serious_accessibility_issue(live_server, page, world):
    base = live_server.url
    public = [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/map/",
        f"/g/{world.group.slug}/",
    ]
    problems = {}
    for url in public:
        page.goto(base + url)
        if found := axe_violations(page):
            problems[url] = found
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", world.admin.email)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")
    slug = world.group.slug
    private = [
        "/",
        "/account/profile/",
        "/groups/new/",
        f"/g/{slug}/manage/",
        f"/g/{slug}/manage/settings/",
        f"/g/{slug}/manage/settings/payments/",
        f"/g/{slug}/manage/settings/vat/",
        f"/g/{slug}/manage/members/",
        f"/g/{slug}/manage/places/",
        f"/g/{slug}/manage/places/{world.place.pk}/",
    ]
    for url in private:
        page.goto(base + url)
        if found := axe_violations(page):
            problems[url] = found
    assert problems == {}

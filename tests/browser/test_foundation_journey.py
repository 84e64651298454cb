"""Sign up, confirm the e-mail from the outbox, create a group, place it on the map, see its page."""

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_newcomer_creates_a_group_and_places_it_on_the_map(live_server, page, screens):
    base = live_server.url
    page.goto(base + "/")
    page.screenshot(path=screens / "home-anonymous-fr.png", full_page=True)
    page.click("text=Créer un compte")
    page.fill("#id_first_name", "Lucie")
    page.fill("#id_last_name", "Ferrand")
    page.fill("#id_email", "lucie@example.org")
    page.fill("#id_password1", "un-Mot-de-passe-solide-42")
    page.fill("#id_password2", "un-Mot-de-passe-solide-42")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[0].body).group(1)
    page.goto(base + link)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")
    assert "Bonjour Lucie" in page.content()

    page.click("text=Créer un groupe")
    page.fill("#id_name", "Les Paniers du Lavoir")
    page.check("input[value=producer_drive]")
    page.fill("#id_place_name", "Le Lavoir")
    page.fill("#id_address1", "2 rue du Lavoir")
    page.fill("#id_postcode", "13200")
    page.fill("#id_city", "Arles")
    assert page.input_value("#id_latitude") == ""
    # Leaflet's zoom buttons carry the page's translated titles, not Leaflet's English ones.
    with translation.override("fr"):
        zoom_in, zoom_out = gettext("Zoom in"), gettext("Zoom out")
    assert page.get_attribute("#place-map .leaflet-control-zoom-in", "title") == zoom_in
    assert page.get_attribute("#place-map .leaflet-control-zoom-out", "title") == zoom_out
    page.click("#place-map", position={"x": 300, "y": 150})
    assert page.input_value("#id_latitude") != ""
    assert page.input_value("#id_longitude") != ""
    page.screenshot(path=screens / "group-create-fr.png", full_page=True)
    page.click("button:has-text('Créer le groupe')")
    page.wait_for_url(re.compile(r"/g/les-paniers-du-lavoir/manage/$"))
    page.screenshot(path=screens / "group-manage-fr.png", full_page=True)

    page.goto(base + "/g/les-paniers-du-lavoir/manage/settings/")
    page.fill("#id_intro", "Des paniers de légumes chaque mardi au lavoir.")
    page.click("button:has-text('Enregistrer')")
    page.wait_for_selector(".messages .success")
    page.screenshot(path=screens / "group-settings-fr.png", full_page=True)

    page.goto(base + "/g/les-paniers-du-lavoir/")
    assert "Des paniers de légumes chaque mardi au lavoir." in page.content()
    assert "Le Lavoir" in page.content()
    page.screenshot(path=screens / "group-page-fr.png", full_page=True)

    page.select_option("#language-switch", "en")
    page.click(".lang-form button")
    page.wait_for_load_state()
    assert "Leave the group" in page.content()
    page.screenshot(path=screens / "group-page-en.png", full_page=True)


def test_map_zoom_buttons_take_their_titles_from_the_page(live_server, page):
    """The titles are read from the map's data attributes (filled by {% translate %}): rewrite
    them on the way to the browser and the buttons follow."""
    base = live_server.url

    def relabel(route):
        response = route.fetch()
        html = response.text()
        assert 'data-zoom-in="' in html and 'data-zoom-out="' in html
        html = re.sub(r'data-zoom-in="[^"]*"', 'data-zoom-in="Plus près"', html)
        html = re.sub(r'data-zoom-out="[^"]*"', 'data-zoom-out="Plus loin"', html)
        route.fulfill(response=response, body=html)

    page.route(base + "/map/", relabel)
    page.goto(base + "/map/")
    page.wait_for_selector("#groups-map .leaflet-control-zoom-in")
    assert page.get_attribute("#groups-map .leaflet-control-zoom-in", "title") == "Plus près"
    assert page.get_attribute("#groups-map .leaflet-control-zoom-out", "title") == "Plus loin"

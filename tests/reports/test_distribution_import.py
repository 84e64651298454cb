"""Distributions from a file (issue 19, item 3): preview (a dry run), all or nothing with every
line's errors, both separators, XLSX, through ``distributions.services.md_create``."""

import io
import re
from datetime import timedelta

from django.utils import timezone
from openpyxl import Workbook

from distributions.models import MultiDistrib
from tests.day.factories import make_catalog

URL = "/g/la-cagette/manage/distributions/import/"


def _file(text: str, name: str = "distributions.csv"):
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = name
    return upload


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).strftime("%d/%m/%Y")


def test_preview_then_confirm_creates_each_distribution(world, client_for):
    make_catalog(world.group, name="Légumes", vendor_name="Ferme du Mas")
    make_catalog(world.group, name="Pain", vendor_name="Fournil")
    content = (
        "date;début;fin;lieu;catalogues\n"
        f"{_day(20)};18:00;19:30;;Légumes|Pain\n"
        f"{_day(27)};18h30;20h;{world.place.name};pain\n"
    )
    client = client_for(world.admin)
    preview = client.post(URL + "preview/", {"file": _file(content)})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Légumes, Pain" in html
    assert not MultiDistrib.objects.filter(group=world.group).exists()  # a dry run
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    response = client.post(URL + "confirm/", {"payload": payload})
    assert response.status_code == 302
    mds = list(MultiDistrib.objects.filter(group=world.group).order_by("start_at"))
    assert [sorted(d.catalog.name for d in md.distributions.all()) for md in mds] == [
        ["Légumes", "Pain"],
        ["Pain"],
    ]
    local = timezone.localtime(mds[1].start_at, world.group.tzinfo)
    assert (local.hour, local.minute) == (18, 30)
    assert timezone.localtime(mds[0].orders_close_at, world.group.tzinfo).date() == (
        timezone.localdate() + timedelta(days=19)
    )


def test_xlsx_with_real_dates_and_english_columns(world, client_for):
    book = Workbook()
    sheet = book.active
    sheet.append(["Date", "Start", "End"])
    sheet.append([timezone.localdate() + timedelta(days=15), "17:00", "19:00"])
    out = io.BytesIO()
    book.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "d.xlsx"
    preview = client_for(world.admin).post(URL + "preview/", {"file": upload})
    assert preview.status_code == 200, re.findall(r"<li>Ligne.*?</li>", preview.content.decode())
    assert "17:00" in preview.content.decode()


def test_every_bad_line_is_reported_and_nothing_is_created(world, client_for):
    content = (
        "date,start,end,place,catalogs\n"
        f"{_day(20)},18:00,19:00,,\n"
        "32/13/2026,18:00,19:00,,\n"
        f"{_day(21)},19:00,18:00,,\n"
        f"{_day(22)},18:00,19:00,Nulle part,Inconnu\n"
        f"{_day(20)},18:00,19:00,,\n"  # the same place the same day as line 2
    )
    response = client_for(world.admin).post(URL + "preview/", {"file": _file(content)})
    assert response.status_code == 400
    html = response.content.decode()
    for line in (3, 4, 5):
        assert f"Ligne {line}" in html
    assert "Nulle part" in html and "Inconnu" in html
    assert not MultiDistrib.objects.filter(group=world.group).exists()


def test_a_line_refused_by_the_service_is_named_in_the_preview(world, client_for):
    content = f"date;start;end\n{_day(20)};18:00;19:00\n{_day(20)};18:00;19:00\n"
    response = client_for(world.admin).post(URL + "preview/", {"file": _file(content)})
    assert response.status_code == 400
    assert "Ligne 3" in response.content.decode()
    assert not MultiDistrib.objects.filter(group=world.group).exists()


def test_rights_and_tampering(world, client_for):
    assert client_for(world.member).get(URL).status_code == 403
    assert client_for(world.coordinator).get(URL).status_code == 200
    response = client_for(world.admin).post(URL + "confirm/", {"payload": "forged"})
    assert response.status_code == 302
    assert not MultiDistrib.objects.filter(group=world.group).exists()

"""The distribution's summaries as XLSX too (issue 19, item 1: orders of a distribution)."""

import io

from openpyxl import load_workbook


def test_product_summary_as_xlsx_keeps_numbers(world, day, client_for):
    url = f"/g/{world.group.slug}/manage/distributions/{day.md.pk}/day/xlsx/producers/"
    response = client_for(world.admin).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0] == "Catalogue"
    totals = [r for r in rows if r[2] == "Total"]
    assert [float(r[9]) for r in totals] == [14.28, 13.95]
    assert client_for(world.member).get(url).status_code == 403


def test_day_page_links_both_files(world, day, client_for):
    page = client_for(world.admin).get(
        f"/g/{world.group.slug}/manage/distributions/{day.md.pk}/day/"
    )
    assert "/day/xlsx/members/" in page.content.decode()

"""Coordinators' own day (issue 13, item 7): a coordinator of one catalog prints that
catalog's summaries, exports them and resends its producer form; nothing of other catalogs,
and none of the all-catalogs tools (validation, postponing, the cash report). Their PDFs are of
their catalogs only, and they reach no other PDF."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(world, day):
    """A member who coordinates the vegetables only (no section right)."""
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(email="veg@example.org", first_name="Valérie", last_name="Légume")
    member = MemberFactory(group=world.group, user=user)
    day.vegetables.coordinators.add(member)
    return user


def _url(name, world, day, **kw):
    return reverse(f"day:{name}", kwargs={"group_slug": world.group.slug, "md_id": day.md.pk, **kw})


def test_a_catalog_coordinator_prints_and_exports_their_catalog_only(
    world, day, coordinator, client_for
):
    client = client_for(coordinator)
    index = client.get(_url("index", world, day)).content.decode()
    assert "Légumes" in index and "Fournil" not in index
    assert _url("validate", world, day) not in index and _url("postpone", world, day) not in index
    for kind in ("members", "signature", "products", "producers", "matrix"):
        page = client.get(_url("print", world, day, kind=kind))
        assert page.status_code == 200, kind
        text = page.content.decode()
        assert "Carottes" in text and "Pain complet" not in text and "Cookie" not in text, kind
    csv = client.get(_url("csv", world, day, kind="products")).getvalue().decode("utf-8-sig")
    assert "Carottes" in csv and "Pain complet" not in csv
    # Their producer's order form, not the bread's.
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    bread = day.md.distributions.get(catalog=day.bread)
    assert (
        client.post(_url("producer_form", world, day, distribution_id=vegetables.pk)).status_code
        == 302
    )
    assert (
        client.post(_url("producer_form", world, day, distribution_id=bread.pk)).status_code == 403
    )
    # The all-catalogs tools stay closed.
    for name in ("validate", "postpone", "cash"):
        assert client.get(_url(name, world, day)).status_code == 403, name
    assert client.post(_url("pdf", world, day, kind="cash")).status_code == 403
    assert client.get(_url("print", world, day, kind="cash")).status_code == 403


def test_members_without_coordination_get_403_and_admins_see_everything(
    world, day, coordinator, client_for
):
    member = client_for(world.member)
    for name, kw in (("index", {}), ("print", {"kind": "members"}), ("csv", {"kind": "members"})):
        assert member.get(_url(name, world, day, **kw)).status_code == 403, name
    admin = client_for(world.admin).get(_url("print", world, day, kind="members")).content.decode()
    assert "Carottes" in admin and "Pain complet" in admin
    # Another group's people: 404.
    assert client_for(world.outsider).get(_url("index", world, day)).status_code == 404


def test_a_catalog_coordinator_gets_pdfs_of_their_catalog_only(
    world, day, coordinator, client_for, monkeypatch
):
    from day import pdf
    from day.models import SummaryDocument

    laid_out = []
    monkeypatch.setattr(pdf, "render_pdf", lambda html: laid_out.append(html) or b"%PDF-1.4")
    client = client_for(coordinator)
    index = client.get(_url("index", world, day)).content.decode()
    assert 'id="pdf-members"' in index and 'id="pdf-cash"' not in index
    response = client.post(_url("pdf", world, day, kind="members"))
    assert response.status_code == 302
    mine = SummaryDocument.objects.get()
    assert mine.catalogs == [day.vegetables.pk]
    pdf.document_build(document_id=mine.pk)
    assert "Carottes" in laid_out[-1] and "Pain complet" not in laid_out[-1]
    for name in ("document", "document_status", "document_download"):
        assert client.get(_url(name, world, day, document_id=mine.pk)).status_code == 200, name
    # The admin's all-catalogs PDF is another document, closed to the coordinator.
    admin = client_for(world.admin)
    admin.post(_url("pdf", world, day, kind="members"))
    everything = SummaryDocument.objects.exclude(pk=mine.pk).get()
    assert everything.catalogs is None
    pdf.document_build(document_id=everything.pk)
    assert "Pain complet" in laid_out[-1]
    for name in ("document", "document_status", "document_download"):
        url = _url(name, world, day, document_id=everything.pk)
        assert client.get(url).status_code == 403, name
        assert admin.get(url).status_code == 200, name
    # The producer order form PDF: their catalog's, not the bread's.
    vegetables = day.md.distributions.get(catalog=day.vegetables)
    bread = day.md.distributions.get(catalog=day.bread)
    url = _url("producer_form_pdf", world, day, distribution_id=vegetables.pk)
    assert client.post(url).status_code == 302
    form = SummaryDocument.objects.get(kind="producer_form")
    assert form.distribution_id == vegetables.pk
    pdf.document_build(document_id=form.pk)
    assert client.get(_url("document_download", world, day, document_id=form.pk)).status_code == 200
    url = _url("producer_form_pdf", world, day, distribution_id=bread.pk)
    assert client.post(url).status_code == 403
    admin.post(url)
    bread_form = SummaryDocument.objects.get(kind="producer_form", distribution=bread)
    assert client.get(_url("document", world, day, document_id=bread_form.pk)).status_code == 403

"""The statistics page (issue 19, item 5): its figures, and a query count that does not grow
with the group's history."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distributions.models import Duty, DutyNeed, VolunteerRole
from reports import selectors
from tests.day.factories import make_basket, make_md

D = Decimal


def _duty(world, md, user):
    role = VolunteerRole.objects.create(group=world.group, name=f"Accueil {md.pk}")
    need = DutyNeed.objects.create(group=world.group, multidistrib=md, role=role, people=2)
    return Duty.objects.create(group=world.group, need=need, user=user)


def test_statistics_figures(world, day):
    _duty(world, day.md, world.member)
    stats = selectors.statistics(group=world.group, today=timezone.localdate())
    assert (stats.members, stats.active_members, stats.members_ordering) == (3, 3, 3)
    assert [(p.baskets, p.total) for p in stats.distributions] == [(3, D("28.51"))]
    assert [(n, total) for _month, n, total in stats.months] == [(3, D("28.51"))]
    assert {name: total for name, _n, total in stats.producers} == {
        "Ferme du Mas": D("14.28"),
        "Fournil": D("14.23"),
    }
    assert stats.volunteers == [("Maëlle Membre", 1)]
    assert stats.duties == 1


def test_statistics_query_count_does_not_grow_with_history(world, day, client_for):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.statistics(group=world.group, today=timezone.localdate())
        return len(ctx.captured_queries)

    before = queries()
    for days in (-40, -70, -100):
        md = make_md(world.group, days=days, catalogs=[day.vegetables, day.bread])
        make_basket(md, day.members["member"], [(day.carrots, 1), (day.loaf, 1)])
        make_basket(md, day.members["coord"], [(day.cookie, 2)])
        _duty(world, md, world.coordinator)
    assert queries() == before
    page = client_for(world.admin).get(f"/g/{world.group.slug}/manage/reports/statistics/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    assert (
        client_for(world.member)
        .get(f"/g/{world.group.slug}/manage/reports/statistics/")
        .status_code
        == 403
    )

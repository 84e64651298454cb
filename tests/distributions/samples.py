"""Objects of world.group for the URL keywords of the distributions app (test_isolation)."""

from datetime import date, time

from distributions import services
from distributions.cycles import CycleTimes
from distributions.models import VolunteerRole
from tests.distributions.factories import CatalogFactory


def distribution_samples(world) -> dict:
    """Made once per world: test_isolation asks for the samples many times."""
    cached = getattr(world, "_distribution_samples", None)
    if cached is None:
        cached = world._distribution_samples = _make(world)
    return cached


def _make(world) -> dict:
    catalog = CatalogFactory(
        group=world.group, start_date=date(2030, 1, 1), end_date=date(2030, 12, 31)
    )
    role = VolunteerRole.objects.create(group=world.group, name="Accueil")
    cycle = services.cycle_create(
        group=world.group,
        place=world.place,
        cycle_type="weekly",
        start_date=date(2030, 3, 7),
        end_date=date(2030, 3, 21),
        times=CycleTimes(time(18, 0), time(20, 0), 7, time(8, 0), 1, time(20, 0)),
        catalogs=[catalog],
        acting_user=world.admin,
    )
    md = cycle.multidistribs.order_by("start_at").first()
    return {
        "md_id": md.pk,
        "distribution_id": md.distributions.get().pk,
        "cycle_id": cycle.pk,
        "role_id": role.pk,
    }

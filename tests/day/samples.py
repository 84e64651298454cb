"""Objects of world.group for the URL keywords of the distribution day (test_isolation)."""

from day.models import DistributionValidation, SummaryDocument
from distributions.models import MultiDistrib
from tests.distributions.samples import distribution_samples


def day_samples(world) -> dict:
    cached = getattr(world, "_day_samples", None)
    if cached is None:
        md = MultiDistrib.objects.get(pk=distribution_samples(world)["md_id"])
        document = SummaryDocument.objects.create(
            group=world.group, multidistrib=md, kind="members", language="fr"
        )
        row = DistributionValidation.objects.create(group=world.group, multidistrib=md)
        cached = world._day_samples = {
            "kind": "members",
            "document_id": document.pk,
            "validation_id": row.pk,
        }
    return cached

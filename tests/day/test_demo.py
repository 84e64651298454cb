import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from day import demo as day_demo
from distributions.models import MultiDistrib
from groups.models import Group
from orders.models import Basket
from tests.day.factories import make_catalog, make_product

pytestmark = pytest.mark.django_db


def test_day_demo_has_one_validated_and_one_waiting_and_is_idempotent():
    from members import demo as members_demo

    out = io.StringIO()
    members_demo.seed(out)
    group = Group.objects.get(slug="demo")
    catalog = make_catalog(
        group,
        name="Légumes",
        vendor_name="Ferme",
        start_date=timezone.localdate() - timedelta(days=60),
    )
    make_product(catalog, name="Carottes", price="2.35", unit_type="kg", variable_weight=True)
    make_product(catalog, name="Tomates", price="3.10")
    day_demo.seed(out)
    day_demo.seed(out)
    mds = list(MultiDistrib.objects.filter(group=group).order_by("start_at"))
    assert len(mds) == 2
    validated, waiting = mds
    assert validated.validated_at is not None and waiting.validated_at is None
    assert Basket.objects.filter(multidistrib=waiting).count() == day_demo.BASKETS
    weighed = validated.baskets.first().lines.filter(product__variable_weight=True).first()
    if weighed is not None:
        assert weighed.actual_quantity == weighed.quantity - Decimal("0.087")

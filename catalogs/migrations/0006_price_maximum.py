"""Prices at most 99,999.99 (catalogs.models.MAX_PRICE)."""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models

PRICE = models.DecimalField(
    decimal_places=2,
    max_digits=12,
    validators=[
        django.core.validators.MinValueValidator(Decimal("0")),
        django.core.validators.MaxValueValidator(Decimal("99999.99")),
    ],
    verbose_name="price incl. VAT",
)


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0005_pictures_allowed_formats")]

    operations = [
        migrations.AlterField(model_name="producerproduct", name="price", field=PRICE),
        migrations.AlterField(model_name="product", name="price", field=PRICE.clone()),
    ]

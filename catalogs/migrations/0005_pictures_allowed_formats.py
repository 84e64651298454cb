"""Pictures: JPEG, PNG, GIF or WebP only (kernel.images.ImageField)."""

import kernel.images
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0004_vendor_owner_group")]

    operations = [
        migrations.AlterField(
            model_name="producerproduct",
            name="image",
            field=kernel.images.ImageField(blank=True, upload_to="products/", verbose_name="photo"),
        ),
        migrations.AlterField(
            model_name="product",
            name="image",
            field=kernel.images.ImageField(blank=True, upload_to="products/", verbose_name="photo"),
        ),
        migrations.AlterField(
            model_name="vendor",
            name="image",
            field=kernel.images.ImageField(
                blank=True, upload_to="vendors/", verbose_name="logo or main photo"
            ),
        ),
        migrations.AlterField(
            model_name="vendorphoto",
            name="image",
            field=kernel.images.ImageField(upload_to="vendors/photos/", verbose_name="photo"),
        ),
    ]

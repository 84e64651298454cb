"""Groups as a file in Django admin (operators): their settings, one row per group. A whole
group with its data moves through the group archive (``reports.archive``), not this file."""

from import_export import resources

from groups.models import Group


class GroupResource(resources.ModelResource):
    class Meta:
        model = Group
        fields = (
            "id",
            "name",
            "slug",
            "group_type",
            "shop_mode",
            "registration",
            "currency",
            "contact__email",
            "main_place__name",
            "main_place__city",
            "created_at",
            "active_until",
            "deleted_at",
        )
        export_order = fields

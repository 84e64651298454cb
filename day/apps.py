from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DayConfig(AppConfig):
    """The distribution day: summaries, documents, weights, validation, postponing, order forms."""

    name = "day"
    verbose_name = _("Distribution day")

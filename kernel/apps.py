from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    """What every app may use: money, mail, audit, dates, storage, exports. Imports no app."""

    name = "kernel"
    verbose_name = _("Platform")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Tools for operators of the portal, not imported by the runtime: benchmark, soak, backup and restore."""

    name = "ops"
    verbose_name = _("运维工具")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TuoyuPortalConfig(AppConfig):
    """Project-wide pieces shared by all apps: management commands for the embedded database and the
    initial administrator."""

    name = "tuoyu_portal"
    verbose_name = _("门户")

    def ready(self):
        from tuoyu_portal import security  # noqa: F401  (connects the security-log signal receivers)

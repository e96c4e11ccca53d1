from django.apps import AppConfig


class TuoyuPortalConfig(AppConfig):
    """Project-wide pieces shared by all apps: management commands for the embedded database and the
    initial administrator."""

    name = "tuoyu_portal"
    verbose_name = "门户"

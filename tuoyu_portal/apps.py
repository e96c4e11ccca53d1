from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TuoyuPortalConfig(AppConfig):
    """The project's wiring: settings, URLs, middleware, database routers and the embedded database (with
    its `embedded_db` command). Its models moved to accounts; its migrations stay for their history."""

    name = "tuoyu_portal"
    verbose_name = _("门户")

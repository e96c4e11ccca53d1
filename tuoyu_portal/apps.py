from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TuoyuPortalConfig(AppConfig):
    """The project's wiring: settings, URLs, middleware, database routers and the embedded database (with
    its `embedded_db` command). Its models moved to accounts; its migrations stay for their history."""

    name = "tuoyu_portal"
    verbose_name = _("门户")

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from tuoyu_portal.db_roles import grant_after_migrate

        # Once per migrate run (post_migrate comes after every migration, once per app): the ledger's app.
        post_migrate.connect(
            grant_after_migrate, sender=apps.get_app_config("subsidies"), dispatch_uid="grant_app_role"
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The kernel at the bottom: access (roles, grants, for_user, can), base views, scoped admin and API
    viewset, tables, errors, spreadsheets, the fixture-loading base and the base model. Imports no other app
    of the project."""

    name = "core"
    verbose_name = _("核心")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core import data_version, fields, touch

        fields.install()  # every numeric form and serializer field reads "1,234", "１２３４" (core/fields.py)
        # version and updated_at kept by a trigger on every table that has them (core/touch.py)
        post_migrate.connect(touch.on_post_migrate, sender=self, dispatch_uid="core.touch")
        # versions of bodies of data that caches key on, kept by triggers (core/data_version.py)
        post_migrate.connect(data_version.on_post_migrate, sender=self, dispatch_uid="core.data_version")

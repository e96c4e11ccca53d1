from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The kernel at the bottom: access (roles, grants, for_user, can), base views, scoped admin and API
    viewset, tables, errors, spreadsheets, the fixture-loading base and the base model. Imports no other app
    of the project."""

    name = "core"
    verbose_name = _("核心")

    def ready(self):
        from core import fields

        fields.install()  # every numeric form and serializer field reads "1,234", "１２３４" (core/fields.py)

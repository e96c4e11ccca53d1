from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    """The facility registry: facilities, class units, staff, filing workflow, roles and scoping."""

    name = "facilities"
    verbose_name = _("托育机构")

    def ready(self):
        from core import data_version
        from facilities import signals  # noqa: F401  (connects the delete hook)
        from facilities.models import REGISTRY, REGISTRY_TABLES

        data_version.register(REGISTRY, REGISTRY_TABLES)  # cached list pages key on it

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    """Slot planning: progress against targets, indicators, demand, goals, dashboards and spreadsheets.
    It reads both the targets (places, documents) and the facility registry, so it sits after both."""

    name = "planning"
    verbose_name = _("托位规划")

    def ready(self):
        from core import data_version
        from planning.models import STATISTICS, STATISTICS_SOURCE_TABLES

        data_version.register(STATISTICS, STATISTICS_SOURCE_TABLES)  # the statistics cache keys on it

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    """Funds, subsidy programs with rules as data, applications, the append-only ledger, construction
    projects with milestones."""

    name = "subsidies"
    verbose_name = _("补助与资金")

    def ready(self):
        # The change feed (/api/v1/changes/) lives in the registry, which may not import this app.
        from facilities.api import changes
        from subsidies.models import Fund, Program, Project

        changes.register(changes.Feed("fund", Fund, "api-subsidy-fund-detail"))
        changes.register(changes.Feed("program", Program, "api-subsidy-program-detail"))
        changes.register(changes.Feed("project", Project, "api-subsidy-project-detail"))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    """Funds, subsidy programs with rules as data, applications, the append-only ledger, construction
    projects with milestones."""

    name = "subsidies"
    verbose_name = _("补助与资金")

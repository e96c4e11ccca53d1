from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Monthly enrolment reports of the facilities and the quarterly period reports (统计报表) of towns and
    districts, frozen once approved."""

    name = "reporting"
    verbose_name = _("统计报表")

    def ready(self):
        # The apps below may not import this one (docs/architecture.md): the public directory learns the
        # reported enrolment, and planning judges past plans on the approved (frozen) quarter reports.
        from facilities import disclosure
        from planning.selectors import register_frozen_reader
        from reporting import selectors

        disclosure.register("enrolment", selectors.disclosed_enrolment)
        register_frozen_reader(selectors.frozen_town_figures)
        # subsidies' decision page compares a claim of enrolled children with the latest monthly report.
        from subsidies.selectors import register_enrolment_reader, register_monthly_enrolment_reader

        register_enrolment_reader(selectors.enrolment_for_subsidy)
        # ... and a per-child claim with the reports of each month of its period.
        register_monthly_enrolment_reader(selectors.enrolment_by_month)
        # the change feed (/api/v1/changes/) follows the period reports
        from facilities.api import changes
        from reporting.models import PeriodReport

        changes.register(changes.Feed("period_report", PeriodReport, "api-period-report-detail"))
        # the facility list's over-enrolment flag reads the monthly reports: its cache must follow them
        from core import data_version
        from facilities.models import REGISTRY
        from reporting.models import EnrolmentLine, EnrolmentReport

        data_version.register(REGISTRY, (EnrolmentReport._meta.db_table, EnrolmentLine._meta.db_table))

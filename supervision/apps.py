from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Inspections, findings and rectification, risk + credit grading, quality evaluation, fee-cap checks."""

    name = "supervision"
    verbose_name = _("综合监管")

    def ready(self):
        # The public directory shows the latest inspection and the grade; the registry may not import this
        # app, so it is told where to find them (facilities.disclosure).
        from facilities import disclosure
        from supervision import selectors

        disclosure.register("inspection", selectors.latest_inspections)
        disclosure.register("grade", selectors.kept_grades)

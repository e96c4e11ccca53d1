from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Inspections, findings and rectification, risk + credit grading, quality evaluation, fee-cap checks."""

    name = "supervision"
    verbose_name = _("综合监管")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    """Places, population, source documents, figures as documents report them, and slot targets."""

    name = "targets"
    verbose_name = _("规划与目标")

from django.apps import AppConfig


class TargetsConfig(AppConfig):
    """Places, population, source documents, figures as documents report them, and slot targets."""

    name = "targets"
    verbose_name = "规划与目标"

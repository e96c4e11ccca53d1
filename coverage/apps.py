from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    """The 15-minute childcare service circle: communities with their population and a point, the share of
    residents within reach of an operating inclusive facility, the 2SFCA accessibility score, boundary files
    for the map, and what-if siting scenarios. Computed by PostgreSQL (cube + earthdistance)."""

    name = "coverage"
    verbose_name = _("15分钟托育服务圈")

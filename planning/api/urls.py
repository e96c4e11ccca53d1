"""/api/v1/stats/… (included under /api/v1/ by tuoyu_portal/api/urls.py)."""

from django.urls import path

from planning.api.demand import TownDemandView
from planning.api.statistics import SlotTableView
from planning.api.views import IndicatorStatsView, SlotStatsView

urlpatterns = [
    path("stats/slots/", SlotStatsView.as_view(), name="api-stats-slots"),
    path("stats/slots/table/", SlotTableView.as_view(), name="api-stats-slot-table"),
    path("stats/indicators/", IndicatorStatsView.as_view(), name="api-stats-indicators"),
    path("town-demand/", TownDemandView.as_view(), name="api-town-demand"),
]

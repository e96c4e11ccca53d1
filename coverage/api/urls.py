"""/api/v1/stats/coverage/ and /api/v1/communities/ (included under /api/v1/ by tuoyu_portal/api/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from coverage.api.views import CommunityViewSet, CoverageStatsView

router = SimpleRouter()
router.register("communities", CommunityViewSet, basename="api-community")

urlpatterns = [
    path("stats/coverage/", CoverageStatsView.as_view(), name="api-stats-coverage"),
    *router.urls,
]

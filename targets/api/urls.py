"""/api/v1/regions/ and /api/v1/targets/ (included under /api/v1/ by tuoyu_portal/api/urls.py)."""

from rest_framework.routers import SimpleRouter

from targets.api.views import RegionViewSet, SlotTargetViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="api-region")
router.register("targets", SlotTargetViewSet, basename="api-target")

urlpatterns = router.urls

"""/api/v1/facilities/ (included under /api/v1/ by tuoyu_portal/api/urls.py)."""

from rest_framework.routers import SimpleRouter

from facilities.api.views import FacilityViewSet

router = SimpleRouter()
router.register("facilities", FacilityViewSet, basename="api-facility")

urlpatterns = router.urls

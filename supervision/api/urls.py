"""/api/v1/inspections/… (included under /api/v1/ by tuoyu_portal/api/urls.py). Findings, complaints and
grades are registered before inspections so their paths are never read as an inspection id."""

from rest_framework.routers import SimpleRouter

from supervision.api.views import ComplaintViewSet, FindingViewSet, GradeViewSet, InspectionViewSet

router = SimpleRouter()
router.register("inspections/findings", FindingViewSet, basename="api-finding")
router.register("inspections/complaints", ComplaintViewSet, basename="api-complaint")
router.register("inspections/grades", GradeViewSet, basename="api-grade")
router.register("inspections", InspectionViewSet, basename="api-inspection")

urlpatterns = router.urls

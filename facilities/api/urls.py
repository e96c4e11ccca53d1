"""/api/v1/facilities/ and /api/v1/changes/ (included under /api/v1/ by tuoyu_portal/api/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from facilities.api.changes import ChangesView
from facilities.api.views import FacilityViewSet
from facilities.api.workflow import FacilityWorkflowViewSet, PendingChangeViewSet

router = SimpleRouter()
router.register("facilities", FacilityViewSet, basename="api-facility")
router.register("facilities", FacilityWorkflowViewSet, basename="api-facility-workflow")
router.register("pending-changes", PendingChangeViewSet, basename="api-pending-change")

urlpatterns = [*router.urls, path("changes/", ChangesView.as_view(), name="api-changes")]

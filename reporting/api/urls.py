"""/api/v1/enrolment-reports/ and /api/v1/period-reports/ (included under /api/v1/ by
tuoyu_portal/api/urls.py)."""

from rest_framework.routers import SimpleRouter

from reporting.api.views import EnrolmentReportViewSet, PeriodReportViewSet

router = SimpleRouter()
router.register("enrolment-reports", EnrolmentReportViewSet, basename="api-enrolment-report")
router.register("period-reports", PeriodReportViewSet, basename="api-period-report")

urlpatterns = router.urls

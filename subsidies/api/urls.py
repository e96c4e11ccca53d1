"""/api/v1/subsidies/… (included under /api/v1/ by tuoyu_portal/api/urls.py)."""

from rest_framework.routers import SimpleRouter

from subsidies.api.views import ApplicationViewSet, FundViewSet, LedgerViewSet, ProgramViewSet, ProjectViewSet

router = SimpleRouter()
router.register("subsidies/funds", FundViewSet, basename="api-subsidy-fund")
router.register("subsidies/programs", ProgramViewSet, basename="api-subsidy-program")
router.register("subsidies/applications", ApplicationViewSet, basename="api-subsidy-application")
router.register("subsidies/ledger", LedgerViewSet, basename="api-subsidy-ledger")
router.register("subsidies/projects", ProjectViewSet, basename="api-subsidy-project")

urlpatterns = router.urls

"""The portal's URLs plus the framework floor: a DRF view that returns a constant."""

from django.urls import include, path

from ops.benchmark.views import ConstantView

urlpatterns = [
    path("api/v1/bench/constant/", ConstantView.as_view(), name="bench-constant"),
    path("", include("tuoyu_portal.urls")),
]

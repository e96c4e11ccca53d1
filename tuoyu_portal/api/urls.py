"""/api/v1/: each app contributes its endpoints from <app>/api/urls.py; the schema and its docs are served
from static files (no CDN)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.api.exceptions import not_found

urlpatterns = [
    path("v1/", include("targets.api.urls")),
    path("v1/", include("facilities.api.urls")),
    path("v1/", include("planning.api.urls")),
    path("v1/", include("subsidies.api.urls")),
    path("v1/", include("supervision.api.urls")),
    path("v1/", include("reporting.api.urls")),
    path("v1/", include("coverage.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^.*$", not_found),
]

"""The project's URLs plus the import URLs (until the project's urls.py includes them)."""

from django.urls import include, path

from tuoyu_portal.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("planning/", include("planning.import_urls")),
    *project_urlpatterns,
]

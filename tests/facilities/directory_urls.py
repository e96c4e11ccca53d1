"""The project's URLs plus the public directory, for tests written before the directory is wired in."""

from django.urls import include, path

from tuoyu_portal import urls as project_urls

_wired = any(getattr(p, "namespace", None) == "directory" for p in project_urls.urlpatterns)

urlpatterns = [
    *([] if _wired else [path("directory/", include("facilities.public_urls"))]),
    *project_urls.urlpatterns,
]

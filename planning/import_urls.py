"""Imports, templates and the annex-layout report of a district (included under /planning/)."""

from django.urls import path

from planning import import_views

app_name = "imports"

urlpatterns = [
    path("districts/<str:code>/imports/", import_views.index, name="index"),
    path("districts/<str:code>/imports/<int:pk>/", import_views.job_detail, name="job"),
    path("districts/<str:code>/imports/<int:pk>/status.json", import_views.job_status, name="job_status"),
    path(
        "districts/<str:code>/imports/<int:pk>/problems.xlsx", import_views.job_problems, name="job_problems"
    ),
    path("districts/<str:code>/imports/<int:pk>/confirm/", import_views.job_confirm, name="job_confirm"),
    path(
        "districts/<str:code>/imports/templates/targets.xlsx",
        import_views.targets_template,
        name="targets_template",
    ),
    path(
        "districts/<str:code>/imports/templates/roster.xlsx",
        import_views.roster_template,
        name="roster_template",
    ),
    path("districts/<str:code>/imports/roster.xlsx", import_views.roster_export, name="roster_export"),
    path("districts/<str:code>/annex.xlsx", import_views.annex, name="annex"),
]

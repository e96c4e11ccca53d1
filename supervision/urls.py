from django.urls import path

from supervision import views, weight_views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("districts/<str:code>/", views.dashboard, name="dashboard"),
    path("districts/<str:code>/export/<str:table>.xlsx", views.dashboard_export, name="export"),
    path("districts/<str:code>/income/", views.income_set, name="income"),
    path("districts/<str:code>/weights/", weight_views.weights, name="weights"),
    path("districts/<str:code>/matrix/", weight_views.grade_matrix, name="grade_matrix"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/export.xlsx", views.inspection_export, name="inspections_export"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/edit/", views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("inspections/<int:pk>/findings/backfill/", views.finding_backfill, name="finding_backfill"),
    path("findings/", views.finding_list, name="findings"),
    path("findings/export.xlsx", views.finding_export, name="findings_export"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/answer/", views.finding_answer, name="finding_answer"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("findings/<int:pk>/reopen/", views.finding_reopen, name="finding_reopen"),
    path("findings/<int:pk>/deadline/", views.finding_deadline, name="finding_deadline"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/export.xlsx", views.complaint_export, name="complaints_export"),
    path("complaints/new/", views.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("grades/", views.grade_list, name="grades"),
    path("grades/export.xlsx", views.grade_export, name="grades_export"),
    path("grades/<int:pk>/", views.grade_detail, name="grade"),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/export.xlsx", views.evaluation_export, name="evaluations_export"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("facilities/<int:pk>/evaluations/", views.evaluation_compare, name="evaluation_compare"),
    path(
        "facilities/<int:pk>/evaluations/<slug:framework>/<str:kind>/new/",
        views.evaluation_create,
        name="evaluation_create",
    ),
]

from django.urls import path

from facilities import calendar_views, document_views, rules_views, views

app_name = "registry"

urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_create, name="create"),
    path("export.xlsx", views.facility_export, name="export"),
    path("reviews/", views.review_queue, name="reviews"),
    path("accounts/", views.accounts, name="accounts"),
    path("rules/", rules_views.rules_page, name="rules"),
    path("calendar/", calendar_views.calendar_year, name="calendar"),
    path("calendar/new/", calendar_views.calendar_new, name="calendar_new"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
    path("changes/<int:pk>/", views.change_detail, name="change"),
    path("requests/", views.my_requests, name="requests"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/edit/", views.facility_edit, name="edit"),
    path("<int:pk>/checklist/", views.checklist_edit, name="checklist"),
    path("<int:pk>/submit/", views.filing_submit, name="submit"),
    path("<int:pk>/archive/", views.facility_archive, name="archive"),
    path("<int:pk>/acknowledge/", views.filing_acknowledge, name="acknowledge"),
    path("<int:pk>/approve/", views.filing_approve, name="approve"),
    path("<int:pk>/return/", views.filing_return, name="return"),
    path("<int:pk>/materials/", document_views.materials, name="materials"),
    path("materials/<int:file_pk>/verdict/", document_views.material_verdict, name="material_verdict"),
    path("materials/<int:file_pk>/download/", document_views.material_download, name="material_download"),
    path("documents/<int:doc_pk>/", document_views.filing_document, name="document"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("<int:pk>/status/request/", views.status_request, name="status_request"),
    path("<int:pk>/staff/new/", views.staff_edit, name="staff_create"),
    path("<int:pk>/staff/<int:staff_pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:staff_pk>/<str:kind>/new/", views.staff_record_add, name="staff_record"),
    path("certificates/<int:pk>/edit/", views.certificate_edit, name="certificate_edit"),
    path("certificates/<int:pk>/retire/", views.certificate_retire, name="certificate_retire"),
]

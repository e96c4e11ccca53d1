from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.period_reports, name="period_reports"),
    path("periods/<int:pk>/", views.period_report, name="period_report"),
    path("periods/<int:pk>/submit/", views.period_submit, name="period_submit"),
    path("periods/<int:pk>/refresh/", views.period_refresh, name="period_refresh"),
    path("periods/<int:pk>/approve/", views.period_approve, name="period_approve"),
    path("periods/<int:pk>/return/", views.period_return, name="period_return"),
    path("periods/<int:pk>/correct/", views.period_correct, name="period_correct"),
    path("enrolment/", views.enrolment_reports, name="enrolment_reports"),
    path("enrolment/<int:pk>/", views.enrolment_report, name="enrolment_report"),
    path("facilities/<int:pk>/enrolment/", views.enrolment_fill, name="enrolment_fill"),
    path("districts/<str:code>/", views.district, name="district"),
    path("districts/<str:code>/settings/", views.settings_view, name="settings"),
    path("districts/<str:code>/compile/", views.compile_view, name="compile"),
    path("districts/<str:code>/import/", views.import_view, name="import"),
]

from django.urls import path

from subsidies import views

app_name = "subsidies"

urlpatterns = [
    path("", views.index, name="index"),
    path("funds/", views.fund_list, name="funds"),
    path("funds/<int:pk>/", views.fund_detail, name="fund"),
    path("summary/", views.summary, name="summary"),
    path("programs/", views.program_list, name="programs"),
    path("applications/", views.application_list, name="applications"),
    path("applications/new/", views.application_create, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/decide/", views.application_decide, name="decide"),
    path("applications/<int:pk>/pay/", views.application_pay, name="pay"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="withdraw"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/<int:pk>/reverse/", views.ledger_reverse, name="reverse"),
    path("projects/", views.project_list, name="projects"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
]

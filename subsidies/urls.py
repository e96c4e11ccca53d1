from django.urls import path

from subsidies import project_views, rule_views, views

app_name = "subsidies"

urlpatterns = [
    path("", views.index, name="index"),
    path("funds/", views.fund_list, name="funds"),
    path("funds/<int:pk>/", views.fund_detail, name="fund"),
    path("funds/new/", rule_views.fund_new, name="fund_new"),
    path("funds/<int:pk>/edit/", rule_views.fund_edit, name="fund_edit"),
    path("funds/<int:pk>/plan/", rule_views.fund_plan, name="fund_plan"),
    path("programs/new/", rule_views.program_new, name="program_new"),
    path("programs/<int:pk>/", rule_views.program_detail, name="program"),
    path("programs/<int:pk>/edit/", rule_views.program_edit, name="program_edit"),
    path("programs/<int:pk>/rules/", rule_views.program_rules, name="program_rules"),
    path("controls/<str:code>/", rule_views.payment_controls, name="controls"),
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
    path("projects/new/", project_views.project_new, name="project_new"),
    path("projects/<int:pk>/edit/", project_views.project_edit, name="project_edit"),
    path("projects/<int:pk>/milestones/", project_views.project_milestones, name="project_milestones"),
]

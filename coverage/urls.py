from django.urls import path

from coverage import views

app_name = "coverage"

urlpatterns = [
    path("", views.index, name="index"),
    path("communities/<int:pk>/edit/", views.community_edit, name="community_edit"),
    path("scenarios/<int:pk>/", views.scenario, name="scenario"),
    path("scenarios/<int:pk>/delete/", views.scenario_delete, name="scenario_delete"),
    path("scenario-sites/<int:pk>/delete/", views.scenario_site_delete, name="scenario_site_delete"),
    path("<str:code>/", views.district, name="district"),
    path("<str:code>/table/", views.table, name="table"),
    path("<str:code>/communities/", views.communities, name="communities"),
    path("<str:code>/import/", views.community_import, name="import"),
    path("<str:code>/boundary/", views.boundary, name="boundary"),
    path("<str:code>/settings/", views.settings_view, name="settings"),
    path("<str:code>/scenarios/", views.scenarios, name="scenarios"),
]

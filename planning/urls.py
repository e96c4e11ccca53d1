from django.urls import path

from planning import inputs_views, views

app_name = "planning"

urlpatterns = [
    path("", views.index, name="index"),
    path("compare/", views.compare, name="compare"),
    path("districts/<str:code>/", views.district_dashboard, name="district"),
    path("districts/<str:code>/export/<str:table>.xlsx", views.district_export, name="export"),
    path("districts/<str:code>/demand/", views.demand, name="demand"),
    path("districts/<str:code>/towns/<str:town>/", views.town_dashboard, name="town"),
    # planning inputs on pages (planning/inputs_views.py)
    path("districts/<str:code>/demand/towns/", inputs_views.town_demand, name="town_demand"),
    path("districts/<str:code>/demand/scenarios/new/", inputs_views.scenario_form, name="scenario_new"),
    path("districts/<str:code>/demand/scenarios/<int:pk>/", inputs_views.scenario_form, name="scenario_edit"),
    path(
        "districts/<str:code>/demand/scenarios/<int:pk>/delete/",
        inputs_views.scenario_delete,
        name="scenario_delete",
    ),
    path("districts/<str:code>/population/", inputs_views.population_list, name="population"),
    path("districts/<str:code>/population/new/", inputs_views.population_new, name="population_new"),
    path("districts/<str:code>/population/<int:pk>/", inputs_views.population_edit, name="population_edit"),
]

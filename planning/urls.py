from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("", views.index, name="index"),
    path("compare/", views.compare, name="compare"),
    path("districts/<str:code>/", views.district_dashboard, name="district"),
    path("districts/<str:code>/export/<str:table>.xlsx", views.district_export, name="export"),
    path("districts/<str:code>/demand/", views.demand, name="demand"),
    path("districts/<str:code>/towns/<str:town>/", views.town_dashboard, name="town"),
]

from django.urls import path

from targets import views

app_name = "targets"

urlpatterns = [
    path("", views.home, name="home"),
    path("districts/<str:code>/", views.district_detail, name="district"),
    path("regions/", views.RegionTreeView.as_view(), name="regions"),
    path("regions/<str:code>/", views.RegionDivisionsView.as_view(), name="region"),
]

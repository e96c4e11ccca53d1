from django.urls import path

from targets import views

app_name = "targets"

urlpatterns = [
    path("", views.home, name="home"),
    path("districts/<str:code>/", views.district_detail, name="district"),
]

"""The public facility directory, open to anyone without logging in."""

from django.urls import path

from facilities import public_views

app_name = "directory"

urlpatterns = [
    path("", public_views.directory_list, name="list"),
    path("<int:pk>/", public_views.directory_detail, name="detail"),
]

"""/accounts/tokens/: API tokens (included by tuoyu_portal/urls.py)."""

from django.urls import path

from accounts import views

app_name = "tokens"

urlpatterns = [
    path("", views.tokens, name="list"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
]

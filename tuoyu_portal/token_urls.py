"""/accounts/tokens/: API tokens (included by tuoyu_portal/urls.py)."""

from django.urls import path

from tuoyu_portal import token_views

app_name = "tokens"

urlpatterns = [
    path("", token_views.tokens, name="list"),
    path("<int:pk>/revoke/", token_views.revoke, name="revoke"),
]

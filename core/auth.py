"""API tokens on the pages that are files for machines (dashboard .xlsx exports).

A statistics system that holds an API token should not need a browser session to download what an official
downloads from a dashboard. `login_or_token_required` lets such a view be called with `Authorization:
Bearer <token>` (or `Token <token>`): the request is authenticated by the API's own authentication classes
(REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]: the scheme check, the token, the session) — the one
mechanism, read from settings, so core imports no app — and acts as the token's user, limited to the
token's grant, exactly as in the API. Then the view scopes as it always does (Action.DASHBOARD).

Only reads (GET, HEAD) take a token; another method, or a request without an Authorization header, is the
ordinary sign-in check (redirect to the login page). A wrong or expired token, another scheme, or a token
in the query string is a 401 with a short plain-text reason, never a login page (a machine cannot sign in).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from core.api.authentication import CREDENTIAL_PARAMETERS

TOKEN_METHODS = ("GET", "HEAD")


def token_user(request):
    """(user, auth) the API's authentication classes read from the request, or None when it carries no
    credentials of theirs; AuthenticationFailed when it carries bad ones."""
    drf_request = Request(
        request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    user = drf_request.user  # runs the authentication classes (raises on bad credentials)
    if drf_request.successful_authenticator is None:
        return None
    return user, drf_request.auth


def _unauthorized(error: exceptions.APIException) -> HttpResponse:
    response = HttpResponse(str(error.detail), status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def login_or_token_required(view=None, *, when: Callable | None = None):
    """`login_required`, or an API token for a read (`when(request)`: only for the requests it accepts,
    e.g. those asking for an export)."""

    def decorate(function):
        signed_in = login_required(function)

        @wraps(function)
        def wrapped(request, *args, **kwargs):
            carries = "HTTP_AUTHORIZATION" in request.META or any(
                p in request.GET for p in CREDENTIAL_PARAMETERS
            )
            if carries and request.method in TOKEN_METHODS and (when is None or when(request)):
                try:
                    found = token_user(request)
                except exceptions.APIException as error:
                    return _unauthorized(error)
                if found is not None:
                    request.user, request.auth = found
                    return function(request, *args, **kwargs)
            return signed_in(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


__all__ = ["login_or_token_required", "token_user"]

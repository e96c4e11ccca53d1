"""Keeps a user whose password was generated or set by someone else on the password-change page.

The flag (`accounts.models.PasswordChangeRequired`) is read once at sign-in into the session
(`accounts.security`), so this costs no query per request. While it is set, every page redirects to the
password-change page and an API call made with the session gets a 403 in the API's error body; API calls
signed with a token carry no session and are not affected. Changing the password clears the flag.

The middleware also makes the request available to the `accounts.security` receiver that notices a password
set by someone else (`current_request`)."""

from contextvars import ContextVar
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.security import INVITED_SESSION_KEY, MUST_CHANGE_SESSION_KEY
from core.api.middleware import API_PREFIXES

current_request: ContextVar = ContextVar("tuoyu_current_request", default=None)

ALLOWED_NAMES = ("password_change", "password_change_done", "logout", "set_language")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            session = getattr(request, "session", None)
            if session is not None and session.get(MUST_CHANGE_SESSION_KEY):
                refusal = self.refusal(request)
                if refusal is not None:
                    return refusal
            elif session is not None and session.get(INVITED_SESSION_KEY):
                detour = self.to_registration(request)
                if detour is not None:
                    return detour
            return self.get_response(request)
        finally:
            current_request.reset(token)

    def to_registration(self, request):
        """An invited operator whose facility is not registered yet: every page leads to the registration
        form (after the password, which comes first), until the facility is registered. One query while
        the session carries the flag; none once it is gone."""
        from facilities.models import OperatorInvitation

        if (
            not request.user.is_authenticated
            or not OperatorInvitation.objects.filter(user=request.user, registered_at__isnull=True).exists()
        ):
            request.session.pop(INVITED_SESSION_KEY, None)
            return None
        target = reverse("registry:create")
        path = request.path
        allowed = {target, *(reverse(name) for name in ALLOWED_NAMES)}
        if request.method != "GET" or path in allowed or path.startswith("/" + settings.STATIC_URL):
            return None
        if path.startswith(API_PREFIXES):
            return None  # the API answers within the account's (empty) scope
        return redirect(target)

    def refusal(self, request):
        if not request.user.is_authenticated:
            return None
        path = request.path
        if path in {reverse(name) for name in ALLOWED_NAMES} or path.startswith("/" + settings.STATIC_URL):
            return None
        if path.startswith(API_PREFIXES):
            message = _("请先修改密码：账户的密码是他人设置的，须由本人修改后才能继续使用。")
            return JsonResponse(
                {"error": {"status": 403, "code": "password_change_required", "message": message}},
                status=403,
            )
        target = reverse("password_change")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

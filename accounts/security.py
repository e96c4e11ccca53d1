"""The security log and login lockout, in one place.

Events (model `SecurityEvent` and the `tuoyu.security` logger):

    login, logout, login_failed   Django's auth signals, so every way of signing in is covered
    locked_out                    django-axes' signal when too many failures lock a user name at an address
    denied                        any 403 response, and a 404 that a scoping helper caused: an object outside
                                  the user's scope answers 404 (its existence is not disclosed), but the log
                                  records it as a denial

A 404 counts as "caused by scoping" when it was raised inside the scoping modules
(`core/access.py`, `facilities/permissions.py`, `*/scoping.py`) or by `get_object_or_404` on a scoped
queryset while the same lookup on the unscoped table does find the object. Nothing here is called from
views: a middleware and the API's exception handler classify, the auth signals record.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, router, transaction
from django.db.models import Model
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

logger = logging.getLogger("tuoyu.security")

SCOPING_MODULES = ("facilities/permissions.py", "/scoping.py", "core/access.py")


def client_ip(request) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies (each appending to X-Forwarded-For),
    the address the outermost proxy saw; otherwise REMOTE_ADDR. Never trusts a header the client wrote."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def record(kind: str, request=None, *, user=None, username: str = "", status=None, reason: str = "") -> None:
    """Write one event to the logger and the table. A failure to store it never breaks the request."""
    from accounts.models import SecurityEvent

    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    username = (username or (user.get_username() if user is not None else ""))[:150]
    fields = {
        "kind": kind,
        "user": user,
        "username": username,
        "ip_address": client_ip(request),
        "method": (getattr(request, "method", "") or "")[:10],
        "path": (getattr(request, "path", "") or "")[:500],
        "status": status,
        "reason": reason[:200],
    }
    level = logging.INFO if kind in (SecurityEvent.Kind.LOGIN, SecurityEvent.Kind.LOGOUT) else logging.WARNING
    logger.log(
        level,
        "%s user=%s ip=%s %s %s status=%s %s",
        kind,
        username or "-",
        fields["ip_address"] or "-",
        fields["method"] or "-",
        fields["path"] or "-",
        status or "-",
        reason,
        extra={"security_event": kind},
    )
    if not getattr(settings, "SECURITY_EVENTS_IN_DATABASE", True):
        return
    try:
        with transaction.atomic(using=router.db_for_write(SecurityEvent)):
            SecurityEvent.objects.create(**fields)
    except DatabaseError:
        logger.exception("could not store the security event %s", kind)


# --- sign-in events ---------------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="tuoyu_security_login")
def _logged_in(sender, request, user, **kwargs):
    record("login", request, user=user)


@receiver(user_logged_out, dispatch_uid="tuoyu_security_logout")
def _logged_out(sender, request, user, **kwargs):
    record("logout", request, user=user)


@receiver(user_login_failed, dispatch_uid="tuoyu_security_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    locked = getattr(request, "axes_locked_out", False)
    record(
        "login_failed",
        request,
        username=str(credentials.get("username", "")),
        reason="locked out" if locked else "",
    )


def _connect_axes() -> None:
    from axes.signals import user_locked_out

    # weak=False: the receiver is a local function, which a weak reference would let the collector drop.
    @receiver(user_locked_out, dispatch_uid="tuoyu_security_locked_out", weak=False)
    def _locked_out(sender, request, username, ip_address, **kwargs):
        record(
            "locked_out",
            request,
            username=username or "",
            status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
        )


_connect_axes()


# --- login lockout (django-axes) ----------------------------------------------------------------------------

try:
    from axes.backends import AxesStandaloneBackend
except ImportError:  # pragma: no cover - axes is a pinned dependency
    AxesStandaloneBackend = object


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every sign-in that comes with a request (the login form, the admin).

    `authenticate()` without a request (the shell, a management command) has no client to lock out; axes
    would raise, so it is passed on to the next backend unchanged."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown while a user name is locked at an address (HTTP 429), in the user's language."""
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    minutes = int(cooloff.total_seconds() // 60) if isinstance(cooloff, timedelta) else None
    if minutes:
        message = _(
            "登录失败次数过多，该账户已在此地址暂时锁定。请 %(minutes)s 分钟后再试，或联系管理员解锁。"
        ) % {"minutes": minutes}
    else:
        message = _("登录失败次数过多，该账户已在此地址锁定。请联系管理员解锁。")
    return render(
        request,
        "registration/locked_out.html",
        {"message": message},
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )


# --- permission denials -----------------------------------------------------------------------------------


def scope_denial(exc: Http404) -> str:
    """Why a 404 is really a denial ("scope: …"), or "" when the object simply does not exist."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in frames:
        filename = frame.f_code.co_filename.replace("\\", "/")
        if filename.endswith(SCOPING_MODULES):
            local = frame.f_locals
            if filename.endswith("core/access.py") and isinstance(local.get("lookup"), dict):
                # core.access.object_or_404(user, queryset or model, action, **lookup), called directly
                model = getattr(local.get("queryset"), "model", local.get("queryset"))
                if not (isinstance(model, type) and issubclass(model, Model)):
                    return ""
                return _exists(model, (), local["lookup"], model._meta.label)
            if "pk" not in local:
                return f"scope: {frame.f_code.co_name}"
            from facilities.models import Facility

            model = getattr(local.get("queryset"), "model", None) or Facility
            return _exists(model, (), {"pk": local["pk"]}, frame.f_code.co_name)
    for frame in frames:
        if frame.f_code is get_object_or_404.__code__ and frame.f_locals.get("queryset") is not None:
            local = frame.f_locals
            model = local["queryset"].model
            return _exists(model, local.get("args", ()), local.get("kwargs", {}), model._meta.label)
    return ""


def _exists(model, args, kwargs, where: str) -> str:
    """ "scope: <where>" when the lookup finds the object without the user's scope, else ""."""
    try:
        found = model._base_manager.filter(*args, **kwargs).exists()
    except Exception:  # an unusable lookup (a pk that is not a number…) is a plain not-found
        return ""
    return f"scope: {where}" if found else ""


class SecurityAuditMiddleware:
    """Records denials: every 403, and 404s that a scoping helper caused (see `scope_denial`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        scoped = getattr(request, "_tuoyu_scope_denial", "")
        if status == 403 or (status == 404 and scoped):
            reason = scoped or getattr(request, "_tuoyu_denial_reason", "") or "forbidden"
            record("denied", request, user=getattr(request, "user", None), status=status, reason=reason)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            reason = scope_denial(exception)
            if reason:
                request._tuoyu_scope_denial = reason
        elif isinstance(exception, PermissionDenied):
            request._tuoyu_denial_reason = f"permission denied: {exception}"[:200]
        return None


def api_exception_handler(exc, context):
    """The API's error handler, with the same denial classification as the middleware (DRF turns
    exceptions into responses before any middleware sees them)."""
    from core.api.exceptions import exception_handler

    request = getattr(context.get("request"), "_request", None)
    if request is not None and isinstance(exc, Http404):
        reason = scope_denial(exc)
        if reason:
            request._tuoyu_scope_denial = reason
    return exception_handler(exc, context)

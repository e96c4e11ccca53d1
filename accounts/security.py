"""The security log and login lockout, in one place.

Events (model `SecurityEvent` and the `tuoyu.security` logger):

    login, logout, login_failed   Django's auth signals, so every way of signing in is covered
    locked_out                    too many failures lock a user name at an address (django-axes' signal), a
                                  user name everywhere or an address for every name (`lock_for`)
    sign_in_code_issued/_used     one-time sign-in codes (accounts.services, accounts.views)
    password_changed, password_reset  a user chose a password / someone else set it (the admin)
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
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, router, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("tuoyu.security")

MUST_CHANGE_SESSION_KEY = "_tuoyu_must_change_password"
# Set at sign-in while the user is an invited operator whose facility is not registered yet
# (facilities.OperatorInvitation): accounts.middleware leads them to the registration form.
INVITED_SESSION_KEY = "_tuoyu_invited_operator"

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
    from accounts.models import LoginFailure, PasswordChangeRequired

    record("login", request, user=user)
    # A success ends the user name's count (the address's count stays: one good account must not reset it).
    LoginFailure.objects.filter(username=user.get_username().casefold()).delete()
    # The must-change flag is read once here, into the session: no query on every request.
    if request is not None and hasattr(request, "session"):
        if PasswordChangeRequired.objects.filter(user=user).exists():
            request.session[MUST_CHANGE_SESSION_KEY] = True
        else:
            request.session.pop(MUST_CHANGE_SESSION_KEY, None)
        from facilities.models import OperatorInvitation

        if OperatorInvitation.objects.filter(user=user, registered_at__isnull=True).exists():
            request.session[INVITED_SESSION_KEY] = True
        else:
            request.session.pop(INVITED_SESSION_KEY, None)


@receiver(user_logged_out, dispatch_uid="tuoyu_security_logout")
def _logged_out(sender, request, user, **kwargs):
    record("logout", request, user=user)


@receiver(user_login_failed, dispatch_uid="tuoyu_security_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", "") or "")
    refused = getattr(request, "_tuoyu_refused", False)  # refused while locked: not a guess, not counted
    if request is not None and not refused and settings.AXES_ENABLED:
        failure_record(username=username, ip_address=client_ip(request))
        lock = lock_for(username=username, ip_address=client_ip(request))
        if lock is not None:
            request.tuoyu_lock = lock
            if not getattr(request, "axes_locked_out", False):  # axes' own lock has its signal
                request.axes_locked_out = True
                record("locked_out", request, username=username, status=429, reason=f"lock: {lock.scope}")
    locked = getattr(request, "axes_locked_out", False)
    record("login_failed", request, username=username, reason="locked out" if locked else "")


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="tuoyu_security_password_set")
def _password_set(sender, instance, raw=False, update_fields=None, **kwargs):
    """Notes a password that someone else set on a page (the admin's "change password" form of a user):
    the user must change it at their next sign-in. Passwords a user chooses themselves go through the
    password-change and reset pages, which clear the flag; a hash upgrade saves `update_fields`."""
    from accounts.middleware import current_request

    request = current_request.get()
    if raw or instance.pk is None or request is None or update_fields is not None:
        return
    acting = getattr(request, "user", None)
    if not getattr(acting, "is_authenticated", False) or acting.pk == instance.pk:
        return
    old = sender._base_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        instance._tuoyu_password_set_by = acting


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="tuoyu_security_password_reset")
def _password_reset(sender, instance, raw=False, **kwargs):
    acting = instance.__dict__.pop("_tuoyu_password_set_by", None)
    if acting is None:
        return
    from accounts.middleware import current_request
    from accounts.services import require_password_change

    require_password_change(instance, reason=f"set by {acting.get_username()}")
    record(
        "password_reset",
        current_request.get(),
        username=instance.get_username(),
        reason=f"set by {acting.get_username()}",
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


# Three locks, each counted in PostgreSQL so that every app server sees the same counts:
#
#   pair      one user name at one address: AXES_FAILURE_LIMIT failures lock it for AXES_COOLOFF_MINUTES
#             (django-axes, AccessAttempt)
#   username  one user name from any address: LOGIN_LOCK_USERNAME_FAILURES in LOGIN_LOCK_USERNAME_MINUTES
#   address   one address for any user name: LOGIN_LOCK_ADDRESS_FAILURES in LOGIN_LOCK_ADDRESS_MINUTES
#
# axes keeps one limit and one cool-off for all its parameter combinations, so the user-name and address
# locks are counted here, on `LoginFailure` (one row per failure). Each is a sliding window: locked while the
# window holds the limit, so a name gets at most that many guesses per window however many addresses try
# it, and the lock lifts by itself when the oldest counted failure leaves the window. Refused attempts are
# not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off), so nobody can keep a lock on for ever by
# knocking; and a locked user signs in with a one-time code (accounts.views.sign_in_with_code), which passes
# the user-name locks but never the address lock.


@dataclass(frozen=True)
class Lock:
    scope: str  # "pair", "username" or "address"
    minutes: int  # until it lifts, rounded up

    @property
    def code_helps(self) -> bool:
        return self.scope != "address"


def _windows() -> dict[str, tuple[int, int]]:
    return {
        "address": (settings.LOGIN_LOCK_ADDRESS_FAILURES, settings.LOGIN_LOCK_ADDRESS_MINUTES),
        "username": (settings.LOGIN_LOCK_USERNAME_FAILURES, settings.LOGIN_LOCK_USERNAME_MINUTES),
    }


def lock_for(*, username: str | None = None, ip_address: str | None = None) -> Lock | None:
    """The address lock on `ip_address` or the user-name lock on `username`, whichever holds (the address
    first: a one-time code does not pass it); None when neither does."""
    from accounts.models import LoginFailure

    now = timezone.now()
    keys = {"address": ("ip_address", ip_address), "username": ("username", (username or "").casefold())}
    for scope, (limit, minutes) in _windows().items():
        field, value = keys[scope]
        if limit <= 0 or not value:
            continue
        recent = list(
            LoginFailure.objects.filter(**{field: value, "at__gt": now - timedelta(minutes=minutes)})
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            until = recent[limit - 1] + timedelta(minutes=minutes)
            return Lock(scope, max(1, math.ceil((until - now).total_seconds() / 60)))
    return None


def failure_record(*, username: str, ip_address: str | None) -> None:
    """Count one failed sign-in, and forget this name's and address's failures older than any window."""
    from accounts.models import LoginFailure

    now = timezone.now()
    oldest = now - timedelta(minutes=max(minutes for _limit, minutes in _windows().values()))
    username = (username or "").casefold()[:150]
    LoginFailure.objects.filter(username=username, at__lt=oldest).delete()
    if ip_address:
        LoginFailure.objects.filter(ip_address=ip_address, at__lt=oldest).delete()
    LoginFailure.objects.create(username=username, ip_address=ip_address, at=now)


class LockoutBackend(AxesStandaloneBackend):
    """The lockout check for every sign-in that comes with a request (the login form, the admin): the
    address and user-name locks (`lock_for`), then django-axes' lock on the pair.

    `authenticate()` without a request (the shell, a management command) has no client to lock out; axes
    would raise, so it is passed on to the next backend unchanged."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not settings.AXES_ENABLED:
            return None
        lock = lock_for(username=username, ip_address=client_ip(request))
        if lock is not None:
            request.tuoyu_lock = lock
            request._tuoyu_refused = True
            request.axes_locked_out = True  # axes' middleware answers with lockout_response
            raise PermissionDenied("locked out")
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except PermissionDenied:
            request._tuoyu_refused = True
            raise


def pair_lock() -> Lock:
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    return Lock("pair", int(cooloff.total_seconds() // 60) if isinstance(cooloff, timedelta) else 0)


def lockout_response(request, original_response=None, credentials=None):
    """The page shown while a lock holds (HTTP 429), in the user's language: which lock, for how long, and
    whether a one-time sign-in code helps."""
    lock = getattr(request, "tuoyu_lock", None) or pair_lock()
    if lock.scope == "address":
        message = _("登录失败次数过多，此网络地址已暂时锁定（对所有账户）。请 %(minutes)s 分钟后再试。") % {
            "minutes": lock.minutes
        }
    elif lock.minutes:
        message = _(
            "登录失败次数过多，该账户已暂时锁定。请 %(minutes)s 分钟后再试，或使用一次性登录码登录。"
        ) % {"minutes": lock.minutes}
    else:
        message = _("登录失败次数过多，该账户已锁定。请使用一次性登录码登录。")
    return render(
        request,
        "registration/locked_out.html",
        {
            "message": message,
            "code_helps": lock.code_helps,
            "email_enabled": settings.EMAIL_ENABLED,
            "code_minutes": settings.SIGN_IN_CODE_MINUTES,
        },
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


# --- passwords the user did not choose ----------------------------------------------------------------------


def _connect_password_generated() -> None:
    from core.signals import password_generated

    @receiver(password_generated, dispatch_uid="tuoyu_security_password_generated", weak=False)
    def _generated(sender, user, **kwargs):
        from accounts.services import require_password_change

        require_password_change(user, reason="generated")


_connect_password_generated()

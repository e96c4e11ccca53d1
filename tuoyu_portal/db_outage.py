"""While PostgreSQL is unreachable (restarting, failing over, a cut connection), answer 503, not 500.

Two hooks, one answer (`unavailable_response`):

- `DatabaseUnavailableMiddleware.process_exception` catches a database OperationalError / InterfaceError
  raised by a view or while its template renders (DRF re-raises errors it does not know, so the API lands
  here too). It works with DEBUG on as well.
- `server_error` is the project's handler500 (tuoyu_portal/urls.py): the last resort for errors raised
  outside views — a middleware reading the session or writing the security log. Django calls it while the
  exception is being handled, so `sys.exc_info()` says what went wrong.
- `bad_request` (handler400): a session whose save failed becomes Django's 400 "session interrupted"; when
  the database caused it, that is a 503 too.

Web pages get a short page in the user's language (Chinese first) that needs no database: no context
processors, no session, no user. /api/ gets the API's error body, /fhir/ an OperationOutcome.
All say `Retry-After`.

Recovery needs nothing from here: Django closes a connection that raised an error at the end of the request
(`close_if_unusable_or_obsolete`); persistent connections (CONN_MAX_AGE > 0, the DATABASE_URL settings) are
checked before reuse because CONN_HEALTH_CHECKS is on; and the embedded server's connections are opened per
request. So the first request after PostgreSQL is back connects again, without restarting the app servers.
`python manage.py soak` restarts a real PostgreSQL under gunicorn to show it.

A database that hangs instead of failing (connections open, nothing answered) is bounded by the connect and
client time-outs (settings.py DATABASE_CONNECT_TIMEOUT / DATABASE_CLIENT_TIMEOUT; the client one in
tuoyu_portal/postgres_backend): both raise an OperationalError, so it gets the same 503
(tests/faults/test_db_hang.py; the soak makes the database hang too).
"""

from __future__ import annotations

import logging
import sys

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("tuoyu.db_outage")

# Django wraps the driver's errors in its own classes; the driver's are listed for errors raised outside
# Django's wrapper. Every OperationalError counts (a lost connection, the server shutting down or starting
# up, too many connections): in PEP 249 terms they are not the request's fault, so "try again" is right.
OUTAGE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
RETRY_AFTER_SECONDS = 10


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OUTAGE_ERRORS)


def unavailable_response(request) -> HttpResponse:
    """The 503 answer: the API's JSON error body under /api/, a self-contained page otherwise."""
    message = _("数据库暂时无法访问，请稍后重试。")
    if request.path.startswith("/fhir/"):
        # the FHIR face answers errors as an OperationOutcome (interop.fhir), built here without the database
        body = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "transient", "diagnostics": str(message)}],
        }
        response = JsonResponse(
            body, status=503, content_type="application/fhir+json", json_dumps_params={"ensure_ascii": False}
        )
    elif request.path.startswith("/api/"):
        body = {"error": {"status": 503, "code": "service_unavailable", "message": message, "fields": {}}}
        response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        context = {
            "title": _("服务暂时不可用"),
            "message": message,
            "advice": _("如果刚才提交过表单，请在恢复后核对内容是否已经保存。"),
            "retry": _("重试"),
            "path": request.get_full_path(),
        }
        try:
            # Rendered without the request: no context processor, session or user may touch the database.
            html = render_to_string("tuoyu_portal/503.html", context)
        except Exception:  # the page must not fail while the database is down; say the essentials plainly
            logger.exception("the 503 page could not be rendered")
            title = context["title"]
            html = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a database outage in a view into a 503 (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)


def bad_request(request, exception, *args, **kwargs):
    """handler400: Django turns a session that could not be saved into a 400 ("session deleted"); when the
    database was the reason, the answer is a 503 like any other outage."""
    cause = exception
    for _depth in range(5):  # SessionInterrupted <- UpdateError <- OperationalError
        if is_outage(cause):
            return unavailable_response(request)
        cause = cause.__cause__ or cause.__context__ if cause is not None else None
    return defaults.bad_request(request, exception, *args, **kwargs)


def server_error(request, *args, **kwargs):
    """handler500: a 503 when the error being handled is a database outage, Django's 500 page otherwise."""
    if is_outage(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request, *args, **kwargs)

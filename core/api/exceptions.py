"""One error body for every API failure:

    {"error": {"status": 400, "code": "invalid", "message": "…",
               "fields": {"total_slots": [{"code": "min_value", "message": "…"}]}}}

A stale version (409) adds `current_version` and `changes` (what changed since the version sent).

Messages are in the request's language; codes are stable for machines. A service's refusal (core.errors) is
mapped here, once, for every endpoint."""

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, NotAllowed, ServiceError
from core.versioning import StaleVersion


def _item(detail) -> dict:
    return {"code": getattr(detail, "code", "invalid"), "message": str(detail)}


def _join(prefix: str, key) -> str:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return f"{prefix}[{key}]"  # a position in a list: units[1]
    if key in ("non_field_errors", api_settings.NON_FIELD_ERRORS_KEY) and prefix:
        return prefix  # an error of the nested row as a whole
    return f"{prefix}.{key}" if prefix else str(key)


def _details(detail, prefix: str = "", out: dict | None = None) -> dict:
    """Field errors keyed by field path, however deep: {"units[1].class_type": [{code, message}]}. A nested
    serializer's errors come as a dict per field, a list's as a list (an empty {} for each good row) or a
    dict keyed by position; all end up as flat paths, so every key names one field a client can show."""
    out = {} if out is None else out
    if isinstance(detail, dict):
        for key, value in detail.items():
            _details(value, _join(prefix, key), out)
    elif isinstance(detail, list):
        for position, value in enumerate(detail):
            if isinstance(value, dict | list):
                _details(value, _join(prefix, position) if isinstance(value, dict) else prefix, out)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(_item(value))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(_item(detail))
    return out


def service_exception(exc: ServiceError) -> exceptions.APIException:
    """A service's refusal as DRF sees it: Conflict → 409, NotAllowed → 403, any other ServiceError → 400
    with its field errors (or its message under non_field_errors), each carrying the error's `code`."""
    if isinstance(exc, Conflict):
        error = exceptions.APIException(exc.message)
        error.status_code, error.default_code = status.HTTP_409_CONFLICT, exc.code
        error.detail = exceptions.ErrorDetail(str(error.detail), code=exc.code)
        return error
    if isinstance(exc, NotAllowed):
        return exceptions.PermissionDenied(exc.message, code=exc.code)
    return exceptions.ValidationError(exc.errors or {"non_field_errors": [exc.message]}, code=exc.code)


def exception_handler(exc, context):
    if isinstance(exc, DataError):  # e.g. a NUL character in a lookup value: bad input, not a server error
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("请求中含有无法处理的字符。")]}, code="invalid"
        )
    if isinstance(exc, exceptions.ParseError):  # DRF's parsers word it in English, with Python's reason
        exc = exceptions.ParseError(_("无法解析请求内容：请发送UTF-8编码的JSON对象。"))
    stale = exc.as_api() if isinstance(exc, StaleVersion) else None
    if isinstance(exc, ServiceError):
        exc = service_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    if isinstance(exc, Http404):
        code, message, fields = "not_found", _("未找到。"), {}
    elif isinstance(exc, PermissionDenied):
        code, message, fields = "permission_denied", _("无权执行此操作。"), {}
    elif isinstance(detail, dict | list):
        code, message = "invalid", _("请求数据有误，请按字段提示修正。")
        fields = _details(detail)
    else:
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        message, fields = str(detail) if detail is not None else str(exc), {}
    response.data = {
        "error": {"status": response.status_code, "code": code, "message": message, "fields": fields}
    }
    if stale is not None:  # a stale version: the current one, and what changed since the one sent
        response.data["error"].update(stale)
        response["ETag"] = f'"{stale["current_version"]}"'
    return response


class NotFoundView(APIView):
    """Unknown /api/ paths, whatever the method: the JSON error body (404), never Django's HTML page nor its
    CSRF refusal (DRF views are exempt; no credentials are read, so none can be refused). Throttled like any
    endpoint, so it carries the RateLimit-* headers too."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = None  # not an endpoint: left out of the OpenAPI document

    # No method has a handler: every one reaches http_method_not_allowed, hence the 404 (not DRF's 405).
    http_method_names: list = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("未找到。"))


not_found = NotFoundView.as_view()


def error_response(status_code: int, code: str, message: str) -> Response:
    return Response(
        {"error": {"status": status_code, "code": code, "message": message, "fields": {}}}, status=status_code
    )

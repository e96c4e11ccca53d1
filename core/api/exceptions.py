"""One error body for every API failure:

    {"error": {"status": 400, "code": "invalid", "message": "…",
               "fields": {"total_slots": [{"code": "min_value", "message": "…"}]}}}

A stale version (409) adds `current_version` and `changes` (what changed since the version sent).

Messages are in the request's language; codes are stable for machines. A service's refusal (core.errors) is
mapped here, once, for every endpoint."""

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, NotAllowed, ServiceError
from core.versioning import StaleVersion


def _details(detail):
    if isinstance(detail, dict):
        return {field: _details(value) for field, value in detail.items()}
    if isinstance(detail, list):
        flat = []
        for item in detail:
            value = _details(item)
            flat.extend(value if isinstance(value, list) else [value])
        return flat
    return {"code": getattr(detail, "code", "invalid"), "message": str(detail)}


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
        fields = _details(detail) if isinstance(detail, dict) else {"non_field_errors": _details(detail)}
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


def not_found(request, *args, **kwargs):
    """Unknown /api/ paths answer with the error body too, not Django's HTML page."""
    body = {"error": {"status": 404, "code": "not_found", "message": _("未找到。"), "fields": {}}}
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})


def error_response(status_code: int, code: str, message: str) -> Response:
    return Response(
        {"error": {"status": status_code, "code": code, "message": message, "fields": {}}}, status=status_code
    )

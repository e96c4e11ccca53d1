"""The scoped API viewset base and the schema pieces every endpoint shares.

`PrivateViewSet` is the base of the private endpoints (subsidies, supervision): signed-in users only (401
otherwise), read-only tokens only read, ids are numbers. Each viewset's `get_queryset` scopes its rows to the
user; a row outside the scope is not found (404), never forbidden. A service's refusal needs no handling in
the view: core.api.exceptions turns core.errors into the API's one error body (403 not allowed, 409 conflict,
400 with the field errors otherwise).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import router
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response

from core import access, data_version
from core.api.permissions import TokenScope
from core.api.schema import ErrorResponseSerializer
from core.versioning import expected_version


def error_doc(description) -> OpenApiResponse:
    """An error response in the schema: the one error body, with what the status means here."""
    return OpenApiResponse(ErrorResponseSerializer, description=description)


def id_parameter(description) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=description)


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "xlsx"],
    description=gettext_lazy("下载格式：csv（UTF-8，带 BOM）或 xlsx（当前页）；默认 JSON"),
)

# The errors of the private endpoints, as the schema documents them.
READ_ERRORS = {
    401: error_doc(gettext_lazy("未登录或令牌无效")),
    404: error_doc(gettext_lazy("未找到，或不在您的范围内")),
    429: error_doc(gettext_lazy("请求过于频繁")),
}
LIST_ERRORS = {400: error_doc(gettext_lazy("筛选参数有误")), **READ_ERRORS}
WRITE_ERRORS = {
    400: error_doc(gettext_lazy("数据有误（按字段说明）或业务规则不允许（如暂缓支付、资金余额不足）")),
    401: READ_ERRORS[401],
    403: error_doc(gettext_lazy("无权执行（只读令牌，或您能查看但不能办理该事项）")),
    404: READ_ERRORS[404],
    429: READ_ERRORS[429],
}


# The list and retrieve actions of the viewsets document themselves alike; these keep them so.
def list_schema(serializer, summary, description, errors=LIST_ERRORS):
    """A list action: rows of `serializer`, downloadable as csv or xlsx (`FORMAT_PARAMETER`)."""
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[FORMAT_PARAMETER],
        responses={200: serializer, **errors},
    )


def item_schema(serializer, summary, parameter=None, errors=READ_ERRORS, description=None):
    """A retrieve action: one `serializer` row, named by the path `parameter` (None: the one DRF derives)."""
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[parameter] if parameter else None,
        responses={200: serializer, **errors},
    )


class RenderedResponse(Response):
    """A response whose body was rendered once and kept (CachedListMixin): headers, middleware and throttling
    apply as to any other; the renderer is not run again."""

    def __init__(self, content: bytes, content_type: str):
        super().__init__(None, content_type=content_type)
        self.kept_content = content

    @property
    def rendered_content(self):
        self["Content-Type"] = self.content_type
        return self.kept_content


class CachedListMixin:
    """JSON list pages answered from this process's memory while the data they read has not changed.

    `list_data_version` names the body of data (core.data_version) whose tables every query of the list reads
    — a test holds the list to it. The key is that data's version, the day (rules compare dates with today),
    the caller (user, superuser or not, the token and the grant it is bound to: scopes follow role
    assignments, which are among the tables), the address asked for (path, every parameter, host and scheme:
    the page links are absolute), the media type and the language. A request whose version cannot be read —
    its transaction wrote something, or the data has no version yet — is answered live and not kept; so are
    downloads (CSV, XLSX: their About sheet has the time of export). What is kept is the rendered JSON, within
    API_LIST_CACHE_MB per process (least recently used out first)."""

    list_data_version: str = ""
    list_cache = data_version.VersionedCache(10_000, max_bytes=settings.API_LIST_CACHE_MB * 1024 * 1024)

    def list_database(self) -> str:
        """Where the list is read from (a replica, when the router sends reads there): the version is read
        there too, so that it describes the data read."""
        return router.db_for_read(self.serializer_class.Meta.model)

    def list_version(self) -> int | None:
        """The version the page is cached under (a subclass that reads more in the same statement overrides
        it)."""
        return data_version.read(self.list_data_version, using=self.list_database())

    def list(self, request, *args, **kwargs):
        renderer = request.accepted_renderer
        if not self.list_cache.max_bytes or getattr(renderer, "format", None) != "json":
            return self.live_list(request, *args, **kwargs)
        version = self.list_version()
        if version is None:
            return self.live_list(request, *args, **kwargs)
        key = self.list_cache_key(request, version)
        kept = self.list_cache.get(key)
        if kept is not None:
            return RenderedResponse(*kept)
        response = self.live_list(request, *args, **kwargs)
        if response.status_code != status.HTTP_200_OK:
            return response
        context = {**self.get_renderer_context(), "response": response}
        content = renderer.render(response.data, request.accepted_media_type, context)
        content_type = (
            f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
        )
        self.list_cache.put(key, (content, content_type), size=len(content))
        return RenderedResponse(content, content_type)

    def live_list(self, request, *args, **kwargs):
        """The page read from the database (a viewset with a list of its own overrides this, not `list`)."""
        return super().list(request, *args, **kwargs)

    def list_cache_key(self, request, version: int) -> str:
        user, token = request.user, request.auth
        parts = (
            type(self).__qualname__,
            self.list_data_version,
            str(version),
            timezone.localdate().isoformat(),
            str(getattr(user, "pk", None)),
            str(getattr(user, "is_superuser", False)),
            ":".join(str(getattr(token, name, None)) for name in ("pk", "grant_id", "read_only")),
            request.scheme,
            request.get_host(),
            request.path,
            repr(sorted(request.query_params.lists())),
            request.accepted_media_type or "",
            translation.get_language() or "",
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class VersionETagMixin:
    """One record with a `version` answers with `ETag: "<version>"`, which a client may send back in
    `If-Match` when it changes the record (core.versioning)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if response.status_code in (200, 201) and isinstance(data, dict) and "version" in data:
            response["ETag"] = f'"{data["version"]}"'
        return response


class ScopedViewSetMixin(VersionETagMixin):
    """The viewset's `queryset`, narrowed to what the user may do with `scope_action` (core.access) before
    anything else reads it: a subclass adds annotations on top of `super().get_queryset()`."""

    scope_action = access.Action.VIEW

    def get_queryset(self):
        return access.for_user(self.request.user, self.scope_action, super().get_queryset())


class WriteStepsMixin:
    """What a viewset's writes share: each reads its input with a serializer of its own, calls a service, and
    answers with the record as it now is."""

    def validated(self, serializer_class) -> dict:
        """The request's data read with `serializer_class` (a 400 naming the fields when it does not fit)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def read_back(self, obj, status_code=status.HTTP_200_OK) -> Response:
        """`obj` as the user now sees it: re-read through the viewset's queryset (scope, annotations and
        prefetches may have changed) and shown with `serializer_class`, not the action's input serializer."""
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.serializer_class(fresh, context=self.get_serializer_context()).data, status_code)


class PrivateViewSet(WriteStepsMixin, ScopedViewSetMixin, viewsets.GenericViewSet):
    """Signed-in users only (401 otherwise); read-only tokens only read; ids are numbers; rows scoped."""

    permission_classes = [TokenScope, permissions.IsAuthenticated]
    lookup_value_regex = r"[0-9]+"

    def list_with(self, prepare):
        """A list page whose rows need figures computed for the page as a whole (`prepare(rows)`), so a page
        costs the same number of queries whatever its size."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        prepare(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


__all__ = [
    "FORMAT_PARAMETER",
    "LIST_ERRORS",
    "READ_ERRORS",
    "WRITE_ERRORS",
    "PrivateViewSet",
    "ScopedViewSetMixin",
    "WriteStepsMixin",
    "error_doc",
    "id_parameter",
    "item_schema",
    "list_schema",
]


def sent_version(request, body_version: int | None) -> int | None:
    """The version a client read, from the body's `version` or else the `If-Match` header (`"7"` or
    `W/"7"`, as our ETag gives it); a malformed header is a 400 naming it."""
    if body_version is not None:
        return body_version
    try:
        return expected_version(request.headers.get("If-Match"))
    except ValueError:
        raise serializers.ValidationError(
            {"If-Match": [_('If-Match 须为读取时的版本号，如 "7"。')]}, code="invalid"
        ) from None

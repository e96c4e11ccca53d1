"""Conditional GET for API answers that machines poll (statistics, frozen reports): `ETag` and
`Last-Modified`, and 304 Not Modified when the client's copy is current.

- The ETag is a digest of the answer's data (as JSON) and its format, not of the rendered bytes: an .xlsx
  carries the moment it was exported in its About sheet, so its bytes differ on every request although its
  figures do not. The same figures in CSV and XLSX have different tags (a cache keeps both).
- Last-Modified is the newest change of the answer's inputs (`last_modified()` of the view: the newest
  `updated_at` or history time of the rows it reads), never earlier than the data's true age.
- If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2): with a tag, the date is not read.
- Scoped answers are `Cache-Control: private, no-cache` and vary on `Authorization` and `Cookie`: a shared
  cache must not hand one official's figures to another.
"""

from __future__ import annotations

import datetime
import hashlib

from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

CONDITIONAL_METHODS = ("GET", "HEAD")

# The request and response headers of a conditional answer, for an endpoint's extend_schema(parameters=…).
PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        required=False,
        description=gettext_lazy("上次响应的 ETag；未变时返回 304"),
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        OpenApiParameter.HEADER,
        required=False,
        description=gettext_lazy("上次响应的 Last-Modified；其后无变化时返回 304"),
    ),
    OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description=gettext_lazy("内容摘要（按格式）"),
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description=gettext_lazy("输入数据的最近修改时间"),
    ),
]


def etag_for(data, fmt: str) -> str:
    """A strong tag of `data` in format `fmt` (json, csv, xlsx)."""
    body = JSONRenderer().render(data)
    return f'"{hashlib.sha256(fmt.encode() + b"|" + body).hexdigest()[:40]}"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks for GET), or `*`."""
    if not header:
        return False
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def not_modified(request, etag: str, last_modified: datetime.datetime | None) -> bool:
    """Whether the client's copy (If-None-Match, else If-Modified-Since) is current."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        return etag_matches(if_none_match, etag)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since


def tag(response, etag: str, last_modified: datetime.datetime | None, *, private: bool = True) -> None:
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "private, no-cache" if private else "no-cache"
    if private:
        patch_vary_headers(response, ("Authorization", "Cookie"))


class ConditionalGetMixin:
    """For an API view whose GET answers should be polled cheaply: every 200 GET answer in JSON, CSV or XLSX
    gets an ETag and a Last-Modified (`last_modified()`), and a request whose copy is current gets 304
    without a body (the spreadsheet is then never built). The browsable page is left alone."""

    conditional_private = True
    #: For a viewset: the actions that answer conditionally (None: every GET). A record's own ETag is its
    #: version (core.api.views.VersionETagMixin), which a retrieve keeps.
    conditional_actions: tuple[str, ...] | None = None

    def last_modified(self) -> datetime.datetime | None:
        return None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in CONDITIONAL_METHODS or response.status_code != 200:
            return response
        if (
            self.conditional_actions is not None
            and getattr(self, "action", None) not in self.conditional_actions
        ):
            return response
        if not isinstance(response, Response):
            return response
        renderer = getattr(response, "accepted_renderer", None)
        fmt = getattr(renderer, "format", "json")
        if fmt not in ("json", "csv", "xlsx"):
            return response
        etag = etag_for(response.data, fmt)
        modified = self.last_modified()
        if modified is not None:
            modified = modified.replace(microsecond=0)  # HTTP dates have whole seconds
        if not_modified(request, etag, modified):
            response = HttpResponseNotModified()
        tag(response, etag, modified, private=self.conditional_private)
        return response


__all__ = ["ConditionalGetMixin", "etag_for", "etag_matches", "not_modified", "tag"]

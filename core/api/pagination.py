"""Paging of every API list: page numbers (`?page=`, `page_size` ≤ 500, default 50), or a cursor.

`?cursor=` (empty to start) walks a list by keyset instead of by position: rows in id order, each page the
rows after the last one of the page before, `next_cursor` naming where to go on. Ids never change and new rows
get higher ones, so a walk while others write returns every row that existed at its start exactly once —
whatever is inserted, edited or moved meanwhile — plus the rows inserted behind it. (Page numbers count
positions: an insert or a move shifts every later page by one, repeating or skipping a row.) Rows changed
during a walk are found by the next sync's `updated_after` (core.api.filters). The cursor is opaque."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

CURSOR = "cursor"


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"k1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after (0: from the start); a cursor that is not ours is a 400."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _sep, number = text.partition(":")
        if prefix != "k1" or not number.isascii() or not number.isdigit() or len(number) > 18:
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise serializers.ValidationError(
            {CURSOR: [_("游标无效：请使用上一页返回的 next_cursor，或留空从头开始。")]}, code="invalid"
        ) from None


def _id_of(row) -> int:
    if isinstance(row, int):
        return row
    if isinstance(row, dict):
        return row.get("pk", row.get("id"))
    return row.pk


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = CURSOR in request.query_params
        if not self.keyset:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        size = self.get_page_size(request)
        after = decode_cursor(request.query_params[CURSOR])
        rows = list(queryset.order_by("pk").filter(pk__gt=after)[: size + 1])
        self.has_more = len(rows) > size
        rows = rows[:size]
        self.next_cursor = encode_cursor(_id_of(rows[-1])) if self.has_more else None
        return rows

    def get_paginated_response(self, data):
        if not getattr(self, "keyset", False):
            return super().get_paginated_response(data)
        next_url = None
        if self.next_cursor is not None:
            next_url = replace_query_param(self.request.build_absolute_uri(), CURSOR, self.next_cursor)
        return Response({"next": next_url, "next_cursor": self.next_cursor, "results": data})

    def get_paginated_response_schema(self, schema):
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["next_cursor"] = {
            "type": "string",
            "nullable": True,
            "description": "only with ?cursor=: the cursor of the next page (null on the last); count and "
            "previous are then left out",
        }
        paged["required"] = ["results"]
        return paged

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": CURSOR,
                "required": False,
                "in": "query",
                "description": "walk by cursor instead of page numbers: empty to start, then each page's "
                "next_cursor (a stable walk while others write; rows in id order)",
                "schema": {"type": "string"},
            },
        ]

"""Several small reads in one round trip: each `.values()` queryset becomes a JSON array of its rows, all of
them selected by one statement. For the few reads a request makes of small tables (a district's towns and
their targets, say), where the round trips cost more than the reads.

The rows come back as dicts of JSON values: text, integers, booleans and null keep their Python types,
numbers with a fraction come back as Decimal; anything else (dates, …) as its JSON text. Each queryset keeps
its ORDER BY (json_agg … ORDER BY the row's position in the query's own output)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import connections
from django.db.models import QuerySet


def read_together(*querysets: QuerySet, using: str | None = None) -> list[list[dict]]:
    """The rows of every `.values()` queryset, in order, read with one statement (on the database the
    first queryset reads from, unless `using` says)."""
    using = using or querysets[0].db
    parts, params = [], []
    for queryset in querysets:
        sql, query_params = queryset.query.get_compiler(using=using).as_sql()
        parts.append(
            "(SELECT COALESCE(json_agg(row_to_json(q) ORDER BY n), '[]')::text "
            f"FROM (SELECT row_number() OVER () AS n, s.* FROM ({sql}) s) q)"
        )
        params.extend(query_params)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        texts = cursor.fetchone()
    out = []
    for text, queryset in zip(texts, querysets, strict=True):
        names = list(queryset.query.values_select) + list(queryset.query.annotation_select)
        rows = json.loads(text, parse_float=Decimal)
        out.append([{name: row[name] for name in names} for row in rows])
    return out

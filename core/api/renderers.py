"""`?format=csv` and `?format=xlsx` for list endpoints: the page's rows flattened, formula-neutralised.

Numbers stay numbers: a field the serializer declares numeric (an amount, a count) is written as a number,
so a spreadsheet can add it up (JSON sends money as a string, "-1000.00", which a spreadsheet would otherwise
get as neutralised text). Only text is neutralised. Errors are never a spreadsheet: whatever format was asked
for, a failure answers with the JSON error body (core.api.exceptions)."""

import csv
import io
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer

from core.spreadsheets import About, SheetSpec, neutralise, write_workbook
from core.views import exporter_name

NUMERIC_FIELDS = (serializers.IntegerField, serializers.DecimalField, serializers.FloatField)


def _fields_of(serializer) -> dict:
    """The fields of a row's serializer (a list's child), or {} when there is none to inspect."""
    serializer = getattr(serializer, "child", serializer)
    try:
        return dict(serializer.fields) if isinstance(serializer, serializers.BaseSerializer) else {}
    except (AttributeError, TypeError):  # a serializer whose fields depend on a context it lacks here
        return {}


def numeric_columns(data) -> set[str]:
    """The flattened column names (`amount`, `execution.rate`) whose fields are numbers."""
    serializer = getattr(data, "serializer", None)
    if serializer is None:
        return set()
    columns = set()
    for name, field in _fields_of(serializer).items():
        if isinstance(field, NUMERIC_FIELDS):
            columns.add(name)
        elif isinstance(field, serializers.BaseSerializer) and not isinstance(
            field, serializers.ListSerializer
        ):
            columns |= {
                f"{name}.{sub}" for sub, f in _fields_of(field).items() if isinstance(f, NUMERIC_FIELDS)
            }
    return columns


def _number(value):
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        return number if number.is_finite() else value
    return value


def _rows(data):
    results = data["results"] if isinstance(data, dict) and "results" in data else data
    numeric = numeric_columns(results)
    if isinstance(results, dict):
        results = [results]
    rows = []
    for item in results or []:
        flat = {}
        for key, value in item.items():
            if isinstance(value, dict):
                for sub, subvalue in value.items():
                    flat[f"{key}.{sub}"] = (
                        subvalue if not isinstance(subvalue, list | dict) else str(subvalue)
                    )
            elif isinstance(value, list):
                # Nested rows (e.g. class units) as readable “k: v” groups, one group per item.
                flat[key] = "; ".join(
                    ", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(item, dict) else str(item)
                    for item in value
                )
            else:
                flat[key] = value
        for column in numeric & flat.keys():
            flat[column] = _number(flat[column])
        rows.append(flat)
    headers = []
    for row in rows:
        headers.extend(k for k in row if k not in headers)
    return headers, rows


def _failed(renderer_context) -> bool:
    response = (renderer_context or {}).get("response")
    return response is not None and response.status_code >= 400


def _as_json(data, renderer_context) -> bytes:
    """An error (or any failure) rendered as the JSON error body, with the JSON content type."""
    response = renderer_context["response"]
    response["Content-Type"] = "application/json"
    if response.has_header("Content-Disposition"):
        del response["Content-Disposition"]
    return JSONRenderer().render(data, "application/json", renderer_context)


def _csv_cell(value):
    return "" if value is None else neutralise(value)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if _failed(renderer_context):
            return _as_json(data, renderer_context)
        headers, rows = _rows(data)
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so Excel opens UTF-8 Chinese text correctly
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_cell(row.get(h)) for h in headers])
        return buffer.getvalue().encode("utf-8")


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if _failed(renderer_context):
            return _as_json(data, renderer_context)
        headers, rows = _rows(data)
        sheet = SheetSpec(
            title="data",
            columns=[(h, None) for h in headers],
            rows=[tuple(r.get(h) for h in headers) for r in rows],
        )
        return write_workbook([sheet], about=_about(renderer_context))


def _about(renderer_context) -> About | None:
    """The About sheet ("说明") every export carries: what was asked for (the path and its parameters as
    the filters), by whom and when — the rows are the API's records of the requester's scope."""
    request = (renderer_context or {}).get("request")
    if request is None:
        return None
    user = getattr(request, "user", None)
    exporter = exporter_name(user) if user is not None and user.is_authenticated else _("匿名")
    filters = [(name, value) for name, value in request.query_params.items() if name != "format"]
    return About(
        title=request.path,
        exporter=exporter,
        exported_at=timezone.now(),
        filters=filters,
        notes=[(_("接口"), request.build_absolute_uri(request.path))],
    )

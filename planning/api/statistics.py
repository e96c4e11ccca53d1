"""/api/v1/stats/slots/table/: slot statistics for machines — one flat row per town, district, city or for
the whole scope, as JSON, CSV or XLSX, with ETag and Last-Modified (core.api.conditional).

Every figure is planning.selectors' (the dashboards' computation): per town `district_progress`, per
district `rollup`; a city's or the whole scope's row is the district rows added up by `ProgressRow.add`,
the method the selectors total with. Nothing here sums slots or divides by a target.

Scoped like the dashboards (Action.DASHBOARD): a district official or API client reads their district's
towns (a grant on a city: every district of it), a town official their town only, a superuser everything.
Roll-ups (`by=district|city|nation`) cover the whole districts of the scope; a town official has none.
Signed-in users and tokens only (401 otherwise); the public aggregates stay at /api/v1/stats/slots/.

Last-Modified is the newest `updated_at`, creation or history time (deletions included) among the tables
the statistics read (planning.models.STATISTICS_SOURCE_TABLES), and never earlier than the start of today:
the default date and the filing clocks move at midnight without any write. It is read once per statistics
version (planning.stats_cache), as the figures are.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import spreadsheets
from core.access import Action
from core.api.conditional import PARAMETERS as CONDITIONAL_PARAMETERS
from core.api.conditional import ConditionalGetMixin
from core.api.permissions import TokenScope
from core.api.renderers import CSVRenderer, XLSXRenderer
from core.api.views import READ_ERRORS, error_doc
from core.views import export_about
from planning import selectors, stats_cache
from planning.api.serializers import FiguresSerializer, FlagSerializer
from planning.api.views import YEAR_MAX, YEAR_MIN
from planning.models import STATISTICS_SOURCE_TABLES
from targets.models import Region, SlotTarget, SourceDocument

BY_CHOICES = [
    ("town", gettext_lazy("镇街")),
    ("district", gettext_lazy("区县")),
    ("city", gettext_lazy("市")),
    ("nation", gettext_lazy("全部（范围内合计）")),
]
QUERY_PARAMETERS = frozenset({"by", "district", "city", "year", "level", "as_of", "format"})
RATES = ("completion_rate", "inclusive_share")


class SlotTableQuery(serializers.Serializer):
    by = serializers.ChoiceField(choices=BY_CHOICES, required=False, default="town")
    district = serializers.CharField(required=False, max_length=20)
    city = serializers.CharField(required=False, max_length=20)
    year = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    level = serializers.ChoiceField(required=False, choices=SlotTarget.Level.choices)
    as_of = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])


@extend_schema_serializer(component_name="SlotTableRow")
class SlotTableRowSerializer(FiguresSerializer):
    """One region's figures (the same fields as /api/v1/stats/slots/) with where it lies."""

    region_level = serializers.ChoiceField(choices=BY_CHOICES, help_text=_("行的层级"))
    code = serializers.CharField(
        allow_null=True, help_text=_("地区代码；未填写镇街的机构合为一行，代码为 null")
    )
    name = serializers.CharField()
    parent_code = serializers.CharField(allow_null=True, help_text=_("上级地区代码（镇街：区县；区县：市）"))
    parent_name = serializers.CharField(allow_null=True)
    gap = serializers.IntegerField(allow_null=True, help_text=_("目标 − 实有（负数：已超过目标）"))
    flags = FlagSerializer(many=True, read_only=True)


@extend_schema_serializer(component_name="SlotTable")
class SlotTableSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=BY_CHOICES)
    year = serializers.IntegerField()
    level = serializers.CharField(help_text=_("目标层级：baseline、high_quality 或 plan"))
    as_of = serializers.DateField(help_text=_("统计截止日期"))
    rows = SlotTableRowSerializer(many=True)
    totals = FiguresSerializer(help_text=_("各行合计（按 ProgressRow.add 相加）"))


# ------------------------------------------------------------------------------------------ the computation


def _row(level: str, row: selectors.ProgressRow, parent: Region | None) -> dict:
    return {
        "region_level": level,
        "code": None if row.code in (selectors.UNASSIGNED, "") else row.code,
        "name": str(row.name),
        "parent_code": parent.code if parent else None,
        "parent_name": parent.name if parent else None,
        **FiguresSerializer().to_representation(row),
        "gap": row.gap,
    }


def scoped_regions(user, *, district: str | None, city: str | None):
    """(whole districts, {district: [town ids]} of districts reached town by town) in the user's dashboard
    scope, narrowed to `district` or `city` (codes). An unknown code or one outside the scope is 404."""
    districts = Region.objects.districts().for_user(user, Action.DASHBOARD).select_related("parent")
    towns = Region.objects.towns().for_user(user, Action.DASHBOARD).select_related("parent", "parent__parent")
    if city:
        if not Region.objects.filter(code=city, level=Region.Level.CITY).exists():
            raise exceptions.NotFound(_("未找到市代码 %(code)s。") % {"code": city})
        districts = districts.filter(parent__code=city)
        towns = towns.filter(parent__parent__code=city)
    if district:
        districts = districts.filter(code=district)
        towns = towns.filter(parent__code=district)
    whole = list(districts.order_by("parent__code", "code"))
    partial: dict[Region, list[int]] = {}
    whole_ids = {d.pk for d in whole}
    for town in towns.exclude(parent__in=whole_ids).order_by("parent__code", "sort_order", "code"):
        partial.setdefault(town.parent, []).append(town.pk)
    if district and not whole and not partial:
        raise exceptions.NotFound(_("未找到区县代码 %(code)s，或不在您的范围内。") % {"code": district})
    return whole, partial


def slot_table(user, by: str, year: int, level: str, as_of, *, district=None, city=None) -> dict:
    whole, partial = scoped_regions(user, district=district, city=city)
    totals = selectors.ProgressRow(code="", name=str(_("合计")))
    rows: list[dict] = []
    if by == "town":
        as_of_day = as_of or timezone.localdate()
        for region in whole:
            progress = selectors.district_progress(region, year, level, as_of)
            rows += [_row("town", r, region) for r in progress.rows]
            totals.add(progress.totals)
            as_of_day = progress.as_of
        for region, town_ids in partial.items():
            progress = selectors.district_progress(
                region, year, level, as_of, towns=Region.objects.filter(pk__in=town_ids)
            )
            rows += [_row("town", r, region) for r in progress.rows]
            totals.add(progress.totals)
            as_of_day = progress.as_of
    else:
        ids = [d.pk for d in whole]
        progress = selectors.rollup(Region.objects.filter(pk__in=ids), year, level, as_of)
        as_of_day = progress.as_of
        by_code = {d.code: d for d in whole}
        if by == "district":
            rows = [_row("district", r, by_code[r.code].parent) for r in progress.rows]
        elif by == "city":
            cities: dict[int | None, tuple[Region | None, selectors.ProgressRow]] = {}
            for r in progress.rows:
                parent = by_code[r.code].parent
                key = parent.pk if parent else None
                if key not in cities:
                    name = parent.name if parent else str(_("未归属市"))
                    cities[key] = (
                        parent,
                        selectors.ProgressRow(code=parent.code if parent else "", name=name),
                    )
                cities[key][1].add(r)
            rows = [_row("city", row, None) for _parent, row in cities.values()]
        elif whole:  # nation: the whole scope in one row
            rows = [_row("nation", progress.totals, None) | {"name": str(_("全部（范围内合计）"))}]
        totals = progress.totals
    return {
        "by": by,
        "year": year,
        "level": level,
        "as_of": as_of_day.isoformat(),
        "rows": rows,
        "totals": FiguresSerializer().to_representation(totals),
        "_districts": sorted({d.pk for d in whole} | {d.pk for d in partial}),
    }


def _changed_at_sql() -> str:
    """One statement: the newest change time among the statistics' source tables (their `updated_at` or
    `created_at`, and their history events, which also record deletions)."""
    parts = []
    by_table = {m._meta.db_table: m for m in apps.get_models()}
    for table in STATISTICS_SOURCE_TABLES:
        model = by_table.get(table)
        if model is None:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for column in ("updated_at", "created_at"):
            if column in names:
                parts.append(f'(SELECT max("{column}") FROM "{table}")')
                break
        for candidate in apps.get_models():
            if getattr(candidate, "pgh_tracked_model", None) is model and hasattr(candidate, "pgh_obj"):
                parts.append(f'(SELECT max("pgh_created_at") FROM "{candidate._meta.db_table}")')
    return f"SELECT GREATEST({', '.join(parts)})" if parts else "SELECT NULL"


def inputs_changed_at() -> datetime.datetime:
    """Last-Modified of the statistics: the newest change of their inputs, not before today's midnight."""

    def compute():
        with connection.cursor() as cursor:
            cursor.execute(_changed_at_sql())
            return cursor.fetchone()[0]

    newest = stats_cache.cached("stats/changed-at", {}, compute)
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    return max(newest, midnight) if newest is not None else midnight


# ---------------------------------------------------------------------------------------------- rendering


def _cell(column: str, value):
    if isinstance(value, list):  # flags
        return "; ".join(item["code"] for item in value)
    if column in RATES and value is not None:
        return Decimal(value)
    return value


def _table(data) -> tuple[list[str], list[list]]:
    rows = data.get("rows", []) if isinstance(data, dict) else []
    columns = list(rows[0]) if rows else list(_row("town", selectors.ProgressRow(code="", name=""), None))
    return columns, [[_cell(c, row.get(c)) for c in columns] for row in rows]


class SlotTableCSVRenderer(CSVRenderer):
    """The rows, one line each (no totals line: a machine adds them up); rates as fractions (0.5814)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            return super().render(data, accepted_media_type, renderer_context)
        columns, rows = _table(data)
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else spreadsheets.neutralise(v) for v in row])
        return buffer.getvalue().encode("utf-8")


class SlotTableXLSXRenderer(XLSXRenderer):
    """The rows as numbers (rates as fractions), the totals line last, and the About sheet ("说明")."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            return super().render(data, accepted_media_type, renderer_context)
        columns, rows = _table(data)
        totals = data.get("totals") or {}
        footer = [_cell(c, totals.get(c)) if c in totals else None for c in columns]
        footer[columns.index("name")] = str(_("合计"))
        sheet = spreadsheets.SheetSpec(
            title=str(_("托位统计")),
            columns=[(c, 14) for c in columns],
            rows=[*map(tuple, rows), tuple(footer)],
        )
        view = renderer_context["view"]
        return spreadsheets.write_workbook([sheet], about=view.export_about(data))


# ------------------------------------------------------------------------------------------------- the view


class SlotTableView(ConditionalGetMixin, APIView):
    permission_classes = [TokenScope, permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, SlotTableCSVRenderer, SlotTableXLSXRenderer]

    def last_modified(self):
        return inputs_changed_at()

    def export_about(self, data) -> spreadsheets.About:
        query = self.validated
        level_label = SlotTarget.Level(data["level"]).label
        filters = [
            (_("按"), dict(BY_CHOICES)[data["by"]]),
            (_("目标"), f"{data['year']} {level_label}"),
        ]
        filters += [
            (label, query[name])
            for name, label in (("district", _("区县")), ("city", _("市")))
            if query.get(name)
        ]
        documents = SlotTarget.objects.filter(
            town__parent__in=self.districts, year=data["year"], level=data["level"]
        ).values("source")
        sources = [str(doc) for doc in SourceDocument.objects.filter(pk__in=documents).order_by("pk")]
        return export_about(
            self.request,
            _("托位统计（%(year)s年%(level)s）") % {"year": data["year"], "level": level_label},
            filters=filters,
            sources=sources,
            as_of=datetime.date.fromisoformat(data["as_of"]),
            notes=[(_("比率"), _("完成率、普惠占比为小数（0–1），与接口 JSON 相同"))],
        )

    @extend_schema(
        operation_id="stats_slot_table",
        summary=gettext_lazy("托位统计表（按镇街、区县、市或合计）"),
        description=gettext_lazy(
            "与仪表板相同的计算（planning.selectors）。按您的仪表板范围：区级管理员和接口客户端为本区（市级"
            "授权：该市各区），镇街管理员仅本镇街。by=town 每镇街一行；by=district、city、nation 为范围内"
            "整区的汇总。format=csv 或 xlsx 下载（数字为数值，比率为0–1的小数；xlsx 另有“说明”工作表）。"
            "带 ETag 和 Last-Modified；If-None-Match 或 If-Modified-Since 未变时返回 304。"
        ),
        parameters=[
            OpenApiParameter(
                "by",
                str,
                enum=[c for c, _l in BY_CHOICES],
                required=False,
                description=gettext_lazy("每行的层级，默认 town"),
            ),
            OpenApiParameter("district", str, required=False, description=gettext_lazy("区县代码")),
            OpenApiParameter("city", str, required=False, description=gettext_lazy("市代码")),
            OpenApiParameter("year", int, required=False, description=gettext_lazy("年份，默认今年")),
            OpenApiParameter(
                "level",
                str,
                enum=SlotTarget.Level.values,
                required=False,
                description=gettext_lazy("目标层级，默认 plan"),
            ),
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                required=False,
                description=gettext_lazy("统计日期 YYYY-MM-DD，默认今天"),
            ),
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv", "xlsx"],
                required=False,
                description=gettext_lazy("下载格式，默认 JSON"),
            ),
            *CONDITIONAL_PARAMETERS,
        ],
        responses={
            200: SlotTableSerializer,
            304: OpenApiResponse(description=gettext_lazy("内容未变，无响应体")),
            400: error_doc(gettext_lazy("参数有误（未知参数、年份、层级或日期格式）")),
            **READ_ERRORS,
        },
    )
    def get(self, request):
        unknown = sorted(set(request.query_params) - QUERY_PARAMETERS)
        if unknown:
            raise serializers.ValidationError({name: [_("未知参数。")] for name in unknown}, code="invalid")
        query = SlotTableQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.validated = query = query.validated_data
        year = query.get("year") or timezone.localdate().year
        level = query.get("level") or SlotTarget.Level.PLAN
        by = query["by"]
        scope = (
            sorted(
                Region.objects.districts()
                .for_user(request.user, Action.DASHBOARD)
                .values_list("pk", flat=True)
            ),
            sorted(
                Region.objects.towns().for_user(request.user, Action.DASHBOARD).values_list("pk", flat=True)
            ),
        )
        params = {
            "by": by,
            "year": year,
            "level": level,
            "as_of": query.get("as_of"),
            "district": query.get("district"),
            "city": query.get("city"),
            "scope": scope,
        }
        data = stats_cache.cached(
            "stats/slot-table",
            params,
            lambda: slot_table(
                request.user,
                by,
                year,
                level,
                query.get("as_of"),
                district=query.get("district"),
                city=query.get("city"),
            ),
        )
        self.districts = data["_districts"]
        body = {k: v for k, v in data.items() if not k.startswith("_")}
        response = Response(body)
        if request.accepted_renderer.format in ("csv", "xlsx"):
            name = f"slots-{by}-{year}-{level}.{request.accepted_renderer.format}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


__all__ = ["SlotTableView", "inputs_changed_at", "slot_table"]

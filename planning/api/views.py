"""/api/v1/stats/slots/ and /api/v1/stats/indicators/: aggregate statistics, public (they hold no private
data; town rows are aggregates too). Every figure is computed by planning.selectors, the same functions the
dashboards and spreadsheet exports use.

Both are served from planning.stats_cache, keyed by the statistics version the database raises on every
write to a table they read (no stale figure, whichever process answers). Both answer with an ETag (a
hash of the JSON body); a request whose If-None-Match matches gets 304 without a body. Regions are named
by code; an unknown district or city code is a 404, a malformed year, level or date a 400, both in the
API's one error body.
"""

from __future__ import annotations

import hashlib

from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import PublicReadSchema
from core.api.views import error_doc
from planning import selectors, stats_cache
from planning.api.serializers import DistrictSlotsSerializer, IndicatorsSerializer, RollupSlotsSerializer
from targets.models import Region, SlotTarget

YEAR_MIN, YEAR_MAX = 1900, 2100


class SlotsQuery(serializers.Serializer):
    district = serializers.CharField(required=False, max_length=20)
    city = serializers.CharField(required=False, max_length=20)
    year = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    level = serializers.ChoiceField(required=False, choices=SlotTarget.Level.choices)
    as_of = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])


class IndicatorsQuery(serializers.Serializer):
    district = serializers.CharField(max_length=20)
    year = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)


def _region(code: str, level: str) -> Region:
    """The region of this code and level, with the statistics state (stats_cache.STATE_SQL) read in the same
    query as `statistics_state`."""
    state = RawSQL(stats_cache.STATE_SQL, (), output_field=CharField())
    region = Region.objects.filter(code=code, level=level).annotate(statistics_state=state).first()
    if region is None:
        label = _("区县") if level == Region.Level.DISTRICT else _("市")
        raise exceptions.NotFound(_("未找到%(level)s代码 %(code)s。") % {"level": label, "code": code})
    return region


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


class StatsView(APIView):
    """Read-only, public, JSON; conditional GET by ETag."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    schema = PublicReadSchema()

    def query(self, serializer_class):
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def conditional(self, data) -> Response | HttpResponse | HttpResponseNotModified:
        """`data` is a dict or a CachedBody (the JSON already rendered and tagged, from the cache)."""
        cached = data if isinstance(data, CachedBody) else None
        data = cached.data if cached else data
        if getattr(self.request, "accepted_renderer", None) is not None and (
            self.request.accepted_renderer.format != "json"
        ):
            return Response(data)  # the browsable page: the tag names the JSON representation only
        cached = cached or CachedBody(data)
        if _etag_matches(self.request.headers.get("If-None-Match"), cached.etag):
            response = HttpResponseNotModified()
            response["ETag"] = cached.etag
            return response
        response = HttpResponse(cached.body, content_type="application/json")
        response["ETag"] = cached.etag
        response["Cache-Control"] = "no-cache"
        return response


class CachedBody:
    """A statistics answer with its JSON body and ETag rendered once (what the cache keeps)."""

    __slots__ = ("body", "data", "etag")

    def __init__(self, data):
        self.data = data
        self.body = JSONRenderer().render(data)
        self.etag = f'"{hashlib.sha256(self.body).hexdigest()[:40]}"'


ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 304],
    description=gettext_lazy("响应内容（JSON）的摘要；下次请求放在 If-None-Match 中"),
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description=gettext_lazy("上次响应的 ETag；内容未变时返回 304（无内容）"),
)
YEAR = OpenApiParameter("year", int, description=gettext_lazy("年份（四位数字），默认今年"), required=False)
NOT_MODIFIED = OpenApiResponse(description=gettext_lazy("内容未变（If-None-Match 与 ETag 相同），无响应体"))
COMMON_ERRORS = {
    400: error_doc(gettext_lazy("参数有误（年份、目标层级或日期格式）")),
    404: error_doc(gettext_lazy("未知的区县或市代码")),
    429: error_doc(gettext_lazy("请求过于频繁")),
}


class SlotStatsView(StatsView):
    @property
    def format_hint(self) -> str:
        # core.api.negotiation: where a client asking this for CSV or XLSX finds the same figures
        return _("同一统计的表格（csv、xlsx）见 %(url)s。") % {"url": reverse("api-stats-slot-table")}

    @extend_schema(
        operation_id="stats_slots",
        summary=gettext_lazy("托位建设进度"),
        description=gettext_lazy(
            "带 district：该区县各镇街的目标、实有（已备案、运营中、非合成，按 as_of 当日状态）、"
            "在建/筹建托位、完成率和普惠占比，及提示（DistrictSlotStats）。不带 district：各区县一行"
            "（RollupSlotStats），可按 city 筛选。比率为四位小数的字符串（0–1；完成率可超过1），"
            "无法计算时为 null。公开数据，无需登录。"
        ),
        parameters=[
            OpenApiParameter(
                "district", str, description=gettext_lazy("区县代码，如 110115"), required=False
            ),
            OpenApiParameter(
                "city", str, description=gettext_lazy("市代码，如 110000（仅汇总时）"), required=False
            ),
            YEAR,
            OpenApiParameter(
                "level",
                str,
                enum=SlotTarget.Level.values,
                description=gettext_lazy("目标层级，默认 plan"),
                required=False,
            ),
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATE,
                description=gettext_lazy("统计日期 YYYY-MM-DD，默认今天"),
                required=False,
            ),
            IF_NONE_MATCH,
            ETAG,
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="SlotStats",
                serializers=[DistrictSlotsSerializer, RollupSlotsSerializer],
                resource_type_field_name=None,
            ),
            304: NOT_MODIFIED,
            **COMMON_ERRORS,
        },
    )
    def get(self, request):
        query = self.query(SlotsQuery)
        year = query.get("year") or timezone.localdate().year
        level = query.get("level") or SlotTarget.Level.PLAN
        as_of = query.get("as_of")
        city = _region(query["city"], Region.Level.CITY) if query.get("city") else None
        if query.get("district"):
            district = _region(query["district"], Region.Level.DISTRICT)
            if city is not None and district.parent_id != city.pk:
                raise exceptions.NotFound(
                    _("区县 %(district)s 不属于市 %(city)s。")
                    % {"district": district.code, "city": city.code}
                )

            def compute():
                progress = selectors.district_progress(district, year, level, as_of)
                return DistrictSlotsSerializer(
                    {
                        "district": district,
                        "year": progress.year,
                        "level": progress.level,
                        "as_of": progress.as_of,
                        "totals": progress.totals,
                        "rows": progress.rows,
                    }
                ).data

        else:
            districts = Region.objects.filter(level=Region.Level.DISTRICT)
            if city is not None:
                districts = districts.filter(parent=city)

            def compute():
                progress = selectors.rollup(districts, year, level, as_of)
                return RollupSlotsSerializer(
                    {
                        "year": progress.year,
                        "level": progress.level,
                        "as_of": progress.as_of,
                        "city": city,
                        "totals": progress.totals,
                        "rows": progress.rows,
                    }
                ).data

        params = {"district": query.get("district"), "city": query.get("city"), "year": year, "level": level}
        region = district if query.get("district") else city  # read with the statistics state (_region)
        state = region.statistics_state if region is not None else ""
        data = stats_cache.cached(
            "stats/slots", {**params, "as_of": as_of}, lambda: CachedBody(compute()), state=state
        )
        return self.conditional(data)


class IndicatorStatsView(StatsView):
    @extend_schema(
        operation_id="stats_indicators",
        summary=gettext_lazy("区县托育指标"),
        description=gettext_lazy(
            "人口、每千人口托位数、每百名3岁以下婴幼儿托位数、普惠托位占比（登记数据），文件自身数据算出的每千"
            "人口托位数，以及文件报告的现状数和对照。比率为四位小数的字符串，无法计算时为 null。公开数据。"
        ),
        parameters=[
            OpenApiParameter("district", str, description=gettext_lazy("区县代码，如 500112"), required=True),
            YEAR,
            IF_NONE_MATCH,
            ETAG,
        ],
        responses={200: IndicatorsSerializer, 304: NOT_MODIFIED, **COMMON_ERRORS},
    )
    def get(self, request):
        query = self.query(IndicatorsQuery)
        district = _region(query["district"], Region.Level.DISTRICT)
        year = query.get("year") or timezone.localdate().year
        data = stats_cache.cached(
            "stats/indicators",
            {"district": district.code, "year": year},
            lambda: CachedBody(IndicatorsSerializer(selectors.indicators(district, year)).data),
            state=district.statistics_state,  # read with the district (_region)
        )
        return self.conditional(data)

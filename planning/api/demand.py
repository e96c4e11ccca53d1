"""/api/v1/town-demand/: per-town demand (planning.demand.town_demand, the computation the per-town demand
page and its export use), for the towns the user may open: a district official or API client every town of
their district, a town official their own town. Signed-in users and tokens only (401 otherwise); a user
who may open no town gets an empty list.

Each district block lists its rates (the adopted setting first, then the district's named scenarios) and,
per town, the figures under each rate in the same order.

`?format=csv` and `?format=xlsx` give the same figures flat, one line per district, town and rate (numbers as
numbers, the rate's percentage as a decimal number; the xlsx adds each district's totals line and the About
sheet). Every format carries ETag and Last-Modified as /api/v1/stats/slots/table/ does (core.api.conditional):
Last-Modified is the newest change of the statistics' inputs (planning.api.statistics.inputs_changed_at) or
of the districts' scenarios. Errors stay JSON whatever format was asked for."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, permissions, serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import history, spreadsheets
from core.access import Action
from core.api.conditional import PARAMETERS as CONDITIONAL_PARAMETERS
from core.api.conditional import ConditionalGetMixin
from core.api.permissions import TokenScope
from core.api.renderers import CSVRenderer, XLSXRenderer
from core.api.views import READ_ERRORS, error_doc
from core.views import export_about
from planning import demand
from planning.api.serializers import RegionRefSerializer
from planning.api.statistics import inputs_changed_at
from planning.models import DemandScenario
from targets.models import Region


class DemandQuery(serializers.Serializer):
    district = serializers.CharField(required=False, max_length=20)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class RateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("adopted（本区采用）或 scenario-<编号>"))
    name = serializers.CharField()
    enrolment_wish_percent = serializers.DecimalField(
        source="percent", max_digits=5, decimal_places=2, coerce_to_string=True
    )
    adopted = serializers.BooleanField(help_text=gettext_lazy("是否本区采用的参数"))
    is_default = serializers.BooleanField(help_text=gettext_lazy("本区未设参数，用系统默认假设"))


class FigureSerializer(serializers.Serializer):
    rate = serializers.CharField(source="rate.key")
    slots_needed = serializers.IntegerField(source="needed", allow_null=True)
    gap = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("需要托位 − 实有托位"))
    gap_after_pipeline = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("需要托位 − 实有托位 − 在建/筹建托位")
    )


@extend_schema_serializer(component_name="TownDemandRow")
class TownRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    infants_under_3 = serializers.IntegerField(
        source="infants", allow_null=True, help_text=gettext_lazy("镇街3岁以下婴幼儿；未录入时为 null")
    )
    population_year = serializers.IntegerField(allow_null=True)
    actual_slots = serializers.IntegerField()
    pipeline_slots = serializers.IntegerField()
    figures = FigureSerializer(many=True)


@extend_schema_serializer(component_name="DistrictTownDemand")
class DistrictDemandSerializer(serializers.Serializer):
    district = RegionRefSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    district_infants_under_3 = serializers.IntegerField(source="district_infants", allow_null=True)
    rates = RateSerializer(many=True)
    towns = TownRowSerializer(many=True, source="rows")
    totals = TownRowSerializer(help_text=gettext_lazy("所列镇街之和（需要托位只含已知婴幼儿数的镇街）"))


# ---------------------------------------------------------------------------------------------- rendering

FLAT_COLUMNS = (
    "district_code",
    "district_name",
    "year",
    "as_of",
    "town_code",
    "town_name",
    "infants_under_3",
    "population_year",
    "actual_slots",
    "pipeline_slots",
    "rate",
    "rate_name",
    "enrolment_wish_percent",
    "adopted",
    "slots_needed",
    "gap",
    "gap_after_pipeline",
)


def _flat_rows(block: dict, row: dict) -> list[tuple]:
    """One line per rate of one town (or of the totals) of a district block, in FLAT_COLUMNS' order."""
    rates = {rate["key"]: rate for rate in block["rates"]}
    lines = []
    for figure in row["figures"]:
        rate = rates.get(figure["rate"], {})
        percent = rate.get("enrolment_wish_percent")
        lines.append(
            (
                block["district"]["code"],
                block["district"]["name"],
                block["year"],
                block["as_of"],
                row["code"],
                row["name"],
                row["infants_under_3"],
                row["population_year"],
                row["actual_slots"],
                row["pipeline_slots"],
                figure["rate"],
                rate.get("name"),
                Decimal(percent) if percent is not None else None,
                rate.get("adopted"),
                figure["slots_needed"],
                figure["gap"],
                figure["gap_after_pipeline"],
            )
        )
    return lines


def flat_table(data, *, totals: bool) -> list[tuple]:
    """The answer's figures flat: every town under every rate, and (with `totals`) each district's
    totals line after its towns, named as such."""
    rows = []
    for block in data if isinstance(data, list) else []:
        for town in block["towns"]:
            rows += _flat_rows(block, town)
        if totals:
            named = {**block["totals"], "name": str(_("合计（所列镇街）"))}
            rows += _flat_rows(block, named)
    return rows


def _is_error(renderer_context) -> bool:
    response = (renderer_context or {}).get("response")
    return response is not None and response.status_code >= 400


class TownDemandCSVRenderer(CSVRenderer):
    """One line per district, town and rate (no totals line: a machine adds them up)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if _is_error(renderer_context):
            return super().render(data, accepted_media_type, renderer_context)
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(FLAT_COLUMNS)
        for row in flat_table(data, totals=False):
            writer.writerow(["" if v is None else spreadsheets.neutralise(v) for v in row])
        return buffer.getvalue().encode("utf-8")


class TownDemandXLSXRenderer(XLSXRenderer):
    """The lines as numbers, each district's totals after its towns, and the About sheet ("说明")."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if _is_error(renderer_context):
            return super().render(data, accepted_media_type, renderer_context)
        sheet = spreadsheets.SheetSpec(
            title=str(_("镇街托育需求")),
            columns=[(column, 14) for column in FLAT_COLUMNS],
            rows=flat_table(data, totals=True),
        )
        view = renderer_context["view"]
        return spreadsheets.write_workbook([sheet], about=view.export_about(data))


def scenarios_changed_at() -> datetime.datetime | None:
    """The newest change of any demand scenario, deletions included (its history events)."""
    return history.changed_at(DemandScenario.objects.all())


# ------------------------------------------------------------------------------------------------- the view


class TownDemandView(ConditionalGetMixin, APIView):
    permission_classes = [TokenScope, permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, TownDemandCSVRenderer, TownDemandXLSXRenderer]

    def last_modified(self):
        scenarios = scenarios_changed_at()
        inputs = inputs_changed_at()
        return max(inputs, scenarios) if scenarios else inputs

    def export_about(self, data) -> spreadsheets.About:
        blocks = data if isinstance(data, list) else []
        year = blocks[0]["year"] if blocks else self.year
        return export_about(
            self.request,
            _("各镇街托育需求（%(year)s年）") % {"year": year},
            filters=[(_("区县"), self.validated["district"])] if self.validated.get("district") else [],
            as_of=datetime.date.fromisoformat(blocks[0]["as_of"]) if blocks else None,
            notes=[
                (_("需要托位"), _("镇街3岁以下婴幼儿 × 入托意愿率；婴幼儿数未录入的镇街为空")),
                (_("入托意愿率"), _("百分数（33 即 33%），与接口 JSON 相同")),
                (_("合计"), _("所列镇街之和；需要托位只含已知婴幼儿数的镇街")),
            ],
        )

    @extend_schema(
        operation_id="town_demand",
        summary=gettext_lazy("各镇街托育需求"),
        description=gettext_lazy(
            "镇街3岁以下婴幼儿 × 入托意愿率 = 需要托位，对照实有和在建/筹建托位；本区采用的参数和各测算情景"
            "并列。区级管理员、接口客户端：本区各镇街；镇街管理员：本镇街。"
        ),
        parameters=[
            OpenApiParameter(
                "district", str, description=gettext_lazy("区县代码，如 110115"), required=False
            ),
            OpenApiParameter("year", int, description=gettext_lazy("年份，默认今年"), required=False),
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv", "xlsx"],
                required=False,
                description=gettext_lazy(
                    "下载格式，默认 JSON；csv、xlsx 每区县、镇街、参数一行"
                    "（数字为数值；xlsx 另有合计行和“说明”工作表）"
                ),
            ),
            *CONDITIONAL_PARAMETERS,
        ],
        responses={
            200: DistrictDemandSerializer(many=True),
            304: OpenApiResponse(description=gettext_lazy("内容未变，无响应体")),
            400: error_doc(gettext_lazy("参数有误")),
            **READ_ERRORS,
        },
    )
    def get(self, request):
        query = DemandQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.validated = params = query.validated_data
        self.year = year = params.get("year") or timezone.localdate().year
        towns = Region.objects.towns().for_user(request.user, Action.DASHBOARD)
        if params.get("district"):
            towns = towns.filter(parent__code=params["district"])
            if not Region.objects.filter(code=params["district"], level=Region.Level.DISTRICT).exists():
                raise exceptions.NotFound()
        district_ids = sorted(set(towns.values_list("parent_id", flat=True)))
        blocks = []
        for district in Region.objects.filter(pk__in=district_ids).order_by("code"):
            blocks.append(demand.town_demand(district, year, towns=towns.filter(parent=district)))
        response = Response(DistrictDemandSerializer(blocks, many=True).data)
        if request.accepted_renderer.format in ("csv", "xlsx"):
            name = f"town-demand-{params.get('district') or 'all'}-{year}.{request.accepted_renderer.format}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

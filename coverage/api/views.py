"""/api/v1/stats/coverage/ and /api/v1/communities/ (core.access scopes both).

The coverage figures are those of the service-circle pages (coverage.selectors.district_coverage): who may
open a district's (or a town's) dashboard may read them (district officials and API clients: their
district; town officials: their town with `town=`). Anything else is a 404, as for a row outside the scope.
Communities are listed like their towns: every user of the district sees them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import access
from core.access import Action
from core.api.filters import refuse_unknown
from core.api.permissions import TokenScope
from core.api.views import READ_ERRORS, PrivateViewSet, error_doc, item_schema, list_schema
from coverage import selectors
from coverage.api.serializers import CommunitySerializer, DistrictCoverageSerializer
from coverage.filtersets import CommunityFilterSet
from coverage.models import Community
from targets.models import Region

COMMUNITY = gettext_lazy("社区")


class CoverageQuery(serializers.Serializer):
    district = serializers.CharField(max_length=20)
    town = serializers.CharField(required=False, max_length=20)


class CoverageStatsView(APIView):
    permission_classes = [TokenScope, permissions.IsAuthenticated]

    @extend_schema(
        operation_id="stats_coverage",
        summary=gettext_lazy("15分钟托育服务圈覆盖率"),
        description=gettext_lazy(
            "各社区、镇街和全区：普惠机构（及任一机构）服务半径内的常住人口和3岁以下婴幼儿比例，"
            "未覆盖社区（按婴幼儿数排序），两步移动搜寻法（2SFCA）可达性得分（按全部托位计）。"
            "只计已备案、运营中、已定位的机构；半径为直线距离（默认1000米）除以绕行系数。"
            "比例为0–1的四位小数字符串，无法计算时为 null。需登录：区级管理员、接口客户端看本区，"
            "镇街管理员用 town 看本镇街。"
        ),
        parameters=[
            OpenApiParameter("district", str, description=gettext_lazy("区县代码，如 500112"), required=True),
            OpenApiParameter(
                "town", str, description=gettext_lazy("镇街代码（9位），只看该镇街"), required=False
            ),
        ],
        responses={
            200: DistrictCoverageSerializer,
            400: error_doc(gettext_lazy("参数有误")),
            **READ_ERRORS,
        },
    )
    def get(self, request):
        known = {"district", "town", "format"}
        refuse_unknown(request.query_params, known, shown=known - {"format"})
        query = CoverageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        code, town_code = query.validated_data["district"], query.validated_data.get("town")
        district = Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()
        town = None
        if district is not None and town_code:
            town = Region.objects.filter(code=town_code, level=Region.Level.TOWN, parent=district).first()
            if town is None:
                raise exceptions.NotFound(_("未找到镇街代码 %(code)s。") % {"code": town_code})
        if district is None or not access.can(request.user, Action.DASHBOARD, town or district):
            raise exceptions.NotFound(_("未找到区县代码 %(code)s。") % {"code": code})
        coverage = selectors.district_coverage(district, town=town)
        return Response(DistrictCoverageSerializer(coverage).data)


@extend_schema_view(
    list=list_schema(
        CommunitySerializer,
        COMMUNITY,
        gettext_lazy(
            "社区（居委会、村委会，国家统计局2023年统计用区划代码）及其常住人口、3岁以下婴幼儿和代表点"
            "（WGS-84）；未知为 null。按代码排序；可见范围同其镇街。"
        ),
    ),
    retrieve=item_schema(CommunitySerializer, COMMUNITY),
)
class CommunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilterSet
    queryset = Community.objects.select_related("town", "town__parent").order_by("code")

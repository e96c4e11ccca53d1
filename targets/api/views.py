"""/api/v1/regions/ and /api/v1/targets/: public, read-only (places and targets come from public documents).

Lists are paginated, filtered by region codes, always in the same order and read with a constant number
of queries (select_related), and can be downloaded with `?format=csv` or `?format=xlsx` (global renderers)."""

from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema_view
from rest_framework import viewsets

from core.api.schema import PublicReadSchema
from core.api.views import error_doc, item_schema, list_schema
from targets.api.filtersets import RegionFilterSet, SlotTargetFilterSet
from targets.api.serializers import RegionSerializer, SlotTargetSerializer
from targets.models import Region, SlotTarget


def _choice_order(field: str, choices) -> Case:
    """Order rows by the position of `field`'s value in the TextChoices declaration, not alphabetically."""
    return Case(
        *[When(**{field: value}, then=Value(position)) for position, value in enumerate(choices.values)],
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


LIST_ERRORS = {
    400: error_doc(_("筛选参数有误（如未知层级、未知地区代码、年份不是数字）")),
    401: error_doc(_("令牌无效、已过期或已撤销")),
    404: error_doc(_("页码超出范围")),
    429: error_doc(_("请求过于频繁")),
}
DETAIL_ERRORS = {
    401: LIST_ERRORS[401],
    404: error_doc(_("未找到")),
    429: LIST_ERRORS[429],
}


@extend_schema_view(
    list=list_schema(
        RegionSerializer,
        _("地区列表"),
        _("市、区县和镇街，按层级、上级代码、序号、代码排序。镇街无官方代码时使用本系统分配的稳定代码。"),
        LIST_ERRORS,
    ),
    retrieve=item_schema(
        RegionSerializer,
        _("地区"),
        OpenApiParameter("code", str, OpenApiParameter.PATH, description=_("地区代码")),
        DETAIL_ERRORS,
    ),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"  # any code reaches the view: an unknown one is a 404 in the error body
    schema = PublicReadSchema()

    def get_queryset(self):
        return Region.objects.select_related("parent").order_by(
            _choice_order("level", Region.Level), "parent__code", "sort_order", "code"
        )

    def get_object(self):
        # PostgreSQL refuses NUL in text: such a code names nothing (and must not become a 500)
        if "\x00" in self.kwargs.get(self.lookup_field, ""):
            raise Http404
        return super().get_object()


@extend_schema_view(
    list=list_schema(
        SlotTargetSerializer,
        _("托位建设目标"),
        _(
            "各镇街的托位建设目标（托位总数、其中普惠托位数），与来源文件一起给出；"
            "按区县代码、年份、目标层级、镇街序号排序。区县合计由镇街行相加得出。"
        ),
        LIST_ERRORS,
    ),
    retrieve=item_schema(SlotTargetSerializer, _("托位建设目标（单条）"), errors=DETAIL_ERRORS),
)
class SlotTargetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SlotTargetSerializer
    lookup_value_regex = r"[^/]+"  # "1.5" or "abc" is a 404 in the error body, not Django's HTML page
    filterset_class = SlotTargetFilterSet
    schema = PublicReadSchema()

    def get_queryset(self):
        return SlotTarget.objects.select_related("town__parent", "source").order_by(
            "town__parent__code",
            "year",
            _choice_order("level", SlotTarget.Level),
            "town__sort_order",
            "town__code",
            "pk",
        )

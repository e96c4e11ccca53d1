"""/api/v1/facilities/: the facility registry for REST clients.

Reading. A signed-in user (session or token) gets the facilities in their scope
(core.access, Action.VIEW) in full, plus the public directory (filed, operating, not synthetic:
Facility.objects.publicly_listed()) with the public fields only; an anonymous client gets the public
directory only. Anything else answers 404, never 403: its existence is not disclosed. A list page is read
with a constant number of queries whatever its size (units and class types are prefetched, rule flags are
SQL annotations).

Writing goes through facilities.services exactly as the web forms do: POST creates (facility_create), PUT
and PATCH update with the `version` read before (facility_update; a stale version is 409), and the filing
workflow has its own endpoints (submit, acknowledge, approve, return). A facility the user may see but not
change answers 403 with the service's reason; refusals come back in the API's one error body.
"""

from __future__ import annotations

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connections, transaction
from django.db.models import BooleanField, Case, F, JSONField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import JSONObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, data_version
from core.access import Action
from core.api import views as api_views
from core.api.schema import PublicReadSchema
from core.api.views import WriteStepsMixin, error_doc, id_parameter, item_schema, list_schema
from facilities import rules, selectors, services
from facilities.api.serializers import (
    ApproveSerializer,
    FacilityPublicSerializer,
    FacilitySerializer,
    FacilityWriteSerializer,
    PendingChangeAcceptedSerializer,
    ReasonSerializer,
    facility_rows,
    public_record,
    unit_rows,
)
from facilities.filtersets import FacilityFilterSet
from facilities.models import REGISTRY, ClassUnit, Facility, PendingChange


def visible_facilities(user):
    """Facilities the user may read through the API, each annotated `in_scope` (full record) or not
    (public record). Scoping is core.access.scope_q, the Q behind `Facility.objects.for_user`."""
    facilities = Facility.objects.all()
    if not getattr(user, "is_authenticated", False):
        return facilities.publicly_listed().annotate(in_scope=Value(False, output_field=BooleanField()))
    scope = access.scope_q(user, Action.VIEW, Facility)
    if scope is None:  # superuser
        return facilities.annotate(in_scope=Value(True, output_field=BooleanField()))
    public = Q(pk__in=Facility.objects.publicly_listed().values("pk"))
    return facilities.filter(scope | public).annotate(
        in_scope=Case(When(scope, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def units_json():
    """A facility's class units as one JSON array of the columns UnitSerializer reads (serializers.unit_rows),
    in the order of the prefetch of FacilityViewSet.get_queryset."""
    columns = unit_rows().columns
    units = (
        ClassUnit.objects.filter(facility=OuterRef("pk"))
        .values("facility")
        .annotate(
            rows=JSONBAgg(
                JSONObject(**{column: F(column) for column in columns}),
                order_by=("class_type__sort_order", "pk"),
            )
        )
        .values("rows")
    )
    return Subquery(units, output_field=JSONField())


FACILITY_ITEM = PolymorphicProxySerializer(
    component_name="FacilityItem",
    serializers=[FacilitySerializer, FacilityPublicSerializer],
    resource_type_field_name=None,
    many=False,
)
FACILITY_ITEMS = PolymorphicProxySerializer(
    component_name="FacilityItem",
    serializers=[FacilitySerializer, FacilityPublicSerializer],
    resource_type_field_name=None,
    many=True,
)
ID_PARAMETER = id_parameter(gettext_lazy("机构编号"))
# core's errors, worded for this endpoint: anonymous clients may read it, and it writes facilities.
READ_ERRORS = {**api_views.READ_ERRORS, 401: error_doc(gettext_lazy("令牌无效、已过期或已撤销"))}
WRITE_ERRORS = {
    **api_views.WRITE_ERRORS,
    400: error_doc(gettext_lazy("数据有误（按字段说明，如班额超过国家标准上限）或业务规则不允许")),
    403: error_doc(gettext_lazy("无权执行（只读令牌，或您能查看但不能修改该机构）")),
}
UPDATE_ERRORS = {**WRITE_ERRORS, 409: error_doc(gettext_lazy("版本冲突：该机构已被他人修改，请重新读取"))}


def _workflow_schema(summary, description, request=None):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        parameters=[ID_PARAMETER],
        responses={200: FacilitySerializer, **WRITE_ERRORS},
    )


@extend_schema_view(
    list=list_schema(
        FACILITY_ITEMS,
        gettext_lazy("托育机构列表"),
        gettext_lazy(
            "匿名用户：公开名录（已备案、运营中、非合成）的公开字段。已登录用户：其范围内的机构（全部"
            "字段，含 version、联系人、提示等）加上公开名录中其他机构的公开字段。每条记录要么是 Facility"
            "（全部字段），要么是 FacilityPublic（公开字段）。按区县代码、镇街序号、名称排序。"
        ),
        errors={400: api_views.LIST_ERRORS[400], **READ_ERRORS},
    ),
    retrieve=item_schema(FACILITY_ITEM, gettext_lazy("托育机构"), ID_PARAMETER, errors=READ_ERRORS),
    create=extend_schema(
        summary=gettext_lazy("登记机构（草稿）"),
        description=gettext_lazy(
            "与网页表单相同的规则（facilities.services.facility_create）：只能在您可登记的区县；"
            "机构填报人登记后成为该机构的填报人。"
        ),
        request=FacilityWriteSerializer,
        responses={201: FacilitySerializer, **WRITE_ERRORS},
    ),
    update=extend_schema(
        summary=gettext_lazy("修改机构"),
        description=gettext_lazy(
            "须提交读取时的 version；版本过期返回 409。未提交的字段和班级设置保持不变。机构填报人修改已备案"
            "机构时，变更须经区卫健委审核：返回 202 和待审变更编号，公开信息和统计仍为原备案信息。"
        ),
        parameters=[ID_PARAMETER],
        request=FacilityWriteSerializer,
        responses={200: FacilitySerializer, 202: PendingChangeAcceptedSerializer, **UPDATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修改机构（部分字段）"),
        description=gettext_lazy("同 PUT；只需提交要修改的字段和 version。"),
        parameters=[ID_PARAMETER],
        request=FacilityWriteSerializer,
        responses={200: FacilitySerializer, 202: PendingChangeAcceptedSerializer, **UPDATE_ERRORS},
    ),
)
class FacilityViewSet(
    api_views.CachedListMixin,
    api_views.VersionETagMixin,
    WriteStepsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = FacilitySerializer
    filterset_class = FacilityFilterSet
    schema = PublicReadSchema()

    ORDERING = ("district__code", "town__sort_order", "name", "pk")
    list_data_version = REGISTRY

    def get_queryset(self):
        user = self.request.user
        units = ClassUnit.objects.select_related("class_type").order_by("class_type__sort_order", "pk")
        queryset = (
            visible_facilities(user)
            .select_related("district", "town")
            .prefetch_related(Prefetch("units", queryset=units))
            .order_by(*self.ORDERING)
        )
        if getattr(user, "is_authenticated", False):
            pending = PendingChange.objects.filter(
                facility=OuterRef("pk"), status=PendingChange.Status.PENDING
            ).values("pk")[:1]
            queryset = selectors.with_flags(queryset, precompiled=True).annotate(
                pending_change_id=Subquery(pending), current_authorization=selectors.current_authorization()
            )
        return queryset

    def list_version(self):
        """The registry's data version and the rule tables' signature (facilities.rules.KeptRules) in one
        statement: a page answered from the cache costs this one query beside authentication and
        throttling."""
        with connections[self.list_database()].cursor() as cursor:
            cursor.execute(f"SELECT ({data_version.read_sql(REGISTRY)}), ({rules.signature_sql()})")
            version, self.rule_signature = cursor.fetchone()
        return version

    def live_list(self, request, *args, **kwargs):
        """One count (Django leaves the annotations out of it) and one statement for the page: its rows with
        their rule flags, pending change and class units (a JSON array read into the units the serializer
        would have prefetched). PostgreSQL evaluates the flags' sub-queries after ORDER BY … LIMIT, for the
        page's rows only. The rule tables are read from the process's copy (facilities.rules.KeptRules),
        checked against the signature read with the version."""
        with rules.signature_known(getattr(self, "rule_signature", None)):
            return self._live_list(request)

    def _live_list(self, request):
        queryset = self.filter_queryset(self.get_queryset().prefetch_related(None))
        public = not getattr(request.user, "is_authenticated", False)  # every row public, none annotated
        reader = facility_rows(public=public)
        rows = queryset.annotate(units_json=units_json()).values(*reader.columns, "in_scope")
        # The page's count without the joins values() adds for the regions' codes (Django keeps inner joins in
        # a count: they might drop rows); the rows are the same.
        rows.count = queryset.count
        page = self.paginate_queryset(rows)
        data = []
        for values in page if page is not None else rows:
            row = reader.read(values)
            data.append(row if values["in_scope"] else public_record(row))
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return FacilityWriteSerializer
        if self.action == "return_":
            return ReasonSerializer
        return FacilitySerializer

    # ---------------------------------------------------------------- create and update

    def create(self, request, *args, **kwargs):
        serializer = FacilityWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data, units = serializer.service_input()
        facility = services.facility_create(user=request.user, data=data, units=units)
        return self.read_back(facility, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        facility = self.get_object()
        serializer = FacilityWriteSerializer(
            facility, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        version = api_views.sent_version(request, serializer.validated_data.get("version"))
        if version is None:
            raise serializers.ValidationError(
                {"version": [_("修改须提交读取时的版本号（version 或 If-Match）。")]}, code="required"
            )
        data, units = serializer.service_input(base=facility)
        district = data.get("district")
        if (
            district is not None
            and district.pk != facility.district_id
            and not access.can(request.user, Action.REGISTER, district)
        ):
            raise serializers.ValidationError({"district": [_("您不能把机构登记到该区县。")]})
        # One transaction for the write and its read-back: the row stays locked until the answer is read, so
        # the answer is this write's result, never a later writer's (a client compares version + 1).
        with transaction.atomic():
            result = services.facility_update(
                user=request.user, facility=facility, data=data, units=units, expected_version=version
            )
            if not isinstance(result, PendingChange):
                return self.read_back(result)
        body = {
            "pending_change_id": result.pk,
            "facility_id": facility.pk,
            "status": result.status,
            "version": result.base_version,
            "message": _("变更已提交，区卫健委审核通过后生效；在此之前公示和统计仍为原备案信息。"),
        }
        return Response(PendingChangeAcceptedSerializer(body).data, status=status.HTTP_202_ACCEPTED)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    # ---------------------------------------------------------------- filing workflow

    @_workflow_schema(
        gettext_lazy("提交备案"),
        gettext_lazy("机构填报人或区卫健委提交备案；班级设置和备案材料须齐全。"),
        request=None,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        facility = services.filing_submit(user=request.user, facility=self.get_object())
        return self.read_back(facility)

    @_workflow_schema(gettext_lazy("出具备案回执"), gettext_lazy("区卫健委对已提交的备案出具回执。"))
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        facility = services.filing_acknowledge(user=request.user, facility=self.get_object())
        return self.read_back(facility)

    @_workflow_schema(
        gettext_lazy("通过备案"),
        gettext_lazy(
            "区卫健委通过已提交的备案，分配备案编号（<区县代码>-<年份>-<序号>）和备案日期。机构有未解决的"
            "规则提示时须传 confirm_flags=true，否则 400 并列出提示（与网页的确认勾选相同）。"
        ),
        request=ApproveSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        facility = self.get_object()
        confirm = self.validated(ApproveSerializer)["confirm_flags"]
        facility = services.filing_approve(user=request.user, facility=facility, confirm_flags=confirm)
        return self.read_back(facility)

    @_workflow_schema(
        gettext_lazy("退回备案"),
        gettext_lazy("区卫健委退回已提交的备案，须写明原因（机构可见）。"),
        request=ReasonSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        facility = self.get_object()
        reason = self.validated(ReasonSerializer)["reason"]
        facility = services.filing_return(user=request.user, facility=facility, reason=reason)
        return self.read_back(facility)

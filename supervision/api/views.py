"""/api/v1/inspections/…: inspections (departments, team, facilities visited), their findings with the
rectification loop, and complaints, for REST clients.

Everything here is private: an anonymous client gets 401. A signed-in user (session or token) reads what the
supervision pages show them — the viewsets' querysets narrowed by core.access (PrivateViewSet):
inspections for officials and API clients of the district (a town official: those that visited their town;
operators answer findings, they do not read inspection records), findings and complaints of the facilities
the user may view — and anything else answers 404, never 403. Filters are supervision.filtersets, the
FilterSets of the list pages.

The rectification steps call supervision.services exactly as the finding page does: the facility's operator
answers (describes the rectification, gives a reference); district officials verify or reopen. A read-only
token never writes (403); a finding the user may see but not act on answers 403 with the service's reason
(`not_allowed`); a step that does not fit the finding's state is a 400. Every list page is read with a
constant number of queries whatever its size.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access
from core.api.views import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    PrivateViewSet,
    error_doc,
    id_parameter,
    item_schema,
    list_schema,
)
from facilities.models import Facility
from facilities.selectors import counted
from supervision import grading, selectors, services
from supervision.api.create import ComplaintCreateMixin, FindingCreateMixin, InspectionCreateMixin
from supervision.api.serializers import (
    AnswerSerializer,
    ComplaintSerializer,
    FindingSerializer,
    GradeDetailSerializer,
    GradeSerializer,
    InspectionSerializer,
    ReopenSerializer,
    VerifySerializer,
)
from supervision.filtersets import ComplaintFilterSet, FindingFilterSet, GradeFilterSet, InspectionFilterSet
from supervision.models import Complaint, Finding, Inspection, TeamMember


class FindingApiFilterSet(FindingFilterSet):
    """The finding list's filters plus the facility and the inspection (by id), as links from other records
    use them."""

    facility = django_filters.NumberFilter(field_name="facility", label=gettext_lazy("机构编号"))
    inspection = django_filters.NumberFilter(field_name="inspection", label=gettext_lazy("检查编号"))

    class Meta(FindingFilterSet.Meta):
        fields = [*FindingFilterSet.Meta.fields, "facility", "inspection"]


# ---------------------------------------------------------------- inspections


INSPECTION = gettext_lazy("检查")


@extend_schema_view(
    list=list_schema(
        InspectionSerializer,
        INSPECTION,
        gettext_lazy(
            "本区县的检查（区卫健委、接口客户端；镇街官员：检查过本镇街机构的），含参与部门、检查组成员和"
            "检查机构（仅列出您可查看的机构，总数另给）。按检查日期（新的在前）排序。"
        ),
    ),
    retrieve=item_schema(InspectionSerializer, INSPECTION, id_parameter(gettext_lazy("检查编号"))),
)
class InspectionViewSet(
    InspectionCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet
):
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet

    queryset = (
        Inspection.objects.select_related("district")
        .annotate(
            facilities_total=Count("facilities", distinct=True),
            findings_total=Count("findings", distinct=True),
        )
        .order_by("-inspected_on", "-pk")
    )

    def get_queryset(self):
        visible = (
            Facility.objects.for_user(self.request.user)
            .select_related("town")
            .order_by("town__sort_order", "name", "pk")
        )
        return (
            super()
            .get_queryset()
            .prefetch_related(
                "departments",
                Prefetch("team", queryset=TeamMember.objects.order_by("-is_lead", "role", "pk")),
                Prefetch("facilities", queryset=visible, to_attr="visible_facilities"),
            )
        )


# ---------------------------------------------------------------- findings


FINDING = gettext_lazy("检查发现问题")
FINDING_ID = id_parameter(gettext_lazy("问题编号"))


def _step_schema(summary, description, request):
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[FINDING_ID],
        request=request,
        responses={200: FindingSerializer, **WRITE_ERRORS},
    )


@extend_schema_view(
    list=list_schema(
        FindingSerializer,
        FINDING,
        gettext_lazy(
            "您可查看的机构的问题及整改记录；overdue 标出逾期未整改的。逾期的在前，再按整改期限排序。"
        ),
    ),
    retrieve=item_schema(FindingSerializer, FINDING, FINDING_ID),
)
class FindingViewSet(FindingCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    serializer_class = FindingSerializer
    filterset_class = FindingApiFilterSet

    queryset = Finding.objects.prefetch_related("actions")

    def get_queryset(self):
        return selectors.finding_list(super().get_queryset(), timezone.localdate())

    def get_serializer_class(self):
        return {"answer": AnswerSerializer, "verify": VerifySerializer, "reopen": ReopenSerializer}.get(
            self.action, FindingSerializer
        )

    def _step(self, request, serializer_class, service):
        finding = self.get_object()
        finding = service(user=request.user, finding=finding, **self.validated(serializer_class))
        return self.read_back(finding)

    @_step_schema(
        gettext_lazy("提交整改情况"),
        gettext_lazy("本机构的填报人说明整改情况（可附佐证材料），问题转为“已提交整改”，等待区卫健委验证。"),
        AnswerSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        return self._step(request, AnswerSerializer, services.finding_answer)

    @_step_schema(
        gettext_lazy("验证销号"),
        gettext_lazy("区卫健委验证已提交的整改，问题销号。"),
        VerifySerializer,
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._step(request, VerifySerializer, services.finding_verify)

    @_step_schema(
        gettext_lazy("退回重新整改"),
        gettext_lazy("区卫健委退回已提交或已销号的整改（须写明原因，可给新的整改期限）。"),
        ReopenSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step(request, ReopenSerializer, services.finding_reopen)


# ---------------------------------------------------------------- complaints


COMPLAINT = gettext_lazy("投诉")


@extend_schema_view(
    list=list_schema(
        ComplaintSerializer,
        COMPLAINT,
        gettext_lazy("您可查看的机构收到的投诉及办理情况（只读）。按受理日期（新的在前）排序。"),
    ),
    retrieve=item_schema(ComplaintSerializer, COMPLAINT, id_parameter(gettext_lazy("投诉编号"))),
)
class ComplaintViewSet(
    ComplaintCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet
):
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilterSet

    queryset = Complaint.objects.select_related("facility", "facility__district", "facility__town").order_by(
        "-received_on", "-pk"
    )


# ---------------------------------------------------------------- risk + credit grades


class GradingRuleIncomplete(exceptions.APIException):
    """A number the rule needs has no row (supervision.grading.GradingRuleMissing): nothing is guessed."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "grading_rule_missing"


def _graded(facilities: list[Facility]) -> list[grading.GradeResult]:
    """The page's facilities graded together (supervision.grading.grade_all), in the page's order."""
    order = {facility.pk: position for position, facility in enumerate(facilities)}
    try:
        results = grading.grade_all(Facility.objects.filter(pk__in=order), timezone.localdate())
    except grading.GradingRuleMissing as exc:
        raise GradingRuleIncomplete(str(exc)) from None
    return sorted(results, key=lambda result: order[result.facility.pk])


GRADE_ERRORS = {409: error_doc(gettext_lazy("分级规则缺少参数或矩阵单元（须在管理后台设定）"))}


GRADE = gettext_lazy("风险+信用分级")


@extend_schema_view(
    list=list_schema(
        GradeSerializer,
        GRADE,
        gettext_lazy(
            "您可查看的在营（含暂停）机构的风险分、信用分、分级和建议检查间隔，与分级页面同一计算（按今天）。"
            "按区县代码、镇街、机构名称排序。"
        ),
        errors={**LIST_ERRORS, **GRADE_ERRORS},
    ),
    retrieve=item_schema(
        GradeDetailSerializer,
        GRADE,
        id_parameter(gettext_lazy("机构编号")),
        errors={**READ_ERRORS, **GRADE_ERRORS},
        description=gettext_lazy("一家机构的分级及计分依据（哪些问题、投诉或情况产生了多少分）。"),
    ),
)
class GradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    """Rows are facilities (scoped by core.access, as the grade pages); each page is graded by
    supervision.grading as a whole, in a fixed number of queries."""

    serializer_class = GradeSerializer
    filterset_class = GradeFilterSet

    queryset = Facility.objects.filter(operating_status__in=grading.ACTIVE_STATUSES).order_by(
        "district__code", "town__sort_order", "name", "pk"
    )

    def get_queryset(self):
        return counted(super().get_queryset())

    def get_serializer_class(self):
        return GradeDetailSerializer if self.action == "retrieve" else GradeSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        data = self.get_serializer(_graded(rows), many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        facility = access.object_or_404(
            request.user, Facility.objects.select_related("district", "town"), pk=kwargs["pk"]
        )
        try:
            result = grading.grade_one(facility, timezone.localdate())
        except grading.GradingRuleMissing as exc:
            raise GradingRuleIncomplete(str(exc)) from None
        return Response(self.get_serializer(result).data)


__all__ = ["ComplaintViewSet", "FindingViewSet", "GradeViewSet", "InspectionViewSet"]

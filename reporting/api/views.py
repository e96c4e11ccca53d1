"""/api/v1/enrolment-reports/ and /api/v1/period-reports/: the reports, scoped like their facilities and
towns (core.access through PrivateViewSet). A facility's operator or its district official posts a month's
enrolment report (reporting.services, as the page does); period reports are read-only here — their workflow
is on the portal pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status

from core import access, history
from core.access import Action
from core.api.conditional import ConditionalGetMixin
from core.api.views import (
    WRITE_ERRORS,
    PrivateViewSet,
    error_doc,
    id_parameter,
    item_schema,
    list_schema,
)
from facilities.models import Facility
from reporting import services
from reporting.api.serializers import (
    EnrolmentReportInputSerializer,
    EnrolmentReportSerializer,
    PeriodReportDetailSerializer,
    PeriodReportSerializer,
)
from reporting.filtersets import EnrolmentReportFilterSet, PeriodReportFilterSet
from reporting.models import EnrolmentReport, PeriodReport
from reporting.services import LineInput

ENROLMENT = gettext_lazy("在托月报")
PERIOD = gettext_lazy("季度统计报表")


@extend_schema_view(
    list=list_schema(
        EnrolmentReportSerializer,
        ENROLMENT,
        gettext_lazy("您可查看的机构的在托月报（每月每机构一份，按班型分行），新的月份在前。"),
    ),
    retrieve=item_schema(EnrolmentReportSerializer, ENROLMENT, id_parameter(gettext_lazy("月报编号"))),
    create=extend_schema(
        summary=gettext_lazy("报送在托月报"),
        description=gettext_lazy(
            "机构填报人或区级管理员报送某机构某月的在托情况；该月已报送的，按所给版本更正（版本过期为 409）。"
        ),
        request=EnrolmentReportInputSerializer,
        responses={
            201: EnrolmentReportSerializer,
            409: error_doc(gettext_lazy("该月月报已被他人更正（版本过期）")),
            **WRITE_ERRORS,
        },
    ),
)
class EnrolmentReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PrivateViewSet
):
    serializer_class = EnrolmentReportSerializer
    filterset_class = EnrolmentReportFilterSet
    queryset = (
        EnrolmentReport.objects.select_related("facility", "facility__district", "facility__town")
        .prefetch_related("lines__class_type")
        .order_by("-month", "facility__name", "pk")
    )

    def create(self, request, *args, **kwargs):
        data = self.validated(EnrolmentReportInputSerializer)
        facility = get_object_or_404(
            access.for_user(request.user, Action.VIEW, Facility), pk=data["facility"]
        )
        report = services.enrolment_report_save(
            user=request.user,
            facility=facility,
            month=data["month"],
            lines=[
                LineInput(
                    class_type=line["class_type"],
                    enrolled=line["enrolled"],
                    average_attendance=line["average_attendance"],
                    vacant_places=line["vacant_places"],
                )
                for line in data["lines"]
            ],
            note=data.get("note", ""),
            version=data.get("version"),
        )
        return self.read_back(report, status.HTTP_201_CREATED)


@extend_schema_view(
    list=list_schema(
        PeriodReportSerializer,
        PERIOD,
        gettext_lazy(
            "镇街和全区的季度统计报表（区级管理员、接口客户端：本区；镇街管理员：本镇街）。已审定的数据固定不变；"
            "更正为新版次（supersedes 指向被更正的一版）。"
        ),
    ),
    retrieve=item_schema(
        PeriodReportDetailSerializer,
        PERIOD,
        id_parameter(gettext_lazy("报表编号")),
        description=gettext_lazy("含 live：按当前登记数据重新计算的同期数据，供与上报数比较。"),
    ),
)
class PeriodReportViewSet(
    ConditionalGetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet
):
    """The list answers conditionally (core.api.conditional): ETag, and Last-Modified from the newest change
    of the reports — their `updated_at` and the history, which records deletions too — in JSON, CSV and
    XLSX alike, so a statistics system polls the frozen figures cheaply."""

    serializer_class = PeriodReportSerializer
    conditional_actions = ("list",)
    filterset_class = PeriodReportFilterSet
    queryset = PeriodReport.objects.select_related("district", "town").order_by(
        "-year", "-quarter", "district__code", "town__sort_order", "town__code", "-revision"
    )

    def get_serializer_class(self):
        return PeriodReportDetailSerializer if self.action == "retrieve" else PeriodReportSerializer

    def last_modified(self):
        return history.changed_at(self.filter_queryset(self.get_queryset()))

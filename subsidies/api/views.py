"""/api/v1/subsidies/…: funds with their execution, programs, applications with the approval workflow, the
append-only payment ledger and construction projects with milestones, for REST clients.

Everything here is private: an anonymous client gets 401. A signed-in user (session or token) reads exactly
what the subsidy pages show them — the viewsets' querysets narrowed by core.access (PrivateViewSet) — and
anything else answers 404, never 403. Figures come from subsidies.selectors (fund execution is the same
computation as the fund pages), filters from subsidies.filtersets (the same FilterSets as the list pages).

Writing goes through subsidies.services exactly as the web forms do: an operator applies for their own
facility (POST applications/), withdraws it (withdraw); district officials decide (approve, reduce or reject
with a reason), pay, and reverse a payment. A read-only token never writes (403). A record the user may see
but not act on answers 403 with the service's reason (`not_allowed`); a refusal of the rules is a 400 naming
the field (`payment_held` and `insufficient_balance` have their own codes) — core.api.exceptions maps the
services' errors. Every list page is read with a constant number of queries whatever its size.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import WRITE_ERRORS, PrivateViewSet, id_parameter, item_schema, list_schema
from subsidies import selectors, services
from subsidies.api.serializers import (
    ApplicationCreateSerializer,
    ApplicationSerializer,
    DecisionSerializer,
    FundSerializer,
    LedgerEntrySerializer,
    PaymentSerializer,
    ProgramSerializer,
    ProjectSerializer,
    ReversalSerializer,
)
from subsidies.filtersets import (
    ApplicationFilterSet,
    FundFilterSet,
    LedgerFilterSet,
    ProgramFilterSet,
    ProjectFilterSet,
)
from subsidies.models import Application, Fund, LedgerEntry, Milestone, Program, Project

LEDGER_ROWS = LedgerEntry.objects.select_related(
    "facility", "facility__district", "facility__town", "program", "fund", "reversal"
).order_by("-entry_date", "-pk")

# ---------------------------------------------------------------- funds


@extend_schema_view(
    list=list_schema(
        FundSerializer,
        gettext_lazy("资金及执行情况"),
        gettext_lazy(
            "您可查看的区县的资金（区卫健委、接口客户端）：下达金额、已拨付（台账净额加文件报告的汇总拨付）、"
            "余额和支出率，与资金执行页面同一计算。按区县代码、年度（新的在前）、资金层级、名称排序。"
        ),
    ),
    retrieve=item_schema(FundSerializer, gettext_lazy("资金"), id_parameter(gettext_lazy("资金编号"))),
)
class FundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    serializer_class = FundSerializer
    filterset_class = FundFilterSet

    queryset = Fund.objects.select_related("district", "source").order_by(
        "district__code", "-year", "source_level", "name", "pk"
    )

    @staticmethod
    def _execution(funds: list[Fund]) -> None:
        for fund, execution in zip(funds, selectors.fund_execution(funds), strict=True):
            fund.execution = execution

    def list(self, request, *args, **kwargs):
        return self.list_with(self._execution)

    def retrieve(self, request, *args, **kwargs):
        fund = self.get_object()
        self._execution([fund])
        return Response(self.get_serializer(fund).data)


# ---------------------------------------------------------------- programs


PROGRAM = gettext_lazy("补助项目")


@extend_schema_view(
    list=list_schema(
        ProgramSerializer,
        PROGRAM,
        gettext_lazy(
            "您可查看或可申请的补助项目：申请条件和计算规则（数据）。按区县代码、年度（新的在前）、类型、名称排序。"
        ),
    ),
    retrieve=item_schema(ProgramSerializer, PROGRAM, id_parameter(gettext_lazy("补助项目编号"))),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilterSet

    queryset = Program.objects.select_related("district", "fund", "source").order_by(
        "district__code", "-year", "kind", "name", "pk"
    )


# ---------------------------------------------------------------- applications


APPLICATION = gettext_lazy("补助申请")
APPLICATION_ID = id_parameter(gettext_lazy("申请编号"))


@extend_schema_view(
    list=list_schema(
        ApplicationSerializer,
        APPLICATION,
        gettext_lazy(
            "机构填报人看到本机构的申请，镇街看到本镇街的，区卫健委和接口客户端看到本区县的。"
            "按提交时间（新的在前）排序。"
        ),
    ),
    retrieve=item_schema(ApplicationSerializer, APPLICATION, APPLICATION_ID),
    create=extend_schema(
        summary=gettext_lazy("申请补助"),
        description=gettext_lazy(
            "机构填报人为本机构申请（subsidies.services.application_submit，与网页表单相同）：检查申请条件和"
            "计算规则所需的数字，按规则测算金额，等待区卫健委审核。"
        ),
        request=ApplicationCreateSerializer,
        responses={201: ApplicationSerializer, **WRITE_ERRORS},
    ),
)
class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, PrivateViewSet
):
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet

    queryset = Application.objects.select_related(
        "program", "facility", "facility__district", "facility__town"
    ).order_by("-created_at", "-pk")

    def get_queryset(self):
        return selectors.with_paid(super().get_queryset())

    def get_serializer_class(self):
        return {
            "create": ApplicationCreateSerializer,
            "decide": DecisionSerializer,
            "pay": PaymentSerializer,
        }.get(self.action, ApplicationSerializer)

    def create(self, request, *args, **kwargs):
        application = services.application_submit(
            user=request.user, **self.validated(ApplicationCreateSerializer)
        )
        return self.read_back(application, status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("审核补助申请"),
        description=gettext_lazy(
            "区卫健委批准（留空金额即按规则测算金额；不同金额须写明理由）、核减（低于测算金额，须写明理由）"
            "或驳回（须写明理由）。机构填报人不能审核。"
        ),
        parameters=[APPLICATION_ID],
        request=DecisionSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        application = services.application_decide(
            user=request.user, application=application, **self.validated(DecisionSerializer)
        )
        return self.read_back(application)

    @extend_schema(
        summary=gettext_lazy("支付补助"),
        description=gettext_lazy(
            "区卫健委从项目的资金中支付已批准的金额（可分次），记入支付台账，返回新的台账分录。机构暂停、"
            "关停或有逾期未整改的严重问题时暂缓支付（payment_held）；超出资金余额时拒绝（insufficient_balance）。"
        ),
        parameters=[APPLICATION_ID],
        request=PaymentSerializer,
        responses={201: LedgerEntrySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        application = self.get_object()
        entry = services.payment_create(
            user=request.user, application=application, **self.validated(PaymentSerializer)
        )
        return Response(
            LedgerEntrySerializer(LEDGER_ROWS.for_user(request.user).get(pk=entry.pk)).data,
            status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=gettext_lazy("撤回补助申请"),
        description=gettext_lazy("机构填报人撤回待审核的申请。"),
        parameters=[APPLICATION_ID],
        request=None,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = services.application_withdraw(user=request.user, application=self.get_object())
        return self.read_back(application)


# ---------------------------------------------------------------- the ledger


@extend_schema_view(
    list=list_schema(
        LedgerEntrySerializer,
        gettext_lazy("支付台账"),
        gettext_lazy(
            "只追加的支付台账：支付为正数，冲销为负数并指明被冲销的支付。按记账日期（新的在前）排序。"
            "文件报告的汇总拨付没有机构，不在台账中。"
        ),
    ),
    retrieve=item_schema(
        LedgerEntrySerializer, gettext_lazy("台账分录"), id_parameter(gettext_lazy("台账分录编号"))
    ),
)
class LedgerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilterSet

    queryset = LEDGER_ROWS

    def get_serializer_class(self):
        return ReversalSerializer if self.action == "reverse" else LedgerEntrySerializer

    @extend_schema(
        summary=gettext_lazy("冲销支付"),
        description=gettext_lazy(
            "区卫健委冲销一笔支付（须写明原因）：记入金额相反的冲销分录，原支付保留。返回冲销分录。"
        ),
        parameters=[id_parameter(gettext_lazy("被冲销的支付分录编号"))],
        request=ReversalSerializer,
        responses={201: LedgerEntrySerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        entry = self.get_object()
        reversal = services.payment_reverse(
            user=request.user, entry=entry, **self.validated(ReversalSerializer)
        )
        return self.read_back(reversal, status.HTTP_201_CREATED)


# ---------------------------------------------------------------- projects


PROJECT = gettext_lazy("托育园建设项目")


@extend_schema_view(
    list=list_schema(
        ProjectSerializer,
        PROJECT,
        gettext_lazy(
            "您可查看的区县（镇街官员：本镇街）的建设项目及其节点（立项、设计招标、施工招标、在建、建成投用），"
            "逾期未完成的节点标出。按区县代码、项目类型、名称排序。"
        ),
    ),
    retrieve=item_schema(ProjectSerializer, PROJECT, id_parameter(gettext_lazy("项目编号"))),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet

    queryset = (
        Project.objects.select_related("district", "town", "facility", "source")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("pk")), "funds")
        .order_by("district__code", "kind", "name", "pk")
    )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self._today}

    @property
    def _today(self):
        if not hasattr(self, "_today_value"):
            self._today_value = timezone.localdate()
        return self._today_value

    def _timelines(self, projects: list[Project]) -> None:
        for project in projects:
            project.timeline = selectors.timeline(project, self._today)

    def list(self, request, *args, **kwargs):
        return self.list_with(self._timelines)

    def retrieve(self, request, *args, **kwargs):
        project = self.get_object()
        self._timelines([project])
        return Response(self.get_serializer(project).data)


__all__ = [
    "ApplicationViewSet",
    "FundViewSet",
    "LedgerViewSet",
    "ProgramViewSet",
    "ProjectViewSet",
]

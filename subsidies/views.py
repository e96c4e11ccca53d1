"""Subsidy pages: fund execution, subsidies by program / year / town, programs, applications (apply, decide,
pay, withdraw), the ledger (reverse) and construction projects. The lists are declarations on
core.views.ObjectListView (scoped by core.access, filtered by the API's FilterSets); figures come from
subsidies.selectors; every write goes through subsidies.services; every table is built by subsidies.tables and
downloads as .xlsx with `?export=<table>` (or `all`), keeping filters. Objects outside a user's scope answer
404."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import access
from core.access import Action, Role, can, for_user, is_staff, unrestricted
from core.forms import apply_service_error
from core.views import (
    ObjectActionView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    export_links,
)
from facilities.models import Facility
from subsidies import project_selectors, project_services, project_tables, selectors, services, tables
from subsidies.filtersets import (
    AggregateFilterSet,
    ApplicationFilterSet,
    FundFilterSet,
    LedgerFilterSet,
    ProgramFilterSet,
    ProjectFilterSet,
    scope_districts,
)
from subsidies.forms import (
    ApplicationForm,
    DecisionForm,
    ListFilterForm,
    PaymentForm,
    ReversalForm,
)
from subsidies.models import AggregateDisbursement, Application, Fund, LedgerEntry, Program, Project
from targets.models import Region

PAGE_SIZE = 50


# ---------------------------------------------------------------- shared


def sections(user) -> dict:
    """Which subsidy pages the user may open (the sub-navigation shows only these)."""
    district_scope = Region.objects.districts().for_user(user, Action.DASHBOARD).exists()
    town = access.has_role(user, Role.TOWN_OFFICIAL)
    operator = access.has_role(user, Role.OPERATOR)
    return {
        "funds": district_scope,
        "summary": district_scope or town or operator,
        "programs": district_scope or town or operator,
        "applications": district_scope or town or operator,
        "ledger": district_scope or town or operator,
        "projects": district_scope or town,
        "apply": operator or unrestricted(user),
        # Programs, funds and payment controls of a district: its officials (subsidies.rule_views).
        "manage": Region.objects.districts().for_user(user, Action.MANAGE).exists(),
    }


_scope_districts = scope_districts


class SectionMixin:
    """A subsidies page: open to the users whose sub-navigation shows its `section` (any signed-in user when
    it has none); the sub-navigation comes with its context."""

    section = ""

    def allowed(self):
        self.sections = sections(self.request.user)
        return self.sections[self.section] if self.section else True

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=self.sections, **kwargs)


class SubsidyListView(SectionMixin, ObjectListView):
    """A subsidies list; `?export=<table>` (or `all`) downloads the page's tables with every row, keeping
    the filters."""


class SubsidyDetailView(SectionMixin, ObjectDetailView):
    """A subsidies record's page; `?export=<table>` (or `all`) downloads its tables."""

    history_depth = 1  # the record and the rows hanging off it (core/_history.html)


def _float(value):
    return None if value is None else round(float(value), 2)


# ---------------------------------------------------------------- overview


@login_required
def index(request):
    allowed = sections(request.user)
    if not any(allowed.values()):
        raise Http404
    funds = selectors.fund_execution(
        for_user(request.user, Action.VIEW, Fund.objects.select_related("district"))
    )
    totals = selectors.execution_totals(funds)
    applications = for_user(request.user, Action.VIEW, Application)
    counts = dict(applications.values_list("status").annotate(n=Count("pk")))
    projects = for_user(request.user, Action.VIEW, Project)
    overdue = selectors.overdue_milestones(projects)
    return render(
        request,
        "subsidies/index.html",
        {
            "sections": allowed,
            "funds": funds,
            "totals": totals,
            "counts": counts,
            "pending": counts.get(Application.Status.SUBMITTED, 0),
            "projects": projects.count(),
            "overdue": overdue.count(),
            "recent": applications.select_related("facility", "program").order_by("-created_at")[:8],
            "controls_district": Region.objects.districts()
            .for_user(request.user, Action.MANAGE)
            .order_by("code")
            .first(),
        },
    )


# ---------------------------------------------------------------- funds


class FundListView(SubsidyListView):
    section = "funds"
    queryset = Fund.objects.select_related("district")
    filterset = FundFilterSet
    ordering = ("district__code", "-year", "source_level", "name")
    template_name = "subsidies/funds.html"
    export_name = gettext_lazy("资金执行")

    def get_rows(self, queryset):
        return selectors.fund_execution(queryset)

    def aggregates(self):
        """The aggregate disbursements the files report, through their own FilterSet (the API's)."""
        queryset = for_user(
            self.request.user,
            Action.VIEW,
            AggregateDisbursement.objects.select_related("district", "fund", "source", "program"),
        )
        filterset = AggregateFilterSet(self.request.GET or None, queryset=queryset, request=self.request)
        if filterset.is_bound and filterset.is_valid():
            queryset = filterset.qs
        return queryset.order_by("district__code", "-year", "program_kind")

    def get_tables(self):
        self.aggregate_rows = self.aggregates()
        return {
            "funds": tables.funds_table(self.rows),
            "aggregates": tables.aggregates_table(self.aggregate_rows),
        }

    def get_context_data(self, **kwargs):
        rows, built = self.rows, self.get_tables()
        chart = {
            "categories": [r.fund.name for r in rows],
            "series": [
                {"name": _("下达金额（万元）"), "data": [_float(r.allocated / 10000) for r in rows]},
                {"name": _("已拨付（万元）"), "data": [_float(r.disbursed / 10000) for r in rows]},
            ],
        }
        return super().get_context_data(
            rows=rows,
            totals=selectors.execution_totals(rows),
            tables=built,
            export_urls=self.export_urls(built),
            chart=chart,
            unlinked_aggregates=[a for a in self.aggregate_rows if a.fund_id is None],
            **kwargs,
        )


fund_list = FundListView.as_view()


class FundDetailView(SubsidyDetailView):
    section = "funds"
    queryset = Fund.objects.select_related("district", "source")
    template_name = "subsidies/fund_detail.html"
    context_object_name = "fund"

    def export_filename(self, key):
        return f"{self.object.name}-{key}.xlsx"

    def get_tables(self):
        fund = self.object
        self.months = selectors.fund_by_month(fund)
        return {
            "months": tables.fund_months_table(self.months),
            "programs": tables.fund_programs_table(selectors.fund_by_program(fund)),
            "aggregates": tables.aggregates_table(
                AggregateDisbursement.objects.filter(fund=fund).select_related("district", "fund", "source")
            ),
        }

    def get_context_data(self, **kwargs):
        fund, built = self.object, self.tables
        months = self.months
        chart = {
            "categories": [m.month.strftime("%Y-%m") if m.month else _("日期未注明") for m in months],
            "series": [
                {"name": _("本月净额（万元）"), "data": [_float(m.net / 10000) for m in months]},
                {"name": _("累计（万元）"), "data": [_float(m.cumulative / 10000) for m in months]},
            ],
        }
        return super().get_context_data(
            execution=selectors.fund_execution([fund])[0],
            plan=selectors.fund_plan(fund),
            may_manage=services.may_manage(self.request.user, fund.district),
            programs=fund.programs.order_by("-year", "name"),
            tables=built,
            export_urls=export_links(self.request, built),
            chart=chart,
            **kwargs,
        )


fund_detail = FundDetailView.as_view()


# ---------------------------------------------------------------- subsidies by program / year / town


class SummaryView(SubsidyListView):
    """Subsidies by program and year, and by town: the ledger's payments and the files' aggregate figures,
    filtered by district and year (ListFilterForm: these are summaries, not rows of one model)."""

    section = "summary"
    queryset = LedgerEntry
    template_name = "subsidies/summary.html"
    export_name = gettext_lazy("补助汇总")

    def filter_queryset(self, queryset):
        self.form = ListFilterForm(self.request.GET or None, districts=_scope_districts(self.request.user))
        self.aggregates = self.form.filtered(for_user(self.request.user, Action.VIEW, AggregateDisbursement))
        return None, self.form.filtered(queryset, "facility__district", "program__year")

    def get_tables(self):
        return {
            "programs": tables.program_year_table(selectors.by_program_year(self.rows, self.aggregates)),
            "towns": tables.town_table(selectors.by_town(self.rows)),
        }

    def get_context_data(self, **kwargs):
        built = self.get_tables()
        return super().get_context_data(
            form=self.form,
            tables=built,
            export_urls=self.export_urls(built),
            shows_aggregates=self.aggregates.exists(),
            **kwargs,
        )


summary = SummaryView.as_view()


# ---------------------------------------------------------------- programs


class ProgramListView(SubsidyListView):
    section = "programs"
    queryset = Program
    filterset = ProgramFilterSet
    ordering = ("district__code", "-year", "kind", "name")
    template_name = "subsidies/programs.html"
    export_name = gettext_lazy("补助项目")

    def get_rows(self, queryset):
        return list(queryset.select_related("district", "fund", "source"))

    def get_tables(self):
        return {"programs": tables.programs_table(self.rows)}

    def get_context_data(self, **kwargs):
        built = self.get_tables()
        return super().get_context_data(
            programs=self.rows, tables=built, export_urls=self.export_urls(built), **kwargs
        )


program_list = ProgramListView.as_view()


# ---------------------------------------------------------------- applications


class ApplicationListView(SubsidyListView):
    section = "applications"
    queryset = Application
    filterset = ApplicationFilterSet
    ordering = ("-created_at",)
    paginate_by = PAGE_SIZE
    template_name = "subsidies/applications.html"
    export_name = gettext_lazy("补助申请")

    def filter_queryset(self, queryset):
        filterset, queryset = super().filter_queryset(queryset)
        return filterset, selectors.with_paid(queryset).select_related(
            "facility", "facility__town", "program"
        )

    def get_tables(self):
        return {"applications": tables.applications_table(list(self.rows))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            table=tables.applications_table(self.page_rows),
            export_urls=self.export_urls(["applications"]),
            can_apply=selectors.facilities_to_apply_for(self.request.user).exists(),
        )
        return context


application_list = ApplicationListView.as_view()


@login_required
def application_create(request):
    allowed = sections(request.user)
    facilities = selectors.facilities_to_apply_for(request.user).order_by("name")
    if not facilities.exists():
        raise Http404
    programs = Program.objects.filter(
        accepting_applications=True, district__in=facilities.values("district")
    ).order_by("-year", "name")

    facility = program = None
    preview = None
    if request.method == "POST":
        form = ApplicationForm(request.POST, facilities=facilities, programs=programs)
        if form.is_valid():
            data = form.cleaned_data
            facility, program = data["facility"], data["program"]
            if "preview" in request.POST:
                preview = _preview(facility, program, data)
            else:
                try:
                    application = services.application_submit(
                        user=request.user,
                        facility=facility,
                        program=program,
                        period_start=data["period_start"],
                        period_end=data["period_end"],
                        area_m2=data["area_m2"],
                        months=data["months"],
                        slots=data["slots"],
                        children=data["children"],
                        note=data["note"],
                    )
                except services.SubsidyError as error:
                    apply_service_error(form, error)
                    preview = _preview(facility, program, data)
                else:
                    messages.success(request, _("申请已提交，等待区卫健委审核。"))
                    return redirect("subsidies:application", pk=application.pk)
    else:
        facility_id, program_id = request.GET.get("facility", ""), request.GET.get("program", "")
        facility = facilities.filter(pk=facility_id).first() if facility_id.isdigit() else None
        facility = facility or facilities.first()
        program = programs.filter(pk=program_id).first() if program_id.isdigit() else None
        initial = {"facility": facility}
        if program:
            start, end = datetime.date(program.year, 1, 1), datetime.date(program.year, 12, 31)
            initial.update({"program": program, "period_start": start, "period_end": end})
            initial.update(selectors.prefill(program, facility, start, end))
            preview = _preview(facility, program, initial)
        else:
            initial.update(selectors.prefill(None, facility))
        form = ApplicationForm(initial=initial, facilities=facilities, programs=programs)
    return render(
        request,
        "subsidies/application_form.html",
        {
            "sections": allowed,
            "form": form,
            "facilities": facilities,
            "programs": programs,
            "chosen_facility": facility,
            "chosen_program": program,
            "preview": preview,
        },
    )


def _preview(facility, program, data) -> dict:
    """What the page shows before submitting: eligibility, the figures the rule needs, the proposal."""
    figures = selectors.Figures(
        data.get("area_m2"), data.get("months"), data.get("slots"), data.get("children")
    )
    start, end = data.get("period_start"), data.get("period_end")
    # The rule in force on the period's first day computes the application (as the service does).
    in_force = selectors.rule_in_force(program, start) if start else None
    ruled = in_force.applied() if in_force else program
    errors = selectors.rule_problems(program, start, end)
    for name, found in selectors.figure_problems(ruled, facility, start, end, figures).items():
        errors.setdefault(name, []).extend(found)
    return {
        "program": program,
        "facility": facility,
        "eligibility": selectors.eligibility_problems(program, facility),
        "figure_errors": [m for messages_ in errors.values() for m in messages_],
        "needed": [selectors.figure_label(n) for n in Program.FIGURES[Program.Basis(ruled.basis)]],
        "proposal": selectors.propose_for_program(ruled, figures),
        "holds": selectors.payment_holds(facility),
    }


APPLICATION_RELATED = (
    "facility",
    "facility__district",
    "facility__town",
    "program",
    "program__district",
    "program__fund",
    "submitted_by",
    "decided_by",
)


class ApplicationDetailView(SubsidyDetailView):
    queryset = Application.objects.select_related(*APPLICATION_RELATED)
    template_name = "subsidies/application_detail.html"
    context_object_name = "application"

    def export_filename(self, key):
        return f"{_('补助申请%(pk)s') % {'pk': self.object.pk}}-{key}.xlsx"

    def get_tables(self):
        application = self.object
        self.entries = list(
            application.ledger_entries.select_related(
                "created_by", "reversal_of", "reversal", "fund", "facility", "program"
            ).order_by("entry_date", "id")
        )
        self.history = selectors.application_history(application)
        return {
            "payments": tables.ledger_table(self.entries),
            "history": tables.history_table(self.history),
        }

    def get_context_data(self, **kwargs):
        user, application, built = self.request.user, self.object, self.tables
        facility = application.facility
        state = selectors.payment_state(application)
        deciding = services.may_decide(user, facility)
        submitted = application.status == Application.Status.SUBMITTED
        return super().get_context_data(
            facility=facility,
            proposal=selectors.proposal_of(application),
            state=state,
            entries=self.entries,
            eligibility_now=selectors.eligibility_problems(application.program, facility),
            history=self.history,
            export_urls=export_links(self.request, built),
            can_decide=deciding and submitted,
            can_pay=deciding and application.is_granted and state.outstanding > 0,
            can_reverse=deciding,
            can_withdraw=services.may_apply(user, facility) and submitted,
            can_open_facility=can(user, Action.VIEW, facility),
            is_operator=application.facility_id in access.operated_facility_ids(user),
            **kwargs,
        )


application_detail = ApplicationDetailView.as_view()


class ReviewStepView(ObjectFormView):
    """A reviewer's form on one record (decide, pay, reverse): one service call. A NotAllowed refusal (e.g.
    the reviewer operates the facility) goes back to `back_to()` with its message; others land on the form."""

    action = Action.REVIEW
    error_class = services.SubsidyError

    def back_to(self, obj):
        return redirect("subsidies:application", pk=obj.pk)

    def refused(self, form, error):
        if isinstance(error, services.NotAllowed):
            messages.error(self.request, error.message)
            return self.back_to(self.object)
        if isinstance(error, services.DuplicateVoucher):
            # A repeated post of a payment already recorded: say so on the record, write nothing.
            messages.warning(self.request, error.message)
            return self.back_to(self.object)
        return super().refused(form, error)

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=sections(self.request.user), **kwargs)


class ApplicationStepView(ReviewStepView):
    queryset = Application.objects.select_related(*APPLICATION_RELATED)
    context_object_name = "application"

    def success_url(self, application, result):
        return reverse("subsidies:application", args=[application.pk])


class ApplicationDecideView(ApplicationStepView):
    """The decision, with the claim beside the registry (subsidies.selectors.registry_check). A button
    “按登记数核减” posts `use_registry=<figure>`: the form comes back filled with a reduction to the amount
    the application's own rule gives with the registry figure, and a reason saying so; nothing is saved
    until the reviewer saves the decision."""

    template_name = "subsidies/decision_form.html"
    success_message = gettext_lazy("审核决定已保存。")

    def dispatch_object(self):
        application = super().dispatch_object()
        self.check = selectors.registry_check(application)
        return application

    def registry_figure(self):
        key = self.request.POST.get("use_registry", "") if self.request.method == "POST" else ""
        return next((line for line in self.check.lines if line.key == key and line.suggested), None)

    def get_form(self):
        line = self.registry_figure()
        if line is not None and line.key == "reported_months":
            reason = _("按在托月报核定金额：申请 %(claimed)s 元，按%(source)s核算为 %(registry)s 元。") % {
                "claimed": line.claimed,
                "source": line.source,
                "registry": line.registry,
            }
            return DecisionForm(
                initial={"decision": services.Decision.REDUCE, "amount": line.suggested, "reason": reason}
            )
        if line is not None:
            reason = _("按登记数核定%(label)s：申请 %(claimed)s，%(source)s %(registry)s。") % {
                "label": line.label,
                "claimed": line.claimed,
                "source": line.source,
                "registry": line.registry,
            }
            return DecisionForm(
                initial={"decision": services.Decision.REDUCE, "amount": line.suggested, "reason": reason}
            )
        return DecisionForm(self.request.POST or None, initial={"decision": services.Decision.APPROVE})

    def post(self, request, *args, **kwargs):
        self.object = self.dispatch_object()
        if self.registry_figure() is not None:  # fill the form, save nothing
            return self.render_form(self.get_form())
        return super().post(request, *args, **kwargs)

    def run(self, application, form):
        data = form.cleaned_data
        services.application_decide(
            user=self.request.user,
            application=application,
            decision=data["decision"],
            amount=data["amount"],
            reason=data["reason"],
        )

    def get_context_data(self, **kwargs):
        application = self.object
        return super().get_context_data(
            proposal=selectors.proposal_of(application),
            eligibility_now=selectors.eligibility_problems(application.program, application.facility),
            check=self.check,
            **kwargs,
        )


class ApplicationPayView(ApplicationStepView):
    template_name = "subsidies/payment_form.html"
    success_message = gettext_lazy("支付已记入台账。")

    def dispatch_object(self):
        application = super().dispatch_object()
        self.state = selectors.payment_state(application)  # as it was before this request's payment
        return application

    def get_form(self):
        decided_at = self.object.decided_at
        return PaymentForm(
            self.request.POST or None,
            initial={"entry_date": timezone.localdate()},
            approved_on=timezone.localtime(decided_at).date() if decided_at else None,
        )

    def run(self, application, form):
        services.payment_create(user=self.request.user, application=application, **form.cleaned_data)

    def get_context_data(self, **kwargs):
        fund = self.object.program.fund
        return super().get_context_data(
            state=self.state,
            fund=fund,
            execution=selectors.fund_execution([fund])[0] if fund else None,
            payments_closed=bool(fund and fund.payments_closed(timezone.localdate())),
            **kwargs,
        )


application_decide = ApplicationDecideView.as_view()
application_pay = ApplicationPayView.as_view()


class ApplicationWithdrawView(ObjectActionView):
    """The operator withdraws a submitted application (a POST)."""

    queryset = Application.objects.select_related(*APPLICATION_RELATED)
    action = Action.EDIT
    error_class = services.SubsidyError
    success_message = gettext_lazy("申请已撤回。")

    def run(self, application):
        services.application_withdraw(user=self.request.user, application=application)

    def redirect_to(self, application):
        return redirect("subsidies:application", pk=application.pk)


application_withdraw = ApplicationWithdrawView.as_view()


# ---------------------------------------------------------------- ledger


class LedgerView(SubsidyListView):
    section = "ledger"
    queryset = LedgerEntry
    filterset = LedgerFilterSet
    ordering = ("-entry_date", "-id")
    paginate_by = PAGE_SIZE
    template_name = "subsidies/ledger.html"
    export_name = gettext_lazy("支付台账")

    def filter_queryset(self, queryset):
        filterset, queryset = super().filter_queryset(queryset)
        related = ("facility", "program", "fund", "created_by", "reversal_of", "reversal")
        return filterset, queryset.select_related(*related)

    def get_tables(self):
        return {"ledger": tables.ledger_table(list(self.rows))}

    def prepare_page(self, entries):
        # Reversible: payments not yet reversed, of facilities the user reviews and does not operate.
        user = self.request.user
        reviewable = set(
            Facility.objects.for_user(user, Action.REVIEW)
            .filter(pk__in={e.facility_id for e in entries})
            .values_list("pk", flat=True)
        ) - set(access.operated_facility_ids(user))
        for entry in entries:
            entry.can_reverse = (
                entry.facility_id in reviewable
                and entry.kind == LedgerEntry.Kind.PAYMENT
                and not tables._has_reversal(entry)
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            entries=self.page_rows,
            net=self.queryset_filtered.net(),
            export_urls=self.export_urls(["ledger"]),
        )
        return context


ledger = LedgerView.as_view()


class LedgerReverseView(ReviewStepView):
    """Reverse a payment (reviewers of the facility's district): the original entry stays."""

    queryset = LedgerEntry.objects.select_related("facility", "program", "fund", "application")
    template_name = "subsidies/reversal_form.html"
    context_object_name = "entry"
    success_message = gettext_lazy("已记入冲销分录；原支付记录保留。")

    def back_to(self, entry):
        return redirect("subsidies:ledger")

    def get_form(self):
        return ReversalForm(self.request.POST or None, initial={"entry_date": timezone.localdate()})

    def run(self, entry, form):
        services.payment_reverse(user=self.request.user, entry=entry, **form.cleaned_data)

    def success_url(self, entry, result):
        return reverse("subsidies:application", args=[entry.application_id])


ledger_reverse = LedgerReverseView.as_view()


# ---------------------------------------------------------------- projects


class ProjectListView(SubsidyListView):
    section = "projects"
    queryset = Project
    filterset = ProjectFilterSet
    ordering = ("district__code", "kind", "name")
    template_name = "subsidies/projects.html"
    export_name = gettext_lazy("建设项目")

    def get_rows(self, queryset):
        self.today = timezone.localdate()
        return selectors.timelines(queryset, self.today)

    def get_tables(self):
        # planned (the documents' goals) vs recorded vs in service per kind: subsidies/project_selectors.py
        districts = Region.objects.filter(
            Q(pk__in=self.queryset_filtered.values("district"))
            | Q(pk__in=Region.objects.districts().for_user(self.request.user, Action.DASHBOARD))
        )
        if self.cleaned("district"):
            districts = districts.filter(pk=self.cleaned("district").pk)
        lines = project_selectors.plan_lines(self.queryset_filtered, districts)
        return {
            "plan": project_tables.plan_table(lines),
            "projects": tables.projects_table(self.rows, self.today),
        }

    def get_context_data(self, **kwargs):
        built = self.get_tables()
        return super().get_context_data(
            timelines=self.rows,
            overdue=[m for t in self.rows for m in t.overdue],
            today=self.today,
            tables=built,
            export_urls=self.export_urls(built),
            can_add_project=Region.objects.districts().for_user(self.request.user, Action.MANAGE).exists(),
            **kwargs,
        )


project_list = ProjectListView.as_view()


class ProjectDetailView(SubsidyDetailView):
    section = "projects"
    queryset = Project.objects.select_related("district", "town", "facility", "source")
    template_name = "subsidies/project_detail.html"
    context_object_name = "project"

    def export_filename(self, key):
        return f"{self.object.name}-{key}.xlsx"

    def get_tables(self):
        self.today = timezone.localdate()
        self.line = selectors.timeline(self.object, self.today)
        return {"projects": tables.projects_table([self.line], self.today)}

    def get_context_data(self, **kwargs):
        project, user, built = self.object, self.request.user, self.tables
        return super().get_context_data(
            timeline=self.line,
            today=self.today,
            funds=project.funds.all(),
            can_open_facility=bool(project.facility and can(user, Action.VIEW, project.facility)),
            export_urls=export_links(self.request, built),
            admin_url=reverse("admin:subsidies_project_change", args=[project.pk])
            if is_staff(user)
            else None,
            can_manage=project_services.can_manage_projects(user, project.district),
            **kwargs,
        )


project_detail = ProjectDetailView.as_view()

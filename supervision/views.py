"""Supervision pages. The lists are declarations on core.views.ObjectListView (scoped by core.access,
filtered by the API's FilterSets); every write goes through supervision.services; every table comes from
supervision.tables and downloads as .xlsx. Objects outside a user's scope answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST

from core import access, history, privacy
from core.access import Action, Role, can, unrestricted
from core.forms import apply_service_error
from core.versioning import StaleVersion
from core.views import (
    ObjectDetailView,
    ObjectListView,
    export_about,
    query_without_page,
    tables_export,
    year_param,
)
from facilities.models import Facility
from facilities.selectors import counted
from facilities.services import RegistryError
from supervision import grading, selectors, services, tables
from supervision.filtersets import (
    ComplaintFilterSet,
    EvaluationFilterSet,
    FindingFilterSet,
    GradeFilterSet,
    InspectionFilterSet,
)
from supervision.forms import (
    AnswerForm,
    BackfillFindingForm,
    ComplaintForm,
    DeadlineForm,
    EvaluationForm,
    FindingForm,
    FrameworkChoiceForm,
    IncomeForm,
    InspectionForm,
    ReopenForm,
    TeamFormSet,
    VerifyForm,
    team_initial,
)
from supervision.list_tables import ComplaintTable, InspectionTable, evaluations_table
from supervision.models import (
    Complaint,
    CreditLevel,
    Evaluation,
    EvaluationFramework,
    Finding,
    GradingWeight,
    Inspection,
    RiskLevel,
)
from targets.models import Region


def _year(request) -> int:
    return year_param(request, 2000, timezone.localdate().year + 1)


# ---------------------------------------------------------------- index and dashboard


@login_required
def index(request):
    user = request.user
    districts = list(
        Region.objects.districts().for_user(user, Action.DASHBOARD).select_related("parent").order_by("code")
    )
    towns = list(
        Region.objects.towns()
        .for_user(user, Action.DASHBOARD)
        .exclude(parent__in=districts)
        .select_related("parent")
    )
    if len(districts) == 1 and not towns:
        return redirect("supervision:dashboard", code=districts[0].code)
    if not districts and len({t.parent_id for t in towns}) == 1:
        return redirect("supervision:dashboard", code=towns[0].parent.code)
    if not districts and not towns:
        if access.has_role(user, Role.OPERATOR):
            return redirect("supervision:findings")
        raise Http404
    return render(request, "supervision/index.html", {"districts": districts, "towns": towns})


def _dashboard(request, code):
    district = get_object_or_404(Region, code=code, level=Region.Level.DISTRICT)
    scope = selectors.dashboard_scope(request.user, district)
    if scope is None:
        raise Http404
    year = _year(request)
    board = selectors.dashboard(district, scope, timezone.localdate(), year)
    return district, board, tables.dashboard_tables(board)


@login_required
def dashboard(request, code):
    district, board, built = _dashboard(request, code)
    category_labels = [str(label) for _code, label in board.categories]
    charts = {
        "categories": {
            "categories": category_labels,
            "series": [
                {
                    "name": str(label),
                    "data": [board.open_by_category[code].get(sev, 0) for code, _l in board.categories],
                }
                for sev, label in Finding.Severity.choices
            ],
        },
        "towns": {
            "categories": [row[0] for row in board.open_by_town],
            "series": [
                {"name": _("未销号"), "data": [row[2] for row in board.open_by_town]},
                {"name": _("其中逾期"), "data": [row[3] for row in board.open_by_town]},
            ],
        },
        "grades": {
            "data": [
                {"name": _("%(g)s级") % {"g": g}, "value": n} for g, n in board.distribution.items() if n
            ]
        },
    }
    can_manage = selectors.can_supervise(request.user, district)
    income_form = IncomeForm(initial={"year": board.year - 1}) if can_manage else None
    whole = (
        Region.objects.districts().for_user(request.user, Action.DASHBOARD).filter(pk=district.pk).exists()
    )
    return render(
        request,
        "supervision/dashboard.html",
        {
            "district": district,
            "board": board,
            "tables": built,
            "charts": charts,
            "can_manage": can_manage,
            "income_form": income_form,
            "whole_district": whole,
            "years": sorted({board.as_of.year, board.as_of.year - 1, 2024, 2025, board.year}),
            "query": query_without_page(request),
        },
    )


@login_required
def dashboard_export(request, code, table):
    district, board, built = _dashboard(request, code)
    about = export_about(
        request,
        f"{district.name} {_('综合监管')} {board.year}",
        filters=[(_("区县"), district.name), (_("年份"), board.year)],
        as_of=board.as_of,
    )
    return tables_export(table, built, f"{district.name}-{_('综合监管')}-{board.year}-{table}.xlsx", about)


@login_required
@require_POST
def income_set(request, code):
    district = get_object_or_404(Region, code=code, level=Region.Level.DISTRICT)
    if selectors.dashboard_scope(request.user, district) is None:
        raise Http404
    form = IncomeForm(request.POST)
    if form.is_valid():
        try:
            services.household_income_set(user=request.user, district=district, **form.cleaned_data)
        except RegistryError as error:
            problems = [m for field_problems in error.errors.values() for m in field_problems]
            messages.error(request, "；".join([error.message, *problems]))
        else:
            messages.success(request, _("已保存家庭月均可支配收入。"))
    else:
        messages.error(request, _("请检查年份、收入和数据来源。"))
    year = form.cleaned_data["year"] + 1 if form.is_valid() else timezone.localdate().year
    return redirect(f"{reverse('supervision:dashboard', args=[code])}?year={year}#fee-cap")


# ---------------------------------------------------------------- inspections


class InspectionListView(ObjectListView):
    queryset = (
        Inspection.objects.select_related("district")
        .prefetch_related("departments")
        .annotate(
            n_facilities=Count("facilities", distinct=True), n_findings=Count("findings", distinct=True)
        )
    )
    filterset = InspectionFilterSet
    table = InspectionTable
    ordering = ("-inspected_on", "-pk")
    paginate_by = 30
    template_name = "supervision/inspection_list.html"
    export_param = None
    export_name = gettext_lazy("检查")
    export_dated = True

    def allowed(self):
        # Operators answer findings; the inspection records (other facilities, the team) are for officials.
        user = self.request.user
        return (
            unrestricted(user)
            or Region.objects.districts().for_user(user, Action.DASHBOARD).exists()
            or access.has_role(user, Role.TOWN_OFFICIAL)
        )

    def get_context_data(self, **kwargs):
        can_create = selectors.supervised_districts(self.request.user).exists()
        return super().get_context_data(can_create=can_create, **kwargs)


inspection_list = InspectionListView.as_view()
inspection_export = InspectionListView.as_view(export_only=True)


def _inspection_form(request, inspection=None):
    districts = selectors.supervised_districts(request.user)
    if inspection is not None:
        districts = districts.filter(pk=inspection.district_id)
    if not districts.exists():
        raise Http404
    facilities = counted(Facility.objects.for_user(request.user, Action.REVIEW)).filter(
        district__in=districts
    )
    if inspection is not None:
        facilities = facilities | inspection.facilities.all()
    complaints = selectors.complaints_for(request.user, Action.REVIEW).filter(
        facility__district__in=districts
    )
    kwargs = {"districts": districts, "facilities": facilities.distinct(), "complaints": complaints}
    if request.method == "POST":
        form = InspectionForm(request.POST, **kwargs)
        team = TeamFormSet(request.POST, prefix="team")
    else:
        initial = {}
        if inspection is not None:
            initial = {
                "district": inspection.district,
                "inspected_on": inspection.inspected_on,
                "kind": inspection.kind,
                "title": inspection.title,
                "departments": list(inspection.departments.all()),
                "facilities": list(inspection.facilities.all()),
                "complaint": inspection.complaint,
                "summary": inspection.summary,
                "backfilled": inspection.backfilled,
            }
        else:
            initial = {"inspected_on": timezone.localdate()}
            if request.GET.get("complaint"):
                complaint = (
                    complaints.filter(pk=request.GET["complaint"]).first()
                    if request.GET["complaint"].isdigit()
                    else None
                )
                if complaint:
                    initial.update(
                        {
                            "kind": Inspection.Kind.COMPLAINT,
                            "complaint": complaint,
                            "facilities": [complaint.facility],
                            "district": complaint.facility.district,
                        }
                    )
        form = InspectionForm(initial=initial, **kwargs)
        team = TeamFormSet(prefix="team", initial=team_initial(inspection) if inspection else None)
    if request.method == "POST" and form.is_valid() and team.is_valid():
        members = [
            services.TeamInput(
                name=row["name"],
                role=row.get("role") or "other",
                organisation=row.get("organisation", ""),
                is_lead=row.get("is_lead", False),
            )
            for row in team.cleaned_data
            if row and row.get("name", "").strip()
        ]
        data = form.cleaned_data
        arguments = {
            "inspected_on": data["inspected_on"],
            "kind": data["kind"],
            "facilities": list(data["facilities"]),
            "departments": list(data["departments"]),
            "team": members,
            "title": data["title"],
            "summary": data["summary"],
            "complaint": data["complaint"],
        }
        try:
            if inspection is None:
                saved = services.inspection_create(
                    user=request.user,
                    district=data["district"],
                    backfilled=data["backfilled"],
                    **arguments,
                )
            else:
                saved = services.inspection_update(user=request.user, inspection=inspection, **arguments)
        except RegistryError as error:
            apply_service_error(form, error)
            if "team" in error.errors:
                for message in error.errors["team"]:
                    form.add_error(None, message)
        else:
            messages.success(request, _("检查已保存。可在检查页面登记发现的问题。"))
            return redirect("supervision:inspection", pk=saved.pk)
    return render(
        request,
        "supervision/inspection_form.html",
        {"form": form, "team": team, "inspection": inspection},
    )


@login_required
def inspection_create(request):
    return _inspection_form(request)


@login_required
def inspection_edit(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    if not selectors.can_supervise(request.user, inspection.district):
        raise Http404
    return _inspection_form(request, inspection)


class InspectionDetailView(ObjectDetailView):
    """An inspection with the facilities and findings the user may see (the others are only counted)."""

    history_depth = 1  # the inspection and its team (core/_history.html)

    queryset = Inspection.objects.select_related("district", "complaint", "created_by")
    template_name = "supervision/inspection_detail.html"
    context_object_name = "inspection"

    def get_context_data(self, **kwargs):
        user, inspection, today = self.request.user, self.object, timezone.localdate()
        visible = Facility.objects.for_user(user, Action.VIEW)
        facilities = inspection.facilities.filter(pk__in=visible.values("pk")).select_related("town")
        findings = selectors.finding_list(
            selectors.findings_for(user).filter(inspection=inspection), today
        ).order_by("facility__name", "deadline")
        return super().get_context_data(
            facilities=facilities,
            hidden_facilities=inspection.facilities.count() - facilities.count(),
            findings=findings,
            team=inspection.team.all(),
            can_manage=selectors.can_supervise(user, inspection.district),
            today=today,
            **kwargs,
        )


inspection_detail = InspectionDetailView.as_view()


@login_required
def finding_backfill(request, pk):
    """A historic finding of an inspection entered after the fact, with its original dates."""
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    if not selectors.can_supervise(request.user, inspection.district):
        raise Http404
    if not inspection.backfilled:
        messages.error(request, _("只有标记为“事后补录”的检查可以补录历史问题；本次检查请按整改流程登记。"))
        return redirect("supervision:inspection", pk=pk)
    facilities = access.for_user(request.user, Action.REVIEW, inspection.facilities.all()).order_by("name")
    form = BackfillFindingForm(request.POST or None, facilities=facilities)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_backfill(user=request.user, inspection=inspection, **form.cleaned_data)
        except RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("历史问题已补录，按原始记录的日期计分。"))
            if "another" in request.POST:
                return redirect("supervision:finding_backfill", pk=pk)
            return redirect("supervision:inspection", pk=pk)
    return render(
        request, "supervision/finding_form.html", {"form": form, "inspection": inspection, "backfill": True}
    )


@login_required
def finding_create(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    if not selectors.can_supervise(request.user, inspection.district):
        raise Http404
    facilities = access.for_user(request.user, Action.REVIEW, inspection.facilities.all()).order_by("name")
    form = FindingForm(request.POST or None, facilities=facilities)
    if request.method == "GET" and request.GET.get("facility", "").isdigit():
        form.initial["facility"] = int(request.GET["facility"])
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_create(user=request.user, inspection=inspection, **form.cleaned_data)
        except RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("问题已登记，机构填报人可在门户中提交整改情况。"))
            if "another" in request.POST:
                return redirect(
                    f"{reverse('supervision:finding_create', args=[pk])}?facility={finding.facility_id}"
                )
            return redirect("supervision:inspection", pk=pk)
    return render(request, "supervision/finding_form.html", {"form": form, "inspection": inspection})


# ---------------------------------------------------------------- findings


class FindingListView(ObjectListView):
    """Findings in the user's scope, overdue first; the export (its own URL) is the same rows in full."""

    queryset = Finding
    filterset = FindingFilterSet
    paginate_by = 30
    template_name = "supervision/finding_list.html"
    export_param = None
    export_name = gettext_lazy("检查发现问题")
    export_dated = True

    def get_queryset(self):
        self.today = timezone.localdate()
        return selectors.finding_list(super().get_queryset(), self.today)

    def get_tables(self):
        return {"findings": tables.findings_table(self.rows, self.today)}

    def get_context_data(self, **kwargs):
        today = self.today
        summary = self.queryset_filtered.aggregate(
            total=Count("pk"),
            unresolved=Count("pk", filter=~Q(status=Finding.Status.VERIFIED)),
            overdue=Count("pk", filter=~Q(status=Finding.Status.VERIFIED) & Q(deadline__lt=today)),
            waiting=Count("pk", filter=Q(status=Finding.Status.SUBMITTED)),
        )
        return super().get_context_data(summary=summary, today=today, **kwargs)


finding_list = FindingListView.as_view()
finding_export = FindingListView.as_view(export_only=True)


def _finding_context(request, finding, **forms):
    user = request.user
    read = {"version": finding.version}
    may_answer = services.may_answer(user, finding)
    may_review = services.may_review(user, finding)
    context = {
        "finding": finding,
        "actions": finding.actions.select_related("actor"),
        "overdue": finding.is_overdue(timezone.localdate()),
        "today": timezone.localdate(),
        "may_answer": may_answer,
        "may_verify": may_review and finding.status == Finding.Status.SUBMITTED,
        "may_reopen": may_review and finding.status in (Finding.Status.SUBMITTED, Finding.Status.VERIFIED),
        "may_deadline": may_review and finding.status != Finding.Status.VERIFIED,
        # Each step's form carries the finding's version as shown: a step over a newer state is refused.
        "answer_form": forms.get("answer_form") or (AnswerForm(initial=read) if may_answer else None),
        "verify_form": forms.get("verify_form") or VerifyForm(initial=read),
        "reopen_form": forms.get("reopen_form") or ReopenForm(initial=read),
        "deadline_form": forms.get("deadline_form")
        or DeadlineForm(initial={**read, "deadline": finding.deadline}),
        "can_see_inspection": selectors.inspections_for(user).filter(pk=finding.inspection_id).exists(),
        "timeline": selectors.finding_timeline(finding, timezone.localdate()),
        "history": history.page(
            history.sources_for(finding, depth=1), request.GET.get("history_page"), reader=user
        ),
    }
    return render(request, "supervision/finding_detail.html", context)


def _finding_or_404(request, pk) -> Finding:
    return get_object_or_404(
        selectors.findings_for(request.user).select_related(
            "facility", "facility__district", "facility__town", "inspection", "verified_by", "created_by"
        ),
        pk=pk,
    )


@login_required
def finding_detail(request, pk):
    return _finding_context(request, _finding_or_404(request, pk))


class FindingStepView(LoginRequiredMixin, View):
    """One step of a finding's rectification (answer, verify, reopen, new deadline): a POST whose form goes to
    one service. A refusal naming fields shows on the finding's page; one that does not (the step does not fit
    the finding's state) shows above it; a GET goes back to the finding."""

    form_class = None
    form_name = ""
    service = None
    success_message = ""

    def get(self, request, pk):
        _finding_or_404(request, pk)
        return redirect("supervision:finding", pk=pk)

    def post(self, request, pk):
        finding = _finding_or_404(request, pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.service(user=request.user, finding=finding, **form.cleaned_data)
            except services.NotAllowed:
                raise Http404 from None
            except RegistryError as error:
                # A stale version stays on the form with the user's input; another refusal without fields
                # (the step does not fit the finding's state) shows above the page.
                if not error.errors and not isinstance(error, StaleVersion):
                    messages.error(request, error.message)
                    return redirect("supervision:finding", pk=pk)
                apply_service_error(form, error)
            else:
                messages.success(request, self.success_message)
                return redirect("supervision:finding", pk=pk)
        finding.refresh_from_db()
        return _finding_context(request, finding, **{self.form_name: form})


def _step(form_class, service, success_message):
    """One step's view; the form is shown on the finding's page as `<step>_form` (answer_form, …)."""
    form_name = form_class.__name__.removesuffix("Form").lower() + "_form"
    return FindingStepView.as_view(
        form_class=form_class, form_name=form_name, service=service, success_message=success_message
    )


finding_answer = _step(
    AnswerForm, services.finding_answer, gettext_lazy("整改情况已提交，等待区卫健委验证。")
)
finding_verify = _step(VerifyForm, services.finding_verify, gettext_lazy("已验证销号。"))
finding_reopen = _step(ReopenForm, services.finding_reopen, gettext_lazy("已退回重新整改。"))
finding_deadline = _step(DeadlineForm, services.finding_set_deadline, gettext_lazy("整改期限已调整。"))


# ---------------------------------------------------------------- complaints


class ComplaintListView(ObjectListView):
    queryset = Complaint.objects.select_related("facility", "facility__town")
    filterset = ComplaintFilterSet
    table = ComplaintTable
    ordering = ("-received_on", "-pk")
    paginate_by = 30
    template_name = "supervision/complaint_list.html"
    export_param = None
    export_name = gettext_lazy("投诉")
    export_dated = True

    def get_context_data(self, **kwargs):
        can_create = Facility.objects.for_user(self.request.user, Action.REVIEW).exists()
        return super().get_context_data(can_create=can_create, **kwargs)


complaint_list = ComplaintListView.as_view()
complaint_export = ComplaintListView.as_view(export_only=True)


def _complaint_data(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("facility", None)
    return data


@login_required
def complaint_create(request):
    facilities = counted(Facility.objects.for_user(request.user, Action.REVIEW))
    if not facilities.exists():
        raise Http404
    form = ComplaintForm(request.POST or None, facilities=facilities)
    if request.method == "GET" and request.GET.get("facility", "").isdigit():
        form.initial["facility"] = int(request.GET["facility"])
    form.initial.setdefault("received_on", timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_save(
                user=request.user, facility=form.cleaned_data["facility"], data=_complaint_data(form)
            )
        except RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("投诉已登记。"))
            return redirect("supervision:complaint", pk=complaint.pk)
    return render(request, "supervision/complaint_form.html", {"form": form, "complaint": None})


@login_required
def complaint_detail(request, pk):
    complaint = get_object_or_404(
        selectors.complaints_for(request.user).select_related("facility", "facility__town", "recorded_by"),
        pk=pk,
    )
    may_edit = can(request.user, Action.REVIEW, complaint.facility)
    form = None
    if may_edit:
        form = ComplaintForm(
            request.POST or None,
            instance=complaint,
            facilities=Facility.objects.filter(pk=complaint.facility_id),
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.complaint_save(
                    user=request.user,
                    facility=complaint.facility,
                    complaint=complaint,
                    data=_complaint_data(form),
                )
            except RegistryError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("投诉办理情况已保存。"))
                return redirect("supervision:complaint", pk=pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "supervision/complaint_detail.html",
        {
            "complaint": complaint,
            "form": form,
            "inspections": selectors.inspections_for(request.user).filter(complaint=complaint),
            "can_inspect": selectors.can_supervise(request.user, complaint.facility.district),
            # The handling is internal (core.privacy): officials read it, the facility's operator does not.
            "show_internal": privacy.may_read_internal(request.user, complaint),
            "history": history.page(
                history.sources_for(complaint, depth=1), request.GET.get("history_page"), reader=request.user
            ),
        },
    )


# ---------------------------------------------------------------- grades


class GradeListView(ObjectListView):
    """Risk + credit grades of the active, real facilities in the user's scope, filtered by the API's
    FilterSet (district, town, grade) so the page and /api/v1/inspections/grades/ filter alike. The export
    (its own URL) is every graded row; without grading rules there is nothing to export (404)."""

    queryset = Facility.objects.filter(operating_status__in=grading.ACTIVE_STATUSES)
    filterset = GradeFilterSet
    ordering = ("district__code", "town__sort_order", "name")
    paginate_by = 50
    template_name = "supervision/grade_list.html"
    export_param = None

    def get_queryset(self):
        return counted(super().get_queryset())  # real facilities only, unless synthetic ones count

    def export_filename(self, key):
        # Not in the English catalogue yet: the file keeps its Chinese name in every language, as before.
        return f"{_('风险信用分级')}-{timezone.localdate().isoformat()}.xlsx"

    def get_rows(self, queryset):
        self.today, self.error = timezone.localdate(), ""
        try:
            return grading.grade_all(queryset, self.today)
        except grading.GradingRuleMissing as exc:
            self.error = str(exc)
            return []

    def get_tables(self):
        if self.error:
            raise Http404
        return {"grades": tables.grades_table(self.rows)}

    def get_context_data(self, **kwargs):
        request = self.request
        districts = Region.objects.filter(
            pk__in=Facility.objects.for_user(request.user, Action.VIEW).values("district_id")
        ).order_by("code")
        return super().get_context_data(
            error=self.error,
            today=self.today,
            distribution=grading.distribution(self.rows) if not request.GET.get("grade") else None,
            districts=districts,
            chosen_grade=request.GET.get("grade", ""),
            chosen_district=request.GET.get("district", ""),
            **kwargs,
        )


grade_list = GradeListView.as_view()
grade_export = GradeListView.as_view(export_only=True)


class GradeDetailView(ObjectDetailView):
    """A facility's risk + credit grade, with the rules it was computed by."""

    queryset = Facility.objects.select_related("district", "town")
    template_name = "supervision/grade_detail.html"
    context_object_name = "facility"

    def get_context_data(self, **kwargs):
        facility, today = self.object, timezone.localdate()
        error, result = "", None
        try:
            result = grading.grade_one(facility, today)
        except grading.GradingRuleMissing as exc:
            error = str(exc)
        rules = grading.load_rules(facility.district_id)
        return super().get_context_data(
            result=result,
            error=error,
            weights=tables.weights_table(rules),
            rules=rules,
            matrix=[
                (risk.label, credit.label, rules.matrix.get((risk.value, credit.value), "—"))
                for risk in RiskLevel
                for credit in CreditLevel
            ],
            credit_start=rules.points(GradingWeight.Key.CREDIT_START),
            grade_history=selectors.grade_history(facility),
            today=today,
            active=facility.operating_status in grading.ACTIVE_STATUSES,
            fee=selectors.fee_cap_for_facility(facility, today.year),
            **kwargs,
        )


grade_detail = GradeDetailView.as_view()


# ---------------------------------------------------------------- evaluations


class EvaluationListView(ObjectListView):
    queryset = Evaluation.objects.select_related(
        "facility", "facility__town", "framework", "assessor"
    ).prefetch_related("scores")
    filterset = EvaluationFilterSet
    ordering = ("-assessed_on", "-pk")
    paginate_by = 30
    template_name = "supervision/evaluation_list.html"
    export_param = None
    export_name = gettext_lazy("质量评估")
    export_dated = True

    def get_tables(self):
        evaluations = list(self.rows)
        return {"evaluations": evaluations_table(evaluations, selectors.evaluation_results(evaluations))}

    def export_sources(self):
        # The frameworks the exported scores and grades are computed by, with the documents they come from.
        frameworks = EvaluationFramework.objects.filter(
            pk__in=self.queryset_filtered.values("framework")
        ).select_related("source")
        return [
            _("%(framework)s：%(source)s") % {"framework": fw.name, "source": fw.source}
            if fw.source
            else fw.name
            for fw in frameworks
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        own = counted(Facility.objects.for_user(self.request.user, Action.VIEW))
        context.update(
            rows=list(zip(self.page_rows, selectors.evaluation_results(self.page_rows), strict=True)),
            facilities=own.order_by("name")[:200] if own.count() <= 200 else None,
            frameworks=EvaluationFramework.objects.filter(
                is_active=True, status=EvaluationFramework.Status.PUBLISHED
            ),
        )
        return context


evaluation_list = EvaluationListView.as_view()
evaluation_export = EvaluationListView.as_view(export_only=True)


@login_required
def evaluation_compare(request, pk):
    facility = access.object_or_404(request.user, Facility, Action.VIEW, pk=pk)
    chooser = FrameworkChoiceForm(request.GET or None)
    if chooser.is_bound and chooser.is_valid():
        framework = chooser.cleaned_data["framework"]
    else:  # the framework of the facility's latest assessment, else the one with points (the national one)
        latest = (
            selectors.evaluations_for(request.user)
            .filter(facility=facility, framework__is_active=True)
            .order_by("-assessed_on", "-pk")
            .first()
        )
        framework = (
            latest.framework
            if latest
            else EvaluationFramework.objects.filter(
                is_active=True, status=EvaluationFramework.Status.PUBLISHED
            )
            .order_by(F("total_points").desc(nulls_last=True), "name")
            .first()
        )
    if framework is None:
        raise Http404
    if not chooser.is_bound:
        chooser = FrameworkChoiceForm(initial={"framework": framework.pk})
    evaluations = selectors.evaluations_for(request.user)
    mine, theirs, rows = selectors.side_by_side(facility, framework, evaluations)
    history = evaluations.filter(facility=facility, framework=framework).select_related("assessor")
    return render(
        request,
        "supervision/evaluation_compare.html",
        {
            "facility": facility,
            "framework": framework,
            "chooser": chooser,
            "self_result": mine,
            "official_result": theirs,
            "rows": rows,
            "history": history,
            # New assessments use the published edition only; a retired one is shown for its assessments.
            "current": framework.status == EvaluationFramework.Status.PUBLISHED,
            "may_self": services.may_evaluate(request.user, facility, Evaluation.Kind.SELF),
            "may_official": services.may_evaluate(request.user, facility, Evaluation.Kind.OFFICIAL),
        },
    )


@login_required
def evaluation_create(request, pk, framework, kind):
    facility = access.object_or_404(request.user, Facility, Action.VIEW, pk=pk)
    framework = get_object_or_404(
        EvaluationFramework, key=framework, is_active=True, status=EvaluationFramework.Status.PUBLISHED
    )
    if kind not in Evaluation.Kind.values or not services.may_evaluate(request.user, facility, kind):
        raise Http404
    form = EvaluationForm(request.POST or None, framework=framework)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_create(
                user=request.user,
                facility=facility,
                framework=framework,
                kind=kind,
                assessed_on=form.cleaned_data["assessed_on"],
                notes=form.cleaned_data["notes"],
                scores=form.score_inputs(),
            )
        except RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("评估已保存。"))
            return redirect("supervision:evaluation", pk=evaluation.pk)
    return render(
        request,
        "supervision/evaluation_form.html",
        {
            "facility": facility,
            "framework": framework,
            "form": form,
            "kind": kind,
            "kind_label": Evaluation.Kind(kind).label,
        },
    )


class EvaluationDetailView(ObjectDetailView):
    history_depth = 1  # the evaluation and its scores
    queryset = Evaluation.objects.select_related("facility", "framework", "assessor").prefetch_related(
        Prefetch("scores")
    )
    template_name = "supervision/evaluation_detail.html"
    context_object_name = "evaluation"

    def get_context_data(self, **kwargs):
        return super().get_context_data(result=selectors.evaluation_result(self.object), **kwargs)


evaluation_detail = EvaluationDetailView.as_view()

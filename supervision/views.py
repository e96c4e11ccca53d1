"""Supervision pages. Scoping comes from facilities.permissions (through supervision.selectors' scoped
querysets); every write goes through supervision.services; every table comes from supervision.tables and
downloads as .xlsx. Objects outside a user's scope answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facilities.models import Facility
from facilities.permissions import (
    Action,
    Role,
    can,
    dashboard_districts,
    dashboard_towns,
    facilities_for,
    facility_or_404,
    has_role,
)
from facilities.services import RegistryError
from planning.exports import tables_response
from supervision import grading, selectors, services, tables
from supervision.filtersets import ComplaintFilterSet, FindingFilterSet, GradeFilterSet, InspectionFilterSet
from supervision.forms import (
    AnswerForm,
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
from supervision.models import (
    CreditLevel,
    Evaluation,
    EvaluationFramework,
    Finding,
    GradingWeight,
    Inspection,
    RiskLevel,
)
from targets.models import Region


def _apply_error(form, error: RegistryError) -> None:
    for field, problems in error.errors.items():
        target = field if field in form.fields else None
        for message in problems:
            form.add_error(target, message)
    if not error.errors:
        form.add_error(None, error.message)


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _year(request) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _pct(value):
    return None if value is None else round(float(value) * 100, 1)


# ---------------------------------------------------------------- index and dashboard


@login_required
def index(request):
    user = request.user
    districts = list(dashboard_districts(user).select_related("parent").order_by("code"))
    towns = list(dashboard_towns(user).exclude(parent__in=districts).select_related("parent"))
    if len(districts) == 1 and not towns:
        return redirect("supervision:dashboard", code=districts[0].code)
    if not districts and len({t.parent_id for t in towns}) == 1:
        return redirect("supervision:dashboard", code=towns[0].parent.code)
    if not districts and not towns:
        if has_role(user, Role.OPERATOR):
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
    whole = dashboard_districts(request.user).filter(pk=district.pk).exists()
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
            "query": _query(request),
        },
    )


@login_required
def dashboard_export(request, code, table):
    district, board, built = _dashboard(request, code)
    if table == "all":
        chosen = list(built.values())
    elif table in built:
        chosen = [built[table]]
    else:
        raise Http404
    return tables_response(chosen, f"{district.name}-{_('综合监管')}-{board.year}-{table}.xlsx")


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


@login_required
def inspection_list(request):
    base = (
        selectors.inspections_for(request.user)
        .select_related("district")
        .prefetch_related("departments")
        .annotate(
            n_facilities=Count("facilities", distinct=True), n_findings=Count("findings", distinct=True)
        )
        .order_by("-inspected_on", "-pk")
    )
    if not (
        request.user.is_superuser
        or dashboard_districts(request.user).exists()
        or has_role(request.user, Role.TOWN_OFFICIAL)
    ):
        raise Http404  # operators answer findings; the inspection records are for officials
    filterset = InspectionFilterSet(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": _query(request),
            "can_create": selectors.supervised_districts(request.user).exists(),
        },
    )


def _inspection_form(request, inspection=None):
    districts = selectors.supervised_districts(request.user)
    if inspection is not None:
        districts = districts.filter(pk=inspection.district_id)
    if not districts.exists():
        raise Http404
    facilities = facilities_for(request.user, Action.REVIEW).filter(
        district__in=districts, is_synthetic=False
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
                saved = services.inspection_create(user=request.user, district=data["district"], **arguments)
            else:
                saved = services.inspection_update(user=request.user, inspection=inspection, **arguments)
        except RegistryError as error:
            _apply_error(form, error)
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


@login_required
def inspection_detail(request, pk):
    inspection = get_object_or_404(
        selectors.inspections_for(request.user).select_related("district", "complaint", "created_by"), pk=pk
    )
    today = timezone.localdate()
    visible = facilities_for(request.user, Action.VIEW)
    facilities = inspection.facilities.filter(pk__in=visible.values("pk")).select_related("town")
    findings = selectors.finding_list(
        selectors.findings_for(request.user).filter(inspection=inspection), today
    ).order_by("facility__name", "deadline")
    can_manage = selectors.can_supervise(request.user, inspection.district)
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "inspection": inspection,
            "facilities": facilities,
            "hidden_facilities": inspection.facilities.count() - facilities.count(),
            "findings": findings,
            "team": inspection.team.all(),
            "can_manage": can_manage,
            "today": today,
        },
    )


@login_required
def finding_create(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    if not selectors.can_supervise(request.user, inspection.district):
        raise Http404
    facilities = facilities_for(request.user, Action.REVIEW, inspection.facilities.all()).order_by("name")
    form = FindingForm(request.POST or None, facilities=facilities)
    if request.method == "GET" and request.GET.get("facility", "").isdigit():
        form.initial["facility"] = int(request.GET["facility"])
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_create(user=request.user, inspection=inspection, **form.cleaned_data)
        except RegistryError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("问题已登记，机构填报人可在门户中提交整改情况。"))
            if "another" in request.POST:
                return redirect(
                    f"{reverse('supervision:finding_create', args=[pk])}?facility={finding.facility_id}"
                )
            return redirect("supervision:inspection", pk=pk)
    return render(request, "supervision/finding_form.html", {"form": form, "inspection": inspection})


# ---------------------------------------------------------------- findings


def _finding_queryset(request):
    today = timezone.localdate()
    base = selectors.finding_list(selectors.findings_for(request.user), today)
    filterset = FindingFilterSet(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    return filterset, queryset, today


@login_required
def finding_list(request):
    filterset, queryset, today = _finding_queryset(request)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    summary = queryset.aggregate(
        total=Count("pk"),
        unresolved=Count("pk", filter=~Q(status=Finding.Status.VERIFIED)),
        overdue=Count("pk", filter=~Q(status=Finding.Status.VERIFIED) & Q(deadline__lt=today)),
        waiting=Count("pk", filter=Q(status=Finding.Status.SUBMITTED)),
    )
    return render(
        request,
        "supervision/finding_list.html",
        {"filterset": filterset, "page": page, "query": _query(request), "summary": summary, "today": today},
    )


@login_required
def finding_export(request):
    _filterset, queryset, today = _finding_queryset(request)
    table = tables.findings_table(queryset, today)
    return tables_response([table], f"{_('检查发现问题')}-{today.isoformat()}.xlsx")


def _finding_context(request, finding, **forms):
    user = request.user
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
        "answer_form": forms.get("answer_form") or (AnswerForm() if may_answer else None),
        "verify_form": forms.get("verify_form") or VerifyForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "deadline_form": forms.get("deadline_form") or DeadlineForm(initial={"deadline": finding.deadline}),
        "can_see_inspection": selectors.inspections_for(user).filter(pk=finding.inspection_id).exists(),
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


def _finding_step(request, pk, form_class, form_name, run, success):
    finding = _finding_or_404(request, pk)
    if request.method != "POST":
        return redirect("supervision:finding", pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(finding, form.cleaned_data)
        except services.NotAllowed:
            raise Http404 from None
        except RegistryError as error:
            if not error.errors:  # the step does not fit the finding's state: say so above the page
                messages.error(request, error.message)
                return redirect("supervision:finding", pk=pk)
            _apply_error(form, error)
        else:
            messages.success(request, success)
            return redirect("supervision:finding", pk=pk)
    finding.refresh_from_db()
    return _finding_context(request, finding, **{form_name: form})


@login_required
def finding_answer(request, pk):
    return _finding_step(
        request,
        pk,
        AnswerForm,
        "answer_form",
        lambda f, d: services.finding_answer(user=request.user, finding=f, **d),
        _("整改情况已提交，等待区卫健委验证。"),
    )


@login_required
def finding_verify(request, pk):
    return _finding_step(
        request,
        pk,
        VerifyForm,
        "verify_form",
        lambda f, d: services.finding_verify(user=request.user, finding=f, **d),
        _("已验证销号。"),
    )


@login_required
def finding_reopen(request, pk):
    return _finding_step(
        request,
        pk,
        ReopenForm,
        "reopen_form",
        lambda f, d: services.finding_reopen(user=request.user, finding=f, **d),
        _("已退回重新整改。"),
    )


@login_required
def finding_deadline(request, pk):
    return _finding_step(
        request,
        pk,
        DeadlineForm,
        "deadline_form",
        lambda f, d: services.finding_set_deadline(user=request.user, finding=f, **d),
        _("整改期限已调整。"),
    )


# ---------------------------------------------------------------- complaints


@login_required
def complaint_list(request):
    base = (
        selectors.complaints_for(request.user)
        .select_related("facility", "facility__town")
        .order_by("-received_on", "-pk")
    )
    filterset = ComplaintFilterSet(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    can_create = facilities_for(request.user, Action.REVIEW).exists()
    return render(
        request,
        "supervision/complaint_list.html",
        {"filterset": filterset, "page": page, "query": _query(request), "can_create": can_create},
    )


def _complaint_data(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("facility", None)
    return data


@login_required
def complaint_create(request):
    facilities = facilities_for(request.user, Action.REVIEW).filter(is_synthetic=False)
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
            _apply_error(form, error)
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
                _apply_error(form, error)
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
        },
    )


# ---------------------------------------------------------------- grades


def _grades(request):
    today = timezone.localdate()
    facilities = facilities_for(request.user, Action.VIEW).filter(
        is_synthetic=False, operating_status__in=grading.ACTIVE_STATUSES
    )
    # The API's FilterSet (district, town, grade), so the page and /api/v1/inspections/grades/ filter alike.
    filterset = GradeFilterSet(request.GET or None, queryset=facilities)
    error = ""
    try:
        if filterset.is_bound and filterset.is_valid():
            facilities = filterset.qs
        results = grading.grade_all(facilities.order_by("district__code", "town__sort_order", "name"), today)
    except grading.GradingRuleMissing as exc:
        results, error = [], str(exc)
    return results, error, today


@login_required
def grade_list(request):
    results, error, today = _grades(request)
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    districts = Region.objects.filter(
        pk__in=facilities_for(request.user, Action.VIEW).values("district_id")
    ).order_by("code")
    return render(
        request,
        "supervision/grade_list.html",
        {
            "page": page,
            "error": error,
            "today": today,
            "distribution": grading.distribution(results) if not request.GET.get("grade") else None,
            "districts": districts,
            "query": _query(request),
            "chosen_grade": request.GET.get("grade", ""),
            "chosen_district": request.GET.get("district", ""),
        },
    )


@login_required
def grade_export(request):
    results, error, today = _grades(request)
    if error:
        raise Http404
    return tables_response([tables.grades_table(results)], f"{_('风险信用分级')}-{today.isoformat()}.xlsx")


@login_required
def grade_detail(request, pk):
    facility = facility_or_404(
        request.user, pk, Action.VIEW, Facility.objects.select_related("district", "town")
    )
    today = timezone.localdate()
    error, result = "", None
    try:
        result = grading.grade_one(facility, today)
    except grading.GradingRuleMissing as exc:
        error = str(exc)
    rules = grading.load_rules(facility.district_id)
    return render(
        request,
        "supervision/grade_detail.html",
        {
            "facility": facility,
            "result": result,
            "error": error,
            "weights": tables.weights_table(rules),
            "rules": rules,
            "matrix": [
                (risk.label, credit.label, rules.matrix.get((risk.value, credit.value), "—"))
                for risk in RiskLevel
                for credit in CreditLevel
            ],
            "credit_start": rules.points(GradingWeight.Key.CREDIT_START),
            "today": today,
            "active": facility.operating_status in grading.ACTIVE_STATUSES,
            "fee": selectors.fee_cap_for_facility(facility, today.year),
        },
    )


# ---------------------------------------------------------------- evaluations


@login_required
def evaluation_list(request):
    evaluations = (
        selectors.evaluations_for(request.user)
        .select_related("facility", "facility__town", "framework", "assessor")
        .prefetch_related("scores")
        .order_by("-assessed_on", "-pk")
    )
    page = Paginator(evaluations, 30).get_page(request.GET.get("page"))
    rows = [(e, selectors.evaluation_result(e)) for e in page]
    own = facilities_for(request.user, Action.VIEW).filter(is_synthetic=False)
    return render(
        request,
        "supervision/evaluation_list.html",
        {
            "page": page,
            "rows": rows,
            "facilities": own.order_by("name")[:200] if own.count() <= 200 else None,
            "frameworks": EvaluationFramework.objects.filter(is_active=True),
        },
    )


@login_required
def evaluation_compare(request, pk):
    facility = facility_or_404(request.user, pk, Action.VIEW)
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
            else EvaluationFramework.objects.filter(is_active=True)
            .order_by(F("total_points").desc(nulls_last=True), "name")
            .first()
        )
    if framework is None:
        raise Http404
    if not chooser.is_bound:
        chooser = FrameworkChoiceForm(initial={"framework": framework.key})
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
            "may_self": services.may_evaluate(request.user, facility, Evaluation.Kind.SELF),
            "may_official": services.may_evaluate(request.user, facility, Evaluation.Kind.OFFICIAL),
        },
    )


@login_required
def evaluation_create(request, pk, framework, kind):
    facility = facility_or_404(request.user, pk, Action.VIEW)
    framework = get_object_or_404(EvaluationFramework, key=framework, is_active=True)
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
            _apply_error(form, error)
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


@login_required
def evaluation_detail(request, pk):
    evaluation = get_object_or_404(
        selectors.evaluations_for(request.user)
        .select_related("facility", "framework", "assessor")
        .prefetch_related(Prefetch("scores")),
        pk=pk,
    )
    return render(
        request,
        "supervision/evaluation_detail.html",
        {"evaluation": evaluation, "result": selectors.evaluation_result(evaluation)},
    )

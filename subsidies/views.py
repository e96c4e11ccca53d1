"""Subsidy pages: fund execution, subsidies by program / year / town, programs, applications (apply, decide,
pay, withdraw), the ledger (reverse) and construction projects. Scoping comes from subsidies.scoping (built on
facilities.permissions); figures from subsidies.selectors; every write goes through subsidies.services; every
table is built by subsidies.tables and downloads as .xlsx with `?export=<table>` (or `all`), keeping filters.
Objects outside a user's scope answer 404."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facilities.permissions import (
    Action,
    Role,
    can,
    dashboard_districts,
    facilities_for,
    facility_ids,
    has_role,
)
from planning.exports import tables_response
from subsidies import selectors, services, tables
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
from subsidies.models import AggregateDisbursement, Application, LedgerEntry, Program
from subsidies.scoping import (
    aggregates_for,
    applications_for,
    facilities_to_apply_for,
    funds_for,
    ledger_for,
    may_apply,
    may_decide,
    programs_for,
    projects_for,
)

PAGE_SIZE = 50


# ---------------------------------------------------------------- shared


def sections(user) -> dict:
    """Which subsidy pages the user may open (the sub-navigation shows only these)."""
    district_scope = dashboard_districts(user).exists()
    town = has_role(user, Role.TOWN_OFFICIAL)
    operator = has_role(user, Role.OPERATOR)
    return {
        "funds": district_scope,
        "summary": district_scope or town or operator,
        "programs": district_scope or town or operator,
        "applications": district_scope or town or operator,
        "ledger": district_scope or town or operator,
        "projects": district_scope or town,
        "apply": operator or bool(getattr(user, "is_superuser", False)),
    }


def _require(user, section: str) -> dict:
    allowed = sections(user)
    if not allowed[section]:
        raise Http404
    return allowed


def _export_urls(request, keys) -> dict[str, str]:
    urls = {}
    for key in [*keys, "all"]:
        query = request.GET.copy()
        query.pop("page", None)
        query["export"] = key
        urls[key] = f"?{query.urlencode()}"
    return urls


def _maybe_export(request, built: dict, filename: str):
    """`?export=<key>` downloads one table, `?export=all` every table of the page (one sheet each)."""
    key = request.GET.get("export")
    if not key:
        return None
    if key == "all":
        chosen = list(built.values())
    elif key in built:
        chosen = [built[key]]
    else:
        raise Http404
    return tables_response(chosen, f"{filename}-{key}.xlsx")


_scope_districts = scope_districts


def _filtered(filterset_class, request, queryset):
    """The list's FilterSet (subsidies.filtersets, shared with the API) over a scoped queryset; invalid
    filters leave the list unfiltered and show their errors on the form."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    return filterset, (filterset.qs if filterset.is_bound and filterset.is_valid() else queryset)


def _apply_error(form, error: services.SubsidyError) -> None:
    for field, field_errors in error.errors.items():
        target = field if field in form.fields else None
        for message in field_errors:
            form.add_error(target, message)
    if not error.errors:
        form.add_error(None, error.message)


def _float(value):
    return None if value is None else round(float(value), 2)


# ---------------------------------------------------------------- overview


@login_required
def index(request):
    allowed = sections(request.user)
    if not any(allowed.values()):
        raise Http404
    funds = selectors.fund_execution(funds_for(request.user).select_related("district"))
    totals = selectors.execution_totals(funds)
    applications = applications_for(request.user)
    counts = dict(applications.values_list("status").annotate(n=Count("pk")))
    projects = projects_for(request.user)
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
        },
    )


# ---------------------------------------------------------------- funds


@login_required
def fund_list(request):
    allowed = _require(request.user, "funds")
    filterset, funds = _filtered(FundFilterSet, request, funds_for(request.user).select_related("district"))
    form = filterset.form
    funds = funds.order_by("district__code", "-year", "source_level", "name")
    rows = selectors.fund_execution(funds)
    _aggregate_filters, aggregates = _filtered(
        AggregateFilterSet,
        request,
        aggregates_for(request.user).select_related("district", "fund", "source", "program"),
    )
    aggregates = aggregates.order_by("district__code", "-year", "program_kind")
    built = {"funds": tables.funds_table(rows), "aggregates": tables.aggregates_table(aggregates)}
    response = _maybe_export(request, built, _("资金执行"))
    if response:
        return response
    chart = {
        "categories": [r.fund.name for r in rows],
        "series": [
            {"name": _("下达金额（万元）"), "data": [_float(r.allocated / 10000) for r in rows]},
            {"name": _("已拨付（万元）"), "data": [_float(r.disbursed / 10000) for r in rows]},
        ],
    }
    return render(
        request,
        "subsidies/funds.html",
        {
            "sections": allowed,
            "form": form,
            "rows": rows,
            "totals": selectors.execution_totals(rows),
            "tables": built,
            "export_urls": _export_urls(request, built),
            "chart": chart,
            "unlinked_aggregates": [a for a in aggregates if a.fund_id is None],
        },
    )


@login_required
def fund_detail(request, pk):
    allowed = _require(request.user, "funds")
    fund = get_object_or_404(funds_for(request.user).select_related("district", "source"), pk=pk)
    execution = selectors.fund_execution([fund])[0]
    months = selectors.fund_by_month(fund)
    built = {
        "months": tables.fund_months_table(months),
        "programs": tables.fund_programs_table(selectors.fund_by_program(fund)),
        "aggregates": tables.aggregates_table(
            AggregateDisbursement.objects.filter(fund=fund).select_related("district", "fund", "source")
        ),
    }
    response = _maybe_export(request, built, fund.name)
    if response:
        return response
    chart = {
        "categories": [m.month.strftime("%Y-%m") if m.month else _("日期未注明") for m in months],
        "series": [
            {"name": _("本月净额（万元）"), "data": [_float(m.net / 10000) for m in months]},
            {"name": _("累计（万元）"), "data": [_float(m.cumulative / 10000) for m in months]},
        ],
    }
    return render(
        request,
        "subsidies/fund_detail.html",
        {
            "sections": allowed,
            "fund": fund,
            "execution": execution,
            "programs": fund.programs.order_by("-year", "name"),
            "tables": built,
            "export_urls": _export_urls(request, built),
            "chart": chart,
        },
    )


# ---------------------------------------------------------------- subsidies by program / year / town


@login_required
def summary(request):
    allowed = _require(request.user, "summary")
    form = ListFilterForm(request.GET or None, districts=_scope_districts(request.user))
    ledger = form.filtered(ledger_for(request.user), "facility__district", "program__year")
    aggregates = form.filtered(aggregates_for(request.user))
    built = {
        "programs": tables.program_year_table(selectors.by_program_year(ledger, aggregates)),
        "towns": tables.town_table(selectors.by_town(ledger)),
    }
    response = _maybe_export(request, built, _("补助汇总"))
    if response:
        return response
    return render(
        request,
        "subsidies/summary.html",
        {
            "sections": allowed,
            "form": form,
            "tables": built,
            "export_urls": _export_urls(request, built),
            "shows_aggregates": aggregates.exists(),
        },
    )


# ---------------------------------------------------------------- programs


@login_required
def program_list(request):
    allowed = _require(request.user, "programs")
    filterset, programs = _filtered(ProgramFilterSet, request, programs_for(request.user))
    form = filterset.form
    programs = list(
        programs.select_related("district", "fund", "source").order_by(
            "district__code", "-year", "kind", "name"
        )
    )
    built = {"programs": tables.programs_table(programs)}
    response = _maybe_export(request, built, _("补助项目"))
    if response:
        return response
    return render(
        request,
        "subsidies/programs.html",
        {
            "sections": allowed,
            "form": form,
            "programs": programs,
            "tables": built,
            "export_urls": _export_urls(request, built),
        },
    )


# ---------------------------------------------------------------- applications


@login_required
def application_list(request):
    allowed = _require(request.user, "applications")
    filterset, queryset = _filtered(ApplicationFilterSet, request, applications_for(request.user))
    form = filterset.form
    queryset = (
        selectors.with_paid(queryset)
        .select_related("facility", "facility__town", "program")
        .order_by("-created_at")
    )
    if request.GET.get("export"):
        return _maybe_export(
            request, {"applications": tables.applications_table(list(queryset))}, _("补助申请")
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "subsidies/applications.html",
        {
            "sections": allowed,
            "form": form,
            "page": page,
            "table": tables.applications_table(list(page)),
            "export_urls": _export_urls(request, ["applications"]),
            "query": query.urlencode(),
            "can_apply": facilities_to_apply_for(request.user).exists(),
        },
    )


@login_required
def application_create(request):
    allowed = sections(request.user)
    facilities = facilities_to_apply_for(request.user).order_by("name")
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
                    _apply_error(form, error)
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
    errors = selectors.figure_problems(
        program, facility, data.get("period_start"), data.get("period_end"), figures
    )
    return {
        "program": program,
        "facility": facility,
        "eligibility": selectors.eligibility_problems(program, facility),
        "figure_errors": [m for messages_ in errors.values() for m in messages_],
        "needed": [selectors.figure_label(n) for n in Program.FIGURES[Program.Basis(program.basis)]],
        "proposal": selectors.propose_for_program(program, figures),
        "holds": selectors.payment_holds(facility),
    }


def _application(request, pk, action=Action.VIEW) -> Application:
    return get_object_or_404(
        applications_for(request.user, action).select_related(
            "facility",
            "facility__district",
            "facility__town",
            "program",
            "program__district",
            "program__fund",
            "submitted_by",
            "decided_by",
        ),
        pk=pk,
    )


@login_required
def application_detail(request, pk):
    application = _application(request, pk)
    facility = application.facility
    state = selectors.payment_state(application)
    deciding = may_decide(request.user, facility)
    entries = list(
        application.ledger_entries.select_related(
            "created_by", "reversal_of", "reversal", "fund", "facility", "program"
        ).order_by("entry_date", "id")
    )
    history = selectors.application_history(application)
    built = {
        "payments": tables.ledger_table(entries),
        "history": tables.history_table(history),
    }
    response = _maybe_export(request, built, _("补助申请%(pk)s") % {"pk": application.pk})
    if response:
        return response
    return render(
        request,
        "subsidies/application_detail.html",
        {
            "sections": sections(request.user),
            "application": application,
            "facility": facility,
            "proposal": selectors.proposal_of(application),
            "state": state,
            "entries": entries,
            "eligibility_now": selectors.eligibility_problems(application.program, facility),
            "history": history,
            "export_urls": _export_urls(request, built),
            "can_decide": deciding and application.status == Application.Status.SUBMITTED,
            "can_pay": deciding and application.is_granted and state.outstanding > 0,
            "can_reverse": deciding,
            "can_withdraw": may_apply(request.user, facility)
            and application.status == Application.Status.SUBMITTED,
            "can_open_facility": can(request.user, Action.VIEW, facility),
            "is_operator": application.facility_id in facility_ids(request.user),
        },
    )


@login_required
def application_decide(request, pk):
    application = _application(request, pk, Action.REVIEW)
    form = DecisionForm(request.POST or None, initial={"decision": services.Decision.APPROVE})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_decide(
                user=request.user,
                application=application,
                decision=form.cleaned_data["decision"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except services.NotAllowed as error:
            messages.error(request, error.message)
            return redirect("subsidies:application", pk=application.pk)
        except services.SubsidyError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("审核决定已保存。"))
            return redirect("subsidies:application", pk=application.pk)
    return render(
        request,
        "subsidies/decision_form.html",
        {
            "sections": sections(request.user),
            "application": application,
            "proposal": selectors.proposal_of(application),
            "form": form,
            "eligibility_now": selectors.eligibility_problems(application.program, application.facility),
        },
    )


@login_required
def application_pay(request, pk):
    application = _application(request, pk, Action.REVIEW)
    state = selectors.payment_state(application)
    form = PaymentForm(request.POST or None, initial={"entry_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_create(user=request.user, application=application, **form.cleaned_data)
        except services.NotAllowed as error:
            messages.error(request, error.message)
            return redirect("subsidies:application", pk=application.pk)
        except services.SubsidyError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("支付已记入台账。"))
            return redirect("subsidies:application", pk=application.pk)
    fund = application.program.fund
    return render(
        request,
        "subsidies/payment_form.html",
        {
            "sections": sections(request.user),
            "application": application,
            "state": state,
            "fund": fund,
            "execution": selectors.fund_execution([fund])[0] if fund else None,
            "form": form,
        },
    )


@login_required
@require_POST
def application_withdraw(request, pk):
    application = _application(request, pk, Action.EDIT)
    try:
        services.application_withdraw(user=request.user, application=application)
    except services.SubsidyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("subsidies:application", pk=application.pk)


# ---------------------------------------------------------------- ledger


@login_required
def ledger(request):
    allowed = _require(request.user, "ledger")
    filterset, queryset = _filtered(LedgerFilterSet, request, ledger_for(request.user))
    form = filterset.form
    queryset = queryset.select_related(
        "facility", "program", "fund", "created_by", "reversal_of", "reversal"
    ).order_by("-entry_date", "-id")
    if request.GET.get("export"):
        return _maybe_export(request, {"ledger": tables.ledger_table(list(queryset))}, _("支付台账"))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page)
    # Reversible: payments not yet reversed, of facilities the user reviews and does not operate.
    reviewable = set(
        facilities_for(request.user, Action.REVIEW)
        .filter(pk__in={e.facility_id for e in entries})
        .values_list("pk", flat=True)
    ) - set(facility_ids(request.user))
    for entry in entries:
        entry.can_reverse = (
            entry.facility_id in reviewable
            and entry.kind == LedgerEntry.Kind.PAYMENT
            and not tables._has_reversal(entry)
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "subsidies/ledger.html",
        {
            "sections": allowed,
            "form": form,
            "page": page,
            "entries": entries,
            "net": queryset.net(),
            "export_urls": _export_urls(request, ["ledger"]),
            "query": query.urlencode(),
        },
    )


@login_required
def ledger_reverse(request, pk):
    entry = get_object_or_404(
        ledger_for(request.user)
        .filter(facility__in=facilities_for(request.user, Action.REVIEW))
        .select_related("facility", "program", "fund", "application"),
        pk=pk,
    )
    form = ReversalForm(request.POST or None, initial={"entry_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_reverse(user=request.user, entry=entry, **form.cleaned_data)
        except services.NotAllowed as error:
            messages.error(request, error.message)
            return redirect("subsidies:ledger")
        except services.SubsidyError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("已记入冲销分录；原支付记录保留。"))
            return redirect("subsidies:application", pk=entry.application_id)
    return render(
        request,
        "subsidies/reversal_form.html",
        {"sections": sections(request.user), "entry": entry, "form": form},
    )


# ---------------------------------------------------------------- projects


@login_required
def project_list(request):
    allowed = _require(request.user, "projects")
    today = timezone.localdate()
    filterset, projects = _filtered(ProjectFilterSet, request, projects_for(request.user))
    form = filterset.form
    projects = projects.order_by("district__code", "kind", "name")
    timelines = selectors.timelines(projects, today)
    built = {"projects": tables.projects_table(timelines, today)}
    response = _maybe_export(request, built, _("建设项目"))
    if response:
        return response
    return render(
        request,
        "subsidies/projects.html",
        {
            "sections": allowed,
            "form": form,
            "timelines": timelines,
            "overdue": [m for t in timelines for m in t.overdue],
            "today": today,
            "tables": built,
            "export_urls": _export_urls(request, built),
        },
    )


@login_required
def project_detail(request, pk):
    allowed = _require(request.user, "projects")
    today = timezone.localdate()
    project = get_object_or_404(
        projects_for(request.user).select_related("district", "town", "facility", "source"), pk=pk
    )
    line = selectors.timeline(project, today)
    built = {"projects": tables.projects_table([line], today)}
    response = _maybe_export(request, built, project.name)
    if response:
        return response
    return render(
        request,
        "subsidies/project_detail.html",
        {
            "sections": allowed,
            "project": project,
            "timeline": line,
            "today": today,
            "funds": project.funds.all(),
            "can_open_facility": bool(project.facility and can(request.user, Action.VIEW, project.facility)),
            "export_urls": _export_urls(request, built),
            "admin_url": reverse("admin:subsidies_project_change", args=[project.pk])
            if request.user.is_staff
            else None,
        },
    )

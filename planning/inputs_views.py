"""Planning inputs on pages (not the admin): population per district / town and year, named demand
scenarios, and the per-town demand table they feed.

Reading: whoever opens the district's dashboard (`Action.DASHBOARD`). Writing: the district's officials
(`Action.MANAGE`, core.access); to anyone else a write page is not found (404). Every write is a service
(targets.services.population_save, planning.services.scenario_save / scenario_delete); every row keeps its
history (pghistory), shown on its edit page; a save based on a stale version is refused with what changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import history
from core.access import Action, can
from core.errors import ServiceError
from core.forms import apply_service_error
from core.views import export_about, export_links, tables_export, year_param
from planning import demand, services
from planning.inputs_forms import YEAR_MAX, YEAR_MIN, PopulationForm, ScenarioForm
from planning.models import DemandScenario
from planning.tables import Col, Table
from targets import services as target_services
from targets.models import PopulationStat, Region


def _district(request, code: str, action: Action) -> Region:
    return get_object_or_404(
        Region.objects.districts().for_user(request.user, action).select_related("parent"), code=code
    )


def _year(request) -> int:
    return year_param(request, YEAR_MIN, YEAR_MAX)


def _history(request, obj):
    return history.page(
        history.sources_for(obj, depth=0), request.GET.get("history_page"), reader=request.user
    )


# ---------------------------------------------------------------- per-town demand


def demand_table(table: demand.DemandTable) -> Table:
    """The per-town demand as one table: the page shows it and `?export=demand` downloads the same rows."""
    columns = [
        Col(_("代码"), "text", 12),
        Col(_("镇街"), "text", 16),
        Col(_("3岁以下婴幼儿"), "int"),
        Col(_("人口年份"), "year"),
        Col(_("实有托位"), "int"),
        Col(_("在建/筹建托位"), "int"),
    ]
    for rate in table.rates:
        label = f"{rate.name}（{rate.percent.normalize():f}%）"
        columns += [
            Col(_("%(rate)s 需要托位") % {"rate": label}, "int", 16),
            Col(_("%(rate)s 缺口") % {"rate": label}, "int", 16),
            Col(_("%(rate)s 计入在建后缺口") % {"rate": label}, "int", 18),
        ]

    def line(row: demand.TownDemand, *, total=False):
        cells = [
            row.code,
            _("合计（已知婴幼儿数的镇街）") if total else row.name,
            row.infants,
            row.population_year,
            row.actual_slots,
            row.pipeline_slots,
        ]
        for figure in row.figures:
            cells += [figure.needed, figure.gap, figure.gap_after_pipeline]
        return cells

    title = _("%(district)s %(year)s年各镇街托育需求（截至%(date)s）") % {
        "district": table.district.name,
        "year": table.year,
        "date": table.as_of.isoformat(),
    }
    return Table(
        "demand",
        title,
        columns,
        [line(row) for row in table.rows],
        line(table.totals, total=True),
        row_classes=["" if row.infants is not None else "text-secondary" for row in table.rows],
    )


@login_required
def town_demand(request, code):
    district = _district(request, code, Action.DASHBOARD)
    year = _year(request)
    result = demand.town_demand(district, year)
    built = {"demand": demand_table(result)}
    if request.GET.get("export"):
        about = export_about(
            request,
            built["demand"].title,
            filters=[(_("区县"), district.name), (_("年份"), str(year))],
            sources=sorted({str(row.population.source) for row in result.rows if row.population is not None}),
            as_of=result.as_of,
            notes=[
                (
                    rate.name,
                    f"{rate.percent.normalize():f}%"
                    + (f" · {rate.scenario.note}" if rate.scenario and rate.scenario.note else ""),
                )
                for rate in result.rates
            ],
        )
        return tables_export(request.GET["export"], built, f"{district.name}-{year}-demand.xlsx", about)
    can_manage = services.can_manage_district(request.user, district)
    chart = {
        "categories": [row.name for row in result.rows],
        "series": [
            {"name": _("实有托位"), "data": [row.actual_slots for row in result.rows]},
            {"name": _("在建/筹建托位"), "data": [row.pipeline_slots for row in result.rows]},
            *[
                {
                    "name": _("需要（%(rate)s）") % {"rate": rate.name},
                    "data": [row.figures[i].needed for row in result.rows],
                }
                for i, rate in enumerate(result.rates)
            ],
        ],
    }
    return render(
        request,
        "planning/town_demand.html",
        {
            "district": district,
            "result": result,
            "year": year,
            "years": sorted({timezone.localdate().year, 2024, 2025, year}),
            "tables": built,
            "export_urls": export_links(request, built),
            "can_manage": can_manage,
            "chart": chart,
            "scenario_form": ScenarioForm() if can_manage else None,
        },
    )


# ---------------------------------------------------------------- scenarios


@login_required
def scenario_form(request, code, pk=None):
    """A named what-if of the district (new without `pk`): saved beside the adopted setting, never over it."""
    district = _district(request, code, Action.MANAGE)
    scenario = get_object_or_404(DemandScenario, pk=pk, district=district) if pk is not None else None
    initial = (
        {
            "name": scenario.name,
            "enrolment_wish_percent": scenario.enrolment_wish_percent,
            "note": scenario.note,
            "version": scenario.version,
        }
        if scenario is not None
        else None
    )
    form = ScenarioForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.scenario_save(
                user=request.user,
                district=district,
                name=form.cleaned_data["name"],
                percent=form.cleaned_data["enrolment_wish_percent"],
                note=form.cleaned_data["note"],
                scenario=scenario,
                version=form.cleaned_data.get("version") if scenario is not None else None,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("测算情景已保存；本区采用的测算参数未改变。"))
            return redirect(f"{reverse('planning:town_demand', args=[code])}#scenarios")
    history = _history(request, scenario) if scenario is not None else None
    return render(
        request,
        "planning/scenario_form.html",
        {"district": district, "form": form, "scenario": scenario, "history": history},
    )


@login_required
@require_POST
def scenario_delete(request, code, pk):
    district = _district(request, code, Action.MANAGE)
    scenario = get_object_or_404(DemandScenario, pk=pk, district=district)
    try:
        services.scenario_delete(user=request.user, scenario=scenario)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("测算情景已删除。"))
    return redirect(f"{reverse('planning:town_demand', args=[code])}#scenarios")


# ---------------------------------------------------------------- population


@login_required
def population_list(request, code):
    district = _district(request, code, Action.DASHBOARD)
    rows = (
        PopulationStat.objects.filter(
            region__in=Region.objects.filter(pk=district.pk) | district.children.all()
        )
        .select_related("region", "source", "updated_by")
        .order_by("-year", "-region__level", "region__sort_order", "region__code")
    )
    rows = list(rows)
    towns = Region.objects.filter(parent=district, level=Region.Level.TOWN).count()
    years = sorted({row.year for row in rows}, reverse=True)
    by_year = [
        (
            year,
            [row for row in rows if row.year == year],
            sum(
                1
                for row in rows
                if row.year == year
                and row.region.level == Region.Level.TOWN
                and row.infants_under_3 is not None
            ),
        )
        for year in years
    ]
    return render(
        request,
        "planning/population.html",
        {
            "district": district,
            "by_year": by_year,
            "towns": towns,
            "can_manage": services.can_manage_district(request.user, district),
        },
    )


def _population_save(request, district, form, row=None):
    data = form.cleaned_data
    try:
        source = data.get("source") or target_services.population_source_create(
            user=request.user,
            district=district,
            title=data["source_title"],
            issuer=data.get("source_issuer") or "",
            issued_on=data.get("source_issued_on"),
        )
        saved = target_services.population_save(
            user=request.user,
            region=data["region"],
            year=data["year"],
            source=source,
            values={name: data.get(name) for name in target_services.POPULATION_FIELDS},
            row=row,
            version=data.get("version"),
        )
    except ServiceError as error:
        apply_service_error(form, error)
        return None
    return saved


@login_required
def population_new(request, code):
    district = _district(request, code, Action.MANAGE)
    initial = {"region": request.GET.get("region") or district.pk, "year": _year(request)}
    form = PopulationForm(request.POST or None, district=district, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _population_save(request, district, form)
        if saved is not None:
            messages.success(request, _("人口数据已保存。"))
            return redirect(f"{reverse('planning:population', args=[code])}#year-{saved.year}")
    return render(request, "planning/population_form.html", {"district": district, "form": form, "row": None})


@login_required
def population_edit(request, code, pk):
    district = _district(request, code, Action.MANAGE)
    row = get_object_or_404(
        PopulationStat.objects.select_related("region", "source"),
        pk=pk,
        region__in=Region.objects.filter(pk=district.pk) | district.children.all(),
    )
    if not can(request.user, Action.MANAGE, row):
        raise Http404
    form = PopulationForm(request.POST or None, district=district, initial=PopulationForm.initial_for(row))
    if request.method == "POST" and form.is_valid():
        saved = _population_save(request, district, form, row)
        if saved is not None:
            messages.success(request, _("人口数据已保存。"))
            return redirect(f"{reverse('planning:population', args=[code])}#year-{saved.year}")
    return render(
        request,
        "planning/population_form.html",
        {"district": district, "form": form, "row": row, "history": _history(request, row)},
    )

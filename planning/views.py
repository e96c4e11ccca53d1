"""Planning dashboards: one district, one town, and districts side by side. Every figure comes from
planning.selectors; every table comes from planning.tables and can be downloaded as .xlsx."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import access
from core.access import Action, Role
from core.auth import login_or_token_required
from core.formatting import percent_number
from core.views import export_about, tables_export
from facilities import selectors as facility_selectors
from facilities.models import Facility
from facilities.services import RegistryError
from planning import selectors, services, tables
from planning.forms import DemandForm, PlanForm
from targets.models import Region, SlotTarget, SourceDocument


def _can_compare(user) -> bool:
    """Aggregate indicators of every district, side by side: for officials and API clients."""
    return access.unrestricted(user) or access.has_role(
        user, Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL, Role.API_CLIENT
    )


def _plan_context(request, district):
    plans = selectors.available_plans(district)
    form = PlanForm(request.GET or None, plans=plans)
    year, level, as_of = form.selection(plans, timezone.localdate())
    if not form.is_bound:
        form = PlanForm(initial={"plan": f"{year}:{level}", "as_of": as_of}, plans=plans)
    return form, year, level, as_of


def _district_tables(district, year, level, as_of):
    progress = selectors.district_progress(district, year, level, as_of)
    result = selectors.indicators(district, year, as_of)
    plans = selectors.progress_over_years(district, as_of)
    kinds = selectors.facilities_by_kind(district, as_of)
    built = {
        "towns": tables.progress_table(progress),
        "years": tables.years_table(plans),
        "kinds": tables.kinds_table(kinds),
        "indicators": tables.indicators_table(result),
        "completeness": tables.completeness_table(result),
        "flags": tables.flags_table(progress, result),
    }
    return progress, result, plans, kinds, built


@login_required
def index(request):
    districts = (
        Region.objects.districts()
        .for_user(request.user, Action.DASHBOARD)
        .select_related("parent")
        .order_by("code")
    )
    towns = (
        Region.objects.towns()
        .for_user(request.user, Action.DASHBOARD)
        .exclude(parent__in=districts)
        .select_related("parent")
    )
    if len(districts) == 1 and not towns:
        return redirect("planning:district", code=districts[0].code)
    if not districts and len(towns) == 1:
        return redirect("planning:town", code=towns[0].parent.code, town=towns[0].code)
    if not districts and not towns and not _can_compare(request.user):
        raise Http404
    return render(request, "planning/index.html", {"districts": districts, "towns": towns})


@login_required
def district_dashboard(request, code):
    district = get_object_or_404(
        Region.objects.districts().for_user(request.user, Action.DASHBOARD).select_related("parent"),
        code=code,
    )
    form, year, level, as_of = _plan_context(request, district)
    progress, result, plans, kinds, built = _district_tables(district, year, level, as_of)
    charts = {
        "towns": {
            "categories": [r.name for r in progress.rows],
            "series": [
                {"name": _("目标托位"), "data": [r.target_slots for r in progress.rows]},
                {"name": _("实有托位"), "data": [r.actual_slots for r in progress.rows]},
                {"name": _("在建/筹建托位"), "data": [r.pipeline_slots for r in progress.rows]},
            ],
        },
        "share": {
            "categories": [r.name for r in progress.rows],
            "series": [
                {
                    "name": _("实有普惠占比（%）"),
                    "data": [percent_number(r.inclusive_share) for r in progress.rows],
                },
                {
                    "name": _("目标普惠比例（%）"),
                    "data": [percent_number(r.target_inclusive_ratio) for r in progress.rows],
                },
            ],
            "goal": float(progress.goal.share_percent) if progress.goal else None,
            "goalLabel": _("区目标"),
        },
        "years": {
            "categories": [
                _("%(year)s年%(level)s") % {"year": p.year, "level": p.level_label} for p in plans
            ],
            "series": [
                {"name": _("目标托位"), "data": [p.totals.target_slots for p in plans]},
                {"name": _("实有托位"), "data": [p.totals.actual_slots for p in plans]},
                {"name": _("目标普惠托位"), "data": [p.totals.target_inclusive for p in plans]},
                {"name": _("实有普惠托位"), "data": [p.totals.actual_inclusive for p in plans]},
            ],
        },
        "kinds": {"data": [{"name": name, "value": slots} for name, _n, slots in kinds]},
    }
    filing = selectors.filing_counts(district)
    can_manage = services.can_manage_district(request.user, district)
    demand_form = DemandForm(
        initial={
            "enrolment_wish_percent": result.demand_percent,
            "note": result.demand.note if result.demand else "",
        }
    )
    return render(
        request,
        "planning/district.html",
        {
            "district": district,
            "form": form,
            "progress": progress,
            "result": result,
            "tables": built,
            "charts": charts,
            "filing": filing,
            "filed": filing.get(Facility.FilingStatus.FILED, 0),
            "pending": filing.get(Facility.FilingStatus.SUBMITTED, 0),
            "kinds": kinds,
            "national": selectors.NATIONAL_SLOTS_PER_1000,
            "can_manage": can_manage,
            "demand_form": demand_form,
            "query": request.GET.urlencode(),
        },
    )


@login_or_token_required  # a statistics system downloads with its API token
def district_export(request, code, table):
    district = get_object_or_404(
        Region.objects.districts().for_user(request.user, Action.DASHBOARD), code=code
    )
    form, year, level, as_of = _plan_context(request, district)
    built = _district_tables(district, year, level, as_of)[-1]
    # What the file is (core.views.export_about): the targets' documents, the plan and the as-of date chosen.
    documents = SlotTarget.objects.filter(town__parent=district, year=year, level=level).values("source")
    plan = dict(form.fields["plan"].choices).get(f"{year}:{level}", f"{year} {level}")
    about = export_about(
        request,
        f"{district.name} {plan}",
        filters=[(_("区县"), district.name), (_("目标"), plan)],
        sources=[str(doc) for doc in SourceDocument.objects.filter(pk__in=documents).order_by("pk")],
        as_of=as_of,
    )
    return tables_export(table, built, f"{district.name}-{year}-{level}-{table}.xlsx", about)


@login_required
def demand(request, code):
    district = get_object_or_404(
        Region.objects.districts().for_user(request.user, Action.DASHBOARD), code=code
    )
    if request.method != "POST":
        return redirect("planning:district", code=code)
    form = DemandForm(request.POST)
    if form.is_valid():
        try:
            services.demand_set(
                user=request.user,
                district=district,
                percent=form.cleaned_data["enrolment_wish_percent"],
                note=form.cleaned_data["note"],
            )
        except RegistryError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("需求测算参数已更新。"))
    else:
        messages.error(request, _("入托意愿率须为0到100之间的数字。"))
    return redirect(f"{reverse('planning:district', args=[code])}#demand")


@login_or_token_required(when=lambda request: "export" in request.GET)
def town_dashboard(request, code, town):
    district = get_object_or_404(Region, code=code, level=Region.Level.DISTRICT)
    town_obj = get_object_or_404(
        Region.objects.towns().for_user(request.user, Action.DASHBOARD), code=town, parent=district
    )
    form, year, level, as_of = _plan_context(request, district)
    progress = selectors.district_progress(
        district, year, level, as_of, towns=Region.objects.filter(pk=town_obj.pk)
    )
    row = progress.rows[0]
    plans = [
        selectors.district_progress(district, y, lv, as_of, towns=Region.objects.filter(pk=town_obj.pk))
        for y, lv in selectors.available_plans(district)
    ]
    counted = set(selectors.counted_facilities(as_of).filter(town=town_obj).values_list("pk", flat=True))
    facilities = facility_selectors.counted(Facility.objects.filter(town=town_obj)).order_by("name")
    built = {
        "plans": tables.Table(
            "plans",
            _("各年度、各层级目标与缺口"),
            [*tables.years_table([]).columns[:7], tables.Col(_("缺口"), "int")],
            [
                [
                    _("%(year)s年%(level)s") % {"year": p.year, "level": p.level_label},
                    p.rows[0].target_slots,
                    p.rows[0].actual_slots,
                    p.rows[0].completion_rate,
                    p.rows[0].target_inclusive,
                    p.rows[0].actual_inclusive,
                    p.rows[0].inclusive_share,
                    p.rows[0].gap,
                ]
                for p in plans
            ],
        ),
    }
    if request.GET.get("export") == "plans":
        documents = SlotTarget.objects.filter(town=town_obj).values("source")
        about = export_about(
            request,
            f"{town_obj.name} {built['plans'].title}",
            filters=[(_("区县"), district.name), (_("镇街"), town_obj.name)],
            sources=[str(doc) for doc in SourceDocument.objects.filter(pk__in=documents).order_by("pk")],
            as_of=as_of,
        )
        return tables_export("plans", built, f"{town_obj.name}-targets.xlsx", about)
    return render(
        request,
        "planning/town.html",
        {
            "district": district,
            "town": town_obj,
            "form": form,
            "progress": progress,
            "row": row,
            "tables": built,
            "facilities": facilities,
            "counted": counted,
            "can_open_district": Region.objects.districts()
            .for_user(request.user, Action.DASHBOARD)
            .filter(pk=district.pk)
            .exists(),
            "query": request.GET.urlencode(),
        },
    )


@login_or_token_required(when=lambda request: "export" in request.GET)
def compare(request):
    """Districts side by side on the same indicators — aggregates only, for every district."""
    if not _can_compare(request.user):
        raise Http404
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    districts = Region.objects.filter(level=Region.Level.DISTRICT).select_related("parent").order_by("code")
    results = [selectors.indicators(d, year) for d in districts]
    completion = selectors.target_completion(districts, year)
    columns = [
        tables.Col(_("区县"), "text", 14),
        tables.Col(_("常住人口"), "int"),
        tables.Col(_("3岁以下婴幼儿"), "int"),
        tables.Col(_("计入机构"), "int"),
        tables.Col(_("托位（登记）"), "int"),
        tables.Col(_("每千人口托位（登记）"), "decimal"),
        tables.Col(_("每千人口托位（文件报告）"), "text", 14),
        tables.Col(_("每百名婴幼儿托位"), "decimal"),
        tables.Col(_("普惠占比（登记）"), "percent"),
        tables.Col(_("普惠占比（文件报告）"), "text", 14),
        tables.Col(_("当年目标"), "text", 16),
        tables.Col(_("目标托位"), "int"),
        tables.Col(_("目标完成率"), "percent"),
    ]
    rows = []
    for r in results:
        reported = r.reported
        per_1000 = reported.get("slots_per_1000")
        share = reported.get("inclusive_share")
        plan = completion.get(r.district.pk)
        rows.append(
            [
                r.district.name,
                r.residents,
                r.infants,
                r.registry_facilities,
                r.registry_slots,
                r.slots_per_1000,
                per_1000.display_value if per_1000 else None,
                r.slots_per_100_infants,
                r.inclusive_share,
                share.display_value if share else None,
                plan.level_label if plan else None,
                plan.totals.target_slots if plan else None,
                plan.totals.completion_rate if plan else None,
            ]
        )
    table = tables.Table("compare", _("%(year)s年各区县指标对比") % {"year": year}, columns, rows)
    if request.GET.get("export"):
        about = export_about(request, table.title, filters=[(_("年份"), str(year))])
        return tables_export("compare", {"compare": table}, f"compare-{year}.xlsx", about)
    chart = {
        "categories": [r.district.name for r in results],
        "series": [
            {
                "name": _("每千人口托位（登记）"),
                "data": [
                    None if r.slots_per_1000 is None else round(float(r.slots_per_1000), 2) for r in results
                ],
            },
            {
                "name": _("每千人口托位（文件报告）"),
                "data": [
                    float(r.reported["slots_per_1000"].value) if "slots_per_1000" in r.reported else None
                    for r in results
                ],
            },
        ],
        "goal": float(selectors.NATIONAL_SLOTS_PER_1000),
        "goalLabel": _("国家目标"),  # the chart adds the value
    }
    years = sorted({timezone.localdate().year, 2024, 2025, year})
    return render(
        request,
        "planning/compare.html",
        {
            "table": table,
            "chart": chart,
            "year": year,
            "years": years,
            "export_url": f"?export=1&year={year}",
        },
    )

"""The service circle's pages under /coverage/: declarations on core's base views, each write one service
call, every figure from coverage.selectors.

/coverage/                                   the districts the user may read
/coverage/<code>/                            map, district and town figures, uncovered communities, 未定位
                                             facilities, goals; ?town=CODE; ?export=<table>|all (.xlsx)
/coverage/<code>/table/                      the same figures as tables (for those who would rather read)
/coverage/<code>/communities/                the communities (district officials edit them)
/coverage/<code>/import/                     import communities from .xlsx (all-or-nothing, row report)
/coverage/<code>/boundary/                   upload the boundary file drawn under the map
/coverage/<code>/settings/                   radius, detour factor, bounding box
/coverage/<code>/scenarios/                  what-if scenarios: list, create by name
/coverage/communities/<pk>/edit/             one community (versioned)
/coverage/scenarios/<pk>/                    a scenario: its sites, before/after per town, the map after
/coverage/scenarios/<pk>/sites/              add a hypothetical site or convert a facility (POST)
/coverage/scenarios/<pk>/delete/             delete a scenario (POST)
/coverage/scenario-sites/<pk>/delete/        remove a site (POST)

Who: a district official reads and changes their district; a town official reads their own town (the
district's figures narrowed to it; no scenarios, no edits); operators and the public get 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import access
from core.access import Action
from core.errors import ServiceError
from core.spreadsheets import WorkbookError
from core.views import (
    ObjectActionView,
    ObjectFormView,
    ObjectListView,
    export_about,
    export_links,
    tables_export,
)
from coverage import selectors, services
from coverage.filtersets import CommunityFilterSet
from coverage.forms import (
    BoundaryForm,
    CommunityForm,
    CommunityImportForm,
    ConvertSiteForm,
    CoverageSettingForm,
    NewSiteForm,
    ScenarioForm,
)
from coverage.models import Boundary, Community, CoverageSetting, Scenario, ScenarioSite
from coverage.services import IMPORT_COLUMNS
from coverage.tables import CommunityTable, comparison_table, coverage_tables
from coverage.types import DistrictCoverage
from facilities.models import Facility
from targets.models import Region

# ------------------------------------------------------------------------------------------------ helpers


def readable_districts(user):
    """The districts whose coverage the user may read: their own (district officials) or their town's."""
    districts = Region.objects.districts()
    if access.unrestricted(user):
        return districts.order_by("code")
    own = districts.for_user(user, Action.DASHBOARD)
    towns = Region.objects.towns().for_user(user, Action.DASHBOARD)
    return districts.filter(
        pk__in=[*own.values_list("pk", flat=True), *towns.values_list("parent_id", flat=True)]
    ).order_by("code")


def _number(value):
    return None if value is None else float(value)


def map_data(coverage: DistrictCoverage, boundary: Boundary | None) -> dict:
    """What static/js/coverage_map.js draws: located communities and facilities, the radius, the boundary
    and the words it shows."""
    return {
        "radiusM": float(coverage.effective_radius_m),
        "boundary": boundary.geojson if boundary else None,
        "communities": [
            {
                "name": c.name,
                "town": c.town_name,
                "lon": float(c.longitude),
                "lat": float(c.latitude),
                "population": c.population,
                "infants": c.infants,
                "covered": bool(c.covered_inclusive),
                "access": None if c.access is None else round(float(c.access), 4),
            }
            for c in coverage.communities
            if c.longitude is not None and c.latitude is not None
        ],
        "facilities": [
            {
                "name": f.name,
                "lon": float(f.longitude),
                "lat": float(f.latitude),
                "inclusive": f.inclusive,
                "slots": f.slots,
                "inclusiveSlots": f.inclusive_slots,
                "hypothetical": f.hypothetical,
                "converted": f.converted,
            }
            for f in coverage.facilities
            if f.longitude is not None and f.latitude is not None
        ],
        "labels": {
            "covered": _("普惠机构覆盖"),
            "uncovered": _("未覆盖"),
            "coverage": _("普惠覆盖"),
            "access": _("可达性（2SFCA）"),
            "noAccess": _("无婴幼儿数据"),
            "accessHigh": _("高"),
            "accessLow": _("低"),
            "population": _("常住人口"),
            "infants": _("3岁以下婴幼儿"),
            "unknown": _("未知"),
            "inclusive": _("普惠机构"),
            "other": _("其他机构"),
            "hypothetical": _("拟新增机构"),
            "converted": _("方案中转为普惠"),
            "slots": _("托位数"),
            "inclusiveSlots": _("普惠托位数"),
            "radius": _("服务半径"),
        },
    }


def active_boundary(district: Region) -> Boundary | None:
    return Boundary.objects.filter(district=district, active=True).first()


class DistrictMixin(LoginRequiredMixin):
    """The district named by `code`: a district official of it (or the superuser) reads all of it; a town
    official of one of its towns reads that town only; anyone else gets 404."""

    def get_district(self) -> Region:
        user = self.request.user
        district = Region.objects.districts().filter(code=self.kwargs["code"]).first()
        if district is None:
            raise Http404
        self.own_towns = None
        if not access.can(user, Action.DASHBOARD, district):
            towns = Region.objects.towns().filter(parent=district).for_user(user, Action.DASHBOARD)
            if not towns.exists():
                raise Http404
            self.own_towns = list(towns.order_by("sort_order", "code"))
        self.can_manage = access.can(user, Action.MANAGE, district)
        return district

    def chosen_town(self, district: Region) -> Region | None:
        """The town of `?town=CODE` (one of the district's, or of the user's own towns), or the user's own
        town for a town official; None: the whole district."""
        towns = self.own_towns or list(
            Region.objects.towns().filter(parent=district).order_by("sort_order", "code")
        )
        self.towns = towns
        code = self.request.GET.get("town")
        chosen = next((t for t in towns if t.code == code), None)
        if chosen is None and self.own_towns:
            chosen = self.own_towns[0]
        return chosen


def nav(view, district: Region, active: str) -> dict:
    return {"district": district, "active": active, "can_manage": getattr(view, "can_manage", False)}


# ---------------------------------------------------------------------------------------------- pages


class IndexView(LoginRequiredMixin, View):
    def get(self, request):
        districts = readable_districts(request.user)
        if not districts:
            raise Http404
        if len(districts) == 1:
            return redirect("coverage:district", districts[0].code)
        return render(request, "coverage/index.html", {"districts": districts})

    post = get


class DistrictCoverageView(DistrictMixin, View):
    """The district's (or a town's) service circle: the map, the figures, the uncovered communities ranked by
    infants, the facilities without a point, the radius and the reported goals. `?export=` downloads."""

    template_name = "coverage/district.html"
    active = "map"

    def get(self, request, *args, **kwargs):
        district = self.get_district()
        town = self.chosen_town(district)
        coverage = selectors.district_coverage(district, town=town)
        tables = coverage_tables(coverage)
        key = request.GET.get("export")
        if key:
            return tables_export(
                key, tables, f"{_('15分钟托育服务圈')}-{district.name}-{key}.xlsx", self.about(coverage, town)
            )
        boundary = active_boundary(district)
        context = {
            **nav(self, district, self.active),
            "coverage": coverage,
            "town": town,
            "towns": self.towns,
            "tables": tables,
            "exports": export_links(request, tables),
            "boundary": boundary,
            "map": map_data(coverage, boundary),
            "town_locked": bool(self.own_towns and len(self.own_towns) == 1),
        }
        return render(request, self.template_name, context)

    post = get

    def about(self, coverage: DistrictCoverage, town: Region | None):
        notes = [
            (_("服务半径"), _("%(r)s 米（直线）") % {"r": coverage.radius_m}),
            (_("绕行系数"), str(coverage.detour_factor)),
            (_("计算用半径"), _("%(r)s 米") % {"r": coverage.effective_radius_m}),
            (
                _("说明"),
                _(
                    "直线1000米是15分钟步行的常用规划近似；覆盖指社区代表点在营业中的已备案机构的计算用半径内。"
                ),
            ),
        ]
        return export_about(
            self.request,
            _("%(name)s 15分钟托育服务圈") % {"name": coverage.district_name},
            filters=[(_("镇街"), town.name)] if town else [],
            sources=sorted({goal.source_title for goal in coverage.goals}),
            notes=notes,
        )


class CoverageTableView(DistrictCoverageView):
    """The same figures as tables, without the map."""

    template_name = "coverage/table.html"
    active = "table"


class CommunityListView(DistrictMixin, ObjectListView):
    """The district's communities (a town official: their town's), with their residents, infants and point;
    district officials edit them."""

    queryset = Community.objects.select_related("town")
    filterset = CommunityFilterSet  # the API's: town, located, search
    table = CommunityTable
    ordering = ("town__sort_order", "town__code", "code")
    paginate_by = 100
    template_name = "coverage/communities.html"
    export_name = gettext_lazy("社区")
    export_dated = True

    def allowed(self):
        self.district = self.get_district()
        return True

    def scope(self, queryset):
        queryset = super().scope(queryset).filter(town__parent=self.district)
        self.town = self.chosen_town(self.district)
        return queryset.filter(town=self.town) if self.town else queryset

    def export_filters(self):
        return [(_("镇街"), self.town.name)] if self.town else []

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **nav(self, self.district, "communities"),
            export_url=self.export_urls(["communities"])["all"],
            town=self.town,
            towns=self.towns,
            town_locked=bool(self.own_towns and len(self.own_towns) == 1),
            **kwargs,
        )


class DistrictFormView(ObjectFormView):
    """A form on a district the user manages (404 otherwise)."""

    queryset = Region.objects.districts()
    action = Action.MANAGE
    active = ""

    def get_object(self):
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"])

    def success_url(self, obj, result):
        return reverse("coverage:district", args=[obj.code])

    def get_context_data(self, **kwargs):
        self.can_manage = True
        return super().get_context_data(**nav(self, self.object, self.active), **kwargs)


class CommunityEditView(ObjectFormView):
    queryset = Community.objects.select_related("town", "town__parent")
    action = Action.MANAGE
    template_name = "coverage/community_form.html"
    success_message = gettext_lazy("社区信息已保存。")

    def get_form(self):
        return CommunityForm(self.request.POST or None, instance=self.object)

    def run(self, community, form):
        return services.community_update(
            user=self.request.user,
            community=community,
            data=form.changes(),
            version=form.cleaned_data.get("version") or community.version,
            system=form.cleaned_data["system"],
        )

    def success_url(self, obj, result):
        return reverse("coverage:communities", args=[obj.town.parent.code]) + f"?town={obj.town.code}"

    def get_context_data(self, **kwargs):
        self.can_manage = True
        return super().get_context_data(**nav(self, self.object.town.parent, "communities"), **kwargs)


class CommunityImportView(DistrictFormView):
    """Upload the district's communities: every row checked, nothing written when any row fails, every
    problem listed by row; a dry run shows what would change."""

    template_name = "coverage/import.html"
    error_class = WorkbookError
    active = "import"

    def get_form(self):
        return CommunityImportForm(self.request.POST or None, self.request.FILES or None)

    def run(self, district, form):
        data = form.cleaned_data
        return services.import_communities(
            data["file"],
            district=district,
            system=data["system"],
            user=self.request.user,
            dry_run=data["dry_run"],
        )

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if form.is_valid():
            try:
                result = self.run(self.object, form)
            except WorkbookError as error:
                self.problems = error.problems
                form.add_error("file", _("文件有问题，未导入任何数据。"))
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                self.result = result
                self.dry_run = form.cleaned_data["dry_run"]
                if not self.dry_run:
                    messages.success(
                        request,
                        _("已导入：新增 %(c)s，修改 %(u)s，未变 %(n)s。")
                        % {"c": result.created, "u": result.updated, "n": result.unchanged},
                    )
        return self.render_form(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            problems=[str(p) for p in getattr(self, "problems", [])],
            result=getattr(self, "result", None),
            dry_run=getattr(self, "dry_run", False),
            columns=[c.title for c in IMPORT_COLUMNS],
            **kwargs,
        )


class BoundaryView(DistrictFormView):
    template_name = "coverage/boundary.html"
    success_message = gettext_lazy("边界文件已上传，地图将以其为底图。")
    active = "boundary"

    def get_form(self):
        return BoundaryForm(self.request.POST or None, self.request.FILES or None)

    def run(self, district, form):
        upload = form.cleaned_data["file"]
        # read no more than the limit and one byte (to know it was more): the validator says so
        data = upload.read(services_max_bytes() + 1)
        return services.boundary_upload(
            user=self.request.user, district=district, name=form.cleaned_data["name"], data=data
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            boundary=active_boundary(self.object),
            max_mb=round(services_max_bytes() / 1024 / 1024, 1),
            **kwargs,
        )


def services_max_bytes() -> int:
    from coverage.geojson import max_bytes

    return max_bytes()


class SettingView(DistrictFormView):
    template_name = "coverage/settings.html"
    success_message = gettext_lazy("服务圈设置已保存。")
    active = "settings"

    def get_form(self):
        setting = CoverageSetting.objects.filter(district=self.object).first()
        initial = {"radius_m": 1000, "detour_factor": Decimal("1.00")}
        if setting:
            initial = {
                "radius_m": setting.radius_m,
                "detour_factor": setting.detour_factor,
                "bbox_min_lon": setting.bbox_min_lon,
                "bbox_min_lat": setting.bbox_min_lat,
                "bbox_max_lon": setting.bbox_max_lon,
                "bbox_max_lat": setting.bbox_max_lat,
                "version": setting.version,
            }
        return CoverageSettingForm(self.request.POST or None, initial=initial)

    def run(self, district, form):
        data = form.cleaned_data
        return services.coverage_setting_set(
            user=self.request.user,
            district=district,
            radius_m=data["radius_m"],
            detour_factor=data["detour_factor"],
            bbox=data["bbox"],
            version=data.get("version"),
        )


class ScenarioListView(DistrictFormView):
    """The district's scenarios, and a form to start one by name."""

    template_name = "coverage/scenarios.html"
    success_message = gettext_lazy("方案已创建，请添加拟新增或转为普惠的机构。")
    active = "scenarios"

    def get_form(self):
        return ScenarioForm(self.request.POST or None)

    def run(self, district, form):
        return services.scenario_create(
            user=self.request.user, district=district, name=form.cleaned_data["name"]
        )

    def success_url(self, obj, result):
        return reverse("coverage:scenario", args=[result.pk])

    def get_context_data(self, **kwargs):
        scenarios = (
            Scenario.objects.for_user(self.request.user, Action.MANAGE)
            .filter(district=self.object)
            .select_related("created_by")
            .order_by("name")
        )
        return super().get_context_data(scenarios=scenarios, **kwargs)


def _district_facilities(user, district: Region):
    return (
        Facility.objects.for_user(user, Action.VIEW)
        .filter(
            district=district,
            archived_at__isnull=True,
            filing_status=Facility.FilingStatus.FILED,
            operating_status=Facility.OperatingStatus.OPERATING,
        )
        .order_by("name")
    )


class ScenarioDetailView(ObjectFormView):
    """A scenario: its sites, forms to add one, and coverage and 2SFCA per town before and after, side by
    side, with the map after. A POST here adds a site."""

    queryset = Scenario.objects.select_related("district", "created_by")
    action = Action.MANAGE
    template_name = "coverage/scenario.html"
    success_message = gettext_lazy("已加入方案。")

    def get_form(self):
        kind = self.request.POST.get("kind") if self.request.method == "POST" else None
        facilities = _district_facilities(self.request.user, self.object.district)
        if kind == ScenarioSite.Kind.CONVERT:
            self.new_form = NewSiteForm(prefix="new")
            self.convert_form = ConvertSiteForm(self.request.POST, prefix="convert", facilities=facilities)
            return self.convert_form
        self.convert_form = ConvertSiteForm(prefix="convert", facilities=facilities)
        self.new_form = NewSiteForm(self.request.POST or None, prefix="new")
        return self.new_form

    def run(self, scenario, form):
        data = form.cleaned_data
        if isinstance(form, ConvertSiteForm):
            return services.scenario_site_add(
                user=self.request.user,
                scenario=scenario,
                kind=ScenarioSite.Kind.CONVERT,
                facility=data["facility"],
                inclusive_slots=data["inclusive_slots"],
            )
        return services.scenario_site_add(
            user=self.request.user,
            scenario=scenario,
            kind=ScenarioSite.Kind.NEW,
            name=data["name"],
            longitude=data["longitude"],
            latitude=data["latitude"],
            system=data["system"],
            inclusive_slots=data["inclusive_slots"],
        )

    def success_url(self, obj, result):
        return reverse("coverage:scenario", args=[obj.pk])

    def get_context_data(self, **kwargs):
        scenario = self.object
        before, after = selectors.compare_scenario(scenario)
        boundary = active_boundary(scenario.district)
        self.can_manage = True
        return super().get_context_data(
            **nav(self, scenario.district, "scenarios"),
            sites=scenario.sites.select_related("facility").order_by("pk"),
            before=before,
            after=after,
            comparison=comparison_table(before, after),
            map=map_data(after, boundary),
            boundary=boundary,
            new_form=self.new_form,
            convert_form=self.convert_form,
            **kwargs,
        )


class ScenarioDeleteView(ObjectActionView):
    queryset = Scenario.objects.select_related("district")
    action = Action.MANAGE
    success_message = gettext_lazy("方案已删除。")

    def run(self, scenario):
        self.district_code = scenario.district.code
        services.scenario_delete(user=self.request.user, scenario=scenario)

    def redirect_to(self, obj):
        return redirect("coverage:scenarios", obj.district.code)


class ScenarioSiteDeleteView(ObjectActionView):
    queryset = ScenarioSite.objects.select_related("scenario", "scenario__district")
    action = Action.MANAGE
    success_message = gettext_lazy("已从方案中移除。")

    def run(self, site):
        services.scenario_site_delete(user=self.request.user, site=site)

    def redirect_to(self, obj):
        return redirect("coverage:scenario", obj.scenario_id)


index = IndexView.as_view()
district = DistrictCoverageView.as_view()
table = CoverageTableView.as_view()
communities = CommunityListView.as_view()
community_edit = CommunityEditView.as_view()
community_import = CommunityImportView.as_view()
boundary = BoundaryView.as_view()
settings_view = SettingView.as_view()
scenarios = ScenarioListView.as_view()
scenario = ScenarioDetailView.as_view()
scenario_delete = ScenarioDeleteView.as_view()
scenario_site_delete = ScenarioSiteDeleteView.as_view()

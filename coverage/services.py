"""Every write of the service circle. Keyword-only, atomic, permission through core.access (a district's own
rows: Action.MANAGE on the district), refusals as core.errors; nothing is written on a refusal.

    import_communities      a district's communities from an .xlsx (all-or-nothing, row report)
    community_update        one community's population, infants and point (versioned)
    coverage_setting_set    the district's radius, detour factor and bounding box (versioned)
    boundary_upload         a boundary file (validated by coverage.geojson), replacing the active one
    scenario_create / scenario_delete / scenario_site_add / scenario_site_delete   what-if siting
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import access, geo
from core.access import Action
from core.errors import NotAllowed, ServiceError, validated
from core.formatting import listing
from core.spreadsheets import (
    Column,
    ImportResult,
    Problem,
    decimal,
    integer,
    raise_problems,
    read_table,
    text,
)
from coverage.models import Boundary, Community, CoverageSetting, Scenario, ScenarioSite
from facilities.models import Facility
from targets.models import Region

COMMUNITY_EDIT_FIELDS = ("name", "population", "infants_under_3", "longitude", "latitude", "source_note")

# The import's columns, as the template prints them.
CODE = "社区代码"
NAME = "社区名称"
POPULATION = "常住人口"
INFANTS = "3岁以下婴幼儿"
LONGITUDE = "经度"
LATITUDE = "纬度"
IMPORT_COLUMNS = (
    Column("code", CODE, text(max_length=12), required=True),
    Column("name", NAME, text(max_length=64), required=True),
    Column("population", POPULATION, integer()),
    Column("infants", INFANTS, integer()),
    Column("longitude", LONGITUDE, decimal(places=9, min_value=-180, max_value=180)),
    Column("latitude", LATITUDE, decimal(places=9, min_value=-90, max_value=90)),
)


def _manage(user, district: Region) -> None:
    if district.level != Region.Level.DISTRICT or not access.can(user, Action.MANAGE, district):
        raise NotAllowed(_("只有本区管理员可以修改服务圈数据。"))


def _system(system: str) -> str:
    if system not in geo.CoordSystem.values:
        raise ServiceError(_("请选择坐标系（WGS-84、GCJ-02 或 BD-09）。"), {"system": [_("坐标系无效。")]})
    return system


def convert_point(lon, lat, *, system: str, region: Region) -> tuple[Decimal | None, Decimal | None]:
    """A point as typed (in `system`) as WGS-84, checked against the district's box (China's when the
    district has none). Both empty: (None, None). Raises ValueError with the reason."""
    if lon is None and lat is None:
        return None, None
    if lon is None or lat is None:
        raise ValueError(_("经度和纬度须同时填写或同时留空"))
    wgs_lon, wgs_lat = geo.to_wgs84(lon, lat, _system(system))
    box = geo.check_box(region)
    if not geo.in_box(wgs_lon, wgs_lat, box):
        raise ValueError(
            _("坐标（%(lon)s, %(lat)s）不在%(where)s（经度 %(x0)s–%(x1)s，纬度 %(y0)s–%(y1)s）内")
            % {
                "lon": wgs_lon,
                "lat": wgs_lat,
                "where": _("本区范围") if geo.district_box(region) else _("中国范围"),
                "x0": box[0],
                "x1": box[2],
                "y0": box[1],
                "y1": box[3],
            }
        )
    return wgs_lon, wgs_lat


# ---------------------------------------------------------------------------------------------- import


def import_communities(
    file: Any, *, district: Region, system: str, user, dry_run: bool = False
) -> ImportResult:
    """A district's communities from one sheet (社区代码, 社区名称, 常住人口, 3岁以下婴幼儿, 经度, 纬度).

    The code is the NBS 12-digit code; its first 9 digits name a town of the district. A known code is
    updated, a new one created. Coordinates are given in `system` and stored as WGS-84; a point outside the
    district's box (China's, when none is set) is refused for its row. An empty population, infants or point
    cell leaves the stored value as it is (unknown is never written as zero). All-or-nothing: any problem
    raises core.spreadsheets.WorkbookError listing every one, and nothing is written."""
    _manage(user, district)
    _system(system)
    table = read_table(file, columns=IMPORT_COLUMNS, collect_problems=True)
    problems: list[Problem] = list(table.problems)
    letters = table.letters
    towns = {t.code: t for t in Region.objects.filter(parent=district, level=Region.Level.TOWN)}
    existing = {c.code: c for c in Community.objects.filter(town__parent=district)}
    others = set(
        Community.objects.exclude(town__parent=district)
        .filter(code__in=[r.values.get("code") for r in table.rows if r.values.get("code")])
        .values_list("code", flat=True)
    )
    seen: dict[str, int] = {}
    planned: list[tuple[int, Community, dict]] = []

    def problem(row, key, value, reason):
        problems.append(Problem(row.number, letters.get(key), value, reason))

    for row in table.rows:
        values = row.values
        code = values.get("code")
        if not code or "code" in row.bad:
            continue
        if len(code) != 12 or not code.isdigit():
            problem(row, "code", code, _("社区代码应为12位数字（国家统计局统计用区划代码）"))
            continue
        if code in seen:
            problem(row, "code", code, _("与第%(row)d行的社区代码重复") % {"row": seen[code]})
            continue
        seen[code] = row.number
        if code in others or not code.startswith(district.code):
            problem(row, "code", code, _("该社区不属于%(district)s") % {"district": district.name})
            continue
        town = towns.get(code[:9])
        if town is None:
            problem(row, "code", code, _("找不到镇街代码 %(town)s（本区没有该镇街）") % {"town": code[:9]})
            continue
        if not row.valid:
            continue
        try:
            lon, lat = convert_point(values["longitude"], values["latitude"], system=system, region=district)
        except ValueError as error:
            key = "longitude" if values["longitude"] is not None else "latitude"
            problem(row, key, values[key], str(error))
            continue
        new = {"name": values["name"], "town": town}
        if values["population"] is not None:
            new["population"] = values["population"]
        if values["infants"] is not None:
            new["infants_under_3"] = values["infants"]
        if lon is not None:
            new["longitude"], new["latitude"] = lon, lat
        if (
            values["infants"] is not None
            and values["population"] is not None
            and values["infants"] > values["population"]
        ):
            problem(row, "infants", values["infants"], _("3岁以下婴幼儿数不能超过常住人口"))
            continue
        planned.append((row.number, existing.get(code) or Community(code=code), new))

    if not table.rows and not problems:
        problems.append(Problem(None, None, None, _("表中没有数据行")))
    raise_problems(problems)

    result = ImportResult(total_rows=len(planned))
    with transaction.atomic():
        for number, community, new in planned:
            changed = []
            for name, value in new.items():
                old = getattr(community, name, None) if community.pk else None
                if community.pk is None or old != value:
                    field = Community._meta.get_field(name)
                    changed.append({"field": str(field.verbose_name), "old": old, "new": value})
                    setattr(community, name, value)
            if community.pk and not changed:
                result.unchanged += 1
                continue
            action = "updated" if community.pk else "created"
            result.record(
                {
                    "row": number,
                    "item": f"{community.code} {community.name}",
                    "action": action,
                    "fields": [{**c, "old": _plain(c["old"]), "new": _plain(c["new"])} for c in changed],
                }
            )
            if not dry_run:
                validated(community)
                community.save()
    return result


def _plain(value):
    if isinstance(value, Region):
        return value.name
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


# ---------------------------------------------------------------------------------------------- communities


@transaction.atomic
def community_update(
    *, user, community: Community, data: dict, version: int, system: str = geo.CoordSystem.WGS84
) -> Community:
    """Change a community's name, population, infants, point (given in `system`) or source note. `version`
    is the one the editor read: a save based on an older one raises core.versioning.StaleVersion."""
    _manage(user, community.town.parent)
    unknown = set(data) - set(COMMUNITY_EDIT_FIELDS)
    if unknown:
        raise ServiceError(_("不能修改这些字段：%(fields)s") % {"fields": listing(sorted(unknown))})
    if "longitude" in data or "latitude" in data:
        lon = data.get("longitude", community.longitude)
        lat = data.get("latitude", community.latitude)
        try:
            wgs_lon, wgs_lat = convert_point(lon, lat, system=system, region=community.town.parent)
        except ValueError as error:
            raise ServiceError(str(error), {"longitude": [str(error)]}) from None
        data = {**data, "longitude": wgs_lon, "latitude": wgs_lat}
    for name, value in data.items():
        setattr(community, name, value)
    community.version = version
    validated(community)
    community.save()
    return community


# ---------------------------------------------------------------------------------------------- setting


@transaction.atomic
def coverage_setting_set(
    *,
    user,
    district: Region,
    radius_m: int,
    detour_factor: Decimal,
    bbox: tuple | None = None,
    version: int | None = None,
) -> CoverageSetting:
    """The district's service radius (m), detour factor (≥ 1) and bounding box (min_lon, min_lat, max_lon,
    max_lat, WGS-84) or None."""
    _manage(user, district)
    setting = CoverageSetting.objects.filter(district=district).first() or CoverageSetting(district=district)
    if setting.pk and version is not None:
        setting.version = version
    setting.radius_m = radius_m
    setting.detour_factor = detour_factor
    box = tuple(bbox) if bbox else (None, None, None, None)
    setting.bbox_min_lon, setting.bbox_min_lat, setting.bbox_max_lon, setting.bbox_max_lat = box
    validated(setting)
    setting.save()
    return setting


# ---------------------------------------------------------------------------------------------- boundary


@transaction.atomic
def boundary_upload(*, user, district: Region, name: str, data: bytes) -> Boundary:
    """A GeoJSON boundary file for the district's map: validated (coverage.geojson), stored, and made the
    active one (the previous active file is kept, inactive)."""
    from coverage.geojson import validate_boundary

    _manage(user, district)
    try:
        geojson = validate_boundary(data)
    except ValidationError as error:
        raise ServiceError("；".join(error.messages), {"file": error.messages}) from None
    Boundary.objects.filter(district=district, active=True).update(active=False)
    boundary = Boundary(
        district=district,
        name=name.strip() or _("边界"),
        geojson=geojson,
        feature_count=len(geojson.get("features", [])),
        uploaded_by=user,
        active=True,
    )
    validated(boundary)
    boundary.save()
    return boundary


# ---------------------------------------------------------------------------------------------- scenarios


@transaction.atomic
def scenario_create(*, user, district: Region, name: str) -> Scenario:
    _manage(user, district)
    scenario = Scenario(district=district, name=name.strip(), created_by=user)
    validated(scenario)
    scenario.save()
    return scenario


@transaction.atomic
def scenario_delete(*, user, scenario: Scenario) -> None:
    _manage(user, scenario.district)
    scenario.delete()


@transaction.atomic
def scenario_site_add(
    *,
    user,
    scenario: Scenario,
    kind: str,
    inclusive_slots: int,
    facility: Facility | None = None,
    name: str = "",
    longitude=None,
    latitude=None,
    system: str = geo.CoordSystem.WGS84,
) -> ScenarioSite:
    """A hypothetical facility at a point (kind "new") or an existing facility of the district counted as
    inclusive with `inclusive_slots` (kind "convert"). Nothing of the registry changes."""
    _manage(user, scenario.district)
    site = ScenarioSite(scenario=scenario, kind=kind, inclusive_slots=inclusive_slots, name=name.strip())
    if kind == ScenarioSite.Kind.NEW:
        if longitude is None or latitude is None:
            raise ServiceError(_("新增机构须填写坐标。"), {"longitude": [_("请填写经纬度。")]})
        try:
            site.longitude, site.latitude = convert_point(
                longitude, latitude, system=system, region=scenario.district
            )
        except ValueError as error:
            raise ServiceError(str(error), {"longitude": [str(error)]}) from None
    elif kind == ScenarioSite.Kind.CONVERT:
        if facility is None or facility.district_id != scenario.district_id:
            raise ServiceError(_("请选择本区的机构。"), {"facility": [_("请选择本区的机构。")]})
        site.facility = facility
        site.name = site.name or facility.name
    else:
        raise ServiceError(_("方案站点类型无效。"), {"kind": [_("方案站点类型无效。")]})
    validated(site)
    site.save()
    return site


@transaction.atomic
def scenario_site_delete(*, user, site: ScenarioSite) -> None:
    _manage(user, site.scenario.district)
    site.delete()

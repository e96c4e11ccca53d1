"""Every read of the service circle: coverage and the 2SFCA accessibility score, computed by PostgreSQL.

Distances are great-circle distances on PostgreSQL's earth model (contrib `cube` + `earthdistance`), in
metres. A pair (community, facility) is "in reach" when

    earth_box(ll_to_earth(c), r) @> ll_to_earth(f)      -- the GiST indexes' operator (a cube around c)
    AND earth_distance(ll_to_earth(c), ll_to_earth(f)) <= r

with r the effective radius = the district's radius ÷ its detour factor (CoverageSetting; 1,000 m and 1.00 by
default). ll_to_earth is called as `coverage_earth` (coverage/migrations/0003: the same formula with the
extensions' names schema-qualified, so that pg_restore can rebuild indexes on it; inlined like ll_to_earth).
The box test lets the planner use the GiST indexes on coverage_earth(latitude, longitude) of both tables; the
distance test is exact.

What counts: facilities that are filed and operating, not archived and not synthetic (facilities.selectors.
counts_synthetic: synthetic ones count only in a demo or benchmark database), with a point; a facility
without a point is listed as 未定位 and left out. Facilities of any district count (a community on the
border is served by the facility across it). A facility is inclusive when the registry flags it 普惠
(`is_inclusive`).

2SFCA (two-step floating catchment area):
    step 1  R_j = slots_j / Σ infants_k over the communities k in reach of facility j (all districts; known
            infants only; a facility with no known infants in reach gets no ratio)
    step 2  A_i = Σ R_j over the facilities j in reach of community i (0 when none is)
The score uses all slots of a facility (total_slots), not the inclusive ones only: it measures capacity near
a family whatever the price. A scenario's new site contributes its inclusive slots; a converted facility
keeps max(total slots, the given inclusive slots).

Scenarios are evaluated in the same statement, their sites given as VALUES lists: nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from core.formatting import ratio
from coverage.models import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_RADIUS_M,
    Community,
    CoverageGoal,
    CoverageSetting,
    Scenario,
    ScenarioSite,
)
from coverage.types import AreaCoverage, CommunityCoverage, DistrictCoverage, FacilityPoint, Goal
from facilities.models import Facility
from facilities.selectors import counts_synthetic
from targets.models import Region, ReportedFigure

ACCESS_PLACES = Decimal("0.0001")
# Reported figures shown beside the measured coverage: the goals about the network of places.
GOAL_MEASURES = (
    ReportedFigure.Measure.TOWN_INCLUSIVE_PARKS,
    ReportedFigure.Measure.MEDICAL_CHILDCARE_PARKS,
    ReportedFigure.Measure.TOWN_INCLUSIVE_COVERAGE,
    ReportedFigure.Measure.SERVICE_CENTRES,
)

EARTH = "coverage_earth({lat}::float8, {lon}::float8)"  # migration 0003: ll_to_earth, restorable


def _in_reach(a: tuple[str, str], b: tuple[str, str], radius: str = "%(r)s") -> str:
    """The SQL test that point b lies within `radius` metres of point a ((lat, lon) column pairs)."""
    ea = EARTH.format(lat=a[0], lon=a[1])
    eb = EARTH.format(lat=b[0], lon=b[1])
    return f"earth_box({ea}, {radius}) @> {eb} AND earth_distance({ea}, {eb}) <= {radius}"


def counted_facility_sql(alias: str = "f", include_synthetic: bool | None = None) -> str:
    """The SQL condition of the facilities that count in coverage (see the module's docstring)."""
    sql = (
        f"{alias}.archived_at IS NULL AND {alias}.filing_status = 'filed' "
        f"AND {alias}.operating_status = 'operating' AND {alias}.latitude IS NOT NULL "
        f"AND {alias}.longitude IS NOT NULL"
    )
    if not counts_synthetic(include_synthetic):
        sql += f" AND NOT {alias}.is_synthetic"
    return sql


COVERAGE_SQL = """
WITH sites(sid, lat, lon, slots) AS ({sites}),
conv(fid, islots) AS ({conv}),
comm AS MATERIALIZED (
    SELECT c.id, c.latitude::float8 AS lat, c.longitude::float8 AS lon
    FROM coverage_community c JOIN targets_region t ON t.id = c.town_id
    WHERE t.parent_id = %(district)s AND c.latitude IS NOT NULL AND c.longitude IS NOT NULL
),
reach AS (
    SELECT c.id AS cid, f.id AS fid, (f.is_inclusive OR conv.fid IS NOT NULL) AS inclusive,
           GREATEST(f.total_slots, COALESCE(conv.islots, 0)) AS slots,
           f.latitude::float8 AS lat, f.longitude::float8 AS lon
    FROM comm c
    JOIN facilities_facility f ON {facility_in_reach}
    LEFT JOIN conv ON conv.fid = f.id
    WHERE {counted}
    UNION ALL
    SELECT c.id, -s.sid, true, s.slots, s.lat, s.lon
    FROM comm c JOIN sites s ON {site_in_reach}
),
providers AS (SELECT DISTINCT fid, slots, lat, lon FROM reach),
demand AS (
    SELECT p.fid, p.slots, SUM(k.infants_under_3) AS infants
    FROM providers p
    JOIN coverage_community k ON {community_in_reach}
    GROUP BY p.fid, p.slots
),
ratio AS (SELECT fid, slots::numeric / infants AS r FROM demand WHERE infants > 0)
SELECT c.id, COALESCE(bool_or(reach.inclusive), false), COUNT(reach.fid) > 0, COALESCE(SUM(ratio.r), 0)
FROM comm c
LEFT JOIN reach ON reach.cid = c.id
LEFT JOIN ratio ON ratio.fid = reach.fid
GROUP BY c.id
"""


def coverage_sql(
    sites: list[tuple[float, float, int]],
    converted: dict[int, int],
    include_synthetic: bool | None = None,
) -> tuple[str, dict]:
    """The statement and its parameters (district and r are added by the caller). `sites`: (lat, lon,
    slots) of hypothetical facilities; `converted`: facility id → inclusive slots."""
    params: dict = {}
    if sites:
        rows = []
        for n, (lat, lon, slots) in enumerate(sites, start=1):
            rows.append(
                f"(%(s{n}_id)s::int, %(s{n}_lat)s::float8, %(s{n}_lon)s::float8, %(s{n}_slots)s::int)"
            )
            params.update({f"s{n}_id": n, f"s{n}_lat": lat, f"s{n}_lon": lon, f"s{n}_slots": slots})
        sites_sql = "VALUES " + ", ".join(rows)
    else:
        sites_sql = "SELECT 0::int, 0::float8, 0::float8, 0::int WHERE false"
    if converted:
        rows = []
        for n, (fid, slots) in enumerate(converted.items(), start=1):
            rows.append(f"(%(c{n}_id)s::bigint, %(c{n}_slots)s::int)")
            params.update({f"c{n}_id": fid, f"c{n}_slots": slots})
        conv_sql = "VALUES " + ", ".join(rows)
    else:
        conv_sql = "SELECT 0::bigint, 0::int WHERE false"
    sql = COVERAGE_SQL.format(
        sites=sites_sql,
        conv=conv_sql,
        facility_in_reach=_in_reach(("c.lat", "c.lon"), ("f.latitude", "f.longitude")),
        site_in_reach=f"earth_distance({EARTH.format(lat='c.lat', lon='c.lon')}, "
        f"{EARTH.format(lat='s.lat', lon='s.lon')}) <= %(r)s",
        community_in_reach=_in_reach(("p.lat", "p.lon"), ("k.latitude", "k.longitude")),
        counted=counted_facility_sql("f", include_synthetic),
    )
    return sql, params


def setting_for(district: Region) -> tuple[int, Decimal, bool]:
    """(radius_m, detour_factor, is_default) of a district."""
    setting = CoverageSetting.objects.filter(district=district).first()
    if setting is None:
        return DEFAULT_RADIUS_M, DEFAULT_DETOUR_FACTOR, True
    return setting.radius_m, setting.detour_factor, False


def _scenario_inputs(scenario: Scenario | None):
    if scenario is None:
        return [], {}, []
    sites, converted, points = [], {}, []
    for site in scenario.sites.select_related("facility").order_by("pk"):
        if site.kind == ScenarioSite.Kind.NEW:
            sites.append((float(site.latitude), float(site.longitude), site.inclusive_slots))
            points.append(
                FacilityPoint(
                    id=None,
                    name=site.name,
                    longitude=site.longitude,
                    latitude=site.latitude,
                    inclusive=True,
                    slots=site.inclusive_slots,
                    inclusive_slots=site.inclusive_slots,
                    hypothetical=True,
                )
            )
        else:
            converted[site.facility_id] = site.inclusive_slots
    return sites, converted, points


def community_results(
    district: Region,
    effective_radius_m: Decimal,
    *,
    scenario: Scenario | None = None,
    include_synthetic: bool | None = None,
) -> dict[int, tuple[bool, bool, Decimal]]:
    """community id → (covered by an inclusive facility, covered by any, 2SFCA score) for the district's
    located communities, in one statement."""
    sites, converted, _points = _scenario_inputs(scenario)
    sql, params = coverage_sql(sites, converted, include_synthetic)
    params.update({"district": district.pk, "r": float(effective_radius_m)})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            row[0]: (row[1], row[2], Decimal(row[3]).quantize(ACCESS_PLACES)) for row in cursor.fetchall()
        }


def _sum(values) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _area(code: str, name: str, rows: list[CommunityCoverage]) -> AreaCoverage:
    population = _sum(r.population for r in rows)
    infants = _sum(r.infants for r in rows)
    pop_inc = _sum(r.population for r in rows if r.covered_inclusive) if population is not None else None
    inf_inc = _sum(r.infants for r in rows if r.covered_inclusive) if infants is not None else None
    pop_any = _sum(r.population for r in rows if r.covered_any) if population is not None else None
    inf_any = _sum(r.infants for r in rows if r.covered_any) if infants is not None else None
    if population is not None:
        pop_inc, pop_any = pop_inc or 0, pop_any or 0
    if infants is not None:
        inf_inc, inf_any = inf_inc or 0, inf_any or 0
    weighted = [(r.access, r.infants) for r in rows if r.access is not None and r.infants]
    weight = sum(w for _a, w in weighted)
    mean_access = (sum(a * w for a, w in weighted) / weight).quantize(ACCESS_PLACES) if weight else None
    return AreaCoverage(
        code=code,
        name=name,
        population=population,
        infants=infants,
        population_covered_inclusive=pop_inc,
        infants_covered_inclusive=inf_inc,
        population_covered_any=pop_any,
        infants_covered_any=inf_any,
        share_population_inclusive=ratio(pop_inc, population),
        share_infants_inclusive=ratio(inf_inc, infants),
        share_population_any=ratio(pop_any, population),
        share_infants_any=ratio(inf_any, infants),
        mean_access=mean_access,
        communities_count=len(rows),
        located_count=sum(1 for r in rows if r.longitude is not None),
    )


FACILITY_FIELDS = (
    "pk", "name", "longitude", "latitude", "is_inclusive", "total_slots", "inclusive_slots",
    "operating_status", "town__code",
)  # fmt: skip


def _facility_point(f: dict, converted: dict[int, int]) -> FacilityPoint:
    """A facility row (`FACILITY_FIELDS` values) as a point of the map, as a scenario counts it."""
    convert = f["pk"] in converted
    return FacilityPoint(
        id=f["pk"],
        name=f["name"],
        longitude=f["longitude"],
        latitude=f["latitude"],
        inclusive=f["is_inclusive"] or convert,
        slots=max(f["total_slots"], converted.get(f["pk"], 0)),
        inclusive_slots=converted.get(f["pk"], f["inclusive_slots"]),
        operating=f["operating_status"] == Facility.OperatingStatus.OPERATING,
        town_code=f["town__code"] or "",
        converted=convert and not f["is_inclusive"],
    )


def counted_facilities(district: Region, include_synthetic: bool | None = None):
    """The district's facilities that count (filed, operating, real), located or not."""
    queryset = Facility.objects.filter(
        district=district,
        archived_at__isnull=True,
        filing_status=Facility.FilingStatus.FILED,
        operating_status=Facility.OperatingStatus.OPERATING,
    )
    if not counts_synthetic(include_synthetic):
        queryset = queryset.filter(is_synthetic=False)
    return queryset.order_by("name", "pk")


def goals_for(district: Region) -> list[Goal]:
    """The district's stated goals about the service circle, with their sources."""
    goals = [
        Goal(
            text=g.text,
            value=g.text,
            source_title=str(g.source),
            quote=g.quote,
            period_text=g.period_text,
        )
        for g in CoverageGoal.objects.filter(district=district).select_related("source").order_by("key")
    ]
    figures = (
        ReportedFigure.objects.filter(
            Q(region=district) | Q(region__parent=district),
            nature=ReportedFigure.Nature.GOAL,
            measure__in=GOAL_MEASURES,
        )
        .select_related("source")
        .order_by("measure", "key")
    )
    goals += [
        Goal(
            text=str(f.get_measure_display()) + (f"（{f.subject}）" if f.subject else ""),
            value=f.display_value,
            source_title=str(f.source),
            quote=f.quote,
            period_text=f.period_text,
        )
        for f in figures
    ]
    return goals


def district_coverage(
    district: Region,
    *,
    scenario: Scenario | None = None,
    town: Region | None = None,
    include_synthetic: bool | None = None,
) -> DistrictCoverage:
    """Coverage and 2SFCA of a district (or of one of its towns: `town` narrows the communities, towns and
    facilities listed and the totals; the computation always takes the whole district, so a facility's
    catchment is not cut at the town's edge), optionally under a scenario."""
    radius_m, detour, default = setting_for(district)
    effective = (Decimal(radius_m) / detour).quantize(Decimal("0.01"))
    results = community_results(district, effective, scenario=scenario, include_synthetic=include_synthetic)
    communities = Community.objects.filter(town__parent=district)
    if town is not None:
        communities = communities.filter(town=town)
    rows: list[CommunityCoverage] = []
    fields = ("pk", "code", "name", "town__code", "town__name", "population", "infants_under_3")
    for c in communities.order_by("town__sort_order", "town__code", "code").values(
        *fields, "longitude", "latitude"
    ):
        result = results.get(c["pk"])
        rows.append(
            CommunityCoverage(
                code=c["code"],
                name=c["name"],
                town_code=c["town__code"],
                town_name=c["town__name"],
                population=c["population"],
                infants=c["infants_under_3"],
                longitude=c["longitude"],
                latitude=c["latitude"],
                covered_inclusive=result[0] if result else None,
                covered_any=result[1] if result else None,
                access=result[2] if result else None,
            )
        )
    towns_qs = Region.objects.filter(parent=district, level=Region.Level.TOWN)
    if town is not None:
        towns_qs = towns_qs.filter(pk=town.pk)
    by_town: dict[str, list[CommunityCoverage]] = defaultdict(list)
    for row in rows:
        by_town[row.town_code].append(row)
    towns = [_area(t.code, t.name, by_town[t.code]) for t in towns_qs.order_by("sort_order", "code")]
    area = town or district
    totals = _area(area.code, area.name, rows)

    _sites, converted, hypothetical = _scenario_inputs(scenario)
    facilities = counted_facilities(district, include_synthetic)
    if town is not None:
        facilities = facilities.filter(town=town)
    points = [_facility_point(f, converted) for f in facilities.values(*FACILITY_FIELDS)]
    located = [p for p in points if p.longitude is not None and p.latitude is not None]
    unlocated = [p for p in points if p.longitude is None or p.latitude is None]

    uncovered = [r for r in rows if r.covered_inclusive is False]
    uncovered.sort(key=lambda r: (r.infants is None, -(r.infants or 0), r.code))
    return DistrictCoverage(
        district=district,
        district_code=district.code,
        district_name=district.name,
        radius_m=radius_m,
        detour_factor=detour,
        effective_radius_m=effective,
        totals=totals,
        towns=towns,
        communities=rows,
        facilities=located + hypothetical,
        unlocated=unlocated,
        uncovered=uncovered,
        goals=goals_for(district),
        scenario_name=scenario.name if scenario else "",
        town_code=town.code if town is not None else None,
        default_setting=default,
    )


def compare_scenario(
    scenario: Scenario, *, town: Region | None = None, include_synthetic: bool | None = None
) -> tuple[DistrictCoverage, DistrictCoverage]:
    """The district's coverage without and with the scenario (before, after)."""
    before = district_coverage(scenario.district, town=town, include_synthetic=include_synthetic)
    after = district_coverage(
        scenario.district, scenario=scenario, town=town, include_synthetic=include_synthetic
    )
    return before, after

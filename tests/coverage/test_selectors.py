"""Coverage and 2SFCA on a synthetic grid, checked against a hand computation; the GiST indexes in the plan.

The grid lies on latitude 40°N near 100°E, far from every seeded facility. There 0.01° of longitude is
about 852 m on PostgreSQL's earth sphere (R = 6,378,168 m) and 0.005° about 426 m, against the default
1,000 m radius:

    longitude  100.300  100.305  100.310  100.320  100.335  100.340
               C1                C2       C3                C4        (C5 has no point)
                        F1 (inclusive, 30 slots)   F2 (not inclusive, 15 slots)
               F3 (inclusive, suspended) at 100.320; F4 (inclusive) without a point

    in reach:  F1 → C1 (426 m), C2 (426 m); C3 is 1,279 m away.   F2 → C4 (426 m); C3 is 1,279 m away.

    community  population  infants  inclusive  any   2SFCA
    C1         1,000       30       yes        yes   R_F1 = 30 / (30 + 50) = 0.375
    C2         2,000       50       yes        yes   0.375
    C3         1,500       20       no         no    0
    C4         3,000       100      no         yes   R_F2 = 15 / 100 = 0.15
    C5         500         10       —          —     —
"""

from decimal import Decimal

import pytest
from django.db import connection

from coverage import selectors
from coverage.models import CoverageSetting, ScenarioSite
from facilities.models import Facility
from tests.factories import (
    CommunityFactory,
    DistrictFactory,
    ScenarioFactory,
    ScenarioSiteFactory,
    TownFactory,
    filed_facility,
)

LAT = Decimal("40.000000")


def lon(value: str) -> Decimal:
    return Decimal(value)


@pytest.fixture
def grid(db):
    district = DistrictFactory()
    north = TownFactory(parent=district, name="北镇")
    south = TownFactory(parent=district, name="南镇")
    c = {
        "C1": CommunityFactory(
            town=north, population=1000, infants_under_3=30, longitude=lon("100.300"), latitude=LAT
        ),
        "C2": CommunityFactory(
            town=north, population=2000, infants_under_3=50, longitude=lon("100.310"), latitude=LAT
        ),
        "C3": CommunityFactory(
            town=south, population=1500, infants_under_3=20, longitude=lon("100.320"), latitude=LAT
        ),
        "C4": CommunityFactory(
            town=south, population=3000, infants_under_3=100, longitude=lon("100.340"), latitude=LAT
        ),
        "C5": CommunityFactory(town=south, population=500, infants_under_3=10),
    }
    f = {
        "F1": filed_facility(north, "F1", longitude=lon("100.305"), latitude=LAT, units=[("toddler", 2, 15)]),
        "F2": filed_facility(
            south,
            "F2",
            inclusive=False,
            inclusive_slots=0,
            longitude=lon("100.335"),
            latitude=LAT,
            units=[("toddler", 1, 15)],
        ),
        "F3": filed_facility(
            south, "F3", operating=False, suspended=True, longitude=lon("100.320"), latitude=LAT
        ),
        "F4": filed_facility(south, "F4"),
    }
    return district, north, south, c, f


def by_code(coverage):
    return {row.code: row for row in coverage.communities}


def test_grid_matches_the_hand_computation(grid):
    district, north, south, c, f = grid
    assert f["F1"].total_slots == 30 and f["F2"].total_slots == 15
    result = selectors.district_coverage(district)
    rows = by_code(result)
    expected = {
        "C1": (True, True, Decimal("0.3750")),
        "C2": (True, True, Decimal("0.3750")),
        "C3": (False, False, Decimal("0.0000")),
        "C4": (False, True, Decimal("0.1500")),
        "C5": (None, None, None),
    }
    for name, (inclusive, any_, access) in expected.items():
        row = rows[c[name].code]
        assert (row.covered_inclusive, row.covered_any, row.access) == (inclusive, any_, access), name

    totals = result.totals
    assert (totals.population, totals.infants) == (8000, 210)
    assert (totals.population_covered_inclusive, totals.infants_covered_inclusive) == (3000, 80)
    assert (totals.population_covered_any, totals.infants_covered_any) == (6000, 180)
    assert totals.share_population_inclusive == Decimal(3000) / Decimal(8000)
    assert totals.share_infants_any == Decimal(180) / Decimal(210)
    # infants-weighted mean over located communities: (0.375·30 + 0.375·50 + 0·20 + 0.15·100) / 200
    assert totals.mean_access == Decimal("0.2250")
    assert (totals.communities_count, totals.located_count) == (5, 4)

    towns = {t.code: t for t in result.towns}
    assert towns[north.code].share_population_inclusive == Decimal(1)
    assert towns[south.code].population_covered_inclusive == 0
    assert towns[south.code].share_infants_any == Decimal(100) / Decimal(130)

    assert [r.code for r in result.uncovered] == [c["C4"].code, c["C3"].code]  # by infants, descending
    assert {p.name for p in result.facilities} == {"F1", "F2"}  # F3 is suspended
    assert [p.name for p in result.unlocated] == ["F4"]
    assert (result.radius_m, result.effective_radius_m, result.default_setting) == (
        1000,
        Decimal("1000.00"),
        True,
    )


def test_detour_factor_shrinks_the_radius(grid):
    district, _north, _south, c, _f = grid
    # 1000 / 2.5 = 400 m: F1 at 426 m no longer reaches C1 or C2
    CoverageSetting.objects.create(district=district, radius_m=1000, detour_factor=Decimal("2.50"))
    result = selectors.district_coverage(district)
    assert result.effective_radius_m == Decimal("400.00")
    assert result.totals.population_covered_any == 0
    assert by_code(result)[c["C1"].code].access == Decimal("0.0000")


def test_town_narrows_the_lists_not_the_catchments(grid):
    district, north, _south, c, _f = grid
    result = selectors.district_coverage(district, town=north)
    assert [t.code for t in result.towns] == [north.code]
    assert result.totals.population == 3000
    assert by_code(result)[c["C1"].code].access == Decimal("0.3750")  # C2's infants still share F1


def test_synthetic_and_unfiled_facilities_do_not_count(grid):
    district, _north, _south, c, _f = grid
    Facility.objects.filter(name="F1").update(is_synthetic=True)
    result = selectors.district_coverage(district, include_synthetic=False)
    assert by_code(result)[c["C1"].code].covered_inclusive is False


def test_scenario_changes_nothing_real_and_is_computed_beside(grid):
    district, _north, _south, c, f = grid
    scenario = ScenarioFactory(district=district)
    # a new inclusive site of 10 slots at C3 (C2 is 852 m away), and F2 counted as inclusive
    ScenarioSiteFactory(
        scenario=scenario, kind=ScenarioSite.Kind.NEW, name="S", longitude=lon("100.320"), latitude=LAT
    )
    ScenarioSiteFactory(
        scenario=scenario, kind=ScenarioSite.Kind.CONVERT, facility=f["F2"], inclusive_slots=15
    )
    before, after = selectors.compare_scenario(scenario)
    assert before.totals.population_covered_inclusive == 3000
    rows = by_code(after)
    assert all(rows[c[n].code].covered_inclusive for n in ("C1", "C2", "C3", "C4"))
    assert after.totals.population_covered_inclusive == 7500
    # R_S = 10 / (50 + 20); C2 = R_F1 + R_S, C3 = R_S
    r_s = Decimal(10) / Decimal(70)
    assert rows[c["C2"].code].access == (Decimal("0.375") + r_s).quantize(Decimal("0.0001"))
    assert rows[c["C3"].code].access == r_s.quantize(Decimal("0.0001"))
    assert [p.name for p in after.facilities if p.hypothetical] == ["S"]
    assert [p.name for p in after.facilities if p.converted] == ["F2"]
    assert Facility.objects.get(pk=f["F2"].pk).is_inclusive is False  # real data untouched
    assert after.scenario_name == scenario.name


def _spread_copies(facility, n: int) -> None:
    """n synthetic copies of `facility`, 1.1 km apart along a meridian, so the table is big enough for the
    planner's choice to be the one it makes on a real registry (an index on the filing status alone would
    do for a handful of rows). Rolled back with the test."""
    columns = [f.column for f in Facility._meta.concrete_fields if not f.primary_key]
    replaced = {
        "is_synthetic": "true",
        "name": "name || '-' || g",
        "filing_number": "filing_number || '-' || g",
        "credit_code": "''",
        "seed_key": "NULL",
        "inclusive_slots": "0",
        "latitude": "latitude + g * 0.01",
    }
    select = ", ".join(replaced.get(c, f'"{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '120s'")
        cursor.execute(
            f"INSERT INTO facilities_facility ({names}) "
            f"SELECT {select} FROM facilities_facility, generate_series(1, %s) g WHERE id = %s",
            [n, facility.pk],
        )
        cursor.execute("ANALYZE facilities_facility")
        cursor.execute("ANALYZE coverage_community")


def test_the_query_uses_both_gist_indexes(grid):
    district, *_rest, f = grid
    _spread_copies(f["F1"], 500)
    sql, params = selectors.coverage_sql([], {})
    params.update({"district": district.pk, "r": 1000.0})
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "coverage_facility_earth_gist" in plan, plan
    assert "coverage_community_earth_gist" in plan, plan


def test_goals_name_their_source(seeded):
    from targets.models import Region

    yubei = Region.objects.get(code="500112")
    goals = selectors.goals_for(yubei)
    texts = [g.text for g in goals]
    assert "实现“15 分钟托育服务圈”" in texts
    circle = next(g for g in goals if g.text == "实现“15 分钟托育服务圈”")
    assert "第245号提案" in circle.source_title
    assert any(g.value.startswith("15") for g in goals)  # the 15 town parks, a reported figure

"""What coverage.selectors return: plain dataclasses the pages, the export and the API read.

Shares are Decimal fractions 0–1, or None when the denominator is unknown or zero. Population sums add the
known values only (None when none is known). `access` is the 2SFCA score (slots per infant reachable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class FacilityPoint:
    id: int | None  # None for a hypothetical site
    name: str
    longitude: Decimal | None
    latitude: Decimal | None
    inclusive: bool
    slots: int
    inclusive_slots: int
    hypothetical: bool = False
    operating: bool = True
    town_code: str = ""
    converted: bool = False  # counted as inclusive by a scenario


@dataclass
class CommunityCoverage:
    code: str
    name: str
    town_code: str
    town_name: str
    population: int | None
    infants: int | None
    longitude: Decimal | None
    latitude: Decimal | None
    covered_inclusive: bool | None  # None when the community has no point
    covered_any: bool | None
    access: Decimal | None  # 2SFCA: slots per infant within reach (0 when none); None without a point


@dataclass
class AreaCoverage:
    code: str
    name: str
    population: int | None
    infants: int | None
    population_covered_inclusive: int | None
    infants_covered_inclusive: int | None
    population_covered_any: int | None
    infants_covered_any: int | None
    share_population_inclusive: Decimal | None
    share_infants_inclusive: Decimal | None
    share_population_any: Decimal | None
    share_infants_any: Decimal | None
    mean_access: Decimal | None  # population-weighted mean 2SFCA score of located communities
    communities_count: int
    located_count: int


@dataclass
class Goal:
    text: str
    value: str  # as the document states it ("15 个", "实现"), for display
    source_title: str
    quote: str = ""
    period_text: str = ""


@dataclass
class DistrictCoverage:
    district: object  # the targets.Region
    district_code: str
    district_name: str
    radius_m: int
    detour_factor: Decimal
    effective_radius_m: Decimal
    totals: AreaCoverage
    towns: list[AreaCoverage] = field(default_factory=list)
    communities: list[CommunityCoverage] = field(default_factory=list)
    facilities: list[FacilityPoint] = field(default_factory=list)
    unlocated: list[FacilityPoint] = field(default_factory=list)
    uncovered: list[CommunityCoverage] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    scenario_name: str = ""
    town_code: str | None = None  # when narrowed to one town
    default_setting: bool = True  # no CoverageSetting saved: the defaults (1000 m, factor 1.00) apply

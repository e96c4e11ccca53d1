"""Per-town demand: the one computation behind the per-town demand page, its export and /api/v1/town-demand/.

For each town of a district: infants under 3 (the town's latest population row up to the chosen year that
states them) × an enrolment-wish rate = slots needed, against the town's actual slots and pipeline as the
district dashboard counts them (planning.selectors, same as-of date). The rates are the district's adopted
setting (DemandAssumption, or the portal's default assumption when none is set) followed by the district's
named scenarios (DemandScenario), side by side; computing a scenario never changes the adopted setting.

    needed              round half up (infants × rate ÷ 100); unknown when the town's infants are unknown
    gap                 needed − actual slots (negative: more slots than demand)
    gap_after_pipeline  needed − actual − pipeline slots

District totals add the towns whose infants are known; the district's own population row is shown beside
them, so that a partial town split is visible instead of passing for the whole district.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from planning import selectors
from planning.models import DemandAssumption, DemandScenario
from targets.models import PopulationStat, Region, SlotTarget

ADOPTED = "adopted"


@dataclass(frozen=True)
class Rate:
    """One enrolment-wish rate the table is computed with: the adopted setting or a scenario."""

    key: str  # "adopted" or "scenario-<id>"
    name: str
    percent: Decimal
    adopted: bool
    is_default: bool = False  # the adopted rate is the portal's default assumption, not the district's
    scenario: DemandScenario | None = None


def slots_needed(infants: int | None, percent: Decimal) -> int | None:
    if infants is None:
        return None
    return int((Decimal(infants) * percent / 100).to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True)
class Figure:
    rate: Rate
    needed: int | None
    gap: int | None
    gap_after_pipeline: int | None


@dataclass
class TownDemand:
    code: str
    name: str
    town_id: int | None
    infants: int | None
    population: PopulationStat | None
    actual_slots: int
    pipeline_slots: int
    figures: list[Figure] = field(default_factory=list)

    @property
    def population_year(self) -> int | None:
        return self.population.year if self.population else None

    def compute(self, rates: list[Rate]) -> None:
        self.figures = []
        for rate in rates:
            needed = slots_needed(self.infants, rate.percent)
            gap = None if needed is None else needed - self.actual_slots
            after = None if gap is None else gap - self.pipeline_slots
            self.figures.append(Figure(rate, needed, gap, after))


@dataclass
class DemandTable:
    district: Region
    year: int
    as_of: datetime.date
    rates: list[Rate]
    rows: list[TownDemand]
    district_population: PopulationStat | None

    @property
    def adopted(self) -> Rate:
        return self.rates[0]

    @property
    def scenarios(self) -> list[Rate]:
        return self.rates[1:]

    @property
    def towns_with_infants(self) -> int:
        return sum(1 for row in self.rows if row.infants is not None)

    @property
    def district_infants(self) -> int | None:
        return self.district_population.infants_under_3 if self.district_population else None

    @property
    def totals(self) -> TownDemand:
        """The towns summed; needed and gaps over the towns whose infants are known only."""
        known = [row for row in self.rows if row.infants is not None]
        total = TownDemand(
            code=self.district.code,
            name=self.district.name,
            town_id=None,
            infants=sum(row.infants for row in known) if known else None,
            population=None,
            actual_slots=sum(row.actual_slots for row in self.rows),
            pipeline_slots=sum(row.pipeline_slots for row in self.rows),
        )
        for index, rate in enumerate(self.rates):
            figures = [row.figures[index] for row in known]
            if not figures:
                total.figures.append(Figure(rate, None, None, None))
                continue
            total.figures.append(
                Figure(
                    rate,
                    sum(f.needed for f in figures),
                    sum(f.gap for f in figures),
                    sum(f.gap_after_pipeline for f in figures),
                )
            )
        return total


def rates_for(district: Region) -> list[Rate]:
    """The adopted setting first, then the district's scenarios (lowest rate first)."""
    adopted = DemandAssumption.objects.filter(district=district).first()
    rates = [
        Rate(
            key=ADOPTED,
            name=str(_("本区采用")),
            percent=adopted.enrolment_wish_percent if adopted else selectors.DEFAULT_ENROLMENT_WISH_PERCENT,
            adopted=True,
            is_default=adopted is None,
        )
    ]
    for scenario in DemandScenario.objects.filter(district=district).order_by(
        "enrolment_wish_percent", "name"
    ):
        rates.append(
            Rate(
                key=f"scenario-{scenario.pk}",
                name=scenario.name,
                percent=scenario.enrolment_wish_percent,
                adopted=False,
                scenario=scenario,
            )
        )
    return rates


def latest_population(regions, year: int) -> dict[int, PopulationStat]:
    """Per region id, its latest population row up to `year` that states infants under 3."""
    latest: dict[int, PopulationStat] = {}
    rows = (
        PopulationStat.objects.filter(region__in=regions, year__lte=year, infants_under_3__isnull=False)
        .select_related("source")
        .order_by("region_id", "-year")
    )
    for row in rows:
        latest.setdefault(row.region_id, row)
    return latest


def town_demand(
    district: Region,
    year: int | None = None,
    as_of: datetime.date | None = None,
    *,
    towns: QuerySet[Region] | None = None,
) -> DemandTable:
    """The district's towns (or only `towns`, e.g. the ones a town official may see), each with its infants,
    slots, pipeline and the slots needed and gaps under every rate."""
    today = timezone.localdate()
    year = year or today.year
    as_of = as_of or min(today, datetime.date(year, 12, 31))
    figures = selectors._DistrictFigures.load(district, as_of, towns)
    # The slots per town exactly as the dashboard counts them (no targets needed here).
    progress = figures.progress(year, SlotTarget.Level.PLAN, {}, None)
    town_ids = [pk for pk, _code, _name in figures.towns]
    population = latest_population(town_ids, year)
    rates = rates_for(district)
    rows = []
    for (pk, code, name), row in zip(figures.towns, progress.rows, strict=False):
        stat = population.get(pk)
        town = TownDemand(
            code=code,
            name=name,
            town_id=pk,
            infants=stat.infants_under_3 if stat else None,
            population=stat,
            actual_slots=row.actual_slots,
            pipeline_slots=row.pipeline_slots,
        )
        town.compute(rates)
        rows.append(town)
    district_population = latest_population([district.pk], year).get(district.pk)
    return DemandTable(
        district=district,
        year=year,
        as_of=as_of,
        rates=rates,
        rows=rows,
        district_population=district_population,
    )

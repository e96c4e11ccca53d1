"""Reads for places, sources, population, reported figures and slot targets.

District totals are always summed from the town rows here; no total is ever stored or typed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum

from core.formatting import ratio
from targets import divisions
from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument


def districts() -> QuerySet[Region]:
    return (
        Region.objects.filter(level=Region.Level.DISTRICT)
        .select_related("parent")
        .annotate(town_count=Count("children", distinct=True))
        .prefetch_related(Prefetch("documents", queryset=SourceDocument.objects.order_by("-issued_on")))
        .order_by("parent__code", "code")
    )


@dataclass(frozen=True)
class TargetTotal:
    year: int
    level: str
    level_label: str
    total_slots: int
    inclusive_slots: int
    towns: int

    @property
    def inclusive_ratio(self) -> Decimal | None:
        return ratio(self.inclusive_slots, self.total_slots)


def target_totals_by_district(district_ids) -> dict[int, list[TargetTotal]]:
    """Each district's target per (year, level), summed in SQL from its towns' rows, in one query."""
    rows = (
        SlotTarget.objects.filter(town__parent_id__in=district_ids)
        .values("town__parent_id", "year", "level")
        .annotate(total=Sum("total_slots"), inclusive=Sum("inclusive_slots"), towns=Count("town"))
    )
    order = {value: i for i, value in enumerate(SlotTarget.Level.values)}
    result: dict[int, list[TargetTotal]] = {pk: [] for pk in district_ids}
    for r in rows:
        result[r["town__parent_id"]].append(
            TargetTotal(
                year=r["year"],
                level=r["level"],
                level_label=SlotTarget.Level(r["level"]).label,
                total_slots=r["total"],
                inclusive_slots=r["inclusive"],
                towns=r["towns"],
            )
        )
    for totals in result.values():
        totals.sort(key=lambda t: (t.year, order[t.level]))
    return result


def target_totals(district: Region) -> list[TargetTotal]:
    return target_totals_by_district([district.pk])[district.pk]


@dataclass
class TownTargets:
    town: Region
    cells: list[SlotTarget | None]  # one per column of target_columns(), None where the town has no row


def target_table(district: Region) -> tuple[list[TargetTotal], list[TownTargets]]:
    """Towns × (year, level) columns, like the annex tables that assign targets to towns."""
    columns = target_totals(district)
    index = {(c.year, c.level): i for i, c in enumerate(columns)}
    towns = (
        Region.objects.filter(parent=district, level=Region.Level.TOWN)
        .prefetch_related(Prefetch("slot_targets", queryset=SlotTarget.objects.select_related("source")))
        .order_by("sort_order", "code")
    )
    table = []
    for town in towns:
        cells: list[SlotTarget | None] = [None] * len(columns)
        for target in town.slot_targets.all():
            cells[index[(target.year, target.level)]] = target
        if any(cells):
            table.append(TownTargets(town=town, cells=cells))
    return columns, table


def latest_population_by_region(region_ids) -> dict[int, PopulationStat]:
    rows = (
        PopulationStat.objects.filter(region_id__in=region_ids)
        .select_related("source")
        .order_by("region_id", "-year")
        .distinct("region_id")
    )
    return {row.region_id: row for row in rows}


def latest_population(region: Region) -> PopulationStat | None:
    return latest_population_by_region([region.pk]).get(region.pk)


def reported_figures(region: Region) -> list[ReportedFigure]:
    """A region's reported figures: actual before goal and standard, then in the order measures are declared
    (population, supply, staff, money, supervision), then by date."""
    natures = {value: i for i, value in enumerate(ReportedFigure.Nature.values)}
    measures = {value: i for i, value in enumerate(ReportedFigure.Measure.values)}
    figures = ReportedFigure.objects.filter(region=region).select_related("source")
    return sorted(
        figures,
        key=lambda f: (natures[f.nature], measures[f.measure], f.period_end or date.max, f.key),
    )


# ---------------------------------------------------------------- the region tree (official codes)


@dataclass
class TreeNode:
    region: Region
    children: list[TreeNode]


def region_tree(regions: QuerySet[Region]) -> list[TreeNode]:
    """The given (already scoped) regions as a tree of cities → districts → towns. A region whose parent is
    not among them becomes a root of its own, so a town official sees their town without its district."""
    rows = list(regions.select_related("parent").order_by("level", "parent_id", "sort_order", "code"))
    nodes = {r.pk: TreeNode(r, []) for r in rows}
    roots = []
    for region in sorted(rows, key=lambda r: ["city", "district", "town"].index(r.level)):
        parent = nodes.get(region.parent_id)
        (parent.children if parent else roots).append(nodes[region.pk])
    return roots


@dataclass
class DivisionRow:
    division: divisions.Division
    region: Region | None  # the portal's region for this NBS unit, when the portal plans for it

    @property
    def children(self) -> int:
        return len(divisions.children(self.division.code))


def division_rows(region: Region) -> list[DivisionRow]:
    """The NBS units directly under a portal region, each with the portal's region carrying its code."""
    under = divisions.children(region.code)
    if region.level == Region.Level.CITY:  # skip NBS's prefecture level (a municipality's 市辖区/县)
        under = [d for prefecture in under for d in divisions.children(prefecture.code)]
    portal = {r.code: r for r in Region.objects.filter(code__in=[d.code for d in under])}
    return [DivisionRow(d, portal.get(d.code)) for d in under]

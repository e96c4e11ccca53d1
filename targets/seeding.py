"""Loads the seed data in fixtures/ (readable CSV taken from the source documents) into the database.

The whole run is one transaction: every file is parsed and checked first, and if any row is bad the run
raises SeedError listing each problem with its file, line and field, and nothing is written. Rows are
matched on their natural keys, so a second run changes nothing and an edited fixture updates in place.
Rows that are in the database but no longer in the fixtures are left untouched and reported. The machinery
(files, cell parsers, problems, upserts) is core.seeding's; this module declares the places' files.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from core.seeding import (
    DEFAULT_FIXTURES_DIR,
    FixtureFile,
    FixtureLoader,
    Problem,
    Row,
    SeedError,
    SeedReport,
    boolean,
    choice,
    date,
    decimal,
    integer,
    pick,
    required_decimal,
    required_integer,
    required_text,
    text,
    year,
)
from targets import divisions
from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument

# The NBS level a portal level's official code must have (a 直辖市 is a province-level division).
NBS_LEVELS = {
    Region.Level.CITY: {divisions.PROVINCE, divisions.CITY},
    Region.Level.DISTRICT: {divisions.DISTRICT},
    Region.Level.TOWN: {divisions.TOWN},
}

SOURCES = FixtureFile(
    "sources.csv",
    {
        "key": required_text,
        "issuer": text,
        "title": required_text,
        "doc_number": text,
        "issued_on": date,
        "status": choice(SourceDocument.Status),
        "region": text,
        "seed_file": text,
        "notes": text,
    },
)
REGIONS = FixtureFile(
    "regions.csv",
    {
        "code": required_text,
        "official_code": boolean,
        "name": required_text,
        "official_name": text,
        "level": choice(Region.Level),
        "kind": choice(Region.Kind),
        "parent": text,
        "sort_order": integer,
        "source": text,
    },
)
POPULATION = FixtureFile(
    "population.csv",
    {
        "region": required_text,
        "year": year,
        "resident_population": integer,
        "births": integer,
        "infants_under_3": integer,
        "women_childbearing_age": integer,
        "avg_monthly_household_disposable_income": decimal,
        "scope_note": text,
        "source": required_text,
    },
)
REPORTED_FIGURES = FixtureFile(
    "reported_figures.csv",
    {
        "key": required_text,
        "region": required_text,
        "measure": choice(ReportedFigure.Measure),
        "subject": text,
        "nature": choice(ReportedFigure.Nature),
        "comparator": choice(ReportedFigure.Comparator),
        "value": required_decimal,
        "unit": choice(ReportedFigure.Unit),
        "period_start": date,
        "period_end": date,
        "period_text": text,
        "quote": text,
        "source": required_text,
    },
)
SLOT_TARGETS = FixtureFile(
    "slot_targets.csv",
    {
        "district": required_text,
        "town": required_text,
        "year": year,
        "level": choice(SlotTarget.Level),
        "total_slots": required_integer,
        "inclusive_slots": required_integer,
        "source": required_text,
    },
)


# ---------------------------------------------------------------- the loader


class PlacesLoader(FixtureLoader):
    """Sources, regions, population, reported figures and slot targets: the first stage of every seed run."""

    files = {
        SOURCES: {"key": ("key",)},
        REGIONS: {"code": ("code",), "同一上级下的名称": ("parent", "name")},
        POPULATION: {"地区+年份": ("region", "year")},
        REPORTED_FIGURES: {"key": ("key",)},
        SLOT_TARGETS: {"区县+镇街+年份+目标层级": ("district", "town", "year", "level")},
    }

    def __init__(self, directory: Path, report: SeedReport | None = None):
        super().__init__(directory, report)
        self.created_sources: set[str] = set()

    def saved(self, obj, *, created: bool) -> None:
        if created and isinstance(obj, SourceDocument):
            self.created_sources.add(obj.key)

    def check(self, sources, regions, population, figures, targets):
        source_keys = {r.values["key"] for r in sources} | set(
            SourceDocument.objects.values_list("key", flat=True)
        )
        known_regions = {
            code: (level, parent, name)
            for code, level, parent, name in Region.objects.values_list(
                "code", "level", "parent__code", "name"
            )
        }
        for row in regions:
            v = row.values
            known_regions[v["code"]] = (v["level"], v["parent"] or None, v["name"])

        def check_source(file, row, column="source", required=True):
            key = row.values[column]
            if (key or required) and key not in source_keys:
                self.problem(file, row, column, f"未知来源文件“{key}”")

        def check_region(file, row, column, *, levels=None):
            code = row.values[column]
            if code not in known_regions:
                self.problem(file, row, column, f"未知地区代码“{code}”")
                return
            level = known_regions[code][0]
            if levels and level not in levels:
                wanted = "或".join(str(Region.Level(lv).label) for lv in levels)
                self.problem(
                    file, row, column, f"地区“{code}”是{Region.Level(level).label}，此处应为{wanted}"
                )

        def check_nbs(row):
            """An official code must be in the NBS 2023 table, at the row's level, under the row's parent,
            and under the name the row gives as the NBS name."""
            v = row.values
            division = divisions.get(v["code"])
            if division is None:
                self.problem(REGIONS, row, "code", f"“{v['code']}”不在国家统计局2023年统计用区划代码中")
                return
            if division.level not in NBS_LEVELS[v["level"]]:
                self.problem(
                    REGIONS, row, "code", f"“{v['code']}”在统计用区划代码中是{division.level_label}区划"
                )
            if v["official_name"] and v["official_name"] != division.name:
                self.problem(
                    REGIONS, row, "official_name", f"统计用区划代码“{v['code']}”的名称是“{division.name}”"
                )
            if v["parent"] and divisions.nbs_code(v["parent"]) not in (
                division.parent_code,
                (division.parent_code or "")[:2],  # a municipality's districts sit under its 市辖区
            ):
                self.problem(REGIONS, row, "parent", f"统计用区划代码“{v['code']}”不属于“{v['parent']}”")

        for row in sources:
            if row.values["region"]:
                check_region(SOURCES, row, "region")
        for row in regions:
            v = row.values
            check_source(REGIONS, row, required=False)
            if v["kind"] not in Region.KINDS_BY_LEVEL[v["level"]]:
                self.problem(
                    REGIONS, row, "kind", f"“{v['kind']}”不属于“{Region.Level(v['level']).label}”层级"
                )
            if v["official_code"]:
                check_nbs(row)
            expected_parent = Region.PARENT_LEVEL.get(v["level"])
            if expected_parent is None:
                if v["parent"]:
                    self.problem(REGIONS, row, "parent", "市级地区不能有上级")
            elif not v["parent"]:
                self.problem(REGIONS, row, "parent", "区县和镇街必须填写上级地区代码")
            else:
                check_region(REGIONS, row, "parent", levels=[expected_parent])
        for row in population:
            check_source(POPULATION, row)
            check_region(POPULATION, row, "region")
        for row in figures:
            v = row.values
            check_source(REPORTED_FIGURES, row)
            check_region(REPORTED_FIGURES, row, "region")
            if v["period_start"] and v["period_end"] and v["period_start"] > v["period_end"]:
                self.problem(REPORTED_FIGURES, row, "period_start", "期间起不能晚于期间止")
        towns_by_name = {
            (parent, name): code for code, (level, parent, name) in known_regions.items() if level == "town"
        }
        for row in targets:
            v = row.values
            check_source(SLOT_TARGETS, row)
            check_region(SLOT_TARGETS, row, "district", levels=[Region.Level.DISTRICT])
            if (v["district"], v["town"]) not in towns_by_name:
                self.problem(SLOT_TARGETS, row, "town", f"区县“{v['district']}”下没有镇街“{v['town']}”")
            if v["inclusive_slots"] > v["total_slots"]:
                self.problem(
                    SLOT_TARGETS,
                    row,
                    "inclusive_slots",
                    f"普惠托位数（{v['inclusive_slots']}）不能大于托位总数（{v['total_slots']}）",
                )

    def write(self, sources, regions, population, figures, targets):
        source_by_key = {}
        region_by_code = {r.code: r for r in Region.objects.select_related("parent")}

        # Sources first without their region (regions may not exist yet), regions next, then link them.
        for row in sources:
            v = row.values
            obj = self.upsert(
                SOURCES,
                row,
                SourceDocument,
                {"key": v["key"]},
                pick(v, "issuer", "title", "doc_number", "issued_on", "status", "seed_file", "notes"),
            )
            source_by_key[obj.key] = obj
        source_by_key.update({s.key: s for s in SourceDocument.objects.exclude(key__in=source_by_key)})

        for row in regions:
            v = row.values
            region_by_code[v["code"]] = self.upsert(
                REGIONS,
                row,
                Region,
                {"code": v["code"]},
                {
                    **pick(v, "official_code", "name", "official_name", "level", "kind"),
                    "parent": region_by_code.get(v["parent"]) if v["parent"] else None,
                    "sort_order": v["sort_order"] or 0,
                    "source": source_by_key.get(v["source"]) if v["source"] else None,
                },
            )

        self.stop_on_problems()
        for row in sources:
            obj = source_by_key[row.values["key"]]
            region = region_by_code.get(row.values["region"]) if row.values["region"] else None
            if obj.region_id != (region.pk if region else None):
                was_created = obj.region_id is None and obj.key in self.created_sources
                obj.region = region
                obj.save(update_fields=["region", "updated_at"])
                if not was_created:
                    self.count(self.report.updated, SourceDocument)

        self.stop_on_problems()
        for row in population:
            v = row.values
            self.upsert(
                POPULATION,
                row,
                PopulationStat,
                {"region": region_by_code[v["region"]], "year": v["year"]},
                {
                    **pick(v, *PopulationStat.COUNT_FIELDS),
                    **pick(v, "avg_monthly_household_disposable_income", "scope_note"),
                    "source": source_by_key[v["source"]],
                },
            )

        for row in figures:
            v = row.values
            self.upsert(
                REPORTED_FIGURES,
                row,
                ReportedFigure,
                {"key": v["key"]},
                {
                    **pick(v, "measure", "subject", "nature", "comparator", "value", "unit", "quote"),
                    **pick(v, "period_start", "period_end", "period_text"),
                    "region": region_by_code[v["region"]],
                    "source": source_by_key[v["source"]],
                },
            )

        self.stop_on_problems()
        towns = {(r.parent.code if r.parent else None, r.name): r for r in region_by_code.values()}
        for row in targets:
            v = row.values
            self.upsert(
                SLOT_TARGETS,
                row,
                SlotTarget,
                {"town": towns[(v["district"], v["town"])], "year": v["year"], "level": v["level"]},
                {
                    **pick(v, "total_slots", "inclusive_slots"),
                    "source": source_by_key[v["source"]],
                },
            )

        # Rows the fixtures no longer hold are left untouched, and reported.
        def column(rows, name="key"):
            return [r.values[name] for r in rows]

        self.not_in_fixtures(SourceDocument, SourceDocument.objects.exclude(key__in=column(sources)).count())
        self.not_in_fixtures(Region, Region.objects.exclude(code__in=column(regions, "code")).count())
        self.not_in_fixtures(ReportedFigure, ReportedFigure.objects.exclude(key__in=column(figures)).count())
        self.not_in_fixtures(PopulationStat, PopulationStat.objects.count() - len(population))
        self.not_in_fixtures(SlotTarget, SlotTarget.objects.count() - len(targets))


class SourcedLoader(FixtureLoader):
    """The base of the loaders that run after this one: their rows cite the source documents and districts it
    seeded."""

    @cached_property
    def sources(self) -> dict[str, SourceDocument]:
        return {s.key: s for s in SourceDocument.objects.all()}

    @cached_property
    def regions(self) -> dict[str, Region]:
        return {r.code: r for r in Region.objects.select_related("parent")}

    def check_source(self, file: FixtureFile, row: Row, *, required: bool = True) -> None:
        key = row.values["source"]
        if (key or required) and key not in self.sources:
            self.problem(file, row, "source", f"未知来源文件“{key}”")

    def check_district(self, file: FixtureFile, row: Row, *, required: bool = True) -> Region | None:
        """The row's district, or None (reported unless the cell is empty and not `required`)."""
        code = row.values["district"]
        region = self.regions.get(code)
        if region is not None and region.level == Region.Level.DISTRICT:
            return region
        if code or required:
            self.problem(file, row, "district", f"未知区县代码“{code}”")
        return None


def seed(directory: Path | str | None = None) -> SeedReport:
    """Load every fixture file in one transaction. Raises SeedError (and writes nothing) on any bad row."""
    return PlacesLoader(Path(directory) if directory else DEFAULT_FIXTURES_DIR).run()


__all__ = [
    "DEFAULT_FIXTURES_DIR",
    "PlacesLoader",
    "Problem",
    "SeedError",
    "SeedReport",
    "SourcedLoader",
    "seed",
]

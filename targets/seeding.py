"""Loads the seed data in fixtures/ (readable CSV taken from the source documents) into the database.

The whole run is one transaction: every file is parsed and checked first, and if any row is bad the run
raises SeedError listing each problem with its file, line and field, and nothing is written. Rows are
matched on their natural keys, so a second run changes nothing and an edited fixture updates in place.
Rows that are in the database but no longer in the fixtures are left untouched and reported. The machinery
(files, cell parsers, problems, upserts) is core.seeding's; this module declares the places' files.
"""

from __future__ import annotations

from pathlib import Path

from django.db import IntegrityError, transaction

from core.seeding import (
    DEFAULT_FIXTURES_DIR,
    FixtureFile,
    FixtureLoader,
    Problem,
    SeedError,
    SeedReport,
    boolean,
    choice,
    date,
    decimal,
    integer,
    required_decimal,
    required_integer,
    required_text,
    text,
    year,
)
from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument

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

    def __init__(self, directory: Path, report: SeedReport | None = None):
        super().__init__(directory, report)
        self.created_sources: set[str] = set()

    def saved(self, obj, *, created: bool) -> None:
        if created and isinstance(obj, SourceDocument):
            self.created_sources.add(obj.key)

    # Each stage parses a file, resolves its references and returns unsaved model data keyed by natural key.

    def run(self) -> SeedReport:
        sources = SOURCES.read(self.directory, self.problems)
        regions = REGIONS.read(self.directory, self.problems)
        population = POPULATION.read(self.directory, self.problems)
        figures = REPORTED_FIGURES.read(self.directory, self.problems)
        targets = SLOT_TARGETS.read(self.directory, self.problems)

        sources = self.unique(SOURCES, sources, lambda r: r.values["key"], "key")
        regions = self.unique(REGIONS, regions, lambda r: r.values["code"], "code")
        regions = self.unique(
            REGIONS, regions, lambda r: (r.values["parent"], r.values["name"]), "同一上级下的名称"
        )
        population = self.unique(
            POPULATION, population, lambda r: (r.values["region"], r.values["year"]), "地区+年份"
        )
        figures = self.unique(REPORTED_FIGURES, figures, lambda r: r.values["key"], "key")
        targets = self.unique(
            SLOT_TARGETS,
            targets,
            lambda r: (r.values["district"], r.values["town"], r.values["year"], r.values["level"]),
            "区县+镇街+年份+目标层级",
        )

        source_keys = {r.values["key"] for r in sources} | set(
            SourceDocument.objects.values_list("key", flat=True)
        )
        region_rows = {r.values["code"]: r for r in regions}
        known_regions = {
            code: (level, parent, name)
            for code, level, parent, name in Region.objects.values_list(
                "code", "level", "parent__code", "name"
            )
        }
        for code, row in region_rows.items():
            known_regions[code] = (row.values["level"], row.values["parent"] or None, row.values["name"])

        self.check_references(sources, regions, population, figures, targets, source_keys, known_regions)
        if self.problems:
            raise SeedError(self.problems)

        try:
            with transaction.atomic():
                self.write(sources, regions, population, figures, targets)
                if self.problems:
                    raise SeedError(self.problems)
        except IntegrityError as exc:  # a database constraint the checks above did not foresee
            raise SeedError([*self.problems, Problem("（数据库）", None, None, str(exc).strip())]) from exc
        return self.report

    def check_references(self, sources, regions, population, figures, targets, source_keys, known_regions):
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
                {
                    k: v[k]
                    for k in ("issuer", "title", "doc_number", "issued_on", "status", "seed_file", "notes")
                },
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
                    "official_code": v["official_code"],
                    "name": v["name"],
                    "level": v["level"],
                    "kind": v["kind"],
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
                    **{k: v[k] for k in PopulationStat.COUNT_FIELDS},
                    "avg_monthly_household_disposable_income": v["avg_monthly_household_disposable_income"],
                    "scope_note": v["scope_note"],
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
                    **{
                        k: v[k]
                        for k in (
                            "measure",
                            "subject",
                            "nature",
                            "comparator",
                            "value",
                            "unit",
                            "period_start",
                            "period_end",
                            "period_text",
                            "quote",
                        )
                    },
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
                    "total_slots": v["total_slots"],
                    "inclusive_slots": v["inclusive_slots"],
                    "source": source_by_key[v["source"]],
                },
            )

        self.report_leftovers(sources, regions, population, figures, targets, region_by_code)

    def report_leftovers(self, sources, regions, population, figures, targets, region_by_code):
        def note(model, extra: int):
            if extra:
                self.report.not_in_fixtures[str(model._meta.verbose_name)] = extra

        note(
            SourceDocument, SourceDocument.objects.exclude(key__in=[r.values["key"] for r in sources]).count()
        )
        note(Region, Region.objects.exclude(code__in=[r.values["code"] for r in regions]).count())
        note(
            ReportedFigure, ReportedFigure.objects.exclude(key__in=[r.values["key"] for r in figures]).count()
        )
        note(PopulationStat, PopulationStat.objects.count() - len(population))
        note(SlotTarget, SlotTarget.objects.count() - len(targets))


def seed(directory: Path | str | None = None) -> SeedReport:
    """Load every fixture file in one transaction. Raises SeedError (and writes nothing) on any bad row."""
    return PlacesLoader(Path(directory) if directory else DEFAULT_FIXTURES_DIR).run()


__all__ = ["DEFAULT_FIXTURES_DIR", "PlacesLoader", "Problem", "SeedError", "SeedReport", "seed"]

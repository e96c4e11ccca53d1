"""Seed for subsidies: only what the source documents say, from readable CSV (fixtures/subsidies_*.csv).

Yubei's reply (渝北卫健函〔2025〕90号) gives: the 100,000,000-yuan central fund won in 2024; the 2024
operating subsidies paid early 2025 (859,000 yuan to 100 institutions — a total only, seeded as an aggregate
disbursement, tied to no fund because the document names none); the rent subsidy of 10 yuan/m²/month for
inclusive institutions, payable end of 2025 (a program with its rule; no fund named); the first-batch
incentive grants of 10,473,200 yuan to 6 town parks (an aggregate; per-park amounts unknown); the construction
projects with the sizes, investments and dates it states, linked to the registry's seeded facilities.

Uses core.seeding's file/row/problem machinery: every file is parsed and checked first, a bad row stops
the run with a message naming file, line and field, and nothing is written (one transaction). Rows are
matched on their keys, so a second run changes nothing and an edited fixture updates in place.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.seeding import (
    DEFAULT_FIXTURES_DIR,
    FixtureFile,
    SeedError,
    SeedReport,
    boolean,
    choice,
    date,
    decimal,
    integer,
    optional,
    pick,
    required,
    required_text,
    text,
    year,
)
from facilities.models import Facility
from subsidies.models import AggregateDisbursement, Comparator, Fund, Milestone, Program, Project
from targets.models import Region
from targets.seeding import SourcedLoader

# ---------------------------------------------------------------- cell parsers of this app


def money(value: str) -> Decimal | None:
    number = decimal(value)
    if number is not None and number != number.quantize(Decimal("0.01")):
        raise ValueError(f"金额最多两位小数（{number}）")
    return number


required_money = required(money)
optional_year = optional(year)
known_or_unknown = optional(boolean)  # 是 / 否, or empty for “the document does not say”


def keys(value: str) -> list[str]:
    """Keys separated by “;” (e.g. several funds of one project)."""
    return [part.strip() for part in value.split(";") if part.strip()]


def facility_kinds(value: str) -> list[str]:
    kinds = keys(value)
    unknown = [k for k in kinds if k not in Facility.Kind.values]
    if unknown:
        raise ValueError(f"未知机构类型 {'、'.join(unknown)}（可选：{'、'.join(Facility.Kind.values)}）")
    return kinds


def comparator(value: str) -> str:
    return choice(Comparator, required=False)(value) or Comparator.EQ


FUNDS = FixtureFile(
    "subsidies_funds.csv",
    {
        "key": required_text,
        "source_level": choice(Fund.SourceLevel),
        "name": required_text,
        "district": required_text,
        "year": year,
        "amount_allocated": required_money,
        "purpose": required_text,
        "notes": text,
        "source": required_text,
    },
)
PROGRAMS = FixtureFile(
    "subsidies_programs.csv",
    {
        "key": required_text,
        "district": required_text,
        "year": year,
        "kind": choice(Program.Kind),
        "name": required_text,
        "fund": text,
        "basis": choice(Program.Basis),
        "rate": required_money,
        "requires_filed": boolean,
        "requires_operating": boolean,
        "requires_inclusive": boolean,
        "allowed_kinds": facility_kinds,
        "accepting_applications": boolean,
        "payable_text": text,
        "payable_by": date,
        "notes": text,
        "source": required_text,
    },
)
AGGREGATES = FixtureFile(
    "subsidies_aggregates.csv",
    {
        "key": required_text,
        "district": required_text,
        "program_kind": choice(Program.Kind),
        "subject": required_text,
        "program": text,
        "fund": text,
        "year": optional_year,
        "amount": required_money,
        "recipients": integer,
        "paid_on": date,
        "paid_text": text,
        "as_of": date,
        "quote": text,
        "source": required_text,
    },
)
PROJECTS = FixtureFile(
    "subsidies_projects.csv",
    {
        "key": required_text,
        "kind": choice(Project.Kind),
        "district": required_text,
        "town": text,
        "name": required_text,
        "investment": money,
        "investment_comparator": comparator,
        "area_m2": decimal,
        "area_comparator": comparator,
        "planned_slots": integer,
        "funds": keys,
        "facility": text,
        "notes": text,
        "source": required_text,
    },
)
MILESTONES = FixtureFile(
    "subsidies_milestones.csv",
    {
        "project": required_text,
        "stage": choice(Milestone.Stage),
        "done": known_or_unknown,
        "planned_date": date,
        "actual_date": date,
        "note": text,
        "source": required_text,
    },
)

FILES = (FUNDS, PROGRAMS, AGGREGATES, PROJECTS, MILESTONES)


class SubsidyLoader(SourcedLoader):
    files = {
        FUNDS: {"key": ("key",), "区县+年度+资金名称": ("district", "year", "name")},
        PROGRAMS: {"key": ("key",), "区县+年度+项目名称": ("district", "year", "name")},
        AGGREGATES: {"key": ("key",)},
        PROJECTS: {"key": ("key",), "区县+项目名称": ("district", "name")},
        MILESTONES: {"项目+节点": ("project", "stage")},
    }

    # ------------------------------------------------------------ checks before anything is written

    def check(self, funds, programs, aggregates, projects, milestones):
        self.facilities = {
            f.seed_key: f for f in Facility.objects.filter(seed_key__isnull=False).select_related("district")
        }
        fund_district = {r.values["key"]: r.values["district"] for r in funds}
        fund_district.update(
            {
                k: d
                for k, d in Fund.objects.filter(seed_key__isnull=False).values_list(
                    "seed_key", "district__code"
                )
                if k not in fund_district
            }
        )
        program_info = {r.values["key"]: (r.values["district"], r.values["kind"]) for r in programs}
        program_info.update(
            {
                k: (d, kind)
                for k, d, kind in Program.objects.filter(seed_key__isnull=False).values_list(
                    "seed_key", "district__code", "kind"
                )
                if k not in program_info
            }
        )
        project_keys = {r.values["key"] for r in projects} | set(
            Project.objects.filter(seed_key__isnull=False).values_list("seed_key", flat=True)
        )

        def district(file, row) -> str | None:
            """Check the row's source and district; its district code, or None when unknown."""
            self.check_source(file, row)
            region = self.check_district(file, row)
            return region.code if region else None

        def fund(file, row, key, district_code):
            if key not in fund_district:
                self.problem(file, row, "fund", f"未知资金“{key}”")
            elif district_code and fund_district[key] != district_code:
                self.problem(file, row, "fund", f"资金“{key}”不属于区县“{district_code}”")

        for row in funds:
            district(FUNDS, row)
        for row in programs:
            v = row.values
            code = district(PROGRAMS, row)
            if v["fund"]:
                fund(PROGRAMS, row, v["fund"], code)
            if v["payable_by"] and v["payable_by"].year < v["year"]:
                self.problem(PROGRAMS, row, "payable_by", "兑现期限不能早于项目年度")
        for row in aggregates:
            v = row.values
            code = district(AGGREGATES, row)
            if v["fund"]:
                fund(AGGREGATES, row, v["fund"], code)
            if v["program"]:
                info = program_info.get(v["program"])
                if info is None:
                    self.problem(AGGREGATES, row, "program", f"未知补助项目“{v['program']}”")
                elif code and info[0] != code:
                    self.problem(AGGREGATES, row, "program", f"补助项目“{v['program']}”不属于区县“{code}”")
                elif info[1] != v["program_kind"]:
                    self.problem(AGGREGATES, row, "program", "补助项目的类型与 program_kind 不一致")
        for row in projects:
            v = row.values
            code = district(PROJECTS, row)
            if v["town"]:
                town = self.regions.get(v["town"])
                if town is None or town.level != Region.Level.TOWN or (code and town.parent.code != code):
                    self.problem(PROJECTS, row, "town", f"区县“{v['district']}”下没有镇街代码“{v['town']}”")
            for key in v["funds"]:
                if key not in fund_district:
                    self.problem(PROJECTS, row, "funds", f"未知资金“{key}”")
            if v["facility"]:
                facility = self.facilities.get(v["facility"])
                if facility is None:
                    self.problem(PROJECTS, row, "facility", f"未知机构种子标识“{v['facility']}”")
                elif code and facility.district.code != code:
                    self.problem(PROJECTS, row, "facility", f"机构“{v['facility']}”不在区县“{code}”")
            for figure, comparator_column in (
                ("investment", "investment_comparator"),
                ("area_m2", "area_comparator"),
            ):
                if v[figure] is None and v[comparator_column] != Comparator.EQ:
                    self.problem(PROJECTS, row, comparator_column, f"{figure} 为空时不能填写比较符")
        linked = [r for r in projects if r.values["facility"]]
        self.unique(
            PROJECTS, linked, lambda r: r.values["facility"], "关联机构（一个机构只对应一个建设项目）"
        )
        for row in milestones:
            v = row.values
            self.check_source(MILESTONES, row)
            if v["project"] not in project_keys:
                self.problem(MILESTONES, row, "project", f"未知建设项目“{v['project']}”")
            if v["actual_date"] and v["done"] is not True:
                self.problem(
                    MILESTONES, row, "actual_date", "填写了实际日期的节点须标记为已完成（done 填“是”）"
                )

    # ------------------------------------------------------------ writes

    def write(self, funds, programs, aggregates, projects, milestones):
        fund_by_key = {f.seed_key: f for f in Fund.objects.filter(seed_key__isnull=False)}
        for row in funds:
            v = row.values
            fund_by_key[v["key"]] = self.upsert(
                FUNDS,
                row,
                Fund,
                {"seed_key": v["key"]},
                {
                    **pick(v, "source_level", "name", "year", "amount_allocated", "purpose", "notes"),
                    "district": self.regions[v["district"]],
                    "source": self.sources[v["source"]],
                },
            )
        self.stop_on_problems()

        program_by_key = {p.seed_key: p for p in Program.objects.filter(seed_key__isnull=False)}
        for row in programs:
            v = row.values
            program_by_key[v["key"]] = self.upsert(
                PROGRAMS,
                row,
                Program,
                {"seed_key": v["key"]},
                {
                    **pick(v, "year", "kind", "name", "basis", "rate", "allowed_kinds", "notes"),
                    **pick(v, "requires_filed", "requires_operating", "requires_inclusive"),
                    **pick(v, "accepting_applications", "payable_text", "payable_by"),
                    "district": self.regions[v["district"]],
                    "fund": fund_by_key[v["fund"]] if v["fund"] else None,
                    "source": self.sources[v["source"]],
                },
            )
        self.stop_on_problems()

        for row in aggregates:
            v = row.values
            self.upsert(
                AGGREGATES,
                row,
                AggregateDisbursement,
                {"seed_key": v["key"]},
                {
                    **pick(v, "program_kind", "subject", "year", "amount", "recipients", "quote"),
                    **pick(v, "paid_on", "paid_text", "as_of"),
                    "district": self.regions[v["district"]],
                    "program": program_by_key[v["program"]] if v["program"] else None,
                    "fund": fund_by_key[v["fund"]] if v["fund"] else None,
                    "source": self.sources[v["source"]],
                },
            )

        project_by_key = {p.seed_key: p for p in Project.objects.filter(seed_key__isnull=False)}
        for row in projects:
            v = row.values
            project = self.upsert(
                PROJECTS,
                row,
                Project,
                {"seed_key": v["key"]},
                {
                    **pick(
                        v, "kind", "name", "investment", "investment_comparator", "planned_slots", "notes"
                    ),
                    **pick(v, "area_m2", "area_comparator"),
                    "district": self.regions[v["district"]],
                    "town": self.regions[v["town"]] if v["town"] else None,
                    "facility": self.facilities[v["facility"]] if v["facility"] else None,
                    "source": self.sources[v["source"]],
                },
            )
            project_by_key[v["key"]] = project
            if project.pk:
                wanted = {fund_by_key[k].pk for k in v["funds"]}
                if set(project.funds.values_list("pk", flat=True)) != wanted:
                    project.funds.set(wanted)
                    self.count(self.report.updated, Project)
        self.stop_on_problems()

        for row in milestones:
            v = row.values
            self.upsert(
                MILESTONES,
                row,
                Milestone,
                {"project": project_by_key[v["project"]], "stage": v["stage"]},
                {
                    **pick(v, "done", "planned_date", "actual_date", "note"),
                    "source": self.sources[v["source"]],
                },
            )

        for model, rows in (
            (Fund, funds),
            (Program, programs),
            (AggregateDisbursement, aggregates),
            (Project, projects),
        ):
            seeded = model.objects.filter(seed_key__isnull=False)
            extra = seeded.exclude(seed_key__in=[r.values["key"] for r in rows]).count()
            self.not_in_fixtures(model, extra)


def seed_subsidies(directory: Path | str | None, report: SeedReport | None = None) -> SeedReport:
    """Load fixtures/subsidies_*.csv after places, sources and the registry (ops.seed.seed_all)."""
    return SubsidyLoader(Path(directory) if directory else DEFAULT_FIXTURES_DIR, report).run()


__all__ = ["FILES", "SeedError", "seed_subsidies"]

"""Loads the seed data in fixtures/ (readable CSV taken from the source documents) into the database.

The whole run is one transaction: every file is parsed and checked first, and if any row is bad the run
raises SeedError listing each problem with its file, line and field, and nothing is written. Rows are
matched on their natural keys, so a second run changes nothing and an edited fixture updates in place.
Rows that are in the database but no longer in the fixtures are left untouched and reported.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument

DEFAULT_FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self):
        where = [self.file]
        if self.line is not None:
            where.append(f"第 {self.line} 行")
        if self.field:
            where.append(f"字段 {self.field}")
        return f"{'，'.join(where)}：{self.message}"


class SeedError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    not_in_fixtures: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


# ---------------------------------------------------------------- cell parsers (raise ValueError in Chinese)


def text(value: str) -> str:
    return value.strip()


def required_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("不能为空")
    return value


def integer(value: str) -> int | None:
    value = value.strip().replace(",", "")
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"“{value}”不是整数") from None
    if number < 0:
        raise ValueError(f"不能为负数（{number}）")
    return number


def required_integer(value: str) -> int:
    number = integer(value)
    if number is None:
        raise ValueError("不能为空")
    return number


def year(value: str) -> int:
    number = required_integer(value)
    if not 1949 <= number <= 2100:
        raise ValueError(f"年份 {number} 不合理")
    return number


def decimal(value: str) -> Decimal | None:
    value = value.strip().replace(",", "")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"“{value}”不是数字") from None
    if not number.is_finite():
        raise ValueError(f"“{value}”不是数字")
    if number < 0:
        raise ValueError(f"不能为负数（{number}）")
    return number


def required_decimal(value: str) -> Decimal:
    number = decimal(value)
    if number is None:
        raise ValueError("不能为空")
    return number


def date(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"“{value}”不是 YYYY-MM-DD 格式的日期") from None


def boolean(value: str) -> bool:
    value = value.strip().lower()
    if value in {"1", "true", "yes", "是"}:
        return True
    if value in {"", "0", "false", "no", "否"}:
        return False
    raise ValueError(f"“{value}”不是 是/否")


def choice(choices: type[models.TextChoices], *, required: bool = True) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if not value and not required:
            return ""
        if value not in choices.values:
            raise ValueError(f"“{value}”不在可选值中（{'、'.join(choices.values)}）")
        return value

    return parse


# ---------------------------------------------------------------- one fixture file


@dataclass
class Row:
    line: int
    values: dict[str, Any]


@dataclass
class FixtureFile:
    name: str
    columns: dict[str, Callable[[str], Any]]

    def read(self, directory: Path, problems: list[Problem]) -> list[Row]:
        path = directory / self.name
        if not path.exists():
            problems.append(Problem(self.name, None, None, "文件不存在"))
            return []
        rows: list[Row] = []
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = reader.fieldnames or []
                missing = [c for c in self.columns if c not in header]
                unknown = [c for c in header if c not in self.columns]
                if missing or unknown:
                    detail = []
                    if missing:
                        detail.append(f"缺少列 {', '.join(missing)}")
                    if unknown:
                        detail.append(f"未知列 {', '.join(unknown)}")
                    problems.append(Problem(self.name, 1, None, "；".join(detail)))
                    return []
                for raw in reader:
                    line = reader.line_num
                    if None in raw:
                        problems.append(Problem(self.name, line, None, "列数多于表头"))
                        continue
                    if all(not (v or "").strip() for v in raw.values()):
                        continue  # blank line
                    values: dict[str, Any] = {}
                    for column, parse in self.columns.items():
                        cell = raw.get(column)
                        if cell is None:
                            problems.append(Problem(self.name, line, column, "列数少于表头"))
                            continue
                        try:
                            values[column] = parse(cell)
                        except ValueError as exc:
                            problems.append(Problem(self.name, line, column, str(exc)))
                    if len(values) == len(self.columns):
                        rows.append(Row(line, values))
        except UnicodeDecodeError:
            problems.append(Problem(self.name, None, None, "文件不是 UTF-8 编码"))
            return []
        except csv.Error as exc:
            problems.append(Problem(self.name, None, None, f"CSV 格式错误：{exc}"))
            return []
        return rows


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


class _Loader:
    def __init__(self, directory: Path):
        self.directory = directory
        self.problems: list[Problem] = []
        self.report = SeedReport()
        self.created_sources: set[str] = set()
        self._existing: dict[type, dict] = {}

    def stop_on_problems(self) -> None:
        # Later stages reference rows saved by earlier ones; stop before they meet an unsaved row.
        if self.problems:
            raise SeedError(self.problems)

    def problem(self, file: FixtureFile, row: Row | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file.name, row.line if row else None, column, message))

    def unique(
        self, file: FixtureFile, rows: Iterable[Row], key: Callable[[Row], Any], label: str
    ) -> list[Row]:
        """Drop (and report) rows whose natural key repeats an earlier row of the same file."""
        seen: dict[Any, int] = {}
        kept = []
        for row in rows:
            k = key(row)
            if k in seen:
                self.problem(file, row, None, f"与第 {seen[k]} 行重复（{label}）")
                continue
            seen[k] = row.line
            kept.append(row)
        return kept

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

    def existing(self, model, lookup: dict):
        """Find the row with this natural key among rows fetched once per model (not one query per row)."""
        if model not in self._existing:
            index = {}
            for obj in model.objects.all():
                index[
                    tuple(sorted((k, _key(getattr(obj, f"{k}_id", None) or getattr(obj, k))) for k in lookup))
                ] = obj
            self._existing[model] = index
        return self._existing[model].get(tuple(sorted((k, _key(v)) for k, v in lookup.items())))

    def upsert(self, file: FixtureFile, row: Row, model, lookup: dict, values: dict):
        obj = self.existing(model, lookup)
        if obj is None:
            obj = model(**lookup, **values)
            bucket = self.report.created
        else:
            if all(_same(getattr(obj, name), value) for name, value in values.items()):
                self.count(self.report.unchanged, model)
                return obj
            for name, value in values.items():
                setattr(obj, name, value)
            bucket = self.report.updated
        try:
            # References, uniqueness and constraints were checked above and are enforced by the database;
            # this catches the model's own rules (clean) and field limits such as max_length.
            relations = [f.name for f in model._meta.fields if f.is_relation]
            obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                target = None if column == "__all__" else column
                for message in messages:
                    self.problem(file, row, target, message)
            return obj
        obj.save()
        self.count(bucket, model)
        if model is SourceDocument and bucket is self.report.created:
            self.created_sources.add(obj.key)
        return obj

    def count(self, bucket: dict[str, int], model) -> None:
        name = str(model._meta.verbose_name)
        bucket[name] = bucket.get(name, 0) + 1

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


def _key(value):
    return value.pk if isinstance(value, models.Model) else value


def _same(current, new) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", None) == getattr(new, "pk", None)
    if isinstance(current, Decimal) and isinstance(new, Decimal):
        return current == new
    return current == new


def seed(directory: Path | str | None = None) -> SeedReport:
    """Load every fixture file in one transaction. Raises SeedError (and writes nothing) on any bad row."""
    return _Loader(Path(directory) if directory else DEFAULT_FIXTURES_DIR).run()

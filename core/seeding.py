"""The fixture-loading base every app's seed builds on: readable CSV files in fixtures/, taken from the source
documents, loaded into the database.

`FixtureFile` declares a file's columns and their cell parsers (which raise ValueError in Chinese); reading
collects a `Problem` (file, line, field, message) for every bad cell instead of stopping at the first. A
`FixtureLoader` subclass declares its files, checks references, then `upsert`s rows matched on their natural
keys (so a second run changes nothing and an edited fixture updates in place), counting what it created,
updated and left unchanged in a `SeedReport`. Any problem raises `SeedError` listing them all; the caller's
transaction then writes nothing.
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

from core.errors import ServiceError

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


class SeedError(ServiceError):
    """Every problem of a seed run (`problems`); its message lists them, one a line."""

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


def required(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """`parse`, refusing an empty cell."""

    def parse_required(value: str):
        parsed = parse(value)
        if parsed is None:
            raise ValueError("不能为空")
        return parsed

    return parse_required


def optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """`parse`, taking an empty cell as None (the document does not say)."""
    return lambda value: parse(value) if value.strip() else None


def _number(value: str, convert: Callable[[str], Any], kind: str):
    """A non-negative number (thousands separators allowed), or None for an empty cell."""
    value = value.strip().replace(",", "")
    if not value:
        return None
    try:
        number = convert(value)
    except (ValueError, InvalidOperation):
        raise ValueError(f"“{value}”不是{kind}") from None
    if isinstance(number, Decimal) and not number.is_finite():
        raise ValueError(f"“{value}”不是{kind}")
    if number < 0:
        raise ValueError(f"不能为负数（{number}）")
    return number


def integer(value: str) -> int | None:
    return _number(value, int, "整数")


required_integer = required(integer)


def year(value: str) -> int:
    number = required_integer(value)
    if not 1949 <= number <= 2100:
        raise ValueError(f"年份 {number} 不合理")
    return number


def decimal(value: str) -> Decimal | None:
    return _number(value, Decimal, "数字")


required_decimal = required(decimal)


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


def pick(values: dict[str, Any], *columns: str) -> dict[str, Any]:
    """The cells of `columns`, for model fields named as the fixture's columns."""
    return {column: values[column] for column in columns}


# ---------------------------------------------------------------- one fixture file


@dataclass
class Row:
    line: int
    values: dict[str, Any]


@dataclass(eq=False)  # compared (and hashed) as itself: loaders key their files' natural keys by it
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


# ---------------------------------------------------------------- the loader base


class FixtureLoader:
    """The base of each app's loader: `run()` reads its files from `directory`, checks them, upserts the rows
    and returns `report` (a run continuing another app's passes that app's report)."""

    # The files, read in this order (`check` and `write` get their rows in it), each with its natural keys:
    # a label for the duplicate-row message → the key's columns. A row repeating an earlier row's key is
    # dropped and reported.
    files: dict[FixtureFile, dict[str, tuple[str, ...]]] = {}

    def __init__(self, directory: Path, report: SeedReport | None = None):
        self.directory = directory
        self.problems: list[Problem] = []
        self.report = report if report is not None else SeedReport()
        self._existing: dict[type, dict] = {}

    def run(self) -> SeedReport:
        """Read `files`, `check` their rows, then `write` them in a savepoint; problems raise SeedError."""
        rows = self.read(self.files)
        self.check(*rows)
        self.stop_on_problems()
        try:
            with transaction.atomic():
                self.write(*rows)
                self.stop_on_problems()
        except IntegrityError as exc:  # a database constraint the checks did not foresee
            raise SeedError([*self.problems, Problem("（数据库）", None, None, str(exc).strip())]) from exc
        return self.report

    def check(self, *rows: list[Row]) -> None:
        """Report (with `problem`) what the rows of `files` (in that order) get wrong, before any write."""

    def write(self, *rows: list[Row]) -> None:
        raise NotImplementedError

    def read(self, files: dict[FixtureFile, dict[str, tuple[str, ...]]]) -> list[list[Row]]:
        """Each file's rows, without those repeating an earlier row's natural key (reported)."""
        read = [file.read(self.directory, self.problems) for file in files]
        for index, (file, keys) in enumerate(files.items()):
            for label, columns in keys.items():
                read[index] = self.unique(
                    file, read[index], lambda r, columns=columns: tuple(r.values[c] for c in columns), label
                )
        return read

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
        self.saved(obj, created=bucket is self.report.created)
        return obj

    def saved(self, obj, *, created: bool) -> None:
        """Called after each row `upsert` saves; a loader that must remember what it created overrides it."""

    def not_in_fixtures(self, model, extra: int) -> None:
        """Report `extra` rows of `model` that the database holds but the fixtures do not (left untouched)."""
        if extra:
            self.report.not_in_fixtures[str(model._meta.verbose_name)] = extra

    def count(self, bucket: dict[str, int], model) -> None:
        name = str(model._meta.verbose_name)
        bucket[name] = bucket.get(name, 0) + 1


def _key(value):
    return value.pk if isinstance(value, models.Model) else value


def _same(current, new) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", None) == getattr(new, "pk", None)
    if isinstance(current, Decimal) and isinstance(new, Decimal):
        return current == new
    return current == new

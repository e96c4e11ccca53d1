"""Spreadsheet imports of a district's data: per-town slot targets in the layout of the district's annex, and
the facility roster. Both read through tuoyu_portal.excel (the one safe reader) and are all-or-nothing: every
problem is reported at once (row, column, value, reason) and nothing is written if there is any.

The slot-target sheet (a district's towns) is read whole, checked, then written in one transaction. The
roster, which may hold 100,000 rows, is streamed (`excel.open_table`): each row is checked as it is read and
forgotten once its batch of ROSTER_BATCH rows has been checked against the registry and, for a confirmed
import, written — inside the one transaction opened before the first row, which any problem in a later row
rolls back. What is kept across rows is small: a 12-byte slot per name for the duplicate check, the
registry's facility ids by name, at most about MAX_PROBLEMS problems and MAX_CHANGES_LISTED changes.

A dry run computes what would change (created / updated / unchanged, and the changes themselves) without
writing anything. Running the same file twice changes nothing the second time.

The slot-target sheet is read the way the annex prints it:

    序号 | 镇街 | 2024年底线目标          | 2025年规划目标          | …
         |      | 托位总数 | 其中：普惠托位数 | 托位总数 | 其中：普惠托位数 |

with an optional title row above and an optional 合计 line below (checked against the sum of the rows, not
imported). Which (year, level) groups the sheet holds is read from its header. The progress report written by
planning.exports.annex_progress_workbook has two more columns per group (实有托位, 实有普惠托位): they are
accepted and ignored, so that report imports back as "unchanged".
"""

from __future__ import annotations

import array
import contextlib
import difflib
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from facilities.models import ClassTypeRule, Facility
from facilities.permissions import Action, can
from facilities.rules import load_rules
from facilities.services import RegistryError, UnitInput, facility_create, facility_update, validate_facility
from planning.services import can_manage_district
from targets.models import Region, SlotTarget, SourceDocument
from tuoyu_portal import excel
from tuoyu_portal.excel import (
    FORMULA_PREFIXES,
    Column,
    Problem,
    SheetSpec,
    WorkbookError,
    boolean,
    choice,
    decimal,
    integer,
    text,
    write_workbook,
)

# Header texts of the annex, exactly as printed (Chinese: the annex is a Chinese document).
SEQ = "序号"
TOWN = "镇街"
SUB_TOTAL = "托位总数"
SUB_INCLUSIVE = "其中：普惠托位数"
SUB_ACTUAL = "实有托位"
SUB_ACTUAL_INCLUSIVE = "实有普惠托位"
TOTAL_WORDS = frozenset({"合计", "总计"})
UNASSIGNED_ROW = "未填写镇街的机构"  # planning.selectors' extra row, in the annex progress report

PROGRESS_EVERY = 200
MAX_CHANGES_LISTED = 1000
MAX_PROBLEMS = excel.DEFAULT_MAX_PROBLEMS

ProgressCallback = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------------- shared parts


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    total_rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[dict] = field(default_factory=list)
    changes_omitted: int = 0
    extra: dict = field(default_factory=dict)

    def record(self, change: dict) -> None:
        if change["action"] == "created":
            self.created += 1
        else:
            self.updated += 1
        if len(self.changes) < MAX_CHANGES_LISTED:
            self.changes.append(change)
        else:
            self.changes_omitted += 1

    def as_summary(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changes": self.changes,
            "changes_omitted": self.changes_omitted,
            **self.extra,
        }


def _canon(value: Any) -> str:
    """A header or name as compared: full-width forms folded (NFKC), white space removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_order(letter: str | None) -> tuple[int, str]:
    return (len(letter or ""), letter or "")


def _finish(problems: list[Problem]) -> None:
    """Raise every problem at once, sorted by row and column, capped like excel.read_table caps them."""
    if not problems:
        return
    problems.sort(key=lambda p: (p.row or 0, 0 if p.row is None else 1, _column_order(p.column)))
    if len(problems) > MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS]
        problems.append(
            Problem(
                None,
                None,
                None,
                _("问题较多，只列出了前 %(count)d 个；请先改正这些问题，再重新上传检查其余内容")
                % {"count": MAX_PROBLEMS},
            )
        )
    raise WorkbookError(problems)


class _Progress:
    """Calls the callback at the start, every PROGRESS_EVERY rows and at the end. `total` may be an estimate
    (the rows a streamed sheet holds, blank ones included): a count beyond it raises it, and `end` reports the
    real count."""

    def __init__(self, callback: ProgressCallback | None, total: int):
        self.callback, self.total = callback, total
        self.last: tuple[int, int] | None = None
        if callback:
            self._report(0, total)

    def _report(self, done: int, total: int) -> None:
        self.last = (done, total)
        self.callback(done, total)

    def step(self, done: int) -> None:
        if self.callback and (done % PROGRESS_EVERY == 0 or done == self.total):
            self.total = max(self.total, done)
            self._report(done, self.total)

    def end(self, done: int) -> None:
        if self.callback and self.last != (done, done):
            self._report(done, done)


def _suggest(value: str, names: Iterable[str]) -> str | None:
    names = list(names)
    key = _canon(value)
    starts = [name for name in names if name.startswith(key) or key.startswith(name)]
    if len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    return close[0] if close else None


def _unknown_town(value: str, district: Region, names: Iterable[str]) -> str:
    reason = _("“%(value)s”不是%(district)s的镇街") % {"value": value, "district": district.name}
    guess = _suggest(value, names)
    if guess:
        reason += _("；是否为“%(guess)s”？") % {"guess": guess}
    return reason + _("（请使用模板中的镇街名称）")


def _town_lookup(district: Region) -> dict[str, Region]:
    return {
        _canon(town.name): town
        for town in Region.objects.filter(parent=district, level=Region.Level.TOWN).order_by(
            "sort_order", "code"
        )
    }


def problem_to_json(problem: Problem) -> dict:
    value = problem.value
    if not (value is None or isinstance(value, str | int | float | bool)):
        value = excel._show(value, limit=excel.CELL_TEXT_MAX)
    return {
        "row": problem.row,
        "column": problem.column,
        "value": value,
        "reason": problem.reason,
        "header": problem.header,
    }


def problem_from_json(data: dict) -> Problem:
    return Problem(
        data.get("row"), data.get("column"), data.get("value"), data.get("reason", ""), data.get("header")
    )


# ------------------------------------------------------------------------------------------- slot targets


def level_labels() -> dict[str, str]:
    """Level label (as printed in Chinese, and in the current language) → level code."""
    labels: dict[str, str] = {}
    with translation.override("zh-hans"):
        for level in SlotTarget.Level:
            labels[_canon(level.label)] = level.value
    for level in SlotTarget.Level:
        labels.setdefault(_canon(level.label), level.value)
    return labels


def _level_names() -> list[str]:
    with translation.override("zh-hans"):
        return [str(level.label) for level in SlotTarget.Level]


def group_title(year: int, level: str) -> str:
    """“2025年规划目标”: a group title of the annex, always in Chinese."""
    with translation.override("zh-hans"):
        return f"{year}年{SlotTarget.Level(level).label}"


GROUP_RE = re.compile(r"(\d{4})年(?:度)?(.+)")


def parse_group_title(title: str) -> tuple[int, str] | None:
    match = GROUP_RE.fullmatch(_canon(title))
    if not match:
        return None
    level = level_labels().get(match.group(2))
    if level is None:
        return None
    return int(match.group(1)), level


SUB_ROLES = {
    _canon(SUB_TOTAL): "total",
    _canon(SUB_INCLUSIVE): "inclusive",
    _canon(SUB_ACTUAL): "actual",
    _canon(SUB_ACTUAL_INCLUSIVE): "actual_inclusive",
}
SUB_HEADERS = {"total": SUB_TOTAL, "inclusive": SUB_INCLUSIVE}


@dataclass
class TargetGroup:
    year: int
    level: str
    header: str  # the group title as written in the file
    subs: dict[str, str] = field(default_factory=dict)  # role → sub-title as written in the file

    @property
    def label(self) -> str:
        return group_title(self.year, self.level)

    def key(self, role: str) -> str:
        return f"g{self.year}_{self.level}_{role}"


@dataclass
class TargetLayout:
    title_rows: int = 0
    has_seq: bool = True
    groups: list[TargetGroup] = field(default_factory=list)


def _header_grid(content: bytes) -> tuple[dict[tuple[int, int], Any], list, str] | None:
    """The first rows of the sheet read_table would read, and its merged ranges — after the same file checks
    read_table makes (size, zip directory) so nothing unsafe reaches openpyxl. None when openpyxl cannot open
    the file: read_table then reports it in its own words."""
    data = excel._read_bytes(content, excel.DEFAULT_MAX_BYTES)
    excel._check_container(data, excel.MAX_UNCOMPRESSED_BYTES)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # damaged files fail in many ways inside openpyxl
        return None
    try:
        sheet = excel._pick_sheet(workbook, None)
        cells: dict[tuple[int, int], Any] = {}
        for number, row in enumerate(excel._safe_rows(sheet.iter_rows(min_row=1, max_row=4)), start=1):
            for col, cell in enumerate(row, start=1):
                value = getattr(cell, "value", None)
                if not _is_blank(value):
                    cells[(number, col)] = value
        try:
            merges = excel._merged_ranges(data, sheet._worksheet_path)
        except Exception:
            merges = []
        return cells, merges, sheet.title
    finally:
        workbook.close()


def read_target_layout(content: bytes) -> TargetLayout:
    """Which (year, level) groups the sheet holds, where its header starts, whether it has 序号."""
    grid = _header_grid(content)
    if grid is None:
        return TargetLayout()
    cells, merges, _sheet = grid
    rows = {row for row, _col in cells}
    sub_row = next(
        (
            r
            for r in sorted(rows)
            if r >= 2 and any(_canon(v) in SUB_ROLES for (rr, _c), v in cells.items() if rr == r)
        ),
        None,
    )
    if sub_row is not None:
        title_rows = sub_row - 2
    else:
        town_row = next((r for (r, _c), v in sorted(cells.items()) if _canon(v) == TOWN), 1)
        title_rows = max(town_row - 1, 0)
    title_rows = min(title_rows, 2)
    header_numbers = range(title_rows + 1, title_rows + 3)
    header_cells = {key: value for key, value in cells.items() if key[0] in header_numbers}
    paths = excel._header_paths(header_cells, header_numbers, merges)

    layout = TargetLayout(title_rows=title_rows, has_seq=False)
    problems: list[Problem] = []
    groups: dict[tuple[int, str], TargetGroup] = {}
    reported: set[str] = set()
    for col, path in sorted(paths.items()):
        if len(path) == 1 and _canon(path[0]) == SEQ:
            layout.has_seq = True
        if len(path) != 2:
            continue
        head, sub = path
        parsed = parse_group_title(head)
        if parsed is None:
            if _canon(head) in (SEQ, TOWN) or (_canon(sub) not in SUB_ROLES and "年" not in head):
                continue  # not a group title: read_table reports the header as it finds it
            if head not in reported:
                reported.add(head)
                problems.append(
                    Problem(
                        header_numbers.start,
                        get_column_letter(col),
                        head,
                        _(
                            "分组标题“%(title)s”无法识别：应写作“年份+目标层级”，如“2025年规划目标”；"
                            "目标层级可为：%(levels)s"
                        )
                        % {
                            "title": head,
                            "levels": "、".join(_level_names()),
                        },
                    )
                )
            continue
        group = groups.get(parsed)
        if group is None:
            group = groups[parsed] = TargetGroup(year=parsed[0], level=parsed[1], header=head)
        if not (2000 <= group.year <= 2100):
            if head not in reported:
                reported.add(head)
                problems.append(
                    Problem(
                        header_numbers.start,
                        get_column_letter(col),
                        head,
                        _("分组标题“%(title)s”中的年份不合理") % {"title": head},
                    )
                )
            continue
        role = SUB_ROLES.get(_canon(sub))
        if role is not None and head == group.header:
            group.subs.setdefault(role, sub)
    layout.groups = [g for g in groups.values() if 2000 <= g.year <= 2100]
    if not layout.groups and not problems:
        problems.append(
            Problem(
                None,
                None,
                None,
                _(
                    "没有找到目标列：表头第一行应为“2025年规划目标”这样的分组标题（合并两列），"
                    "第二行为“托位总数”“其中：普惠托位数”；请下载模板对照填写"
                ),
            )
        )
    _finish(problems)
    return layout


def _ignore(value: Any) -> None:
    return None


def target_columns(layout: TargetLayout) -> list[Column]:
    columns = []
    if layout.has_seq:
        columns.append(Column("seq", SEQ, _ignore))
    columns.append(Column("town", TOWN, text(64), required=True))
    for group in layout.groups:
        for role in ("total", "inclusive"):
            sub = group.subs.get(role, SUB_HEADERS[role])
            columns.append(Column(group.key(role), (group.header, sub), integer()))
        for role in ("actual", "actual_inclusive"):
            if role in group.subs:
                columns.append(Column(group.key(role), (group.header, group.subs[role]), _ignore))
    return columns


SUM_RE = re.compile(r"=SUM\(\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)\)", re.IGNORECASE)


def _find_row(content: bytes, sheet_name: str, start: int, words: frozenset[str], cols: int) -> list[int]:
    """Excel row numbers below `start` whose first `cols` cells hold one of `words` (the 合计 line)."""
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    try:
        sheet = workbook[sheet_name]
        found = []
        for number, values in enumerate(
            sheet.iter_rows(min_row=start, max_col=cols, values_only=True), start=start
        ):
            if any(_canon(v) in words for v in values):
                found.append(number)
        return found
    finally:
        workbook.close()


def _check_total_lines(
    content: bytes,
    table: excel.Table,
    layout: TargetLayout,
    totals: list[dict],
    sums: dict[str, int],
    columns: Sequence[Column],
) -> list[Problem]:
    """The 合计 line must equal the sum of the rows (blank total cells are not checked). A SUM formula over
    the whole column of rows is accepted as it is; any other formula cannot be checked and is refused."""
    if not totals:
        return []
    header_end = layout.title_rows + 2
    first_col = get_column_letter(1)
    numbers = _find_row(content, table.sheet_name, header_end + 1, TOTAL_WORDS, 2)
    data_numbers = [row.number for row in table.rows]
    titles = {column.key: column.title for column in columns}
    problems = []
    for index, raw in enumerate(totals):
        number = numbers[index] if index < len(numbers) else None
        if index >= 1:
            problems.append(
                Problem(number, first_col, _("合计"), _("有多行“合计”，请只保留一行合计（或全部删除）"))
            )
            continue
        for group in layout.groups:
            for role in ("total", "inclusive"):
                key = group.key(role)
                letter = table.letters.get(key)
                value = raw.get(key)
                if _is_blank(value):
                    continue
                if isinstance(value, str) and value.startswith("="):
                    match = SUM_RE.fullmatch(re.sub(r"\s+", "", value))
                    covers = (
                        match
                        and match.group(1).upper() == letter
                        and match.group(3).upper() == letter
                        and data_numbers
                        and int(match.group(2)) <= data_numbers[0]
                        and data_numbers[-1] <= int(match.group(4)) < (number or 10**9)
                    )
                    if not covers:
                        problems.append(
                            Problem(
                                number,
                                letter,
                                value,
                                _("合计行含公式，无法核对；请把合计行粘贴为数值，或删除合计行"),
                                titles.get(key),
                            )
                        )
                    continue
                try:
                    stated = integer()(value)
                except ValueError as exc:
                    problems.append(Problem(number, letter, value, str(exc), titles.get(key)))
                    continue
                if stated != sums.get(key, 0):
                    problems.append(
                        Problem(
                            number,
                            letter,
                            value,
                            _(
                                "合计行与各行之和不一致：合计为 %(stated)s，各行之和为 %(sum)s；"
                                "请更正合计行，或删除合计行"
                            )
                            % {"stated": stated, "sum": sums.get(key, 0)},
                            titles.get(key),
                        )
                    )
    return problems


def import_slot_targets(
    content: bytes,
    *,
    district: Region,
    user,
    dry_run: bool = True,
    source: SourceDocument | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Read a slot-target sheet of `district` and write its targets (town, year, level), or raise
    WorkbookError with every problem. Targets of towns, years or levels not in the sheet are left alone."""
    layout = read_target_layout(content)
    columns = target_columns(layout)
    target_keys = [group.key(role) for group in layout.groups for role in ("total", "inclusive")]
    totals: list[dict] = []

    def skip(raw: dict) -> bool:
        town, seq = _canon(raw.get("town")), _canon(raw.get("seq"))
        if town in TOTAL_WORDS or seq in TOTAL_WORDS:
            totals.append(raw)
            return True
        return town == UNASSIGNED_ROW and all(_is_blank(raw.get(key)) for key in target_keys)

    table = excel.read_table(
        content, columns=columns, header_rows=2, title_rows=layout.title_rows, skip_row=skip
    )
    meter = _Progress(progress, len(table))
    towns = _town_lookup(district)
    town_names = [town.name for town in towns.values()]
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    wanted: dict[tuple[int, int, str], tuple[int, int, int]] = {}  # key → (total, inclusive, row)
    sums: dict[str, int] = {}
    titles = {column.key: column.title for column in columns}
    letter_of = table.letters

    for done, row in enumerate(table.rows, start=1):
        values = row.values
        for key in target_keys:
            if values.get(key) is not None:
                sums[key] = sums.get(key, 0) + values[key]
        name = values.get("town")
        town = towns.get(_canon(name)) if name else None
        if name and town is None:
            problems.append(
                Problem(row.number, letter_of["town"], name, _unknown_town(name, district, town_names), TOWN)
            )
        elif town is not None:
            if town.pk in seen:
                problems.append(
                    Problem(
                        row.number,
                        letter_of["town"],
                        name,
                        _("镇街“%(town)s”在第%(row)d行已出现；每个镇街只填一行")
                        % {"town": town.name, "row": seen[town.pk]},
                        TOWN,
                    )
                )
            else:
                seen[town.pk] = row.number
        for group in layout.groups:
            total_key, inclusive_key = group.key("total"), group.key("inclusive")
            total, inclusive = values.get(total_key), values.get(inclusive_key)
            if total is None and inclusive is None:
                continue
            if total is None or inclusive is None:
                missing = total_key if total is None else inclusive_key
                problems.append(
                    Problem(
                        row.number,
                        letter_of[missing],
                        None,
                        _("请同时填写托位总数和普惠托位数（不设该目标的镇街两项都留空）"),
                        titles[missing],
                    )
                )
                continue
            if inclusive > total:
                problems.append(
                    Problem(
                        row.number,
                        letter_of[inclusive_key],
                        inclusive,
                        _("普惠托位数（%(inclusive)s）不能大于托位总数（%(total)s）")
                        % {"inclusive": inclusive, "total": total},
                        titles[inclusive_key],
                    )
                )
                continue
            if town is not None and seen.get(town.pk) == row.number:
                wanted[(town.pk, group.year, group.level)] = (total, inclusive, row.number)
        meter.step(done)

    problems += _check_total_lines(content, table, layout, totals, sums, columns)
    _finish(problems)

    result = ImportResult(total_rows=len(table))
    result.extra["groups"] = [group.label for group in layout.groups]
    existing = {
        (t.town_id, t.year, t.level): t
        for t in SlotTarget.objects.filter(
            town__parent=district,
            year__in={g.year for g in layout.groups},
            level__in={g.level for g in layout.groups},
        ).select_related("source")
    }
    by_pk = {town.pk: town for town in towns.values()}
    import_key = f"import-{district.code}"
    import_title = _("导入的托位目标（%(district)s）") % {"district": district.name}
    writes: list[tuple[tuple[int, int, str], int, int, SlotTarget | None]] = []
    needs_import_source = False
    for key, (total, inclusive, number) in sorted(wanted.items(), key=lambda item: item[1][2]):
        town_id, year, level = key
        item = f"{by_pk[town_id].name} · {group_title(year, level)}"
        current = existing.get(key)
        if current is None:
            result.record(
                {
                    "row": number,
                    "item": item,
                    "action": "created",
                    "fields": [
                        {"field": SUB_TOTAL, "old": None, "new": total},
                        {"field": SUB_INCLUSIVE, "old": None, "new": inclusive},
                    ],
                }
            )
            needs_import_source |= source is None
            writes.append((key, total, inclusive, None))
            continue
        fields = []
        if current.total_slots != total:
            fields.append({"field": SUB_TOTAL, "old": current.total_slots, "new": total})
        if current.inclusive_slots != inclusive:
            fields.append({"field": SUB_INCLUSIVE, "old": current.inclusive_slots, "new": inclusive})
        if source is not None and current.source_id != source.pk:
            fields.append({"field": _("来源文件"), "old": str(current.source), "new": str(source)})
        elif source is None and fields and current.source.key != import_key:
            fields.append({"field": _("来源文件"), "old": str(current.source), "new": import_title})
        if not fields:
            result.unchanged += 1
            continue
        needs_import_source |= source is None
        result.record({"row": number, "item": item, "action": "updated", "fields": fields})
        writes.append((key, total, inclusive, current))
    result.extra["source"] = str(source) if source is not None else import_title

    if not dry_run and writes:
        with transaction.atomic():
            chosen = source
            if chosen is None and needs_import_source:
                chosen, _created = SourceDocument.objects.get_or_create(
                    key=import_key,
                    defaults={
                        "title": import_title,
                        "status": SourceDocument.Status.FINAL,
                        "region": district,
                        "notes": _("由托位目标导入自动创建：导入时未选择来源文件的目标记在此文件下。"),
                    },
                )
            for (town_id, year, level), total, inclusive, current in writes:
                if current is None:
                    SlotTarget.objects.create(
                        town_id=town_id,
                        year=year,
                        level=level,
                        total_slots=total,
                        inclusive_slots=inclusive,
                        source=chosen,
                    )
                else:
                    current.total_slots, current.inclusive_slots, current.source = total, inclusive, chosen
                    current.save(update_fields=["total_slots", "inclusive_slots", "source", "updated_at"])
    return result


# ---------------------------------------------------------------------------------------------- roster


ROSTER_SHEET = "机构名册"
_ROSTER_FIELDS = [
    # key, header, how to fill it in (the 说明 sheet)
    ("name", "机构名称", "必填。本区内机构名称唯一：名称与已登记机构相同时更新该机构，否则新建。"),
    ("town", "镇街", "选填。须为本区的镇街名称。"),
    ("kind", "机构类型", "必填。可填：%(kinds)s。"),
    ("ownership", "举办性质", "选填。可填：%(ownerships)s。"),
    ("is_inclusive", "普惠机构", "填“是”或“否”，留空为“否”。填写了普惠托位数的机构须为“是”。"),
    ("address", "地址", "选填。"),
    ("public_phone", "对外咨询电话", "选填。请把单元格设为文本格式，以免丢失开头的0。"),
    ("monthly_fee", "托育费（元/月）", "选填。每人每月，不含膳食费；最多两位小数。"),
    ("meal_fee", "膳食费（元/月）", "选填。每人每月；最多两位小数。"),
    ("inclusive_slots", "普惠托位数", "选填，整数，不能大于各班型合计的托位总数。"),
    ("enrolled_children", "在托人数", "选填，整数。"),
]


def _roster_text(max_length: int):
    """Text, with the quote our own exports put before formula-like text taken off again, so an exported
    roster imports back unchanged."""
    parse = text(max_length)

    def parse_unquoted(value: Any) -> str:
        string = parse(value)
        if string.startswith("'") and string[1:].startswith(FORMULA_PREFIXES):
            string = string[1:]
        return string

    return parse_unquoted


def _class_types() -> list[ClassTypeRule]:
    return list(ClassTypeRule.objects.order_by("sort_order", "pk"))


def roster_columns(class_types: Sequence[ClassTypeRule]) -> list[Column]:
    parsers = {
        "name": (_roster_text(128), True),
        "town": (_roster_text(64), False),
        "kind": (choice(Facility.Kind.choices), True),
        "ownership": (choice(Facility.Ownership.choices), False),
        "is_inclusive": (boolean(), False),
        "address": (_roster_text(255), False),
        "public_phone": (_roster_text(32), False),
        "monthly_fee": (decimal(2, max_value=Decimal("99999999.99")), False),
        "meal_fee": (decimal(2, max_value=Decimal("99999999.99")), False),
        "inclusive_slots": (integer(), False),
        "enrolled_children": (integer(), False),
    }
    columns = [
        Column(key, header, parsers[key][0], required=parsers[key][1])
        for key, header, _help in _ROSTER_FIELDS
    ]
    for rule in class_types:
        columns.append(Column(f"classes_{rule.pk}", f"{rule.name}班数", integer(max_value=999)))
        columns.append(Column(f"size_{rule.pk}", f"{rule.name}每班人数", integer(max_value=999)))
    return columns


def _roster_help(class_types: Sequence[ClassTypeRule]) -> list[tuple[str, str]]:
    with translation.override("zh-hans"):
        kinds = "、".join(str(label) for _code, label in Facility.Kind.choices)
        ownerships = "、".join(str(label) for _code, label in Facility.Ownership.choices)
    rows = [
        (header, help % {"kinds": kinds, "ownerships": ownerships}) for _key, header, help in _ROSTER_FIELDS
    ]
    for rule in class_types:
        rows.append(
            (
                f"{rule.name}班数 / {rule.name}每班人数",
                f"{rule.min_age_months}—{rule.max_age_months}月龄；每班不超过{rule.max_children}人（国家标准）。"
                "两项同时填写；不设该班型则两项都留空。",
            )
        )
    rows += [
        ("托位总数", "不用填写：由各班型的“班数 × 每班人数”合计得出。"),
        (
            "更新已有机构",
            "表中各列的内容覆盖该机构的原记录（留空即清空该项，班型都留空即删除班级设置）；"
            "表中没有的内容（人员、备案材料等）不变。已关停的机构不能通过导入修改。",
        ),
        (
            "导入规则",
            "先检查全部行：任何一行有问题，整个文件都不导入；可先勾选“仅预览，不写入”查看将发生的变化。",
        ),
        (
            "文件要求",
            f"只接受 .xlsx 工作簿；不超过 {excel.DEFAULT_MAX_BYTES // excel.MB} MB、"
            f"{excel.DEFAULT_MAX_ROWS:,} 行；不要使用公式和合并单元格；表头不要改动。",
        ),
    ]
    return rows


def roster_workbook(district: Region, facilities: Iterable[Facility] = ()) -> bytes:
    """The roster template (headers only) or, with `facilities`, the current roster to edit and import back;
    plus a 说明 sheet explaining every column and the class caps."""
    class_types = _class_types()
    columns = roster_columns(class_types)

    def rows():
        for facility in facilities:
            units = {u.class_type_id: u for u in facility.units.all()}
            row = [
                facility.name,
                facility.town.name if facility.town else None,
                facility.get_kind_display(),
                facility.get_ownership_display() if facility.ownership else None,
                "是" if facility.is_inclusive else "否",
                facility.address or None,
                facility.public_phone or None,
                facility.monthly_fee,
                facility.meal_fee,
                facility.inclusive_slots,
                facility.enrolled_children,
            ]
            for rule in class_types:
                unit = units.get(rule.pk)
                row += [unit.classes, unit.children_per_class] if unit else [None, None]
            yield row

    with translation.override("zh-hans"):
        sheet = SheetSpec(
            title=ROSTER_SHEET,
            columns=[
                (column.header, 24 if column.key in ("name", "address") else None) for column in columns
            ],
            rows=rows(),
        )
        notes = SheetSpec(
            title="说明", columns=[("列", 30), ("填写说明", 90)], rows=_roster_help(class_types)
        )
        return write_workbook([sheet, notes])


@dataclass
class _RosterRow:
    number: int
    name: str
    data: dict
    units: list[UnitInput]
    values: dict  # the row's parsed cells, for problem reports
    facility_id: int | None  # the registry's facility of that name, if any
    problems: list[Problem]  # found in the row itself
    facility: Facility | None = None


def _display(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Region):
        return value.name
    if value == "":
        return None
    return value


_FACILITY_FIELDS = (
    "name",
    "town",
    "kind",
    "ownership",
    "is_inclusive",
    "address",
    "public_phone",
    "monthly_fee",
    "meal_fee",
    "inclusive_slots",
    "enrolled_children",
)


def _field_label(name: str) -> str:
    return str(Facility._meta.get_field(name).verbose_name)


def _facility_value(name: str, value: Any) -> Any:
    if name == "kind" and value:
        return str(Facility.Kind(value).label)
    if name == "ownership" and value:
        return str(Facility.Ownership(value).label)
    return _display(value)


def _units_text(units: dict[int, tuple[int, int]], class_types: dict[int, ClassTypeRule]) -> str | None:
    parts = [
        f"{class_types[type_id].name} {classes}×{size}"
        for type_id, (classes, size) in sorted(
            units.items(), key=lambda item: class_types[item[0]].sort_order
        )
    ]
    return "、".join(parts) or None


def _same(old: Any, new: Any) -> bool:
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return old == new


def _facility_diff(
    facility: Facility, data: dict, units: list[UnitInput], class_types: dict[int, ClassTypeRule]
) -> list[dict]:
    fields = []
    for name in _FACILITY_FIELDS:
        old, new = getattr(facility, name), data.get(name)
        same = facility.town_id == (new.pk if new else None) if name == "town" else _same(old, new)
        if not same:
            fields.append(
                {
                    "field": _field_label(name),
                    "old": _facility_value(name, old),
                    "new": _facility_value(name, new),
                }
            )
    old_units = {u.class_type_id: (u.classes, u.children_per_class) for u in facility.units.all()}
    new_units = {u.class_type_id: (u.classes, u.children_per_class) for u in units}
    if old_units != new_units:
        fields.append(
            {
                "field": _("班级设置"),
                "old": _units_text(old_units, class_types),
                "new": _units_text(new_units, class_types),
            }
        )
    return fields


def _error_column(field_name: str, message: str, class_types: Sequence[ClassTypeRule]) -> tuple:
    """The column a validate_facility message belongs to: (column key, header) or (None, None)."""
    if field_name == "units":
        for rule in class_types:
            if rule.name in message:
                if "每班" in message:
                    return f"size_{rule.pk}", f"{rule.name}每班人数"
                return f"classes_{rule.pk}", f"{rule.name}班数"
        return None, None
    headers = {key: header for key, header, _help in _ROSTER_FIELDS}
    if field_name in headers:
        return field_name, headers[field_name]
    return None, None


ROSTER_BATCH = 500  # rows checked against the registry, and written, together


class _SeenNames:
    """The first row of every facility name in the file, for the duplicate check, kept compact: a 64-bit
    digest of the name's canonical form and the row number in an open-addressing table of two arrays (12 bytes
    a slot, at most half full), so a 100,000-row file costs 3 MB rather than a dictionary of its names. Two
    different names share a digest with a probability of about 10⁻⁹ per 100,000-row file."""

    def __init__(self, expected: int = 0):
        capacity = 1024
        while capacity < 2 * min(expected, excel.DEFAULT_MAX_ROWS):  # sized once for the file's rows
            capacity *= 2
        self._size = 0
        self._digests = array.array("Q", bytes(8 * capacity))  # 0 = empty slot
        self._rows = array.array("I", bytes(4 * capacity))

    @staticmethod
    def _digest(key: str) -> int:
        return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") or 1

    def _slot(self, digest: int) -> int:
        digests, mask = self._digests, len(self._digests) - 1
        slot = digest & mask
        while digests[slot] and digests[slot] != digest:
            slot = (slot + 1) & mask
        return slot

    def first(self, key: str, number: int) -> int | None:
        """The row where `key` was first seen, or None (and `number` is remembered as its row)."""
        digest = self._digest(key)
        slot = self._slot(digest)
        if self._digests[slot]:
            return self._rows[slot]
        self._digests[slot], self._rows[slot] = digest, number
        self._size += 1
        if 2 * self._size > len(self._digests):
            old = zip(self._digests, self._rows, strict=True)
            capacity = 2 * len(self._digests)
            self._digests = array.array("Q", bytes(8 * capacity))
            self._rows = array.array("I", bytes(4 * capacity))
            for old_digest, row in old:
                if old_digest:
                    slot = self._slot(old_digest)
                    self._digests[slot], self._rows[slot] = old_digest, row
        return None


class _RosterImport:
    """Checks roster rows as they are read and keeps only what later rows need: the digests of the names seen,
    the registry's facility ids by name, the problems (at most about MAX_PROBLEMS) and the result (counts and
    the first MAX_CHANGES_LISTED changes). Rows are checked against the registry and — when `write` and the
    file has no problem so far — written in batches of ROSTER_BATCH."""

    def __init__(
        self,
        *,
        district: Region,
        user,
        class_types: Sequence[ClassTypeRule],
        letters,
        write: bool,
        expected_rows: int = 0,
    ):
        self.district, self.user, self.write = district, user, write
        self.class_types = class_types
        self.by_pk = {rule.pk: rule for rule in class_types}
        self.letters = letters
        towns = _town_lookup(district)
        self.towns = towns
        self.town_names = [town.name for town in towns.values()]
        self.existing = {
            _canon(name): pk
            for pk, name in Facility.objects.filter(district=district, is_synthetic=False).values_list(
                "pk", "name"
            )
        }
        self.rules = load_rules()
        self.manages = can_manage_district(user, district)  # a district official may edit every facility
        self.problems: list[Problem] = []
        self.seen = _SeenNames(expected_rows)
        self.batch: list[_RosterRow] = []
        self.result = ImportResult(total_rows=0)
        self.labels = {name: _field_label(name) for name in _FACILITY_FIELDS}
        self.writable = write  # False once any problem is found: nothing more is written

    # -------------------------------------------------------------------- per row, as read

    def add(self, row: excel.Row) -> None:
        """Check what one row says on its own (name not repeated, town, class pairs) and queue it."""
        if len(self.problems) >= MAX_PROBLEMS:
            return
        values, letters = row.values, self.letters
        name = values.get("name")
        if not name:
            return  # the reader has reported the empty required cell
        key = _canon(name)
        first = self.seen.first(key, row.number)
        if first is not None:
            self.problems.append(
                Problem(
                    row.number,
                    letters["name"],
                    name,
                    _("机构“%(name)s”在第%(row)d行已出现；同一机构只填一行") % {"name": name, "row": first},
                    "机构名称",
                )
            )
            return
        row_problems: list[Problem] = []
        town = None
        if values.get("town"):
            town = self.towns.get(_canon(values["town"]))
            if town is None:
                row_problems.append(
                    Problem(
                        row.number,
                        letters["town"],
                        values["town"],
                        _unknown_town(values["town"], self.district, self.town_names),
                        TOWN,
                    )
                )
        units = []
        for rule in self.class_types:
            classes, size = values.get(f"classes_{rule.pk}"), values.get(f"size_{rule.pk}")
            if classes in (None, 0) and size in (None, 0):
                continue
            if classes is None or size is None:
                missing = f"classes_{rule.pk}" if classes is None else f"size_{rule.pk}"
                row_problems.append(
                    Problem(
                        row.number,
                        letters[missing],
                        None,
                        _("%(type)s的班数和每班人数须同时填写（不设该班型则两项都留空）")
                        % {"type": rule.name},
                        f"{rule.name}{'班数' if classes is None else '每班人数'}",
                    )
                )
                continue
            units.append(UnitInput(class_type_id=rule.pk, classes=classes, children_per_class=size))
        data = {
            "name": name,
            "district": self.district,
            "town": town,
            "kind": values.get("kind"),
            "ownership": values.get("ownership") or "",
            "is_inclusive": bool(values.get("is_inclusive")),
            "address": values.get("address") or "",
            "public_phone": values.get("public_phone") or "",
            "monthly_fee": values.get("monthly_fee"),
            "meal_fee": values.get("meal_fee"),
            "inclusive_slots": values.get("inclusive_slots") or 0,
            "enrolled_children": values.get("enrolled_children"),
        }
        # a known facility's refusal (closed, no right) is reported instead of the row's own problems
        self.batch.append(
            _RosterRow(row.number, name, data, units, values, self.existing.get(key), row_problems)
        )
        if len(self.batch) >= ROSTER_BATCH:
            self.flush()

    # -------------------------------------------------------------------- per batch

    def flush(self) -> None:
        """Check the queued rows against the registry, record what they change and, while the file is clean so
        far, write them."""
        batch, self.batch = self.batch, []
        if not batch:
            return
        ids = [item.facility_id for item in batch if item.facility_id is not None]
        if ids:
            facilities = Facility.objects.filter(pk__in=ids).prefetch_related("units").in_bulk()
            for item in batch:
                if item.facility_id is not None:
                    item.facility = facilities.get(item.facility_id)
        to_write: list[_RosterRow] = []
        for item in batch:
            row_problems = item.problems
            if item.facility is not None:
                refusal = self._refusal(item.facility)
                if refusal:
                    self.problems.append(
                        Problem(item.number, self.letters["name"], item.name, refusal, "机构名称")
                    )
                    continue
            if not row_problems:
                for field_name, messages in validate_facility(item.data, item.units, self.rules).items():
                    for message in messages:
                        key, header = _error_column(field_name, message, self.class_types)
                        value = (
                            item.data.get(key) if key in item.data else item.values.get(key) if key else None
                        )
                        row_problems.append(
                            Problem(item.number, self.letters.get(key), value, message, header)
                        )
            if row_problems:
                self.problems += row_problems
                continue
            if self._record(item):
                to_write.append(item)
        if self.problems:
            self.writable = False
        if self.writable and to_write:
            self._write(to_write)

    def _refusal(self, facility: Facility) -> str | None:
        user = self.user
        if facility.operating_status == Facility.OperatingStatus.CLOSED:
            return _("机构“%(name)s”已关停，记录不能再通过导入修改") % {"name": facility.name}
        if not self.manages and not can(user, Action.EDIT, facility):
            return _("您无权修改机构“%(name)s”") % {"name": facility.name}
        if (
            not self.manages
            and facility.filing_status == Facility.FilingStatus.SUBMITTED
            and not can(user, Action.REVIEW, facility)
        ):
            return _("机构“%(name)s”的备案正在审核，不能修改") % {"name": facility.name}
        return None

    def _record(self, item: _RosterRow) -> bool:
        """Count the row as created, updated or unchanged; list its change while the list is not full. True
        when it is to be written."""
        result = self.result
        listed = len(result.changes) < MAX_CHANGES_LISTED
        if item.facility is None:
            fields = []
            if listed:
                for name in _FACILITY_FIELDS:
                    shown = _facility_value(name, item.data.get(name))
                    if shown not in (None, 0, "否"):
                        fields.append({"field": self.labels[name], "old": None, "new": shown})
                new_units = {u.class_type_id: (u.classes, u.children_per_class) for u in item.units}
                if new_units:
                    fields.append(
                        {"field": _("班级设置"), "old": None, "new": _units_text(new_units, self.by_pk)}
                    )
            result.record({"row": item.number, "item": item.name, "action": "created", "fields": fields})
            return True
        fields = _facility_diff(item.facility, item.data, item.units, self.by_pk)
        if not fields:
            result.unchanged += 1
            return False
        result.record({"row": item.number, "item": item.name, "action": "updated", "fields": fields})
        return True

    def _write(self, items: list[_RosterRow]) -> None:
        for item in items:
            try:
                if item.facility is None:
                    facility_create(user=self.user, data=item.data, units=item.units)
                else:
                    facility_update(
                        user=self.user,
                        facility=item.facility,
                        data=item.data,
                        units=item.units,
                        expected_version=item.facility.version,
                    )
            except (RegistryError, DatabaseError) as exc:
                if isinstance(exc, RegistryError):
                    details = [m for messages in exc.errors.values() for m in messages]
                    reason = "；".join([exc.message, *details]) if details else exc.message
                else:
                    reason = _("保存失败：%(detail)s") % {
                        "detail": str(exc).splitlines()[0] if str(exc) else exc
                    }
                raise WorkbookError(
                    [
                        Problem(
                            item.number,
                            self.letters["name"],
                            item.name,
                            _("写入时失败，整个文件均未导入：%(reason)s") % {"reason": reason},
                            "机构名称",
                        )
                    ]
                ) from exc


def import_facility_roster(
    content: bytes,
    *,
    district: Region,
    user,
    dry_run: bool = True,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Read a facility roster of `district`: new names are created (facility_create), names already in the
    registry are updated (facility_update, as the importing official), every row validated with the
    registry's own rules; nothing is written if any row has a problem.

    The file is streamed: each row is checked as it is read and forgotten once its batch is checked (and, for
    a confirmed import, written), so memory does not grow with the rows. A confirmed import writes inside one
    transaction opened before the first row is read; a problem found in any later row rolls back everything
    written before it. A cell that cannot be read makes the file's report list only such cells (the other
    checks need readable cells)."""
    class_types = _class_types()
    columns = roster_columns(class_types)
    with excel.open_table(content, columns=columns, header_rows=1) as reader:
        meter = _Progress(progress, reader.estimated_rows)
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            roster = _RosterImport(
                district=district,
                user=user,
                class_types=class_types,
                letters=reader.letters,
                write=not dry_run,
                expected_rows=reader.estimated_rows,
            )
            for row in reader:
                if not reader.problems:  # else only unreadable cells are reported
                    roster.add(row)
                meter.step(reader.count)
            if not reader.problems:
                roster.flush()
            reader.finish()
            _finish(roster.problems)
    meter.end(reader.count)
    roster.result.total_rows = reader.count
    return roster.result

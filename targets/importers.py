"""The annex import: a district's slot targets by town, in the layout of the district's annex. It reads
through core.spreadsheets (the one safe reader) and is all-or-nothing: every problem is reported at once
(row, column, value, reason) and nothing is written if there is any. Every target is written through
targets.services.slot_target_set. The import job that runs it (planning.tasks) has checked that the user may
manage the district.

The sheet (a district's towns) is read whole, checked, then written in one transaction. A dry run computes
what would change (created / updated / unchanged, and the changes themselves) without writing anything.
Running the same file twice changes nothing the second time.

The sheet is read the way the annex prints it:

    序号 | 镇街 | 2024年底线目标          | 2025年规划目标          | …
         |      | 托位总数 | 其中：普惠托位数 | 托位总数 | 其中：普惠托位数 |

with an optional title row above and an optional 合计 line below (checked against the sum of the rows, not
imported). Which (year, level) groups the sheet holds is read from its header. The progress report written by
planning.exports.annex_progress_workbook has two more columns per group (实有托位, 实有普惠托位): they are
accepted and ignored, so that report imports back as "unchanged".
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core import spreadsheets
from core.formatting import listing
from core.spreadsheets import (
    Column,
    ImportProgress,
    ImportResult,
    Problem,
    ProgressCallback,
    canon,
    header_key,
    integer,
    is_blank,
    raise_problems,
    suggest,
    text,
)
from targets.models import Region, SlotTarget, SourceDocument
from targets.services import (
    import_source_get_or_create,
    import_source_key,
    import_source_title,
    slot_target_set,
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


# ---------------------------------------------------------------------------------------------- towns
# Also read by the roster import (facilities.importers): a district's towns by the name a file gives.


def town_lookup(district: Region) -> dict[str, Region]:
    """The district's towns by canonical name."""
    return {
        canon(town.name): town
        for town in Region.objects.filter(parent=district, level=Region.Level.TOWN).order_by(
            "sort_order", "code"
        )
    }


def unknown_town(value: str, district: Region, names: Iterable[str]) -> str:
    """The reason given for a town name that is not one of the district's, with a guess when there is one."""
    reason = _("“%(value)s”不是%(district)s的镇街") % {"value": value, "district": district.name}
    guess = suggest(value, names)
    if guess:
        reason += _("；是否为“%(guess)s”？") % {"guess": guess}
    return reason + _("（请使用模板中的镇街名称）")


# ------------------------------------------------------------------------------------------- slot targets


def level_labels() -> dict[str, str]:
    """Level label (as printed in Chinese, and in the current language; compared as headers are) → level
    code."""
    labels: dict[str, str] = {}
    with translation.override("zh-hans"):
        for level in SlotTarget.Level:
            labels[header_key(level.label)] = level.value
    for level in SlotTarget.Level:
        labels.setdefault(header_key(level.label), level.value)
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
    """(year, level) of a group title as people write it: "2024年底线目标（个）", "2025 年规划目标"."""
    match = GROUP_RE.fullmatch(header_key(title))
    if not match:
        return None
    level = level_labels().get(match.group(2))
    if level is None:
        return None
    return int(match.group(1)), level


SUB_ROLES = {
    header_key(SUB_TOTAL): "total",
    header_key(SUB_INCLUSIVE): "inclusive",
    header_key(SUB_ACTUAL): "actual",
    header_key(SUB_ACTUAL_INCLUSIVE): "actual_inclusive",
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
    #: Header problems (group titles that cannot be read), reported with the cells' problems.
    problems: list[Problem] = field(default_factory=list)
    #: Header paths of the columns under such titles: read and ignored, so they are reported once.
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def read_target_layout(content: bytes) -> TargetLayout:
    """Which (year, level) groups the sheet holds, where its header starts (title rows above it: “附件”,
    the table's title), whether it has 序号. Raises WorkbookError only when no group can be found at all."""
    grid = spreadsheets.header_grid(content, rows=spreadsheets.MAX_TITLE_ROWS + 2)
    if grid is None:
        return TargetLayout()
    cells, merges, sheet_title = grid
    if not cells:
        raise_problems(
            [
                Problem(
                    1,
                    "A",
                    None,
                    _("工作表“%(sheet)s”是空的，没有表头：请使用模板，或把附件表格粘贴到第一个工作表")
                    % {"sheet": sheet_title},
                )
            ]
        )
    rows = {row for row, _col in cells}
    sub_row = next(
        (
            r
            for r in sorted(rows)
            if r >= 2 and any(header_key(v) in SUB_ROLES for (rr, _c), v in cells.items() if rr == r)
        ),
        None,
    )
    if sub_row is not None:
        title_rows = sub_row - 2
    else:
        town_row = next((r for (r, _c), v in sorted(cells.items()) if header_key(v) == TOWN), 1)
        title_rows = max(town_row - 1, 0)
    title_rows = min(title_rows, spreadsheets.MAX_TITLE_ROWS)
    header_numbers = range(title_rows + 1, title_rows + 3)
    header_cells = {key: value for key, value in cells.items() if key[0] in header_numbers}
    paths = spreadsheets.header_paths(header_cells, header_numbers, merges)

    layout = TargetLayout(title_rows=title_rows, has_seq=False)
    problems: list[Problem] = []
    groups: dict[tuple[int, str], TargetGroup] = {}
    reported: set[str] = set()

    def title_problem(col: int, head: str, message: str) -> None:
        # A group title spans several columns: report it once.
        if head not in reported:
            reported.add(head)
            problems.append(Problem(header_numbers.start, get_column_letter(col), head, message))

    for col, path in sorted(paths.items()):
        if len(path) == 1 and header_key(path[0]) == SEQ:
            layout.has_seq = True
        if len(path) != 2:
            continue
        head, sub = path
        parsed = parse_group_title(head)
        if parsed is None:
            if header_key(head) in (SEQ, TOWN) or (header_key(sub) not in SUB_ROLES and "年" not in head):
                continue  # not a group title: read_table reports the header as it finds it
            layout.unreadable.append((head, sub))
            message = _(
                "分组标题“%(title)s”无法识别：应写作“年份+目标层级”，如“2025年规划目标”；"
                "目标层级可为：%(levels)s"
            ) % {"title": head, "levels": listing(_level_names())}
            title_problem(col, head, message)
            continue
        group = groups.get(parsed)
        if group is None:
            group = groups[parsed] = TargetGroup(year=parsed[0], level=parsed[1], header=head)
        if not (2000 <= group.year <= 2100):
            title_problem(col, head, _("分组标题“%(title)s”中的年份不合理") % {"title": head})
            layout.unreadable.append((head, sub))
            continue
        role = SUB_ROLES.get(header_key(sub))
        if role is not None and head == group.header:
            group.subs.setdefault(role, sub)
    layout.groups = [g for g in groups.values() if 2000 <= g.year <= 2100]
    if not layout.groups:
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
    if not layout.groups:
        raise_problems(problems)  # nothing to read the rows by
    layout.problems = problems
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
    for index, path in enumerate(layout.unreadable):
        columns.append(Column(f"unreadable_{index}", path, _ignore))
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
            if any(canon(v) in words for v in values):
                found.append(number)
        return found
    finally:
        workbook.close()


def _check_total_lines(
    content: bytes,
    table: spreadsheets.Table,
    layout: TargetLayout,
    totals: list[dict],
    sums: dict[str, int],
    columns: Sequence[Column],
    unreadable: set[str] = frozenset(),
) -> list[Problem]:
    """The 合计 line must equal the sum of the rows (blank total cells are not checked). A SUM formula over
    the whole column of rows is accepted as it is; any other formula cannot be checked and is refused."""
    if not totals:
        return []
    header_end = table.header_row + 1
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
                if is_blank(value) or key in unreadable:
                    continue  # a column with an unreadable cell has no sum to compare
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
        town, seq = canon(raw.get("town")), canon(raw.get("seq"))
        if town in TOTAL_WORDS or seq in TOTAL_WORDS:
            totals.append(raw)
            return True
        return town == UNASSIGNED_ROW and all(is_blank(raw.get(key)) for key in target_keys)

    # Header and cell problems are collected, not raised: the rows' own checks below run on what could be
    # read, and the file's report lists everything at once.
    table = spreadsheets.read_table(
        content,
        columns=columns,
        header_rows=2,
        title_rows=layout.title_rows,
        skip_row=skip,
        collect_problems=True,
    )
    meter = ImportProgress(progress, len(table))
    towns = town_lookup(district)
    town_names = [town.name for town in towns.values()]
    problems: list[Problem] = [*layout.problems, *table.problems]
    seen: dict[int, int] = {}
    wanted: dict[tuple[int, int, str], tuple[int, int, int]] = {}  # key → (total, inclusive, row)
    sums: dict[str, int] = {}
    unreadable: set[str] = set()  # target columns with a cell that could not be read: no 合计 check
    titles = {column.key: column.title for column in columns}
    letter_of = table.letters
    if "town" not in letter_of:
        raise_problems(problems)  # without the towns no row can be checked: the header problem says why
    # A target column missing from the header (reported there): its pairs and its sum are not checked.
    missing = frozenset(key for key in target_keys if key not in letter_of)
    unreadable.update(missing)

    for done, row in enumerate(table.rows, start=1):
        values = row.values
        unreadable |= row.bad
        for key in target_keys:
            if values.get(key) is not None:
                sums[key] = sums.get(key, 0) + values[key]
        name = values.get("town")
        town = towns.get(canon(name)) if name else None
        if name and town is None:
            problems.append(
                Problem(row.number, letter_of["town"], name, unknown_town(name, district, town_names), TOWN)
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
            if {total_key, inclusive_key} & (row.bad | missing) or (total is None and inclusive is None):
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

    problems += _check_total_lines(content, table, layout, totals, sums, columns, unreadable)
    raise_problems(problems)

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
    import_key = import_source_key(district)
    import_title = import_source_title(district)
    writes: list[tuple[tuple[int, int, str], int, int]] = []
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
            writes.append((key, total, inclusive))
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
        writes.append((key, total, inclusive))
    result.extra["source"] = str(source) if source is not None else import_title

    if not dry_run and writes:
        with transaction.atomic():
            chosen = source
            if chosen is None and needs_import_source:
                chosen = import_source_get_or_create(district=district)
            for (town_id, year, level), total, inclusive in writes:
                slot_target_set(
                    town=by_pk[town_id],
                    year=year,
                    level=level,
                    total_slots=total,
                    inclusive_slots=inclusive,
                    source=chosen,
                )
    return result

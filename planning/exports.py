"""Planning's spreadsheets in the layout of a district's annex (the slot-target template and the progress
report), through the project's one safe spreadsheet writer. Dashboard tables download through
core.tables.tables_response like every other table."""

from __future__ import annotations

from core.spreadsheets import SheetSpec, write_workbook

# ---------------------------------------------------------------- annex layout (imports, progress report)


def _annex_towns(district):
    from targets.models import Region

    return list(
        Region.objects.filter(parent=district, level=Region.Level.TOWN).order_by("sort_order", "code")
    )


def _annex_notes(lines):
    return SheetSpec(title="说明", columns=[("项目", 18), ("说明", 100)], rows=lines)


def annex_targets_workbook(district, plans) -> bytes:
    """The slot-target template in the layout of the district's annex: 序号, 镇街 (the district's towns in
    annex order), then per (year, level) in `plans` a group “2025年规划目标” over 托位总数 / 其中：普惠托位数,
    filled with the current targets where there are any. Reads back through targets.importers."""
    from django.utils import translation

    from core.spreadsheets import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, MB
    from targets.importers import SEQ, SUB_INCLUSIVE, SUB_TOTAL, TOWN, group_title
    from targets.models import SlotTarget

    with translation.override("zh-hans"):
        towns = _annex_towns(district)
        targets = {
            (t.town_id, t.year, t.level): t
            for t in SlotTarget.objects.filter(town__parent=district, year__in={y for y, _lv in plans})
        }
        columns = [(SEQ, 6), (TOWN, 18)]
        for _plan in plans:
            columns += [(SUB_TOTAL, 12), (SUB_INCLUSIVE, 18)]
        rows = []
        for number, town in enumerate(towns, start=1):
            row = [number, town.name]
            for year, level in plans:
                target = targets.get((town.pk, year, level))
                row += [target.total_slots, target.inclusive_slots] if target else [None, None]
            rows.append(row)
        title = f"{district.name}各镇街托位建设任务分解表"
        sheet = SheetSpec(
            title="托位目标",
            columns=columns,
            rows=rows,
            header_rows=[
                [(title, len(columns))],
                [None, None, *((group_title(year, level), 2) for year, level in plans)],
            ],
        )
        notes = _annex_notes(
            [
                ("镇街", f"须为{district.name}的镇街，每个镇街一行；不要改动名称。"),
                (
                    "目标分组",
                    "每组两列：托位总数、其中：普惠托位数，两项同时填写（整数，普惠不大于总数）；"
                    "不设该目标的镇街两项都留空。分组标题写作“年份+目标层级”，如“2025年规划目标”，"
                    "目标层级可为：底线目标、高质量发展目标、规划目标；可增删分组。",
                ),
                ("合计", "可在最后加一行“合计”：不导入，但须等于各行之和。"),
                (
                    "导入规则",
                    "任何一行有问题，整个文件都不导入；已有的目标按镇街、年份、层级更新，表中没有的保持不变。",
                ),
                (
                    "文件要求",
                    f"只接受 .xlsx 工作簿；不超过 {DEFAULT_MAX_BYTES // MB} MB、{DEFAULT_MAX_ROWS:,} 行；"
                    "数字请以数值格式填写（不要用文本、全角或中文数字），不要使用公式和合并单元格。",
                ),
            ]
        )
        return write_workbook([sheet, notes])


def annex_progress_workbook(district, as_of) -> bytes:
    """The progress report in the annex layout: 序号, 镇街, and for every (year, level) the district has
    targets for, 托位总数 / 其中：普惠托位数 (the targets) and 实有托位 / 实有普惠托位 (planning.selectors'
    district_progress on `as_of`), under a two-row merged group header, with a 合计 line. The targets importer
    reads it back (the actual columns are ignored)."""
    from django.utils import timezone, translation

    from planning import selectors
    from targets.importers import (
        SEQ,
        SUB_ACTUAL,
        SUB_ACTUAL_INCLUSIVE,
        SUB_INCLUSIVE,
        SUB_TOTAL,
        TOWN,
        UNASSIGNED_ROW,
        group_title,
    )
    from targets.models import SlotTarget

    as_of = as_of or timezone.localdate()
    with translation.override("zh-hans"):
        plans = selectors.available_plans(district) or [(as_of.year, SlotTarget.Level.PLAN.value)]
        progresses = [selectors.district_progress(district, year, level, as_of) for year, level in plans]
        towns = _annex_towns(district)
        by_code = [{row.code: row for row in progress.rows} for progress in progresses]
        columns = [(SEQ, 6), (TOWN, 18)]
        for _plan in plans:
            columns += [(SUB_TOTAL, 12), (SUB_INCLUSIVE, 18), (SUB_ACTUAL, 12), (SUB_ACTUAL_INCLUSIVE, 14)]

        def line(first, name, pick):
            row = [first, name]
            for index in range(len(plans)):
                found = pick(index)
                row += (
                    [found.target_slots, found.target_inclusive, found.actual_slots, found.actual_inclusive]
                    if found
                    else [None, None, 0, 0]
                )
            return row

        rows = [
            line(number, town.name, lambda i, code=town.code: by_code[i].get(code))
            for number, town in enumerate(towns, start=1)
        ]
        if any(selectors.UNASSIGNED in rows_by_code for rows_by_code in by_code):
            unassigned = line(None, UNASSIGNED_ROW, lambda i: by_code[i].get(selectors.UNASSIGNED))
            for index in range(len(plans)):
                unassigned[2 + 4 * index] = unassigned[3 + 4 * index] = None  # no targets without a town
            rows.append(unassigned)
        rows.append(line(None, "合计", lambda i: progresses[i].totals))
        title = f"{district.name}托位建设任务完成情况（截至{as_of.isoformat()}）"
        sheet = SheetSpec(
            title="托位目标与实有托位",
            columns=columns,
            rows=rows,
            header_rows=[
                [(title, len(columns))],
                [None, None, *((group_title(year, level), 4) for year, level in plans)],
            ],
        )
        notes = _annex_notes(
            [
                (
                    "托位总数、其中：普惠托位数",
                    "各镇街的托位建设目标（可修改后作为托位目标导入；实有列导入时忽略）。",
                ),
                (
                    "实有托位、实有普惠托位",
                    f"截至{as_of.isoformat()}已备案、运营中的非合成机构的托位（按班级设置计算）；待审变更不计入。",
                ),
                ("合计", "目标列为各镇街之和；实有列含未填写镇街的机构。"),
            ]
        )
        return write_workbook([sheet, notes])

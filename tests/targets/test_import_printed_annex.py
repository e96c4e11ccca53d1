"""Daxing's annex as the district prints it imports as it is — through the page and through `import_targets`.

The workbook is built here with openpyxl the way the document in ../shared/seeds/ lays it out: a line
“附件”, the table's title merged across, a two-row header whose group titles carry their unit
(“2024年底线目标（个）”) over “托位总数 / 其中：普惠托位数”, 序号 and “镇 街” merged down both header rows,
the 22 towns with the figures of fixtures/slot_targets.csv, and a 合计 line merged over A:B. Copies with the
numbers stored as text and with trailing spaces (as office tools and the printed text give them) import the
same 132 figures; broken copies are refused with row and column, and nothing is written."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from planning.models import ImportJob
from targets.models import SlotTarget

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.planning.import_urls_for_tests"),
    pytest.mark.usefixtures("immediate_tasks"),
]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slot_targets.csv"
GROUPS = [  # as printed, with the unit
    ("2024年底线目标（个）", 2024, "baseline"),
    ("2025年高质量发展目标（个）", 2025, "high_quality"),
    ("2025年规划目标（个）", 2025, "plan"),
]
FIRST_ROW = 5  # 附件, title, two header rows


def annex_figures():
    """town → [total, inclusive] × the three groups, in the annex's town order, from the seed's CSV."""
    by_town: dict[str, dict] = {}
    with FIXTURES.open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            if row["district"] == "110115":
                by_town.setdefault(row["town"], {})[(int(row["year"]), row["level"])] = (
                    int(row["total_slots"]),
                    int(row["inclusive_slots"]),
                )
    return {
        town: [n for _title, year, level in GROUPS for n in figures[(year, level)]]
        for town, figures in by_town.items()
    }


def printed_annex(*, number=lambda n: n, town=lambda name: name, edit=None) -> bytes:
    figures = annex_figures()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "附件"
    sheet["A1"] = "附件"
    sheet["A2"] = "各属地2024-2025年托位建设任务分解表"
    sheet.merge_cells("A2:H2")
    for col, title in ((1, "序号"), (2, "镇 街")):
        sheet.cell(3, col, title)
        sheet.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    for index, (title, _year, _level) in enumerate(GROUPS):
        col = 3 + 2 * index
        sheet.cell(3, col, title)
        sheet.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 1)
        sheet.cell(4, col, "托位总数")
        sheet.cell(4, col + 1, "其中：普惠托位数")
    for index, (name, values) in enumerate(figures.items(), start=1):
        sheet.append([index, town(name), *(number(v) for v in values)])
    sums = [sum(values[i] for values in figures.values()) for i in range(6)]
    sheet.append(["合计", None, *(number(v) for v in sums)])
    sheet.merge_cells(f"A{sheet.max_row}:B{sheet.max_row}")
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


COPIES = {
    "as printed": lambda: printed_annex(),
    "numbers stored as text": lambda: printed_annex(number=str),
    "trailing spaces": lambda: printed_annex(number=lambda n: f"{n} ", town=lambda name: f"{name} "),
}


def stored(daxing):
    return {
        (t.town.name, t.year, t.level): (t.total_slots, t.inclusive_slots)
        for t in SlotTarget.objects.filter(town__parent=daxing).select_related("town")
    }


def expected():
    return {
        (town, year, level): (values[2 * i], values[2 * i + 1])
        for town, values in annex_figures().items()
        for i, (_title, year, level) in enumerate(GROUPS)
    }


@pytest.fixture
def empty_daxing(daxing):
    """Daxing without targets: an import has to bring every one of the 132 figures."""
    SlotTarget.objects.filter(town__parent=daxing).delete()
    return daxing


def test_the_seed_holds_the_annex_22_towns_and_132_figures():
    figures = annex_figures()
    assert len(figures) == 22 and sum(len(v) for v in figures.values()) == 132
    assert figures["兴丰街道"] == [210, 63, 210, 126, 370, 225]  # the printed first row


def upload(client, content, *, dry_run=False, name="附件.xlsx"):
    data = {"kind": "slot_targets", "file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    response = client.post(reverse("imports:index", args=["110115"]), data)
    assert response.status_code == 302
    return ImportJob.objects.order_by("-pk").first()


@pytest.mark.parametrize("copy", list(COPIES))
def test_the_printed_annex_imports_all_132_figures_through_the_page(
    client, daxing_official, empty_daxing, copy
):
    client.force_login(daxing_official)
    job = upload(client, COPIES[copy]())
    assert job.status == ImportJob.Status.DONE, job.problems
    assert (job.summary["total_rows"], job.summary["created"]) == (22, 66)
    assert stored(empty_daxing) == expected()
    again = upload(client, COPIES[copy]())
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 66)


def run_command(tmp_path, content, *args):
    path = tmp_path / "附件.xlsx"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_targets", str(path), "--district", "110115", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("copy", list(COPIES))
def test_the_printed_annex_imports_all_132_figures_through_the_command(
    tmp_path, superuser, empty_daxing, copy
):
    code, out, _err = run_command(tmp_path, COPIES[copy](), "--dry-run")
    assert code == 0 and "共 22 行：新增 66，修改 0，未变 0" in out
    assert "第5行 兴丰街道 · 2024年底线目标：新增 托位总数 — → 210；其中：普惠托位数 — → 63" in out
    assert stored(empty_daxing) == {}  # a dry run writes nothing

    code, out, _err = run_command(tmp_path, COPIES[copy]())
    assert code == 0 and "已导入" in out
    assert stored(empty_daxing) == expected()
    code, out, _err = run_command(tmp_path, COPIES[copy]())
    assert code == 0 and "共 22 行：新增 0，修改 0，未变 66" in out


def set_cell(ref, value):
    def edit(sheet):
        sheet[ref] = value

    return edit


def empty_workbook():
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


REFUSED = {
    # case: (file, row, column, reason)
    "wrong 合计": (lambda: printed_annex(edit=set_cell("C27", 4699)), 27, "C", "合计行与各行之和不一致"),
    "inclusive above total": (
        lambda: printed_annex(edit=set_cell("D5", 211)),
        5,
        "D",
        "普惠托位数（211）不能大于托位总数（210）",
    ),
    "formula as a town name": (
        lambda: printed_annex(edit=set_cell("B6", '="林校路"&"街道"')),
        6,
        "B",
        "单元格含公式",
    ),
    "empty workbook": (empty_workbook, 1, "A", "是空的"),
    "renamed PDF": (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", None, None, "这是PDF文件"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_broken_copies_are_refused_with_row_and_column_and_nothing_written(
    client, tmp_path, superuser, daxing_official, daxing, case
):
    make, row, column, reason = REFUSED[case]
    before = stored(daxing)
    client.force_login(daxing_official)
    job = upload(client, make())
    assert job.status == ImportJob.Status.FAILED
    hits = [p for p in job.problems if reason in p["reason"]]
    assert hits, job.problems
    assert (hits[0]["row"], hits[0]["column"]) == (row, column)
    code, out, err = run_command(tmp_path, make())
    assert code == 1 and reason in out and "没有写入任何数据" in err
    assert stored(daxing) == before


def test_header_and_cell_problems_are_reported_in_one_pass(client, daxing_official, daxing):
    """A renamed sub-column, an unknown town, a Chinese numeral and inclusive > total: all in one report."""

    def edit(sheet):
        sheet["F4"] = "托位数量"  # was 其中：普惠托位数, under 2025年高质量发展目标
        sheet["B7"] = "黄村"
        sheet["C8"] = "三百"
        sheet["H9"] = 999

    client.force_login(daxing_official)
    job = upload(client, printed_annex(edit=edit))
    assert job.status == ImportJob.Status.FAILED
    found = {(p["row"], p["column"]) for p in job.problems}
    assert {(4, "F"), (7, "B"), (8, "C")} <= found
    renamed = next(p for p in job.problems if p["column"] == "F")
    assert "可以识别的表头" in renamed["reason"]
    assert "模板缺少的列：“2025年高质量发展目标（个） / 其中：普惠托位数”" in renamed["reason"]


def test_row_checks_run_beside_unreadable_cells(client, daxing_official, daxing):
    def edit(sheet):
        sheet["B7"] = "黄村"  # unknown town
        sheet["C8"] = "三百"  # Chinese numeral
        sheet["H9"] = 999  # inclusive above total

    client.force_login(daxing_official)
    job = upload(client, printed_annex(edit=edit))
    by_cell = {(p["row"], p["column"]): p["reason"] for p in job.problems}
    assert "不是大兴区的镇街" in by_cell[(7, "B")]
    assert "中文数字" in by_cell[(8, "C")]
    assert "不能大于托位总数" in by_cell[(9, "H")]
    assert (27, "C") not in by_cell  # column C's sum cannot be known: its 合计 is not checked
    assert "合计行与各行之和不一致" in by_cell[(27, "H")]  # column H's can, and row 9 changed it


def test_notes_below_the_table_and_headers_typed_differently_are_accepted(
    client, daxing_official, empty_daxing
):
    def edit(sheet):
        sheet["B3"] = "镇街\n（乡镇）"  # a line break and a note in brackets
        sheet["C3"] = "2024年 底线目标(个)"  # half-width brackets, a space
        sheet["D4"] = "其中:普惠托位数（个）"
        sheet["E4"] = "托位总数（个）"
        last = sheet.max_row
        sheet.cell(last + 2, 1, "注：1.普惠托位数包含在托位总数中。")
        sheet.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=8)
        sheet.cell(last + 3, 1, "填表人：王某")

    client.force_login(daxing_official)
    job = upload(client, printed_annex(edit=edit))
    assert job.status == ImportJob.Status.DONE, job.problems
    assert stored(empty_daxing) == expected()


def test_the_command_refuses_an_unknown_district_and_a_user_without_the_right(
    tmp_path, superuser, town1_official
):
    from django.core.management.base import CommandError

    path = tmp_path / "a.xlsx"
    path.write_bytes(printed_annex())
    with pytest.raises(CommandError, match="找不到区县代码"):
        call_command("import_targets", str(path), "--district", "999999", stdout=io.StringIO())
    with pytest.raises(CommandError, match="无权导入"):
        call_command(
            "import_targets",
            str(path),
            "--district",
            "110115",
            "--user",
            town1_official.username,
            stdout=io.StringIO(),
        )

"""Spreadsheet imports: slot targets in the annex layout and the facility roster, run as background jobs.

Every input workbook is built here with openpyxl. The worker runs immediately (django-tasks' immediate
backend), so a job has finished when the upload's redirect comes back."""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.spreadsheets import WorkbookError
from facilities import importers
from facilities.models import ClassTypeRule, ClassUnit, Facility, RoleAssignment
from planning import tasks
from planning.models import ImportJob
from targets.models import Region, SlotTarget, SourceDocument
from tests.factories import FacilityFactory, UserFactory, add_unit
from tests.helpers import off_site_assets

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.planning.import_urls_for_tests")]
Role = RoleAssignment.Role

PLAN_2025 = "2025年规划目标"
GROUPS = ["2024年底线目标", "2025年高质量发展目标", PLAN_2025]
ROSTER_HEADERS = [
    "机构名称",
    "镇街",
    "机构类型",
    "举办性质",
    "普惠机构",
    "地址",
    "对外咨询电话",
    "托育费（元/月）",
    "膳食费（元/月）",
    "普惠托位数",
    "在托人数",
    "乳儿班班数",
    "乳儿班每班人数",
    "托小班班数",
    "托小班每班人数",
    "托大班班数",
    "托大班每班人数",
    "混合班班数",
    "混合班每班人数",
    "经度",  # the optional point on the map (facilities/importers.py)
    "纬度",
    "坐标系",
]


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def official(daxing_official):
    """The district official who imports (tests/conftest.py's cast)."""
    return daxing_official


@pytest.fixture
def client_dx(client, official):
    client.force_login(official)
    return client


def towns_of(district):
    return list(
        Region.objects.filter(parent=district, level=Region.Level.TOWN).order_by("sort_order", "code")
    )


def snapshot(district):
    return sorted(
        SlotTarget.objects.filter(town__parent=district).values_list(
            "town__name", "year", "level", "total_slots", "inclusive_slots", "source_id"
        )
    )


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def annex_book(
    groups, rows, *, title="各属地2024-2025年托位建设任务分解表", total=None, merges=(), edit=None
):
    """The annex layout: optional merged title row, 序号/镇街 merged down two rows, each group title merged
    over 托位总数 / 其中：普惠托位数, the town rows, an optional 合计 line with 合计 merged over A:B."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "附件"
    width = 2 + 2 * len(groups)
    top = 1
    if title:
        sheet.cell(1, 1, title)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        top = 2
    for col, text in ((1, "序号"), (2, "镇街")):
        sheet.cell(top, col, text)
        sheet.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    for index, group in enumerate(groups):
        col = 3 + 2 * index
        sheet.cell(top, col, group)
        sheet.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + 1)
        sheet.cell(top + 1, col, "托位总数")
        sheet.cell(top + 1, col + 1, "其中：普惠托位数")
    for row in rows:
        sheet.append(list(row))
    if total is not None:
        sheet.append(["合计", None, *total])
        last = sheet.max_row
        sheet.merge_cells(f"A{last}:B{last}")
    for ref in merges:
        sheet.merge_cells(ref)
    if edit:
        edit(sheet)
    return save(workbook)


def roster_book(rows, *, edit=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "机构名册"
    sheet.append(ROSTER_HEADERS)
    for row in rows:
        sheet.append([row.get(header) for header in ROSTER_HEADERS])
    if edit:
        edit(sheet)
    return save(workbook)


def upload(
    client, content, *, kind="slot_targets", dry_run=False, source=None, name="导入.xlsx", code="110115"
):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    if source is not None:
        data["source"] = source.pk
    response = client.post(reverse("imports:index", args=[code]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.order_by("-pk").first()
    assert response["Location"] == reverse("imports:job", args=[code, job.pk])
    return job


def reasons(job):
    return [p["reason"] for p in job.problems]


def read_sheet(content):
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


# ---------------------------------------------------------------- slot targets: round trips


def test_template_lists_the_towns_in_annex_order_with_the_current_targets(client_dx, daxing):
    response = client_dx.get(reverse("imports:targets_template", args=["110115"]))
    assert response.status_code == 200
    sheet = read_sheet(response.content)
    assert sheet["A2"].value == "序号" and sheet["B2"].value == "镇街"
    assert [sheet.cell(2, col).value for col in (3, 5, 7)] == GROUPS
    assert [sheet.cell(3, col).value for col in (3, 4)] == ["托位总数", "其中：普惠托位数"]
    assert {"A2:A3", "B2:B3", "C2:D2", "E2:F2", "G2:H2"} <= {str(r) for r in sheet.merged_cells.ranges}
    towns = towns_of(daxing)
    assert [sheet.cell(4 + i, 2).value for i in range(len(towns))] == [t.name for t in towns]
    assert [sheet.cell(4 + i, 1).value for i in range(len(towns))] == list(range(1, 23))
    first = SlotTarget.objects.get(town=towns[0], year=2025, level="plan")
    assert (sheet["G4"].value, sheet["H4"].value) == (first.total_slots, first.inclusive_slots)


def test_template_round_trip_fill_import_and_reimport_unchanged(client_dx, daxing):
    before = snapshot(daxing)
    url = reverse("imports:targets_template", args=["110115"])
    content = client_dx.get(url).content
    job = upload(client_dx, content)
    assert job.status == ImportJob.Status.DONE
    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"]) == (0, 0, 66)
    assert snapshot(daxing) == before

    # a new plan year: download its (empty) template, fill it in, import it
    blank = client_dx.get(url, {"plans": "2026:plan"}).content
    workbook = openpyxl.load_workbook(io.BytesIO(blank))
    sheet = workbook.worksheets[0]
    assert sheet["C2"].value == "2026年规划目标" and sheet["C4"].value is None
    towns = towns_of(daxing)
    filled = {}
    for index, town in enumerate(towns):
        total = 100 + 10 * index
        filled[town.name] = (total, total // 2)
        sheet.cell(4 + index, 3, total)
        sheet.cell(4 + index, 4, total // 2)
    content = save(workbook)
    job = upload(client_dx, content)
    assert job.status == ImportJob.Status.DONE, job.problems
    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"]) == (22, 0, 0)
    stored = {
        t.town.name: (t.total_slots, t.inclusive_slots)
        for t in SlotTarget.objects.filter(town__parent=daxing, year=2026, level="plan").select_related(
            "town"
        )
    }
    assert stored == filled
    source = SourceDocument.objects.get(key="import-110115")
    assert source.title == "导入的托位目标（大兴区）" and source.status == SourceDocument.Status.FINAL
    assert set(SlotTarget.objects.filter(year=2026).values_list("source", flat=True)) == {source.pk}

    again = upload(client_dx, content)
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 22)
    assert SourceDocument.objects.filter(key="import-110115").count() == 1
    assert snapshot(daxing) == sorted([*before, *snapshot_rows(daxing, 2026)])


def snapshot_rows(district, year):
    return SlotTarget.objects.filter(town__parent=district, year=year).values_list(
        "town__name", "year", "level", "total_slots", "inclusive_slots", "source_id"
    )


def test_a_chosen_source_document_is_recorded(client_dx, daxing):
    document = SourceDocument.objects.get(key="daxing-plan-2024-2025")
    other = SourceDocument.objects.create(key="dx-2026", title="2026年计划", status="final", region=daxing)
    content = annex_book(["2026年底线目标"], [[1, "兴丰街道", 300, 90]], title=None)
    job = upload(client_dx, content, source=other)
    assert job.status == ImportJob.Status.DONE, job.problems
    target = SlotTarget.objects.get(town__name="兴丰街道", year=2026)
    assert target.source == other
    assert not SourceDocument.objects.filter(key="import-110115").exists()
    assert document.pk != other.pk


def test_the_annex_progress_report_imports_back_unchanged(client_dx, daxing):
    town1 = Region.objects.get(code="110115001")
    filed = {"filing_status": "filed", "filing_number": "T-1", "filed_on": datetime.date(2024, 1, 1)}
    facility = FacilityFactory(town=town1, name="兴丰园", is_inclusive=True, **filed)
    add_unit(facility, "older", 3, 20)
    Facility.objects.filter(pk=facility.pk).update(inclusive_slots=40)
    nowhere = FacilityFactory(
        town=None,
        district=daxing,
        name="无镇街园",
        filing_status="filed",
        filing_number="T-2",
        filed_on=filed["filed_on"],
    )
    add_unit(nowhere, "toddler", 1, 15)
    before = snapshot(daxing)

    response = client_dx.get(reverse("imports:annex", args=["110115"]), {"as_of": "2025-06-30"})
    assert response.status_code == 200
    sheet = read_sheet(response.content)
    assert "截至2025-06-30" in sheet["A1"].value
    assert [sheet.cell(2, col).value for col in (3, 7, 11)] == GROUPS
    assert [sheet.cell(3, col).value for col in range(3, 7)] == [
        "托位总数",
        "其中：普惠托位数",
        "实有托位",
        "实有普惠托位",
    ]
    assert {"A2:A3", "C2:F2", "G2:J2", "K2:N2"} <= {str(r) for r in sheet.merged_cells.ranges}
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert rows[0][1] == "兴丰街道" and rows[0][4:6] == (60, 40)
    assert rows[-2][1] == "未填写镇街的机构" and rows[-2][2:6] == (None, None, 15, 0)
    total = rows[-1]
    assert total[1] == "合计"
    assert total[2:6] == (4700, 1410, 75, 40)  # Daxing 2024 baseline; actual includes the town-less facility
    assert total[10:12] == (8600, 5160)

    job = upload(client_dx, response.content)
    assert job.status == ImportJob.Status.DONE, job.problems
    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"]) == (0, 0, 66)
    assert snapshot(daxing) == before


# ---------------------------------------------------------------- the 合计 line


def plan_rows(daxing, **override):
    rows = []
    for index, town in enumerate(towns_of(daxing)[:3], start=1):
        target = SlotTarget.objects.get(town=town, year=2025, level="plan")
        rows.append([index, town.name, target.total_slots, target.inclusive_slots])
    return rows


def test_a_total_line_equal_to_the_rows_is_accepted_and_not_imported(client_dx, daxing):
    rows = plan_rows(daxing)
    total = [sum(r[2] for r in rows), sum(r[3] for r in rows)]
    job = upload(client_dx, annex_book([PLAN_2025], rows, total=total))
    assert job.status == ImportJob.Status.DONE, job.problems
    assert (job.summary["total_rows"], job.summary["unchanged"]) == (3, 3)


def test_a_total_line_of_sum_formulas_over_the_rows_is_accepted(client_dx, daxing):
    rows = plan_rows(daxing)
    job = upload(client_dx, annex_book([PLAN_2025], rows, total=["=SUM(C4:C6)", "=SUM(D4:D6)"]))
    assert job.status == ImportJob.Status.DONE, job.problems


def test_a_total_line_that_does_not_add_up_is_a_problem(client_dx, daxing):
    before = snapshot(daxing)
    rows = plan_rows(daxing)
    rows[0][2] += 50  # a changed row, the total left as it was
    total = [sum(r[2] for r in rows) - 50, sum(r[3] for r in rows)]
    job = upload(client_dx, annex_book([PLAN_2025], rows, total=total))
    assert job.status == ImportJob.Status.FAILED
    (problem,) = job.problems
    assert problem["row"] == 7 and problem["column"] == "C"
    assert problem["reason"].startswith("合计行与各行之和不一致")
    assert snapshot(daxing) == before

    formula = upload(client_dx, annex_book([PLAN_2025], plan_rows(daxing), total=["=C4+C5", None]))
    assert formula.status == ImportJob.Status.FAILED
    assert "合计行含公式" in reasons(formula)[0]


# ---------------------------------------------------------------- slot targets: every error class


def one_group(rows, **kwargs):
    return annex_book([PLAN_2025], rows, **kwargs)


def rename(cell, text):
    def edit(sheet):
        sheet[cell] = text

    return edit


def pdf():
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"


def failed_dry_run(district, user):
    """A dry run of a PDF: the job fails, and its pages are there to be opened (or refused)."""
    return tasks.start_import(
        district=district, user=user, kind="slot_targets", content=pdf(), file_name="a.pdf", dry_run=True
    )


def zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    return buffer.getvalue()


ERROR_CASES = {
    "unknown town": (
        lambda: one_group([[1, "黄村", 100, 30]]),
        "“黄村”不是大兴区的镇街；是否为“黄村镇”？",
        "B",
    ),
    "duplicate town": (
        lambda: one_group([[1, "黄村镇", 100, 30], [2, "黄村镇", 200, 60]]),
        "镇街“黄村镇”在第4行已出现",
        "B",
    ),
    "inclusive above total": (
        lambda: one_group([[1, "黄村镇", 100, 130]]),
        "普惠托位数（130）不能大于托位总数（100）",
        "D",
    ),
    "negative": (lambda: one_group([[1, "黄村镇", -100, 30]]), "是负数", "C"),
    "number with a unit": (lambda: one_group([[1, "黄村镇", "300个", 30]]), "不要带单位", "C"),
    "fraction": (lambda: one_group([[1, "黄村镇", "1/2", 30]]), "是分数", "C"),
    "chinese numeral": (lambda: one_group([[1, "黄村镇", "三百", 30]]), "使用了中文数字", "C"),
    "not a whole number": (lambda: one_group([[1, "黄村镇", 300.5, 30]]), "不是整数", "C"),
    "formula": (lambda: one_group([[1, "黄村镇", "=100+200", 30]]), "单元格含公式，请粘贴为数值", "C"),
    "merged data cell": (
        lambda: one_group([[1, "黄村镇", 300, 90], [2, "西红门镇", None, 60]], merges=["C4:C5"]),
        "有合并单元格（C4:C5）",
        "C",
    ),
    "one of the pair empty": (
        lambda: one_group([[1, "黄村镇", 300, None]]),
        "请同时填写托位总数和普惠托位数",
        "D",
    ),
    "renamed sub header": (
        lambda: one_group([[1, "黄村镇", 300, 90]], edit=rename("C3", "托位数")),
        "缺少列“2025年规划目标 / 托位总数”",
        None,
    ),
    "renamed town header": (
        lambda: one_group([[1, "黄村镇", 300, 90]], edit=rename("B2", "街镇")),
        "缺少列“镇街”",
        None,
    ),
    "unknown group title": (
        lambda: one_group([[1, "黄村镇", 300, 90]], edit=rename("C2", "2025年规划")),
        "分组标题“2025年规划”无法识别",
        "C",
    ),
    "no groups at all": (lambda: save_plain([["序号", "镇街"], [1, "黄村镇"]]), "没有找到目标列", None),
    "not an xlsx": (pdf, "这是PDF文件", None),
    "zip bomb": (zip_bomb, "压缩炸弹", None),
    "csv": (lambda: "镇街,托位总数\n黄村镇,300\n".encode(), "这是CSV或纯文本文件", None),
}


def save_plain(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    return save(workbook)


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_every_error_class_fails_the_job_and_writes_nothing(client_dx, daxing, case):
    make, expected, column = ERROR_CASES[case]
    before = snapshot(daxing)
    documents = SourceDocument.objects.count()
    job = upload(client_dx, make())
    assert job.status == ImportJob.Status.FAILED
    matching = [p for p in job.problems if expected in p["reason"]]
    assert matching, reasons(job)
    if column:
        assert matching[0]["column"] == column
    assert snapshot(daxing) == before
    assert SourceDocument.objects.count() == documents
    page = client_dx.get(reverse("imports:job", args=["110115", job.pk]))
    assert page.status_code == 200 and expected in page.content.decode()


def test_an_empty_upload_is_a_form_error_and_an_empty_job_fails(client_dx, daxing, official):
    response = client_dx.post(
        reverse("imports:index", args=["110115"]),
        {"kind": "slot_targets", "file": SimpleUploadedFile("empty.xlsx", b"")},
    )
    assert response.status_code == 200
    assert "上传的文件是空的" in response.content.decode()
    assert not ImportJob.objects.exists()
    # the worker refuses an empty file too (a job created some other way)
    job = tasks.start_import(
        district=daxing, user=official, kind="slot_targets", content=b"", file_name="e.xlsx", dry_run=False
    )
    assert job.status == ImportJob.Status.FAILED
    assert "上传的文件是空的" in reasons(job)[0]


def test_an_oversized_upload_is_a_form_error(client_dx):
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024))
    response = client_dx.post(
        reverse("imports:index", args=["110115"]), {"kind": "slot_targets", "file": big}
    )
    assert response.status_code == 200
    assert "文件超过 10 MB 的大小上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_every_problem_of_the_file_is_listed_and_downloadable(client_dx, daxing):
    job = upload(client_dx, one_group([[1, "黄村", -1, 30], [2, "西红门镇", "三百", "=1+1"]]))
    assert job.status == ImportJob.Status.FAILED
    # one pass: the unreadable cells and the unknown town of a row with an unreadable cell, together
    assert [(p["row"], p["column"]) for p in job.problems] == [(4, "B"), (4, "C"), (5, "C"), (5, "D")]
    assert job.total_rows == job.done_rows == 2
    response = client_dx.get(reverse("imports:job_problems", args=["110115", job.pk]))
    assert response.status_code == 200
    sheet = read_sheet(response.content)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[:2] for r in rows] == [
        (4, "B（镇街）"),
        (4, "C（2025年规划目标 / 托位总数）"),
        (5, "C（2025年规划目标 / 托位总数）"),
        (5, "D（2025年规划目标 / 其中：普惠托位数）"),
    ]
    assert rows[3][2] == "'=1+1"  # a formula shown back as text, neutralised


def test_row_level_problems_are_all_reported_together(client_dx, daxing):
    job = upload(client_dx, one_group([[1, "黄村", 100, 30], [2, "黄村镇", 100, 130], [3, "黄村镇", 1, 1]]))
    assert job.status == ImportJob.Status.FAILED
    assert [(p["row"], p["column"]) for p in job.problems] == [(4, "B"), (5, "D"), (6, "B")]
    assert job.total_rows == job.done_rows == 3


# ---------------------------------------------------------------- dry run and confirmation


def test_a_dry_run_writes_nothing_and_shows_what_would_change(client_dx, daxing):
    before = snapshot(daxing)
    rows = plan_rows(daxing)
    old_total = rows[1][2]
    rows[1][2] += 100
    content = annex_book(
        [PLAN_2025, "2026年规划目标"],
        [[*r, None, None] for r in rows] + [[4, "观音寺街道", None, None, 10, 5]],
    )
    job = upload(client_dx, content, dry_run=True)
    assert job.status == ImportJob.Status.PREVIEWED, job.problems
    assert job.dry_run
    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"]) == (1, 1, 2)
    assert snapshot(daxing) == before
    assert not SourceDocument.objects.filter(key="import-110115").exists()
    updated = next(c for c in job.summary["changes"] if c["action"] == "updated")
    assert updated["row"] == 5 and updated["fields"][0] == {
        "field": "托位总数",
        "old": old_total,
        "new": old_total + 100,
    }
    created = next(c for c in job.summary["changes"] if c["action"] == "created")
    assert created["item"] == "观音寺街道 · 2026年规划目标"

    page = client_dx.get(reverse("imports:job", args=["110115", job.pk])).content.decode()
    assert "确认导入" in page and "观音寺街道 · 2026年规划目标" in page and "预览" in page

    response = client_dx.post(reverse("imports:job_confirm", args=["110115", job.pk]))
    confirmed = ImportJob.objects.order_by("-pk").first()
    assert response["Location"] == reverse("imports:job", args=["110115", confirmed.pk])
    assert confirmed.pk != job.pk and not confirmed.dry_run
    assert confirmed.status == ImportJob.Status.DONE
    assert bytes(confirmed.content) == content and confirmed.file_name == job.file_name
    assert (confirmed.summary["created"], confirmed.summary["updated"]) == (1, 1)
    assert (
        SlotTarget.objects.get(town__name=rows[1][1], year=2025, level="plan").total_slots == old_total + 100
    )
    assert SlotTarget.objects.get(town__name="观音寺街道", year=2026, level="plan").inclusive_slots == 5


def test_confirm_only_from_a_successful_preview(client_dx, daxing):
    failed = upload(client_dx, one_group([[1, "黄村", 1, 1]]), dry_run=True)
    client_dx.post(reverse("imports:job_confirm", args=["110115", failed.pk]))
    assert ImportJob.objects.count() == 1
    assert client_dx.get(reverse("imports:job_confirm", args=["110115", failed.pk])).status_code == 405


# ---------------------------------------------------------------- facility roster


def roster_row(name, **values):
    row = {"机构名称": name, "镇街": "黄村镇", "机构类型": "社会力量办托", "普惠机构": "否"}
    row.update(values)
    return row


def test_roster_import_creates_facilities_with_units_and_reimport_updates_without_duplicates(
    client_dx, daxing
):
    rows = [
        roster_row(
            "阳光托育园",
            举办性质="民办营利",
            普惠机构="是",
            地址="黄村镇兴华大街1号",
            对外咨询电话="010-60000000",
            **{"托育费（元/月）": 3800, "膳食费（元/月）": 450.5, "普惠托位数": 20, "在托人数": 30},
            **{"乳儿班班数": 1, "乳儿班每班人数": 10, "托小班班数": 2, "托小班每班人数": 15},
        ),
        roster_row(
            "星星托育点", 镇街=None, 机构类型="community_point", **{"混合班班数": 1, "混合班每班人数": 18}
        ),
    ]
    content = roster_book(rows)
    job = upload(client_dx, content, kind="facility_roster")
    assert job.status == ImportJob.Status.DONE, job.problems
    assert (job.summary["created"], job.summary["updated"], job.summary["unchanged"]) == (2, 0, 0)
    sun = Facility.objects.get(district=daxing, name="阳光托育园")
    assert sun.total_slots == 1 * 10 + 2 * 15 and sun.inclusive_slots == 20
    assert sun.town.name == "黄村镇" and sun.kind == "private" and sun.ownership == "private_for_profit"
    assert str(sun.meal_fee) == "450.50" and sun.public_phone == "010-60000000" and sun.is_inclusive
    assert sun.filing_status == Facility.FilingStatus.DRAFT
    assert sorted(
        ClassUnit.objects.filter(facility=sun).values_list(
            "class_type__code", "classes", "children_per_class"
        )
    ) == [
        ("infant", 1, 10),
        ("toddler", 2, 15),
    ]
    star = Facility.objects.get(district=daxing, name="星星托育点")
    assert star.town is None and star.kind == "community_point" and star.total_slots == 18
    assert not RoleAssignment.objects.filter(role=Role.OPERATOR, facility__in=[sun, star]).exists()

    again = upload(client_dx, content, kind="facility_roster")
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 2)
    exported = client_dx.get(reverse("imports:roster_export", args=["110115"])).content
    from_export = upload(client_dx, exported, kind="facility_roster")
    assert (from_export.summary["created"], from_export.summary["updated"]) == (0, 0), from_export.summary
    assert from_export.summary["unchanged"] == 2
    version = Facility.objects.get(pk=sun.pk).version

    rows[0]["托小班班数"] = 3
    rows[0]["地址"] = None
    changed = upload(client_dx, roster_book(rows), kind="facility_roster")
    assert changed.status == ImportJob.Status.DONE, changed.problems
    assert (changed.summary["created"], changed.summary["updated"], changed.summary["unchanged"]) == (0, 1, 1)
    fields = {f["field"]: f for f in changed.summary["changes"][0]["fields"]}
    assert fields["班级设置"]["new"] == "乳儿班 1×10、托小班 3×15"
    assert fields["地址"]["old"] == "黄村镇兴华大街1号" and fields["地址"]["new"] is None
    sun.refresh_from_db()
    assert sun.total_slots == 55 and sun.address == "" and sun.version == version + 1
    assert Facility.objects.filter(district=daxing, name__in=["阳光托育园", "星星托育点"]).count() == 2


def test_roster_update_of_a_filed_facility_by_an_official_applies_directly(client_dx, daxing):
    town = Region.objects.get(name="黄村镇", parent=daxing)
    facility = FacilityFactory(
        town=town,
        name="已备案园",
        filing_status="filed",
        filing_number="F-1",
        filed_on=datetime.date(2025, 1, 1),
    )
    add_unit(facility, "older", 2, 20)
    job = upload(
        client_dx,
        roster_book([roster_row("已备案园", **{"托大班班数": 3, "托大班每班人数": 20})]),
        kind="facility_roster",
    )
    assert job.status == ImportJob.Status.DONE, job.problems
    facility.refresh_from_db()
    assert facility.total_slots == 60 and not facility.pending_changes.exists()


def test_roster_problems_class_caps_pairs_towns_closed_and_duplicates(client_dx, daxing):
    FacilityFactory(
        town=Region.objects.get(name="黄村镇", parent=daxing), name="已关停园", operating_status="closed"
    )
    count = Facility.objects.count()
    rows = [
        roster_row("超员园", **{"托小班班数": 2, "托小班每班人数": 16}),
        roster_row("缺项园", **{"托大班班数": 2}),
        roster_row("普惠超额园", 普惠机构="是", **{"普惠托位数": 50, "乳儿班班数": 1, "乳儿班每班人数": 10}),
        roster_row("无名镇园", 镇街="黄村"),
        roster_row("已关停园"),
        roster_row("超员园"),
        roster_row("类型错园", 机构类型="托儿所"),
    ]
    job = upload(client_dx, roster_book(rows), kind="facility_roster")
    assert job.status == ImportJob.Status.FAILED
    by_row = {}
    for p in job.problems:
        by_row.setdefault(p["row"], []).append(p)
    # one pass: the cell that cannot be read (the unknown kind) and what the readable rows break
    assert list(by_row) == [2, 3, 4, 5, 6, 7, 8]
    assert "不是可选的值" in by_row[8][0]["reason"]
    problems = {(p["row"], p["column"]): p for p in job.problems}
    cap = problems[(2, "O")]
    assert cap["reason"] == "托小班每班不超过15人（国家标准），填写为16人。" and cap["value"] == 16
    assert "托大班的班数和每班人数须同时填写" in problems[(3, "Q")]["reason"]
    assert "普惠托位数（50）不能大于班级设置合计的托位总数（10）" in problems[(4, "J")]["reason"]
    assert "“黄村”不是大兴区的镇街；是否为“黄村镇”？" in problems[(5, "B")]["reason"]
    assert "已关停" in problems[(6, "A")]["reason"]
    assert "在第2行已出现" in problems[(7, "A")]["reason"]
    assert Facility.objects.count() == count


def test_roster_template_has_the_headers_and_an_explanation_sheet(client_dx):
    response = client_dx.get(reverse("imports:roster_template", args=["110115"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    roster, notes = workbook.worksheets
    assert [c.value for c in roster[1]] == ROSTER_HEADERS and roster.max_row == 1
    assert notes.title == "说明"
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    for rule in ClassTypeRule.objects.all():
        assert f"每班不超过{rule.max_children}人" in text
    # the blank template imports as an empty, valid file
    client_dx.force_login(UserFactory(is_superuser=True))
    job = upload(client_dx, response.content, kind="facility_roster")
    assert job.status == ImportJob.Status.DONE and job.summary["total_rows"] == 0


def test_formula_like_names_are_neutralised_in_exports_and_round_trip(client_dx, daxing):
    def as_text(sheet):
        sheet["A2"].data_type = "s"  # typed text that only looks like a formula

    job = upload(
        client_dx,
        roster_book([roster_row('=HYPERLINK("http://x","y")')], edit=as_text),
        kind="facility_roster",
    )
    assert job.status == ImportJob.Status.DONE, job.problems
    assert Facility.objects.filter(name='=HYPERLINK("http://x","y")').exists()
    export = client_dx.get(reverse("imports:roster_export", args=["110115"])).content
    sheet = read_sheet(export)
    cell = next(row[0] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[0].value))
    assert cell.value == '\'=HYPERLINK("http://x","y")' and cell.data_type == "s"
    again = upload(client_dx, export, kind="facility_roster")
    assert again.status == ImportJob.Status.DONE, again.problems
    assert again.summary["created"] == 0 and again.summary["updated"] == 0


def test_a_roster_write_failure_rolls_everything_back(client_dx, daxing, monkeypatch):
    from facilities.services import RegistryError

    real = importers.facility_create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["data"]["name"])
        if len(calls) == 2:
            raise RegistryError("保存失败：测试")
        return real(**kwargs)

    monkeypatch.setattr(importers, "facility_create", flaky)
    count = Facility.objects.count()
    job = upload(client_dx, roster_book([roster_row("甲园"), roster_row("乙园")]), kind="facility_roster")
    assert job.status == ImportJob.Status.FAILED
    (problem,) = job.problems
    assert problem["row"] == 3 and "写入时失败，整个文件均未导入" in problem["reason"]
    assert Facility.objects.count() == count


# ---------------------------------------------------------------- progress


def test_progress_is_reported_every_200_rows_and_ends_complete(daxing, official):
    rows = [roster_row(f"园{i:03d}", **{"托大班班数": 1, "托大班每班人数": 20}) for i in range(450)]
    seen = []
    result = importers.import_facility_roster(
        roster_book(rows),
        district=daxing,
        user=official,
        dry_run=True,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == [(0, 450), (200, 450), (400, 450), (450, 450)]
    assert result.created == 450 and not Facility.objects.filter(name="园000").exists()


def test_job_progress_fields_and_status_endpoint(client_dx, daxing, official):
    job = upload(client_dx, one_group(plan_rows(daxing)))
    assert job.status == ImportJob.Status.DONE
    assert job.total_rows == job.done_rows == 3 and job.finished_at is not None
    data = client_dx.get(reverse("imports:job_status", args=["110115", job.pk])).json()
    assert data == {
        "id": job.pk,
        "status": "done",
        "status_label": "已导入",
        "total_rows": 3,
        "done_rows": 3,
        "percent": 100,
        "finished": True,
        "stalled": False,
        "url": reverse("imports:job", args=["110115", job.pk]),
    }


def test_a_queued_job_page_polls_its_progress(client_dx, daxing, official):
    job = ImportJob.objects.create(
        kind="slot_targets", district=daxing, file_name="x.xlsx", content=b"x", created_by=official
    )
    page = client_dx.get(reverse("imports:job", args=["110115", job.pk])).content.decode()
    assert f'data-import-status-url="{reverse("imports:job_status", args=["110115", job.pk])}"' in page
    assert "js/import_progress.js" in page and off_site_assets(page) == []
    data = client_dx.get(reverse("imports:job_status", args=["110115", job.pk])).json()
    assert (data["status"], data["finished"], data["percent"]) == ("queued", False, 0)
    # the worker picks it up later
    assert tasks.process_job(job.pk) == ImportJob.Status.FAILED
    assert tasks.process_job(job.pk) == ImportJob.Status.FAILED  # a second run leaves it alone


def test_the_index_page_lists_jobs_limits_and_downloads(client_dx, daxing):
    upload(client_dx, one_group(plan_rows(daxing)), name="大兴目标.xlsx")
    page = client_dx.get(reverse("imports:index", args=["110115"])).content.decode()
    assert "大兴目标.xlsx" in page and "10 MB" in page and "100,000 行" in page
    assert "仅预览，不写入" in page
    assert re.search(r'<input type="checkbox" name="dry_run"[^>]*checked', page)
    for name in ("targets_template", "roster_template", "roster_export", "annex"):
        assert reverse(f"imports:{name}", args=["110115"]) in page


# ---------------------------------------------------------------- who may open what


def district_urls(code, job_pk):
    return [
        reverse("imports:index", args=[code]),
        reverse("imports:job", args=[code, job_pk]),
        reverse("imports:job_status", args=[code, job_pk]),
        reverse("imports:job_problems", args=[code, job_pk]),
        reverse("imports:targets_template", args=[code]),
        reverse("imports:roster_template", args=[code]),
        reverse("imports:roster_export", args=[code]),
        reverse("imports:annex", args=[code]),
    ]


@pytest.mark.parametrize(
    "role", ["daxing_official", "yubei_official", "town1_official", "operator_a", "api_client", "superuser"]
)
def test_only_the_districts_officials_and_superusers_open_import_pages(client, users, daxing, role):
    job = failed_dry_run(daxing, users["daxing_official"])
    client.force_login(users[role])
    allowed = role in {"daxing_official", "superuser"}
    for url in district_urls("110115", job.pk):
        assert client.get(url).status_code == (200 if allowed else 404), url
    response = client.post(
        reverse("imports:index", args=["110115"]),
        {"kind": "slot_targets", "file": SimpleUploadedFile("a.xlsx", pdf())},
    )
    assert response.status_code == (302 if allowed else 404)
    assert client.post(reverse("imports:job_confirm", args=["110115", job.pk])).status_code == (
        302 if allowed else 404
    )


def test_a_job_whose_submitter_lost_the_role_fails_without_writing(daxing, official):
    before = snapshot(daxing)
    job = ImportJob.objects.create(
        kind="slot_targets",
        district=daxing,
        file_name="x.xlsx",
        content=one_group([[1, "黄村镇", 1, 1]]),
        created_by=official,
        dry_run=False,
    )
    RoleAssignment.objects.filter(user=official).delete()
    official.refresh_from_db()
    assert tasks.process_job(job.pk) == ImportJob.Status.FAILED
    job.refresh_from_db()
    assert "已无权导入" in reasons(job)[0]
    assert snapshot(daxing) == before


def test_job_ids_of_another_district_are_404_however_they_are_guessed(client, users, daxing, yubei):
    yubei_job = failed_dry_run(yubei, users["yubei_official"])
    client.force_login(users["daxing_official"])
    for url in district_urls("110115", yubei_job.pk)[1:4]:
        assert client.get(url).status_code == 404, url
    for url in district_urls("500112", yubei_job.pk):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("imports:job_confirm", args=["110115", yubei_job.pk])).status_code == 404
    client.force_login(users["superuser"])
    assert client.get(reverse("imports:job", args=["110115", yubei_job.pk])).status_code == 404
    assert client.get(reverse("imports:job", args=["500112", yubei_job.pk])).status_code == 200
    assert (
        client.get(reverse("imports:index", args=["110115001"])).status_code == 404
    )  # a town is no district


def test_anonymous_users_log_in_first(client, daxing):
    response = client.get(reverse("imports:index", args=["110115"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_roster_changes_only_the_facilities_its_user_may_change(daxing, facility_a, facility_b, operator_a):
    """Which registered facilities a roster may change is the one scoping rule (core.access), asked of the
    importer itself too: an operator (who cannot start an import job, but could call the importer) may
    change neither another facility nor their own while its filing is under review."""
    Facility.objects.filter(pk=facility_a.pk).update(filing_status=Facility.FilingStatus.SUBMITTED)
    rows = [roster_row(facility_a.name, 镇街=None), roster_row(facility_b.name, 镇街=None)]
    with pytest.raises(WorkbookError) as failure:
        importers.import_facility_roster(roster_book(rows), district=daxing, user=operator_a, dry_run=True)
    reasons = {problem.row: problem.reason for problem in failure.value.problems}
    assert reasons == {
        2: f"机构“{facility_a.name}”的备案正在审核，不能修改",
        3: f"您无权修改机构“{facility_b.name}”",
    }

"""The bad-input corpus (ASVS V5.2 file handling, 1.2.10 formula injection): every hostile file and payload
gets a clear message in Chinese, writes nothing (rows counted before and after) and never a 500.

Spreadsheets go through the import page (slot targets and facility rosters, run at once by django-tasks'
immediate backend); names with HTML and formula text go through the registry form and the API and are
checked escaped on the pages and neutralised in the exports."""

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities.models import Facility, RoleAssignment
from planning.models import ImportJob
from targets.models import SlotTarget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]
Role = RoleAssignment.Role
CORPUS = Path(__file__).parent / "corpus"
PLAN = "2025年规划目标"


@pytest.fixture
def client_dx(client, daxing_official):
    """The district official who imports, signed in (without the rest of the cast: this package's world
    holds facilities A and B)."""
    client.force_login(daxing_official)
    return client


def counts():
    return (SlotTarget.objects.count(), Facility.objects.count(), RoleAssignment.objects.count())


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def targets_book(rows, *, merge_header=False, edit=None) -> bytes:
    """The annex layout with one group; `rows` are [序号, 镇街, 托位总数, 普惠托位数]."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "镇街", PLAN, None])
    sheet.append([None, None, "托位总数", "其中：普惠托位数"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    sheet.merge_cells("C1:D1")
    if merge_header:  # a group title merged down over its sub-headers: the headers are lost
        sheet.unmerge_cells("C1:D1")
        sheet.merge_cells("C1:D2")
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    return save(workbook)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    return buffer.getvalue()


def million_rows() -> bytes:
    """A real workbook of 1,000,000 data rows, written as sheet XML directly (openpyxl would take a
    minute). Every row has a town and a number, so none is skipped as blank: the reader must stop at its
    row ceiling instead of reading them all. Rows and cells carry no references (they are optional), to
    stay under the upload, uncompressed-size and compression-ratio limits (it is not a zip bomb)."""
    head = targets_book([])
    source = zipfile.ZipFile(io.BytesIO(head))
    sheet_name = next(n for n in source.namelist() if n.startswith("xl/worksheets/sheet"))
    xml = source.read(sheet_name).decode()
    town = '<c t="inlineStr"><is><t>镇</t></is></c>'
    rows = "".join(f"<row><c><v>{n}</v></c>{town}<c><v>1</v></c></row>" for n in range(1, 1_000_001))
    xml = xml.replace("</sheetData>", rows + "</sheetData>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, xml if name == sheet_name else source.read(name))
    return buffer.getvalue()


TOWN = "黄村镇"

# case: (content, a part of the expected message)
SPREADSHEET_CASES = {
    "renamed PDF": (lambda: (CORPUS / "renamed_pdf.xlsx").read_bytes(), "这是PDF文件"),
    "CSV": (lambda: (CORPUS / "plain.csv.xlsx").read_bytes(), "这是CSV或纯文本文件"),
    "CSV with a BOM": (lambda: (CORPUS / "utf8_bom.csv.xlsx").read_bytes(), "这是CSV或纯文本文件"),
    "GBK text": (lambda: (CORPUS / "gbk.csv.xlsx").read_bytes(), "这是CSV或纯文本文件"),
    "zip bomb": (zip_bomb, "压缩炸弹"),
    "1,000,000 rows": (million_rows, "行的上限"),
    "1 MB cell": (lambda: targets_book([[1, "镇" * 1_000_000, 300, 90]]), "超过上限"),
    "formula": (lambda: targets_book([[1, TOWN, "=100+200", 30]]), "单元格含公式"),
    "merged header": (lambda: targets_book([[1, TOWN, 300, 90]], merge_header=True), "没有找到目标列"),
    "wrong type": (lambda: targets_book([[1, TOWN, "很多", 30]]), "不是数字"),
    "negative": (lambda: targets_book([[1, TOWN, -100, 30]]), "是负数"),
    "huge": (lambda: targets_book([[1, TOWN, 10**15, 30]]), "超过"),
    # Numbers stored as text or in full-width digits are read as the number they spell (issue 16).
    "full-width number too big": (lambda: targets_book([[1, TOWN, "１０,０００,００１", 3]]), "超过上限"),
    "Chinese numerals": (lambda: targets_book([[1, TOWN, "三百", 30]]), "使用了中文数字"),
    "text fraction": (lambda: targets_book([[1, TOWN, "1/3", 30]]), "是分数"),
    # The two spreadsheets have no date column: a date can only be where a number or a year belongs.
    "date in a number column": (
        lambda: targets_book([[1, TOWN, datetime.date(2025, 1, 1), 30]]),
        "此列应填写数字",
    ),
    "date as text in a number column": (lambda: targets_book([[1, TOWN, "2025年1月1日", 30]]), "不是数字"),
    "year as text in a group title": (
        lambda: targets_book(
            [[1, TOWN, 300, 90]], edit=lambda sheet: setattr(sheet["C1"], "value", "明年规划目标")
        ),
        "无法识别",
    ),
    "duplicate rows": (lambda: targets_book([[1, TOWN, 300, 90], [2, TOWN, 300, 90]]), "已出现"),
    "unknown town": (lambda: targets_book([[1, "不存在镇", 300, 90]]), "不是大兴区的镇街"),
    "HTML as a town": (lambda: targets_book([[1, "<script>alert(1)</script>", 300, 90]]), "不是大兴区的镇街"),
}


def upload(client, content, kind="slot_targets"):
    data = {"kind": kind, "file": SimpleUploadedFile("导入.xlsx", content)}
    return client.post(reverse("imports:index", args=["110115"]), data)


@pytest.mark.parametrize("case", list(SPREADSHEET_CASES))
def test_a_bad_spreadsheet_is_refused_with_a_clear_message_and_nothing_written(client_dx, case):
    make, expected = SPREADSHEET_CASES[case]
    before = counts()
    response = upload(client_dx, make())
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.order_by("-pk").first()
    assert job.status == ImportJob.Status.FAILED
    reasons = [p["reason"] for p in job.problems]
    assert any(expected in r for r in reasons), reasons
    assert counts() == before
    page = client_dx.get(response["Location"])
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()


@pytest.mark.parametrize("case", ["renamed PDF", "zip bomb", "formula", "Chinese numerals"])
def test_the_roster_import_refuses_the_same_files(client_dx, case):
    make, _expected = SPREADSHEET_CASES[case]
    before = counts()
    upload(client_dx, make(), kind="facility_roster")
    job = ImportJob.objects.order_by("-pk").first()
    assert job.status == ImportJob.Status.FAILED and job.problems
    assert counts() == before


def test_an_empty_file_is_a_form_error(client_dx):
    before = (counts(), ImportJob.objects.count())
    response = upload(client_dx, (CORPUS / "empty.xlsx").read_bytes())
    assert response.status_code == 200
    assert "上传的文件是空的" in response.content.decode()
    assert (counts(), ImportJob.objects.count()) == before

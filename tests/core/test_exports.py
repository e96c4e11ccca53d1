"""What every .xlsx export of a page must be (issue 16): the page's rows through the page's FilterSet and
scope, with money and counts as numbers (negatives too), text that looks like a formula neutralised (and only
text), filter buttons and frozen column titles on the data sheet, and a last sheet "说明" that says what the
export is — the source documents, the as-of moment, the filters applied as the page labels them, who
exported it and when, and how many rows it holds.

The writer is checked on its own first (core.spreadsheets.write_workbook), then each page's export opened
with openpyxl as a recipient would. That each export holds exactly the page's rows, for every list, is
tests/core/test_list_views.py."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.spreadsheets import About, SheetSpec, write_workbook
from subsidies import services as subsidy_services
from subsidies.models import LedgerEntry
from supervision import services as supervision_services
from supervision.models import Complaint, Evaluation, EvaluationFramework, Inspection
from tests.factories import ApplicationFactory, FindingFactory, FundFactory, InspectionFactory, ProgramFactory

ABOUT = "说明"


# ================================================================================================== reading


def open_export(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))


def about_of(workbook) -> dict[str, list[str]]:
    """The 说明 sheet as label → its lines (a label's further lines have an empty first cell)."""
    assert workbook.sheetnames[-1] == ABOUT, workbook.sheetnames
    lines: dict[str, list[str]] = {}
    label = None
    for first, second in workbook[ABOUT].iter_rows(min_row=2, values_only=True):
        label = first or label
        lines.setdefault(label, []).append(second)
    return lines


def data_sheet(workbook):
    sheet = workbook.worksheets[0]
    assert sheet.title != ABOUT
    return sheet


def column(sheet, header: str, header_row: int = 1) -> list:
    """The cells (not values: their types and formats matter) of the column titled `header`."""
    titles = [cell.value for cell in sheet[header_row]]
    assert header in titles, f"{header!r} not in {titles}"
    index = titles.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=header_row + 1)]


def assert_filter_and_panes(sheet, columns: int | None = None) -> None:
    """Filter buttons on the column titles over every row, and the titles frozen above the rows."""
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=columns or sheet.max_column).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"


def assert_about(workbook, *, exporter: str, filters: list[str], rows: int, title: str | None = None):
    about = about_of(workbook)
    assert about["导出人"] == [exporter]
    assert about["筛选条件"] == filters
    assert about["行数"] == [f"工作表“{data_sheet(workbook).title}”：{rows} 行"]
    assert about["范围"] == ["仅含导出人有权查看的记录"]
    exported = datetime.datetime.strptime(about["导出时间"][0], "%Y-%m-%d %H:%M")
    now = timezone.localtime().replace(tzinfo=None)
    assert abs(now - exported) < datetime.timedelta(minutes=5)
    assert about["数据截至"] and about["数据来源"]
    if title is not None:
        assert about["导出内容"] == [title]
    return about


def numbers(cells) -> list:
    values = [cell.value for cell in cells if cell.value is not None]
    assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in values), values
    return values


# ================================================================================================ the writer


def test_the_writer_keeps_numbers_numeric_and_neutralises_only_text():
    rows = [
        ('=HYPERLINK("http://x")', Decimal("-1000.00"), -3, datetime.date(2025, 3, 1)),
        ("+1", Decimal("1000.00"), 0, None),
        ("-减免", Decimal("250.50"), 12, None),
        ("@SUM(A1)", Decimal("-0.50"), -7, None),
        ("普通文字", None, None, None),
    ]
    about = About(
        title="台账",
        exporter="张三（zhangsan）",
        exported_at=timezone.now(),
        filters=[("类型", "冲销")],
        sources=["京兴卫健发〔2024〕1号"],
    )
    sheet_spec = SheetSpec("台账", [("名称", None), ("金额（元）", 14), ("件数", 8), ("日期", 12)], rows)
    workbook = load_workbook(io.BytesIO(write_workbook([sheet_spec], about=about)))

    sheet = data_sheet(workbook)
    names = [cell.value for cell in column(sheet, "名称")]
    assert names == ['\'=HYPERLINK("http://x")', "'+1", "'-减免", "'@SUM(A1)", "普通文字"]
    amounts = column(sheet, "金额（元）")
    assert [cell.value for cell in amounts] == [-1000, 1000, 250.5, -0.5, None]
    assert all(cell.data_type == "n" and cell.number_format == "0.00" for cell in amounts[:4])
    assert sum(numbers(amounts)) == float(sum(row[1] for row in rows if row[1] is not None)) == 250
    assert numbers(column(sheet, "件数")) == [-3, 0, 12, -7]
    assert column(sheet, "日期")[0].is_date
    assert_filter_and_panes(sheet)

    about_lines = about_of(workbook)
    assert about_lines["筛选条件"] == ["类型：冲销"]
    assert about_lines["数据来源"] == ["京兴卫健发〔2024〕1号"]
    assert about_lines["导出人"] == ["张三（zhangsan）"]
    assert about_lines["行数"] == ["工作表“台账”：5 行"]
    assert workbook[ABOUT].auto_filter.ref is None  # the About sheet is not a table to filter


def test_the_about_sheet_neutralises_what_users_typed():
    about = About(
        title="=cmd|' /C calc'!A0",
        exporter="=evil",
        exported_at=timezone.now(),
        filters=[("搜索", "=1+1")],
    )
    workbook = load_workbook(io.BytesIO(write_workbook([SheetSpec("x", [("a", 8)], [])], about=about)))
    texts = [c.value for row in workbook[ABOUT].iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    assert about_of(workbook)["筛选条件"] == ["搜索：=1+1"]
    assert about_of(workbook)["导出人"] == ["'=evil"]


def test_a_workbook_without_about_has_no_about_sheet_but_still_filters_and_freezes():
    workbook = load_workbook(io.BytesIO(write_workbook([SheetSpec("x", [("a", 8), ("b", 8)], [(1, 2)])])))
    assert workbook.sheetnames == ["x"]
    assert_filter_and_panes(workbook["x"])


# =========================================================================================== the ledger


@pytest.fixture
def ledger(daxing_official, facility_a, facility_b, superuser):
    """In Daxing: facility A paid 1,000.00 then reversed (-1,000.00), and paid 250.50; facility B paid
    99.99. One more payment in another program's fund, so a filter can leave it out."""
    fund = FundFactory(amount_allocated=Decimal("100000.00"))
    program = ProgramFactory(fund=fund)
    first = ApplicationFactory(user=superuser, facility=facility_a, program=program, approved_by=superuser)
    other_program = ProgramFactory(fund=fund, name="另一补助项目（测试）")
    second = ApplicationFactory(
        user=superuser, facility=facility_b, program=other_program, approved_by=superuser
    )
    pay = subsidy_services.payment_create
    paid = pay(user=superuser, application=first, amount=Decimal("1000.00"), reference="PZ-1")
    subsidy_services.payment_reverse(user=superuser, entry=paid, reason="重复支付，退回")
    pay(user=superuser, application=first, amount=Decimal("250.50"), reference="=PZ-2")
    pay(user=superuser, application=second, amount=Decimal("99.99"), reference="PZ-3")
    return {"program": program, "other_program": other_program, "fund": fund}


def test_the_ledger_export_sums_to_the_stored_total_with_its_reversal(client, daxing_official, ledger):
    client.force_login(daxing_official)
    query = {"export": "all", "program": ledger["program"].pk}
    workbook = open_export(client.get(reverse("subsidies:ledger"), query))
    sheet = data_sheet(workbook)

    amounts = column(sheet, "金额（元）")
    values = numbers(amounts)
    assert sorted(values) == [-1000, 250.5, 1000]
    assert all(cell.number_format == "0.00" for cell in amounts)
    stored = LedgerEntry.objects.filter(program=ledger["program"]).net()
    assert stored == Decimal("250.50")
    assert Decimal(str(round(sum(values), 2))) == stored
    assert "'=PZ-2" in [cell.value for cell in column(sheet, "凭证号")]  # text neutralised, numbers not
    assert_filter_and_panes(sheet)
    assert_about(
        workbook,
        exporter="daxing_official",
        filters=[f"补助项目编号：{ledger['program'].pk}"],
        rows=3,
    )


def test_the_ledger_export_without_filters_sums_to_the_scopes_total(client, daxing_official, ledger):
    client.force_login(daxing_official)
    workbook = open_export(client.get(reverse("subsidies:ledger"), {"export": "all"}))
    values = numbers(column(data_sheet(workbook), "金额（元）"))
    stored = LedgerEntry.objects.for_user(daxing_official, "view").net()
    assert Decimal(str(round(sum(values), 2))) == stored == Decimal("350.49")
    assert about_of(workbook)["筛选条件"] == ["无（全部记录）"]


# =================================================================================== the supervision lists


@pytest.fixture
def supervision_rows(daxing_official, facility_a, facility_b, superuser):
    routine = InspectionFactory(
        user=superuser, facilities=[facility_a, facility_b], routine=True, title="春季日常检查"
    )
    joint = InspectionFactory(user=superuser, facilities=[facility_a], title="=联合检查")
    FindingFactory(user=superuser, inspection=joint, facility=facility_a)
    FindingFactory(user=superuser, inspection=joint, facility=facility_a, serious=True)
    save = supervision_services.complaint_save
    today = timezone.localdate()
    open_complaint = save(
        user=superuser,
        facility=facility_a,
        data={"received_on": today, "summary": "-午睡室无人看护", "handling": "内部：约谈负责人"},
    )
    closed = save(
        user=superuser,
        facility=facility_b,
        data={
            "received_on": today - datetime.timedelta(days=9),
            "summary": "收费未公示",
            "closed_on": today,
            "substantiated": True,
            "outcome": "已责令公示",
        },
    )
    return {"routine": routine, "joint": joint, "open": open_complaint, "closed": closed}


def test_the_inspection_export_counts_as_numbers_with_its_filters(client, daxing_official, supervision_rows):
    daxing_official.first_name = "王芳"
    daxing_official.save()
    client.force_login(daxing_official)
    workbook = open_export(
        client.get(reverse("supervision:inspections_export"), {"kind": Inspection.Kind.JOINT})
    )
    sheet = data_sheet(workbook)
    assert [c.value for c in column(sheet, "检查名称")] == ["'=联合检查"]
    assert numbers(column(sheet, "受检机构数")) == [1]
    assert numbers(column(sheet, "发现问题数")) == [2]
    assert column(sheet, "检查日期")[0].is_date
    assert_filter_and_panes(sheet)
    assert_about(workbook, exporter="王芳（daxing_official）", filters=["检查类型：联合检查"], rows=1)

    everything = open_export(client.get(reverse("supervision:inspections_export")))
    titles = [c.value for c in column(data_sheet(everything), "检查名称")]
    assert {"春季日常检查", "'=联合检查"} <= set(titles)
    assert about_of(everything)["筛选条件"] == ["无（全部记录）"]


def test_the_inspection_export_is_for_those_who_see_the_inspections(client_as, supervision_rows):
    assert client_as("operator_a").get(reverse("supervision:inspections_export")).status_code == 404
    yubei = open_export(client_as("yubei_official").get(reverse("supervision:inspections_export")))
    assert data_sheet(yubei).max_row == 1  # titles only: Daxing's inspections are not Yubei's


def test_the_complaint_export_keeps_the_internal_handling_out(client_as, supervision_rows):
    workbook = open_export(client_as("operator_a").get(reverse("supervision:complaints_export")))
    sheet = data_sheet(workbook)
    # The operator sees its own facility's complaint only, without the commission's handling.
    assert [c.value for c in column(sheet, "投诉内容")] == ["'-午睡室无人看护"]
    assert [c.value for c in column(sheet, "办理状态")] == ["办理中"]
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "约谈" not in text and "处理方式" not in text
    assert_filter_and_panes(sheet)
    assert_about(workbook, exporter="operator_a", filters=["无（全部记录）"], rows=1)


def test_the_complaint_export_follows_the_pages_filters(client_as, supervision_rows):
    client = client_as("daxing_official")
    query = {"state": "closed", "substantiated": "true", "district": "110115"}
    workbook = open_export(client.get(reverse("supervision:complaints_export"), query))
    sheet = data_sheet(workbook)
    assert [c.value for c in column(sheet, "投诉内容")] == ["收费未公示"]
    assert [c.value for c in column(sheet, "情况属实")] == ["属实"]
    assert column(sheet, "办结日期")[0].is_date
    assert about_of(workbook)["筛选条件"] == ["区县：大兴区", "办理状态：已办结", "情况属实：属实"]


def test_invalid_filters_are_said_to_be_ignored(client_as, supervision_rows):
    client = client_as("daxing_official")
    workbook = open_export(client.get(reverse("supervision:complaints_export"), {"district": "999999"}))
    assert about_of(workbook)["筛选条件"] == ["筛选条件无效：已忽略，导出全部记录"]
    assert Complaint.objects.count() == data_sheet(workbook).max_row - 1


@pytest.fixture
def evaluations(facility_a, facility_b, superuser):
    framework = EvaluationFramework.objects.filter(is_active=True, source__isnull=False).first()
    assert framework is not None, "the seed has a framework with its source document"
    made = []
    for facility, kind in ((facility_a, Evaluation.Kind.SELF), (facility_b, Evaluation.Kind.OFFICIAL)):
        made.append(
            supervision_services.evaluation_create(
                user=superuser,
                facility=facility,
                framework=framework,
                kind=kind,
                assessed_on=timezone.localdate(),
                scores=[],
            )
        )
    return framework, made


def test_the_evaluation_export_names_the_frameworks_source(client_as, evaluations):
    framework, _made = evaluations
    client = client_as("daxing_official")
    workbook = open_export(
        client.get(reverse("supervision:evaluations_export"), {"kind": Evaluation.Kind.OFFICIAL})
    )
    sheet = data_sheet(workbook)
    assert [c.value for c in column(sheet, "机构")] == ["乙托育园"]
    assert [c.value for c in column(sheet, "评估方式")] == ["官方评估"]
    assert column(sheet, "评估日期")[0].is_date
    points = [c for c in column(sheet, "满分") if c.value is not None]
    assert all(isinstance(c.value, int | float) for c in points)
    assert_filter_and_panes(sheet)
    about = assert_about(workbook, exporter="daxing_official", filters=["评估方式：官方评估"], rows=1)
    assert about["数据来源"] == [f"{framework.name}：{framework.source}"]


def test_the_evaluation_page_filters_and_links_its_export(client_as, evaluations):
    client = client_as("daxing_official")
    response = client.get(reverse("supervision:evaluations"), {"kind": Evaluation.Kind.SELF})
    page = response.content.decode()
    table = page.split('id="evaluation-table"')[1].split("</table>")[0]
    assert "甲托育园" in table and "乙托育园" not in table
    assert f"{reverse('supervision:evaluations_export')}?kind=self" in page


# ================================================================================ every page export says so


EXPORTS = {
    "registry": lambda: reverse("registry:export"),
    "findings": lambda: reverse("supervision:findings_export"),
    "grades": lambda: reverse("supervision:grades_export"),
    "inspections": lambda: reverse("supervision:inspections_export"),
    "complaints": lambda: reverse("supervision:complaints_export"),
    "evaluations": lambda: reverse("supervision:evaluations_export"),
    "supervision dashboard": lambda: reverse("supervision:export", args=["110115", "all"]),
    "planning dashboard": lambda: reverse("planning:export", args=["110115", "all"]),
    "applications": lambda: reverse("subsidies:applications") + "?export=all",
    "ledger": lambda: reverse("subsidies:ledger") + "?export=all",
    "funds": lambda: reverse("subsidies:funds") + "?export=all",
    "projects": lambda: reverse("subsidies:projects") + "?export=all",
}


@pytest.mark.parametrize("name", EXPORTS)
def test_every_page_export_ends_with_what_it_is(name, client_as, supervision_rows, ledger):
    workbook = open_export(client_as("daxing_official").get(EXPORTS[name]()))
    about = about_of(workbook)
    assert about["导出人"] == ["daxing_official"]
    assert about["导出内容"][0]
    data = workbook.worksheets[:-1]
    assert about["行数"] == [f"工作表“{s.title}”：{s.max_row - 1} 行" for s in data]
    for sheet in data:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title


def test_the_registry_export_counts_slots_as_numbers(client_as, facility_a, facility_b):
    from facilities.models import Facility

    client = client_as("daxing_official")
    workbook = open_export(client.get(reverse("registry:export"), {"district": "110115"}))
    sheet = data_sheet(workbook)
    slots = numbers(column(sheet, "托位总数"))
    stored = sum(
        Facility.objects.filter(district__code="110115").values_list("total_slots", flat=True), start=0
    )
    assert sum(slots) == stored
    assert about_of(workbook)["筛选条件"] == ["区县：大兴区"]


def test_the_planning_export_names_the_targets_document_and_its_date(client_as, seeded):
    from targets.models import SlotTarget, SourceDocument

    client = client_as("daxing_official")
    query = {"plan": "2025:plan", "as_of": "2025-06-30"}
    workbook = open_export(client.get(reverse("planning:export", args=["110115", "towns"]), query))
    sheet = data_sheet(workbook)
    targets = numbers(column(sheet, "目标托位"))
    stored = SlotTarget.objects.filter(town__parent__code="110115", year=2025, level="plan")
    assert targets[-1] == sum(targets[:-1]) == sum(t.total_slots for t in stored)  # the 合计 line, as stored
    about = about_of(workbook)
    documents = SourceDocument.objects.filter(pk__in=stored.values("source"))
    assert about["数据来源"] == [str(doc) for doc in documents.order_by("pk")]
    assert about["数据截至"] == ["2025-06-30"]
    assert about["筛选条件"] == ["区县：大兴区", "目标：2025年规划目标"]


def test_a_record_pages_tables_export_with_the_record_and_its_document(client_as, seeded):
    from subsidies.models import Fund

    fund = Fund.objects.filter(district__code="500112", source__isnull=False).first()
    assert fund is not None, "the seed has Yubei's fund with its source document"
    client = client_as("yubei_official")
    workbook = open_export(client.get(reverse("subsidies:fund", args=[fund.pk]), {"export": "all"}))
    about = about_of(workbook)
    assert about["记录"] == [str(fund)]
    assert about["数据来源"] == [str(fund.source)]
    assert about["筛选条件"] == ["无（全部记录）"]
    assert about["导出人"] == ["yubei_official"]

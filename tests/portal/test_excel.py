"""core.spreadsheets: parsers, file-level refusals, header matching, data checks, writing and download.

Every workbook is generated here with openpyxl or zipfile; none needs the database."""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference

from core import spreadsheets as excel
from core.spreadsheets import (
    Column,
    Problem,
    SheetSpec,
    WorkbookError,
    boolean,
    choice,
    date,
    decimal,
    integer,
    neutralise,
    problems_workbook,
    read_table,
    text,
    write_workbook,
    xlsx_response,
)

# ---------------------------------------------------------------------------------------------------- helpers


def xlsx(rows, *, merges=(), title="Sheet", extra=None) -> bytes:
    """A workbook whose active sheet holds `rows`; `extra(workbook, sheet)` may add more."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for ref in merges:
        sheet.merge_cells(ref)
    if extra:
        extra(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite(content: bytes, member: str, change) -> bytes:
    """The same zip with one member's text changed by `change(text) -> text`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, data)
    return out.getvalue()


def problems_of(content, **kwargs):
    with pytest.raises(WorkbookError) as caught:
        read_table(content, **kwargs)
    return caught.value.problems


def reasons(problems):
    return [problem.reason for problem in problems]


def parse_error(parser, value) -> str:
    with pytest.raises(ValueError) as caught:
        parser(value)
    return str(caught.value)


TOWN_COLUMNS = [
    Column("town", "镇街", text(20), required=True),
    Column("slots", "托位数", integer()),
    Column("inclusive", "普惠托位数", integer()),
]
HEADER = ["镇街", "托位数", "普惠托位数"]


# ---------------------------------------------------------------------------------------------------- parsers


def test_integer_accepts_numbers_and_whole_floats():
    parse = integer()
    assert parse(120) == 120
    assert parse(120.0) == 120
    assert parse(Decimal("7")) == 7
    assert parse(0) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3/4", "“3/4”是分数"),
        ("30%", "“30%”是百分数"),
        ("1.5e3", "不是规范的数字"),
        ("一百二十", "“一百二十”使用了中文数字"),
        ("三十", "“三十”使用了中文数字"),
        ("3万", "使用了中文数字"),
        (-5, "“-5”是负数，此列不能为负数"),
        (10_000_001, "“10000001”超过上限 10000000"),
        (12.5, "“12.5”不是整数"),
        (True, "收到逻辑值 TRUE"),
        (dt.datetime(2025, 3, 1), "收到日期/时间“2025-03-01 00:00”"),
        ("120个", "不要带单位"),
        ("abc", "“abc”不是数字"),
        (float("nan"), "不是数字"),
    ],
)
def test_integer_refusals_name_the_value_and_the_cause(value, expected):
    assert expected in parse_error(integer(), value)


@pytest.mark.parametrize(
    ("value", "number"),
    [("120", 120), (" 1,200 ", 1200), ("１２０", 120), ("\u3000３００\u3000", 300), ("0", 0)],
)
def test_numbers_typed_as_text_read_as_the_number_they_spell(value, number):
    assert integer()(value) == number


def test_integer_bounds_are_configurable():
    assert integer(min_value=None, max_value=None)(-3) == -3
    assert "小于下限 1" in parse_error(integer(min_value=1), 0)
    assert "超过上限 20" in parse_error(integer(max_value=20), 21)


def test_decimal_keeps_places_and_rounds_float_noise_only():
    parse = decimal(places=2)
    assert parse(12.5) == Decimal("12.50")
    assert parse(0.1 + 0.2) == Decimal("0.30")
    assert parse(1500) == Decimal("1500.00")
    assert "“12.345”的小数超过 2 位" in parse_error(parse, 12.345)
    assert parse("12.5") == Decimal("12.50") and parse("１,２００.５") == Decimal("1200.50")
    assert "负数" in parse_error(parse, -0.5)
    assert "超过上限" in parse_error(parse, 1e13)
    assert "不能有小数" in parse_error(decimal(places=0), 2.5)


def test_text_accepts_digit_strings_and_numbers_but_not_overlong_text():
    parse = text(10)
    assert parse("120") == "120"  # a text column takes digits stored as text
    assert parse(110115) == "110115"
    assert parse(110115.0) == "110115"
    assert parse("  黄村镇\u3000") == "黄村镇"
    message = parse_error(parse, "北京市大兴区黄村镇第一托育园")
    assert "共 14 个字，超过上限 10 个字" in message
    assert "收到逻辑值" in parse_error(parse, False)
    assert "收到日期" in parse_error(parse, dt.date(2025, 1, 1))


def test_date_wants_excel_dates():
    parse = date()
    assert parse(dt.datetime(2025, 3, 1, 9, 30)) == dt.date(2025, 3, 1)
    assert parse(dt.date(2025, 3, 1)) == dt.date(2025, 3, 1)
    assert parse_error(parse, "2025年3月").startswith("日期须为Excel日期格式，收到文本“2025年3月”")
    assert "收到数字 45717" in parse_error(parse, 45717)
    assert "早于 2020-01-01" in parse_error(date(min_value=dt.date(2020, 1, 1)), dt.date(2019, 12, 31))


def test_choice_takes_label_or_code_and_lists_the_options():
    parse = choice({"infant": "乳儿班", "toddler_small": "托小班", "toddler_large": "托大班"})
    assert parse("托小班") == "toddler_small"
    assert parse(" 托 大 班 ") == "toddler_large"
    assert parse("INFANT") == "infant"
    message = parse_error(parse, "小班")
    assert "“小班”不是可选的值" in message and "乳儿班、托小班、托大班" in message
    numbered = choice([(1, "是"), (2, "否")])
    assert numbered(2) == 2 and numbered(1.0) == 1 and numbered("否") == 2


def test_boolean():
    parse = boolean()
    for value in ("是", "true", "TRUE", "1", 1, True, 1.0):
        assert parse(value) is True
    for value in ("否", "false", "0", 0, False):
        assert parse(value) is False
    assert "“可能”不是“是”或“否”" in parse_error(parse, "可能")
    assert "不是“是”或“否”" in parse_error(parse, 2)


# ------------------------------------------------------------------------------------- reading: happy path


def test_reads_rows_with_excel_row_numbers_skipping_empty_rows():
    content = xlsx([HEADER, ["黄村镇", 120, 36], [None, None, None], ["  ", None], ["西红门镇", 80, None]])
    table = read_table(content, columns=TOWN_COLUMNS)
    assert [(row.number, row.values) for row in table.rows] == [
        (2, {"town": "黄村镇", "slots": 120, "inclusive": 36}),
        (5, {"town": "西红门镇", "slots": 80, "inclusive": None}),
    ]
    assert table.sheet_name == "Sheet"
    assert table.letters == {"town": "A", "slots": "B", "inclusive": "C"}
    assert table.rows[0]["slots"] == 120 and len(table) == 2


def test_columns_are_found_by_header_in_any_order_ignoring_white_space():
    content = xlsx([[" 普惠\n托位数 ", "镇街", "托位数"], [36, "黄村镇", 120]])
    (row,) = read_table(content, columns=TOWN_COLUMNS).rows
    assert row.values == {"town": "黄村镇", "slots": 120, "inclusive": 36}


def test_accepts_uploaded_files_and_paths(tmp_path):
    content = xlsx([HEADER, ["黄村镇", 120, 36]])
    upload = SimpleUploadedFile("托位.xlsx", content, content_type=excel.XLSX_CONTENT_TYPE)
    upload.read(10)  # a half-read upload is rewound
    assert len(read_table(upload, columns=TOWN_COLUMNS).rows) == 1
    path = tmp_path / "托位.xlsx"
    path.write_bytes(content)
    assert len(read_table(path, columns=TOWN_COLUMNS).rows) == 1
    assert len(read_table(str(path), columns=TOWN_COLUMNS).rows) == 1


def test_required_empty_and_every_row_problem_reported_together():
    content = xlsx(
        [
            HEADER,
            [None, "120个", 36],
            ["西红门镇", "1/2", "三十"],
            ["旧宫镇", -5, 12.5],
            ["瀛海镇", 10**9, True],
        ]
    )
    problems = problems_of(content, columns=TOWN_COLUMNS)
    found = [(p.row, p.column, p.header) for p in problems]
    assert found == [
        (2, "A", "镇街"),
        (2, "B", "托位数"),
        (3, "B", "托位数"),
        (3, "C", "普惠托位数"),
        (4, "B", "托位数"),
        (4, "C", "普惠托位数"),
        (5, "B", "托位数"),
        (5, "C", "普惠托位数"),
    ]
    text_of = [str(p) for p in problems]
    assert text_of[0] == "第2行A列（镇街）：不能为空"
    assert "不要带单位" in text_of[1]
    assert "是分数" in text_of[2] and "中文数字" in text_of[3]
    assert "负数" in text_of[4] and "不是整数" in text_of[5]
    assert "超过上限" in text_of[6] and "逻辑值" in text_of[7]
    assert problems[1].value == "120个"


def test_dates_in_cells_are_dates_and_datetimes_become_dates():
    columns = [Column("name", "机构名称", text(50)), Column("opened", "开业日期", date(), required=True)]
    content = xlsx(
        [
            ["机构名称", "开业日期"],
            ["甲", dt.datetime(2025, 3, 1, 8, 0)],
            ["乙", dt.date(2024, 12, 31)],
            ["丙", "2025年3月"],
        ]
    )
    problems = problems_of(content, columns=columns)
    assert [(p.row, p.column) for p in problems] == [(4, "B")]
    assert problems[0].reason.startswith("日期须为Excel日期格式，收到文本“2025年3月”")
    good = xlsx(
        [["机构名称", "开业日期"], ["甲", dt.datetime(2025, 3, 1, 8, 0)], ["乙", dt.date(2024, 12, 31)]]
    )
    assert [row["opened"] for row in read_table(good, columns=columns).rows] == [
        dt.date(2025, 3, 1),
        dt.date(2024, 12, 31),
    ]


def test_chinese_locale_builtin_date_format_is_read_as_a_date():
    """Chinese Excel/WPS may store 2025年3月1日 with the locale built-in format id 31, which openpyxl does not
    know as a date."""

    def style(workbook, sheet):
        sheet["B2"].number_format = "yyyy年m月d日"

    content = xlsx([["机构名称", "开业日期"], ["甲", dt.datetime(2025, 3, 1)]], extra=style)

    def to_builtin_31(styles):
        match = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy年m月d日"\s*/>', styles)
        custom = match.group(1)
        styles = styles.replace(match.group(0), "")
        return styles.replace(f'numFmtId="{custom}"', 'numFmtId="31"')

    content = rewrite(content, "xl/styles.xml", to_builtin_31)
    raw = load_workbook(io.BytesIO(content), read_only=True)
    assert isinstance(next(raw.active.iter_rows(min_row=2, values_only=True))[1], int | float)  # the trap
    columns = [Column("name", "机构名称", text(50)), Column("opened", "开业日期", date())]
    assert read_table(content, columns=columns).rows[0]["opened"] == dt.date(2025, 3, 1)


def test_a_wrong_dimension_record_does_not_cut_rows_off():
    content = xlsx([HEADER] + [[f"镇{i}", i, 0] for i in range(1, 6)])
    content = rewrite(
        content,
        "xl/worksheets/sheet1.xml",
        lambda x: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:C2"', x),
    )
    assert len(read_table(content, columns=TOWN_COLUMNS).rows) == 5


# ---------------------------------------------------------------------------------- reading: file refusals


def only_problem(content, **kwargs):
    problems = problems_of(content, **({"columns": TOWN_COLUMNS} | kwargs))
    assert len(problems) == 1
    assert problems[0].row is None and problems[0].column is None
    return problems[0].reason


def test_empty_upload():
    assert "文件是空的" in only_problem(b"")
    assert "文件是空的" in only_problem(SimpleUploadedFile("a.xlsx", b""))


def test_renamed_pdf():
    assert "这是PDF文件" in only_problem(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")


def test_csv_text():
    reason = only_problem("镇街,托位数\n黄村镇,120\n".encode())
    assert "CSV" in reason and ".xlsx" in reason
    assert "CSV" in only_problem("镇街,托位数\n黄村镇,120\n".encode("gb18030"))


def test_old_xls_html_and_other_zips():
    assert ".xls" in only_problem(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert "网页" in only_problem(b"<html><body><table><tr><td>1</td></tr></table></body></html>")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert "Word" in only_problem(docx.getvalue())
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "压缩包" in only_problem(plain.getvalue())
    assert "损坏" in only_problem(b"PK\x03\x04" + bytes(200))


def test_a_damaged_workbook_is_a_problem_not_a_server_error():
    content = xlsx([HEADER, ["黄村镇", 120, 36]])
    broken_sheet = rewrite(content, "xl/worksheets/sheet1.xml", lambda x: x[: len(x) // 2])
    assert "损坏" in only_problem(broken_sheet)
    broken_book = rewrite(content, "xl/workbook.xml", lambda x: "<not-a-workbook")
    assert "不是有效的Excel工作簿" in only_problem(broken_book)


def test_larger_than_max_bytes_states_the_limit():
    content = xlsx([HEADER, ["黄村镇", 120, 36]])
    assert len(content) > 2048
    assert only_problem(content, max_bytes=2048).startswith("文件超过 2 KB 的大小上限")
    assert "文件超过 1.5 MB 的大小上限" in only_problem(
        content + bytes(2 * 1024 * 1024), max_bytes=3 * 512 * 1024
    )
    # an upload announcing its size is refused before being read
    assert "文件超过 10 MB 的大小上限" in only_problem(
        SimpleUploadedFile("big.xlsx", bytes(11 * 1024 * 1024))
    )


def test_zip_bomb_is_refused_before_openpyxl_reads_anything(monkeypatch):
    def must_not_load(*args, **kwargs):
        raise AssertionError("openpyxl must not be reached")

    monkeypatch.setattr(excel, "load_workbook", must_not_load)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(200):  # 200 MB of zeros, a few hundred KB compressed
                member.write(zeros)
    content = bomb.getvalue()
    assert len(content) < 1024 * 1024
    reason = only_problem(content)
    assert "压缩炸弹" in reason and "100 MB" in reason  # and openpyxl was never called (must_not_load)


def test_zip_bomb_ratio_and_total_size_checks():
    ratio_bomb = io.BytesIO()
    with zipfile.ZipFile(ratio_bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(5 * 1024 * 1024))  # ~1000× compression
    assert "压缩炸弹" in only_problem(ratio_bomb.getvalue())
    normal = xlsx([HEADER, ["黄村镇", 120, 36]])
    assert "压缩炸弹" in only_problem(normal, max_uncompressed_bytes=1000)


def test_more_rows_than_max_rows_states_the_limit():
    content = xlsx([HEADER] + [[f"镇{i}", i, 0] for i in range(1, 6)])
    assert len(read_table(content, columns=TOWN_COLUMNS, max_rows=5).rows) == 5
    reason = only_problem(content, max_rows=3)
    assert "超过 3 行的上限" in reason and "第5行" in reason


def test_missing_sheet_lists_the_sheets_found():
    def more(workbook, sheet):
        workbook.create_sheet("附件2")

    reason = only_problem(xlsx([HEADER], title="附件1", extra=more), sheet_name="附件3")
    assert reason == "找不到名为“附件3”的工作表；文件中的工作表有：“附件1”、“附件2”"


def test_chart_and_hidden_sheets_are_passed_over():
    def more(workbook, sheet):
        hidden = workbook.create_sheet("说明", 0)
        hidden.append(["不要读这里"])
        hidden.sheet_state = "hidden"
        chart_sheet = workbook.create_chartsheet("图表", 0)
        chart = BarChart()
        chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=2))
        chart_sheet.add_chart(chart)
        workbook.active = 0  # the chart sheet

    content = xlsx([HEADER, ["黄村镇", 120, 36]], title="托位", extra=more)
    table = read_table(content, columns=TOWN_COLUMNS)
    assert table.sheet_name == "托位" and table.rows[0]["slots"] == 120
    assert "是图表" in only_problem(content, sheet_name="图表")
    assert read_table(content, columns=[Column("x", "不要读这里", text())], sheet_name="说明").rows == []


def test_sheet_without_header():
    (problem,) = problems_of(xlsx([]), columns=TOWN_COLUMNS)
    assert (problem.row, problem.column) == (1, "A") and "没有表头" in problem.reason


# ------------------------------------------------------------------------------------------- reading: headers


def test_missing_and_renamed_headers_are_reported_with_column_letters():
    content = xlsx([["镇街", "备注", "托位数量"], ["黄村镇", "", 120]])
    problems = problems_of(content, columns=TOWN_COLUMNS)
    by_value = {p.value: p for p in problems}
    assert set(by_value) == {"托位数", "普惠托位数", "备注", "托位数量"}
    assert by_value["托位数"].row is None
    assert "缺少列“托位数”" in by_value["托位数"].reason
    assert "C列的“托位数量”" in by_value["托位数"].reason  # the likely rename is pointed out
    assert by_value["托位数量"].column == "C" and by_value["托位数量"].row == 1
    assert "表头“托位数量”不是模板中的列" in by_value["托位数量"].reason
    assert by_value["备注"].column == "B"


def test_extra_columns_can_be_allowed_and_duplicates_are_refused():
    content = xlsx([[*HEADER, "备注"], ["黄村镇", 120, 36, "新建"]])
    assert "不是模板中的列" in reasons(problems_of(content, columns=TOWN_COLUMNS))[0]
    assert read_table(content, columns=TOWN_COLUMNS, allow_extra_columns=True).rows[0]["slots"] == 120
    duplicated = xlsx([[*HEADER, "托位数"], ["黄村镇", 120, 36, 5]])
    (problem,) = problems_of(duplicated, columns=TOWN_COLUMNS)
    assert "出现了多次（B列、D列）" in problem.reason


def test_data_under_no_header_is_reported():
    content = xlsx([HEADER, ["黄村镇", 120, 36, None, "多出来的"]])
    (problem,) = problems_of(content, columns=TOWN_COLUMNS)
    assert (problem.row, problem.column, problem.value) == (2, "E", "多出来的")
    assert "没有表头" in problem.reason


ANNEX_COLUMNS = [
    Column("seq", "序号", integer(min_value=1)),
    Column("town", "镇街", text(20), required=True),
    Column("base_total", ("2024年底线目标", "托位数"), integer(), required=True),
    Column("base_inclusive", ("2024年底线目标", "普惠托位数"), integer(), required=True),
    Column("plan_total", ("2025年目标", "托位数"), integer(), required=True),
    Column("plan_inclusive", ("2025年目标", "普惠托位数"), integer(), required=True),
]


def annex(data_rows, *, data_merges=()) -> bytes:
    """The layout of the Daxing annex: a merged title row, then two header rows with merged group titles and
    序号/镇街 merged vertically, then towns, then a 合计 line with 合计 merged across A:B and SUM formulas."""
    rows = [
        ["附件：大兴区各镇街托位建设目标"],
        ["序号", "镇街", "2024年底线目标", None, "2025年目标", None],
        [None, None, "托位数", "普惠托位数", "托位数", "普惠托位数"],
        *data_rows,
    ]
    last = 3 + len(data_rows)
    rows.append(["合计", None, *(f"=SUM({c}4:{c}{last})" for c in "CDEF")])
    merges = ["A1:F1", "A2:A3", "B2:B3", "C2:D2", "E2:F2", f"A{last + 1}:B{last + 1}", *data_merges]
    return xlsx(rows, merges=merges, title="附件")


def is_total(values):
    return values["seq"] == "合计" or values["town"] == "合计"


def test_two_header_rows_with_merged_group_titles():
    content = annex([[1, "黄村镇", 300, 90, 500, 300], [2, "西红门镇", 200, 60, 400, 240]])
    table = read_table(content, columns=ANNEX_COLUMNS, header_rows=2, title_rows=1, skip_row=is_total)
    assert [row.number for row in table.rows] == [4, 5]
    assert table.rows[0].values == {
        "seq": 1,
        "town": "黄村镇",
        "base_total": 300,
        "base_inclusive": 90,
        "plan_total": 500,
        "plan_inclusive": 300,
    }
    assert table.letters["plan_inclusive"] == "F"


def test_without_skip_row_the_total_line_is_reported():
    content = annex([[1, "黄村镇", 300, 90, 500, 300]])
    problems = problems_of(content, columns=ANNEX_COLUMNS, header_rows=2, title_rows=1)
    assert {p.row for p in problems} == {5}
    assert "单元格含公式，请粘贴为数值" in reasons(problems)
    assert "第5行有合并单元格（A5:B5），请取消合并，并在每一行填写完整" in reasons(problems)


def test_merged_cells_in_the_data_area_are_refused():
    content = annex(
        [[1, "黄村镇", 300, 90, 500, 300], [2, None, 200, 60, 400, 240]],
        data_merges=["B4:B5"],
    )
    problems = problems_of(content, columns=ANNEX_COLUMNS, header_rows=2, title_rows=1, skip_row=is_total)
    assert [(p.row, p.column, p.value) for p in problems] == [(4, "B", "B4:B5"), (5, "B", None)]
    assert problems[0].reason.startswith("第4行有合并单元格（B4:B5）")
    assert problems[1].reason == "不能为空"


def test_formulas_in_data_cells_are_refused():
    content = xlsx([HEADER, ["黄村镇", "=100+20", 36], ["西红门镇", 80, "=B3*0.3"]])
    problems = problems_of(content, columns=TOWN_COLUMNS)
    assert [(p.row, p.column, p.value, p.reason) for p in problems] == [
        (2, "B", "=100+20", "单元格含公式，请粘贴为数值"),
        (3, "C", "=B3*0.3", "单元格含公式，请粘贴为数值"),
    ]


def test_error_values_are_refused():
    content = xlsx([HEADER, ["黄村镇", "#DIV/0!", "#N/A"]])
    problems = problems_of(content, columns=TOWN_COLUMNS)
    assert [(p.column, p.reason) for p in problems] == [
        ("B", "单元格是错误值“#DIV/0!”，请改为正确的数值"),
        ("C", "单元格是错误值“#N/A”，请改为正确的数值"),
    ]


def test_problem_list_is_capped():
    content = xlsx([HEADER] + [["镇", "x", "y"] for _ in range(20)])
    problems = problems_of(content, columns=TOWN_COLUMNS, max_problems=5)
    assert len(problems) == 7  # rows until the cap is passed, then the note
    assert "只列出了前 5 个" in problems[-1].reason


def test_plain_title_matches_a_unique_column_under_a_group():
    content = annex([[1, "黄村镇", 300, 90, 500, 300]])
    columns = [*ANNEX_COLUMNS[:2], Column("total", "托位数", integer())]
    problems = problems_of(
        content, columns=columns, header_rows=2, title_rows=1, skip_row=is_total, allow_extra_columns=True
    )
    assert "缺少列“托位数”" in problems[0].reason  # ambiguous: two groups have 托位数


# ---------------------------------------------------------------------------------------------------- writing


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_prefixes_dangerous_strings(prefix):
    assert neutralise(prefix + "cmd|' /C calc'!A0") == "'" + prefix + "cmd|' /C calc'!A0"


def test_neutralise_leaves_safe_values_alone():
    for value in ("黄村镇", "a=b", "", 12, -5, None, Decimal("-1.5"), dt.date(2025, 1, 1)):
        assert neutralise(value) == value


def exported_sheet():
    rows = [
        ("黄村镇", 120, Decimal("1500.50"), dt.date(2025, 3, 1), '=HYPERLINK("http://x")', None, True),
        ("@SUM(A1)", -3, Decimal("12"), dt.datetime(2025, 3, 1, 9, 30), "+86 10", 2.5, False),
        ("\tTab", 123456789012345678, Decimal("0.1"), None, "-1", "\rcr", "bad\x01char"),
    ]
    columns = [
        ("镇街", 12),
        ("托位数", None),
        ("收费（元/月）", 14),
        ("日期", 12),
        ("备注", 30),
        ("其他", None),
        ("是否", 6),
    ]
    return SheetSpec(title="托位/统计[2025]", columns=columns, rows=iter(rows))


def test_write_workbook_keeps_types_neutralises_text_and_freezes_the_header():
    content = write_workbook([exported_sheet()])
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "托位_统计_2025_"
    assert [cell.value for cell in sheet[1]] == [
        "镇街",
        "托位数",
        "收费（元/月）",
        "日期",
        "备注",
        "其他",
        "是否",
    ]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 12
    assert sheet.column_dimensions["B"].width >= 10  # worked out from the title
    assert sheet.column_dimensions["E"].width == 30

    first, second, third = (list(row) for row in sheet.iter_rows(min_row=2))
    assert first[1].value == 120 and first[1].data_type == "n"
    assert first[2].value == 1500.5 and first[2].data_type == "n" and first[2].number_format == "0.00"
    assert second[2].value == 12 and second[2].number_format == "0"
    assert third[2].number_format == "0.0"
    assert first[3].value == dt.datetime(2025, 3, 1) and first[3].number_format == "yyyy-mm-dd"
    assert first[3].is_date and second[3].is_date
    assert first[4].value == '\'=HYPERLINK("http://x")' and first[4].data_type == "s"
    assert first[5].value is None
    assert first[6].value is True
    assert second[0].value == "'@SUM(A1)"
    assert second[1].value == -3  # numbers are never neutralised
    assert second[4].value == "'+86 10"
    assert third[0].value == "'\tTab"
    assert third[1].value == "123456789012345678"  # beyond Excel's 15 digits: text, not a rounded number
    assert third[4].value == "'-1"
    assert third[5].value in ("'\rcr", "'\ncr")  # XML turns a bare CR into LF; the quote is what counts
    assert third[6].value == "badchar"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_export_with_group_headers_reads_back_through_read_table():
    towns = [(1, "黄村镇", 300, 90, 500, 300), (2, "西红门镇", 200, 60, 400, 240)]
    spec = SheetSpec(
        title="附件",
        columns=[
            ("序号", 6),
            ("镇街", 12),
            ("托位数", 10),
            ("普惠托位数", 12),
            ("托位数", 10),
            ("普惠托位数", 12),
        ],
        rows=towns,
        header_rows=[[None, None, ("2024年底线目标", 2), ("2025年目标", 2)]],
    )
    content = write_workbook([spec])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A3"
    assert {str(ref) for ref in sheet.merged_cells.ranges} == {"A1:A2", "B1:B2", "C1:D1", "E1:F1"}
    table = read_table(content, columns=ANNEX_COLUMNS, header_rows=2)
    assert [tuple(row.values.values()) for row in table.rows] == towns
    assert [row.number for row in table.rows] == [3, 4]


def test_header_rows_must_cover_every_column():
    spec = SheetSpec(title="x", columns=[("a", None), ("b", None)], rows=[], header_rows=[[("组", 3)]])
    with pytest.raises(ValueError):
        write_workbook([spec])


def test_timezone_aware_datetimes_are_written_in_local_time(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = dt.datetime(2025, 3, 1, 1, 30, tzinfo=dt.UTC)
    content = write_workbook([SheetSpec(title="t", columns=[("时间", 20)], rows=[(moment,)])])
    assert load_workbook(io.BytesIO(content)).active["A2"].value == dt.datetime(2025, 3, 1, 9, 30)


def test_problems_workbook_round_trip():
    content = xlsx([HEADER, ["=cmd()", "120个", 36], ["西红门镇", -5, None]])
    problems = problems_of(content, columns=TOWN_COLUMNS)
    report = problems_workbook([*problems, Problem(None, None, None, "文件级问题")])
    sheet = load_workbook(io.BytesIO(report)).active
    assert [cell.value for cell in sheet[1]] == ["行", "列", "值", "原因"]
    assert sheet.freeze_panes == "A2"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        [2, "A（镇街）", "'=cmd()", "单元格含公式，请粘贴为数值"],
        [2, "B（托位数）", "120个", problems[1].reason],
        [3, "B（托位数）", -5, "“-5”是负数，此列不能为负数"],
        [None, None, None, "文件级问题"],
    ]
    columns = [
        Column("row", "行", integer(min_value=1)),
        Column("column", "列", text()),
        Column("value", "值", text()),
        Column("reason", "原因", text(500), required=True),
    ]
    back = read_table(report, columns=columns)
    assert [row["reason"] for row in back.rows] == [p.reason for p in problems] + ["文件级问题"]


def test_xlsx_response_with_a_chinese_filename():
    response = xlsx_response(b"PK\x03\x04data", "大兴区托位目标2025")
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="2025.xlsx"; ')
    encoded = re.search(r"filename\*=UTF-8''(\S+)$", disposition).group(1)
    assert unquote(encoded) == "大兴区托位目标2025.xlsx"
    assert "%E5%A4%A7" in encoded  # 大
    assert response.content == b"PK\x03\x04data"
    assert response["Content-Length"] == "8"
    assert "no-store" in response["Cache-Control"]
    assert xlsx_response(b"x", "全部机构.xlsx")["Content-Disposition"].startswith(
        'attachment; filename="export.xlsx"'
    )
    injected = xlsx_response(b"x", 'a"\r\nSet-Cookie: x.xlsx')["Content-Disposition"]
    assert "\n" not in injected and '"a_' in injected

"""`python manage.py import_roster FILE --district CODE [--dry-run]`: the roster import of the page, from the
command line — the same row report, exit status 0 or 1, nothing written on a dry run or a refusal. The roster
is read as officials hold it: a title line above the header, units in the headers, numbers as text."""

import io

import openpyxl
import pytest
from django.core.management import call_command

from facilities.models import Facility

pytestmark = pytest.mark.django_db

HEADERS = ["机构名称", "镇街", "机构类型", "普惠机构", "托育费（元/月）", "托小班班数", "托小班每班人数"]


def roster(rows, *, title="大兴区托育机构名册（2025年）", headers=HEADERS) -> bytes:
    """A roster with some of the template's columns (the others are optional) and a title line."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    sheet.append(["填表人：李某"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(tmp_path, content, *args):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_roster", str(path), "--district", "110115", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def full_headers():
    from facilities.importers import _class_types, roster_columns

    return [column.header for column in roster_columns(_class_types())]


def test_a_dry_run_reports_and_writes_nothing_then_the_import_writes(tmp_path, superuser, daxing):
    headers = full_headers()
    headers[headers.index("托育费（元/月）")] = "托育费(元/月)"  # typed with half-width brackets
    row = {
        "机构名称": "星星托育园 ",
        "镇街": "黄村镇",
        "机构类型": "社区托育点",
        "托小班班数": "2 ",
        "托小班每班人数": "１５",
    }
    values = [row.get(header) for header in full_headers()]
    content = roster([values], headers=headers)
    count = Facility.objects.count()

    code, out, _err = run(tmp_path, content, "--dry-run")
    assert code == 0, out
    assert "共 1 行：新增 1，修改 0，未变 0" in out and "第3行 星星托育园：新增" in out
    assert Facility.objects.count() == count

    code, out, _err = run(tmp_path, content)
    assert code == 0 and "已导入" in out
    facility = Facility.objects.get(name="星星托育园")
    assert facility.total_slots == 30 and facility.town.name == "黄村镇"


def test_a_refused_roster_exits_1_lists_every_problem_and_writes_nothing(tmp_path, superuser, daxing):
    headers = full_headers()
    rows = [
        [{"机构名称": "甲园", "机构类型": "托儿所"}.get(h) for h in headers],  # unknown kind: unreadable
        [
            {"机构名称": "乙园", "镇街": "黄村", "机构类型": "社区托育点"}.get(h) for h in headers
        ],  # unknown town
    ]
    count = Facility.objects.count()
    code, out, err = run(tmp_path, roster(rows, headers=headers))
    assert code == 1 and "没有写入任何数据" in err
    assert "第3行C列" in out and "第4行B列" in out  # both, in one pass
    assert Facility.objects.count() == count

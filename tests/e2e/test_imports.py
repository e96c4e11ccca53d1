"""An official imports town targets from a spreadsheet in the browser: preview, confirm, then a bad file gets
its row-by-row report. Jobs run immediately here (the worker's backend is swapped for the immediate one)."""

import io

import openpyxl
import pytest

from targets.models import Region, SlotTarget
from tests.e2e.conftest import log_in, shot
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)


def annex(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "镇街", "2026年规划目标", None])
    sheet.append([None, None, "托位总数", "其中：普惠托位数"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:B2")
    sheet.merge_cells("C1:D1")
    for number, (town, total, inclusive) in enumerate(rows, start=1):
        sheet.append([number, town, total, inclusive])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_preview_confirm_and_a_bad_file(page, live_server, seeded_live_db, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    daxing = Region.objects.get(code="110115")
    grant(UserFactory(username="daxing"), "district_official", region=daxing)
    base = live_server.url
    log_in(page, base, "daxing")
    page.goto(f"{base}/planning/districts/110115/imports/")
    shot(page, "imports-index")

    good = annex(tmp_path / "good.xlsx", [("兴丰街道", 400, 250), ("林校路街道", 410, 260)])
    page.set_input_files("input[type=file]", str(good))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#confirm-import")
    assert page.inner_text("#count-created") == "2"
    assert not SlotTarget.objects.filter(year=2026).exists()  # a preview writes nothing
    shot(page, "imports-preview")
    page.click("#confirm-import")
    page.wait_for_selector("#done-note")
    assert SlotTarget.objects.get(town__name="兴丰街道", year=2026, level="plan").total_slots == 400

    page.goto(f"{base}/planning/districts/110115/imports/")
    bad = annex(tmp_path / "bad.xlsx", [("兴丰街道", 100, 250), ("不存在街道", 10, 1)])
    page.set_input_files("input[type=file]", str(bad))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#problems")
    problems = page.inner_text("#problems")
    assert "不存在街道" in problems and "250" in problems
    shot(page, "imports-problems")

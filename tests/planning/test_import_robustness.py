"""What keeps the import jobs healthy: the upload's memory budget (a shared-strings bomb is refused before
openpyxl reads it), the warning on a job nobody takes, and the deletion of stored uploads after the
retention period (the report stays)."""

import datetime
import io
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import spreadsheets
from core.spreadsheets import Column, WorkbookError, integer, read_table, text
from planning import tasks
from planning.models import ImportJob

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.planning.import_urls_for_tests")]


def shared_strings_bomb(strings: int, length: int) -> bytes:
    """A valid little workbook whose shared-string table is replaced by `strings` distinct texts of `length`
    characters — the shape of the 8.6 MB file that held 82 MB of text, scaled down."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["镇街", "托位数"])
    workbook.active.append(["黄村镇", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    items = "".join(f"<si><t>{index:0{length}d}</t></si>" for index in range(strings))
    table = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{strings}" uniqueCount="{strings}">{items}</sst>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != "xl/sharedStrings.xml":
                target.writestr(member, source.read(member))
        target.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()


COLUMNS = [Column("town", "镇街", text()), Column("slots", "托位数", integer())]


@pytest.fixture
def no_openpyxl(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a file over the budget")

    monkeypatch.setattr(spreadsheets, "load_workbook", refuse)


@pytest.mark.parametrize(
    ("limit", "value"),
    [
        ("MAX_SHARED_STRINGS_BYTES", 256 * 1024),
        ("MAX_SHARED_STRINGS", 5_000),
        ("MAX_SHARED_TEXT_CHARS", 50_000),
    ],
)
def test_a_shared_strings_bomb_is_refused_before_openpyxl_within_the_budget(
    monkeypatch, no_openpyxl, limit, value
):
    """Each limit of the budget, lowered so that a small file exceeds it: the refusal streams the table and
    holds none of it (its peak memory stays far below the table's size)."""
    monkeypatch.setattr(spreadsheets, limit, value)
    bomb = shared_strings_bomb(20_000, 12)  # 20,000 texts, 240,000 characters, about 500 KB of XML
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookError) as refused:
            read_table(bomb, columns=COLUMNS)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (problem,) = refused.value.problems
    assert "文件中的文字内容过多" in problem.reason
    assert peak < 3 * 1024 * 1024


def test_the_budget_lets_an_ordinary_workbook_through():
    content = shared_strings_bomb(50, 6)
    assert len(read_table(content, columns=COLUMNS)) == 1
    assert spreadsheets.MAX_SHARED_STRINGS_BYTES < spreadsheets.MAX_UNCOMPRESSED_BYTES


def test_a_shared_strings_bomb_fails_its_job_with_a_clear_message(
    client, monkeypatch, immediate_tasks, daxing_official, daxing
):
    monkeypatch.setattr(spreadsheets, "MAX_SHARED_STRINGS", 1_000)
    client.force_login(daxing_official)
    data = {"kind": "facility_roster", "file": io.BytesIO(shared_strings_bomb(5_000, 8))}
    data["file"].name = "bomb.xlsx"
    client.post(reverse("imports:index", args=["110115"]), data)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "文件中的文字内容过多" in job.problems[0]["reason"]


# ---------------------------------------------------------------- a job nobody takes


def queued_job(district, user, **fields) -> ImportJob:
    return ImportJob.objects.create(
        kind="slot_targets", district=district, file_name="a.xlsx", content=b"PK", created_by=user, **fields
    )


def test_a_job_queued_for_minutes_warns_that_the_worker_may_not_run(
    client, settings, daxing, daxing_official
):
    settings.IMPORT_QUEUE_WARNING_MINUTES = 5
    job = queued_job(daxing, daxing_official)
    client.force_login(daxing_official)
    url = reverse("imports:job", args=["110115", job.pk])
    assert 'id="queue-warning"' not in client.get(url).content.decode()
    assert client.get(reverse("imports:job_status", args=["110115", job.pk])).json()["stalled"] is False

    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=6))
    page = client.get(url).content.decode()
    assert 'id="queue-warning"' in page and "已排队超过 5 分钟" in page and "db_worker" in page
    assert client.get(reverse("imports:job_status", args=["110115", job.pk])).json()["stalled"] is True


# ---------------------------------------------------------------- stored uploads are deleted, reports kept


def test_uploads_are_deleted_after_the_retention_period_and_the_report_stays(
    settings, daxing, daxing_official
):
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 30
    now = timezone.now()
    old = queued_job(
        daxing,
        daxing_official,
        status=ImportJob.Status.FAILED,
        finished_at=now - datetime.timedelta(days=31),
        problems=[{"row": 4, "column": "C", "value": -1, "reason": "是负数", "header": None}],
    )
    recent = queued_job(
        daxing, daxing_official, status=ImportJob.Status.DONE, finished_at=now - datetime.timedelta(days=29)
    )
    running = queued_job(daxing, daxing_official, status=ImportJob.Status.RUNNING)
    out = io.StringIO()
    call_command("purge_import_uploads", stdout=out)
    assert "已删除 1 个导入文件" in out.getvalue()
    old.refresh_from_db()
    assert bytes(old.content) == b"" and old.content_deleted_at is not None
    assert old.problems[0]["reason"] == "是负数"  # the report stays
    for job in (recent, running):
        job.refresh_from_db()
        assert bytes(job.content) == b"PK" and job.content_deleted_at is None
    assert tasks.purge_stored_uploads() == 0  # done once

    settings.IMPORT_UPLOAD_RETENTION_DAYS = 0  # keep for ever
    assert tasks.purge_stored_uploads(now + datetime.timedelta(days=365)) == 0


def test_a_preview_whose_file_was_deleted_cannot_be_confirmed(client, settings, daxing, daxing_official):
    job = queued_job(
        daxing,
        daxing_official,
        status=ImportJob.Status.PREVIEWED,
        finished_at=timezone.now() - datetime.timedelta(days=40),
        summary={"total_rows": 1, "created": 1, "updated": 0, "unchanged": 0, "changes": []},
    )
    tasks.purge_stored_uploads()
    client.force_login(daxing_official)
    page = client.get(reverse("imports:job", args=["110115", job.pk])).content.decode()
    assert 'id="confirm-import"' not in page and 'id="content-deleted"' in page
    response = client.post(reverse("imports:job_confirm", args=["110115", job.pk]))
    assert response.status_code == 302 and ImportJob.objects.count() == 1

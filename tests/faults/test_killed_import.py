"""An import killed half-way leaves nothing behind.

A real `db_worker` process runs a large facility-roster import against this test database; it is killed
with SIGKILL while it is writing (the facility id sequence, which no rollback resets, shows rows being
inserted in the import's still-open transaction). Afterwards not one row of that import exists, the job that
would otherwise say "running" for ever is marked failed (the worker's advisory lock went with its database
session) with a message to upload again, and uploading the same file again imports it cleanly, once."""

import io
import os
import signal
import subprocess
import time

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from facilities import importers
from facilities.models import ClassUnit, Facility, RoleAssignment
from planning import tasks
from planning.models import ImportJob
from targets.models import Region
from tests.factories import UserFactory, grant
from tests.faults.conftest import ROOT, manage_command, subprocess_env

ROWS = 300  # writing takes seconds: long enough to kill the worker in the middle
PREFIX = "【中断测试】托育园"


def headers() -> list[str]:
    """The roster template's header row, as an official downloads it."""
    content = importers.roster_workbook(Region.objects.get(code="110115"))
    template = openpyxl.load_workbook(io.BytesIO(content))
    return [cell.value for cell in template["机构名册"][1]]


def roster(rows: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "机构名册"
    columns = headers()
    sheet.append(columns)
    for number in range(rows):
        values = {
            "机构名称": f"{PREFIX}{number:04d}",
            "镇街": "黄村镇",
            "机构类型": "社会力量办托",
            "普惠机构": "否",
            "托小班班数": 2,
            "托小班每班人数": 15,
        }
        sheet.append([values.get(column) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_roster(official, content):
    """The roster import of Daxing, for real (no dry run), queued for the configured task backend."""
    return tasks.start_import(
        district=Region.objects.get(code="110115"),
        user=official,
        kind=ImportJob.Kind.FACILITY_ROSTER,
        content=content,
        file_name="名册.xlsx",
        dry_run=False,
    )


def facility_ids_issued() -> int:
    """The facility id sequence: it moves with every insert, committed or not."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('facilities_facility', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value FROM {sequence}")
        return cursor.fetchone()[0]


def wait_for(condition, seconds: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"timed out after {seconds}s waiting for {what}")


@pytest.fixture
def official(committed_seed):
    daxing = Region.objects.get(code="110115")
    user = UserFactory(username="killed_import_dx")
    return grant(user, RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing)


def test_a_roster_import_killed_while_writing_leaves_nothing_and_can_be_run_again(official, client, settings):
    daxing = Region.objects.get(code="110115")
    content = roster(ROWS)
    job = import_roster(official, content)
    assert job.status == ImportJob.Status.QUEUED
    before = facility_ids_issued()
    log = (ROOT / "artifacts").joinpath("killed-import-worker.log")
    log.parent.mkdir(exist_ok=True)
    with open(log, "wb") as output:
        worker = subprocess.Popen(
            manage_command("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"),
            cwd=ROOT,
            env=subprocess_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            # Validation reads the whole file first; then the import's one transaction inserts row by row.
            def writing() -> bool:
                job.refresh_from_db()
                if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
                    pytest.fail(f"the import ended before it could be killed: {job.status} {job.problems}")
                if worker.poll() is not None:
                    pytest.fail(f"the worker exited early; see {log}")
                return facility_ids_issued() >= before + 20

            wait_for(writing, 120, "the worker to start writing")
            os.kill(worker.pid, signal.SIGKILL)
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    # Rows were inserted (ids were issued) but none of them was ever committed.
    assert facility_ids_issued() >= before + 20
    assert not Facility.objects.filter(name__startswith=PREFIX).exists()
    assert not ClassUnit.objects.filter(facility__name__startswith=PREFIX).exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # nothing told the job; the sweep below finds out

    # Looking at the job finds its worker gone (once PostgreSQL has ended the killed worker's session).
    client.force_login(official)
    status_url = reverse("imports:job_status", args=[daxing.code, job.pk])
    status = wait_for(
        lambda: (data := client.get(status_url).json())["status"] == ImportJob.Status.FAILED and data,
        15,
        "the abandoned job to be marked failed",
        step=0.2,
    )
    assert status["finished"] is True
    job.refresh_from_db()
    assert [problem["reason"] for problem in job.problems] == [
        "导入中断：后台任务进程意外退出，本文件的数据均未写入；请重新上传文件"
    ]
    assert tasks.sweep_abandoned_jobs() == 0  # once is enough

    # The same file again (run in this process) imports every row, once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    again = import_roster(official, content)
    assert again.status == ImportJob.Status.DONE, again.problems
    assert again.summary["created"] == ROWS
    assert Facility.objects.filter(name__startswith=PREFIX).count() == ROWS
    assert ClassUnit.objects.filter(facility__name__startswith=PREFIX).count() == ROWS


def test_a_running_job_whose_worker_is_alive_is_not_swept(official):
    """The lock a live worker holds (here: another database session) keeps its job running."""
    import psycopg

    daxing = Region.objects.get(code="110115")
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.SLOT_TARGETS,
        district=daxing,
        dry_run=True,
        file_name="x.xlsx",
        content=b"",
        created_by=official,
        status=ImportJob.Status.RUNNING,
    )
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as worker_session:
        worker_session.execute("SELECT pg_advisory_lock(%s, %s)", [tasks.JOB_LOCK_NAMESPACE, job.pk])
        assert tasks.sweep_abandoned_jobs() == 0
        job.refresh_from_db()
        assert job.status == ImportJob.Status.RUNNING
        worker_pid = worker_session.info.backend_pid
    # The session ended: the worker is gone once its server process has exited, which on a busy machine
    # comes a moment after the client closed the connection.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:  # the activity view is read once per transaction unless cleared
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [worker_pid])
            if cursor.fetchone() is None:
                break
        time.sleep(0.05)
    assert tasks.sweep_abandoned_jobs() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED

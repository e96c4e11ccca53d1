"""The import worker (`python manage.py db_worker`, planning/management/commands/db_worker.py) keeps going
through a refused database connection: it logs, waits and polls again, and the queued job is then run.

In-process and cheap: django-tasks' own worker loop runs in --batch mode against this test's database, and
its first SQL statement fails as a refused connection does (once: the statements after it, the savepoint's
rollback first, reach the database again, which keeps this test's transaction usable). Its check for old
connections is switched off: it would close the connection that holds this test's transaction."""

import contextlib
import io
from unittest import mock

import openpyxl
import psycopg
import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django_tasks_db.management.commands import db_worker as base

from planning import tasks
from planning.management.commands import db_worker
from planning.models import ImportJob

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def refused_once():
    """The next SQL statement fails as with a refused connection; the ones after it go through."""

    def fail(*args, **kwargs):
        patch.stop()
        raise OperationalError("connection refused") from psycopg.OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        )

    patch = mock.patch.multiple(CursorWrapper, execute=fail, executemany=fail)
    return patch


def small_annex() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["镇街", "2025年规划目标", None])
    sheet.append([None, "托位总数", "其中：普惠托位数"])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    sheet.append(["黄村镇", 300, 90])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_worker_keeps_going_through_a_refused_connection(settings, monkeypatch, daxing, daxing_official):
    settings.TASKS = DATABASE_BACKEND
    job = tasks.start_import(
        district=daxing,
        user=daxing_official,
        kind="slot_targets",
        content=small_annex(),
        file_name="a.xlsx",
        dry_run=True,
    )
    assert job.status == ImportJob.Status.QUEUED

    monkeypatch.setattr(base, "close_old_connections", lambda: None)
    pauses = []
    monkeypatch.setattr(db_worker.time, "sleep", pauses.append)
    worker = db_worker.ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="outage-test",
        excluded_queue_names=[],
    )
    outage = refused_once()
    outage.start()
    try:
        worker.run()  # django-tasks' own Worker.run raises the OperationalError, and its process exits
    finally:
        with contextlib.suppress(RuntimeError):
            outage.stop()  # stopped by the refused statement already, unless the worker never got there
    assert pauses == [db_worker.RETRY_FIRST]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED, job.problems


def test_the_pause_doubles_while_the_database_stays_away_up_to_a_minute(monkeypatch):
    attempts = iter([OperationalError("refused")] * 8 + [None])

    def run(self):
        error = next(attempts)
        if error:
            raise error

    monkeypatch.setattr(base.Worker, "run", run)
    pauses = []
    monkeypatch.setattr(db_worker.time, "sleep", pauses.append)
    worker = db_worker.ResilientWorker(
        queue_names=["default"],
        interval=1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w",
        excluded_queue_names=[],
    )
    worker.run()
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60]

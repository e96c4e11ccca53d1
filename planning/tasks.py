"""Background imports (django-tasks; the worker is `python manage.py db_worker`).

`start_import` stores the upload as an ImportJob and enqueues `run_import`; the task reads the job, runs the
importer (targets.importers for slot targets, facilities.importers for the roster: each in the app that owns
its data) with a progress callback (done_rows saved every ~200 rows), and stores the outcome on the job:
previewed (a dry run), done, or failed with the problems list. Nothing a file contains can make the task
crash without the job saying so.

A worker that dies mid-job (kill -9, a lost machine) writes nothing: the importers write in one transaction,
which PostgreSQL rolls back when the worker's connection goes. The job would stay "running" for ever, so
while it runs the worker holds a PostgreSQL advisory lock keyed on the job; `sweep_abandoned_jobs` (called
when a job or the job list is looked at, and before a worker claims a job) marks a running job whose lock
nobody holds as failed, with a message to upload the file again. No time-out is guessed: the lock goes
exactly when the worker's database session ends. That needs a session of its own: behind pgbouncer in
transaction mode the worker connects straight to PostgreSQL (DATABASE_DIRECT_URL; settings.py refuses to start
`db_worker` without it when DATABASE_PGBOUNCER is on). The sweep's try-lock is transaction-scoped and works
through pgbouncer too.

Uploads are not kept for ever: `purge_stored_uploads` (run by the worker before each job, and by `python
manage.py purge_import_uploads`) empties the stored file of jobs that ended IMPORT_UPLOAD_RETENTION_DAYS ago;
the job, its summary and its problems stay. A job still queued after IMPORT_QUEUE_WARNING_MINUTES is
`stalled`: its page says the worker may not be running (planning/management/commands/db_worker.py is the
worker that survives database outages; `dev.py serve` restarts it if it dies).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from core.spreadsheets import Problem, WorkbookError, problem_to_json
from facilities.importers import import_facility_roster
from planning.models import ImportJob
from planning.services import can_manage_district
from targets.importers import import_slot_targets
from targets.models import SourceDocument

logger = logging.getLogger(__name__)

Status = ImportJob.Status
FINISHED = frozenset({Status.PREVIEWED, Status.DONE, Status.FAILED})


def start_import(
    *, district, user, kind: str, content: bytes, file_name: str, dry_run: bool, source_id: int | None = None
) -> ImportJob:
    """Create the job and hand it to the worker."""
    job = ImportJob.objects.create(
        kind=kind,
        district=district,
        dry_run=dry_run,
        file_name=file_name[:255],
        content=content,
        created_by=user,
        summary={"source_id": source_id} if source_id else {},
    )
    try:
        run_import.enqueue(job.pk)
    except Exception:
        logger.exception("could not enqueue import job %s", job.pk)
        ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            problems=[
                problem_to_json(
                    Problem(None, None, None, _("无法提交后台任务，文件未导入；请稍后重试或联系管理员"))
                )
            ],
        )
    job.refresh_from_db()
    return job


def _source_for(job: ImportJob) -> SourceDocument | None:
    source_id = (job.summary or {}).get("source_id")
    if not source_id:
        return None
    source = SourceDocument.objects.filter(pk=source_id, region=job.district).first()
    if source is None:
        raise WorkbookError([Problem(None, None, None, _("所选来源文件已不存在或不属于本区，请重新选择"))])
    return source


# Advisory-lock namespace of import jobs (the two-key form: namespace, job id). "TY" in ASCII.
JOB_LOCK_NAMESPACE = 0x5459


def _abandoned_problem() -> list[dict]:
    return [
        problem_to_json(
            Problem(
                None,
                None,
                None,
                _("导入中断：后台任务进程意外退出，本文件的数据均未写入；请重新上传文件"),
            )
        )
    ]


def sweep_abandoned_jobs(jobs=None) -> int:
    """Mark running jobs whose worker is gone as failed; returns how many. `jobs` narrows the search (a
    queryset of ImportJob); a job whose worker still runs is left alone."""
    candidates = (jobs if jobs is not None else ImportJob.objects.all()).filter(status=Status.RUNNING)
    swept = 0
    for job_id in candidates.values_list("pk", flat=True):
        with transaction.atomic(), connection.cursor() as cursor:
            # Taken only if no worker holds it; a transaction-level lock is released at the commit.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [JOB_LOCK_NAMESPACE, job_id])
            if not cursor.fetchone()[0]:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                swept += ImportJob.objects.filter(pk=job_id, status=Status.RUNNING).update(
                    status=Status.FAILED,
                    problems=_abandoned_problem(),
                    finished_at=timezone.now(),
                    updated_at=timezone.now(),
                )
    if swept:
        logger.warning("marked %s abandoned import job(s) as failed", swept)
    return swept


def purge_stored_uploads(now: datetime.datetime | None = None) -> int:
    """Delete the uploaded files of jobs that ended IMPORT_UPLOAD_RETENTION_DAYS ago or earlier (0: keep
    them); the jobs and their reports stay. Returns how many files were deleted."""
    days = settings.IMPORT_UPLOAD_RETENTION_DAYS
    if days <= 0:
        return 0
    now = now or timezone.now()
    purged = ImportJob.objects.filter(
        finished_at__lte=now - datetime.timedelta(days=days), content_deleted_at__isnull=True
    ).update(content=b"", content_deleted_at=now, updated_at=now)
    if purged:
        logger.info("deleted the stored uploads of %s finished import job(s)", purged)
    return purged


def is_stalled(job: ImportJob, now: datetime.datetime | None = None) -> bool:
    """Has the job waited in the queue longer than IMPORT_QUEUE_WARNING_MINUTES (no worker taking jobs)?"""
    limit = datetime.timedelta(minutes=settings.IMPORT_QUEUE_WARNING_MINUTES)
    return job.status == Status.QUEUED and (now or timezone.now()) - job.created_at > limit


def process_job(job_id: int) -> str:
    """Run one queued job to its end; returns the final status. A job that is not queued is left alone (a
    worker retry, or a second worker). Messages are written in the portal's default language."""
    sweep_abandoned_jobs()
    purge_stored_uploads()
    with connection.cursor() as cursor:
        # Held for the whole job, taken before the job is claimed: a running job without it has no worker.
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [JOB_LOCK_NAMESPACE, job_id])
        if not cursor.fetchone()[0]:  # another worker is on it
            return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            return _process(job_id)
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [JOB_LOCK_NAMESPACE, job_id])
        except DatabaseError:  # the connection is gone, and the lock with it
            logger.warning("could not release the lock of import job %s", job_id, exc_info=True)


class _ProgressReport:
    """Saves a running job's done_rows / total_rows. A confirmed import reads and writes inside one
    transaction (all or nothing), where a save through the job's own connection would stay invisible until
    the end, so progress reported from inside a transaction the importer opened goes through a second
    database session of its own (opened on first use, closed by `close`)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.depth = len(connection.atomic_blocks)  # transactions already open when the job started
        self.side = None

    def __call__(self, done: int, total: int) -> None:
        job = self.job
        job.done_rows, job.total_rows = done, total
        if len(connection.atomic_blocks) <= self.depth:
            job.save(update_fields=["done_rows", "total_rows", "updated_at"])
            return
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            quote = self.side.ops.quote_name
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(ImportJob._meta.db_table)} SET done_rows = %s, total_rows = %s, "
                    "updated_at = %s WHERE id = %s",
                    [done, total, timezone.now(), job.pk],
                )
        except DatabaseError:  # progress is a courtesy: never fail an import for it
            logger.warning("could not report the progress of import job %s", job.pk, exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def _process(job_id: int) -> str:
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""
    job = ImportJob.objects.select_related("district", "created_by").get(pk=job_id)
    options = {key: value for key, value in (job.summary or {}).items() if key == "source_id"}

    progress = _ProgressReport(job)
    try:
        if not can_manage_district(job.created_by, job.district):
            raise WorkbookError([Problem(None, None, None, _("提交人已无权导入本区数据，文件未导入"))])
        content = bytes(job.content or b"")
        if job.kind == ImportJob.Kind.SLOT_TARGETS:
            result = import_slot_targets(
                content,
                district=job.district,
                user=job.created_by,
                dry_run=job.dry_run,
                source=_source_for(job),
                progress=progress,
            )
        elif job.kind == ImportJob.Kind.FACILITY_ROSTER:
            result = import_facility_roster(
                content, district=job.district, user=job.created_by, dry_run=job.dry_run, progress=progress
            )
        else:
            raise WorkbookError([Problem(None, None, job.kind, _("未知的导入类型"))])
    except WorkbookError as error:
        job.status = Status.FAILED
        job.problems = [problem_to_json(problem) for problem in error.problems]
        job.summary = options
        job.done_rows = job.total_rows
    except Exception:
        logger.exception("import job %s failed", job_id)
        job.status = Status.FAILED
        job.problems = [
            problem_to_json(
                Problem(
                    None,
                    None,
                    None,
                    _("导入时发生意外错误，未写入任何数据；请联系管理员（导入任务编号 %(id)s）")
                    % {"id": job.pk},
                )
            )
        ]
        job.summary = options
    else:
        job.status = Status.PREVIEWED if job.dry_run else Status.DONE
        job.summary = {**options, **result.as_summary()}
        job.problems = []
        job.total_rows = job.done_rows = result.total_rows
    progress.close()
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "problems",
            "summary",
            "total_rows",
            "done_rows",
            "finished_at",
            "updated_at",
        ]
    )
    return job.status


@task()
def run_import(job_id: int) -> str:
    return process_job(job_id)

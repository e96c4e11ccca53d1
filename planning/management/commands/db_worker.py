"""`python manage.py db_worker`: django-tasks' database worker (it runs the import jobs, planning.tasks), made
to outlive database outages.

django-tasks' worker exits on the first database error it does not expect — one refused connection while it
polls for a job — and queued jobs then wait for ever. This command is the same worker (same options; it takes
the name, so `dev.py serve`, deployments and the fault tests run it unchanged) whose loop is restarted after a
database error: it logs the error, waits (1 s, doubling up to a minute while the database stays away) and
polls again; a fresh connection is opened by the loop's own check of old connections. A job that was running
when the connection went is rolled back by PostgreSQL and marked failed by `sweep_abandoned_jobs` (its
advisory lock went with the session). Only a signal (Ctrl+C, SIGTERM) or --batch/--max-tasks end it.
"""

from __future__ import annotations

import logging
import os
import time

from django.db import InterfaceError, OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as base

logger = logging.getLogger("django_tasks_db")

RETRY_FIRST = 1.0  # seconds
RETRY_MAX = 60.0


class ResilientWorker(base.Worker):
    """django-tasks' Worker whose loop survives database errors (see the module's docstring)."""

    def run(self) -> None:
        delay = RETRY_FIRST
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks: the loop ended as asked
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - started > RETRY_MAX:
                    delay = RETRY_FIRST  # it had been running well: a new outage starts over
                first_line = (str(error).strip() or type(error).__name__).splitlines()[0]
                logger.warning("database unavailable (%s); the worker retries in %.0f s", first_line, delay)
                self.running_task = False
                time.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)


class Command(base.Command):
    help = "Run the background worker (import jobs); it keeps running through database outages."

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise base.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()

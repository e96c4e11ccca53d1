"""Soak and fault run against gunicorn with PostgreSQL restarted mid-run (see ops/soak.py).

    python manage.py soak --seconds 60            # 4 readers, 4 writers, PostgreSQL restarted at ~35%
    python manage.py soak --seconds 20 --no-restart

Everything happens on 127.0.0.1 and in a temporary folder: a scratch PostgreSQL, gunicorn, the clients.
Exit status 1 when a check failed; the report and the logs' folder are printed.
"""

import dataclasses
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops import soak


class Command(BaseCommand):
    help = "压力与故障测试：并发读写、数据库重启。Soak run: concurrent readers/writers, PostgreSQL restart."
    requires_system_checks = []

    def add_arguments(self, parser):
        defaults = soak.Options()
        parser.add_argument(
            "--seconds", type=float, default=defaults.seconds, help="length of the load phase"
        )
        parser.add_argument("--readers", type=int, default=defaults.readers)
        parser.add_argument("--writers", type=int, default=defaults.writers)
        parser.add_argument("--web-workers", type=int, default=defaults.web_workers, help="gunicorn workers")
        parser.add_argument("--restart", action="store_true", default=True, help="restart PostgreSQL mid-run")
        parser.add_argument("--no-restart", action="store_false", dest="restart")
        parser.add_argument("--down-seconds", type=float, default=defaults.down_seconds)
        parser.add_argument("--no-hang", action="store_false", dest="hang", help="skip the hung database")
        parser.add_argument("--hang-seconds", type=float, default=defaults.hang_seconds)
        parser.add_argument("--facilities", type=int, default=defaults.facilities)
        parser.add_argument(
            "--applications-per-facility", type=int, default=defaults.applications_per_facility
        )
        parser.add_argument("--keep", action="store_true", help="keep the temporary folder and its logs")
        # Internal: the orchestrator runs these in subprocesses pointed at the scratch database.
        parser.add_argument("--phase", choices=["prepare", "verify"], help="internal")
        parser.add_argument("--plan", help="internal")
        parser.add_argument("--outcomes", help="internal")

    def handle(self, *args, **options):
        for name in ("seconds", "down_seconds", "hang_seconds"):
            if not 0 < options[name] <= 3600:
                raise CommandError(f"--{name.replace('_', '-')} must be between 0 and 3600.")
        for name in ("readers", "writers", "web_workers", "facilities", "applications_per_facility"):
            if not 0 < options[name] <= 64:
                raise CommandError(f"--{name.replace('_', '-')} must be between 1 and 64.")
        if options["applications_per_facility"] > 12:
            raise CommandError("--applications-per-facility: at most 12 (one per month of 2025).")
        if options["phase"]:
            return self.phase(options)
        # Every option of the run the command line sets (the others keep their defaults).
        chosen = {f.name: options[f.name] for f in dataclasses.fields(soak.Options) if f.name in options}
        report = soak.run(soak.Options(**chosen), say=self.stdout.write)
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("soak failed")

    def phase(self, options):
        try:
            soak.guard_scratch_database()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        plan_file = Path(options["plan"])
        if options["phase"] == "prepare":
            plan = soak.prepare(
                {
                    "facilities": options["facilities"],
                    "applications_per_facility": options["applications_per_facility"],
                }
            )
            plan_file.write_text(json.dumps(plan, ensure_ascii=False))
        else:
            result = soak.verify(
                json.loads(plan_file.read_text()), json.loads(Path(options["outcomes"]).read_text())
            )
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

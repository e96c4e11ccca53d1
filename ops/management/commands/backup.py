"""Back up the configured database (embedded or DATABASE_URL) to one pg_dump custom-format file."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "备份数据库（pg_dump 自定义格式）。Back up the database to a pg_dump custom-format file: "
        "manage.py backup [FILE]; default backups/tuoyu-<date>-<time>.dump (BACKUP_DIR)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", help="backup file (default: BACKUP_DIR/tuoyu-<timestamp>.dump)"
        )
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, file=None, database="default", **options):
        if file:
            path = Path(file)
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = Path(settings.BACKUP_DIR) / f"tuoyu-{stamp}.dump"
        try:
            written = backup(path, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = written.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                _("已备份到 %(path)s（%(size)s 字节）。") % {"path": written, "size": f"{size:,}"}
            )
        )

"""Restore a backup made by `manage.py backup` into the configured database, replacing its contents."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ops.backup import BackupError, check_archive, restore


class Command(BaseCommand):
    help = (
        "从备份恢复数据库（替换现有数据，需确认）。Restore a backup made by `manage.py backup`, replacing "
        "the database's contents in one transaction; asks for confirmation unless --no-input."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by manage.py backup")
        parser.add_argument("--database", default="default", help="database alias (default: default)")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="do not ask to confirm"
        )

    def handle(self, *args, file, database="default", interactive=True, **options):
        path = Path(file)
        try:
            target, _pg_restore, entries = check_archive(path, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if interactive:
            question = _(
                "这将用备份 %(path)s（%(entries)s 项）替换数据库 %(database)s 中的全部数据，且无法撤销。"
                "请先停止应用服务器与后台任务进程。输入 yes 继续："
            ) % {"path": path, "entries": entries, "database": target.describe()}
            try:
                answer = input(question)
            except EOFError:  # no terminal to answer from
                answer = ""
            if answer.strip().lower() not in ("yes", "y", "是"):
                raise CommandError(_("已取消，数据库未作任何更改。"))
        try:
            restore(path, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("已从 %(path)s 恢复数据库 %(database)s。") % {"path": path, "database": target.describe()}
            )
        )

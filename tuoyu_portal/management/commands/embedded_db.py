"""Inspect or stop the project's embedded PostgreSQL (used when DATABASE_URL is unset)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tuoyu_portal import embedded_db


class Command(BaseCommand):
    help = "内置 PostgreSQL 的状态与停止。Status or clean stop of the embedded PostgreSQL."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action, **options):
        if settings.DATABASE_URL:
            raise CommandError("已设置 DATABASE_URL，本项目未使用内置 PostgreSQL。")
        if action == "status":
            for key, value in embedded_db.status().items():
                self.stdout.write(f"{key}: {value}")
        elif embedded_db.stop():
            self.stdout.write(self.style.SUCCESS("内置 PostgreSQL 已停止（数据保留）。"))
        else:
            self.stdout.write("内置 PostgreSQL 未在运行。")

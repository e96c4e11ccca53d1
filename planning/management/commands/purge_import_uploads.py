"""`python manage.py purge_import_uploads`: delete the uploaded files of import jobs that ended
IMPORT_UPLOAD_RETENTION_DAYS ago (the worker also does it before each job); the jobs' reports stay."""

from django.conf import settings
from django.core.management.base import BaseCommand

from planning.tasks import purge_stored_uploads


class Command(BaseCommand):
    help = "删除导入任务结束若干天后的上传文件（保留结果和问题清单）。Delete old stored import uploads."

    def handle(self, *args, **options):
        count, days = purge_stored_uploads(), settings.IMPORT_UPLOAD_RETENTION_DAYS
        self.stdout.write(f"已删除 {count} 个导入文件（任务结束 {days} 天后删除；0 表示不删除）")

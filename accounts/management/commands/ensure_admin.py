import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from core import access


class Command(BaseCommand):
    help = (
        "确保存在初始管理员：没有超级用户时创建一个，并只在创建时打印一次生成的密码。"
        " Ensure an initial administrator exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if access.unrestricted_accounts(User.objects.all()).exists():
            self.stdout.write("已有管理员账户，未作改动。")
            return
        if User.objects.filter(username=username).exists():
            # Never touch an existing account's password: promoting it would silently hand it admin rights.
            self.stderr.write(
                f"用户名“{username}”已被非管理员账户使用；请用 --username 指定另一个名称，"
                "或运行 python manage.py createsuperuser。"
            )
            raise SystemExit(1)
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS("已创建初始管理员（此密码只显示这一次，请妥善保存并尽快修改）：")
        )
        self.stdout.write(f"  用户名：{username}")
        self.stdout.write(f"  密码：  {password}")

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import require_password_change
from core import access, usernames


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
        if User.objects.filter(username=usernames.normalize(username)).exists():
            # Never touch an existing account's password: promoting it would silently hand it admin rights.
            self.stderr.write(
                f"用户名“{username}”已被非管理员账户使用；请用 --username 指定另一个名称，"
                "或运行 python manage.py createsuperuser。"
            )
            raise SystemExit(1)
        try:
            username = usernames.clean_new_username(username)
        except ValidationError as error:
            raise CommandError(f"用户名“{username}”不可用：{error.messages[0]}") from None
        password = secrets.token_urlsafe(12)
        admin = User.objects.create_superuser(username=username, email="", password=password)
        require_password_change(admin, reason="initial administrator")  # generated: changed at first sign-in
        self.stdout.write(self.style.SUCCESS("已创建初始管理员（此密码只显示这一次，首次登录时须修改）："))
        self.stdout.write(f"  用户名：{username}")
        self.stdout.write(f"  密码：  {password}")

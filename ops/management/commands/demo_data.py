"""`python manage.py demo_data [--create-database] [--facilities N] [--months M] [--seed S] [--reset]`:
fill the demo database (name ending _demo; see ops/demo.py). Refuses any other database."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models.deletion import ProtectedError, RestrictedError

from ops import demo


class Command(BaseCommand):
    requires_system_checks = []
    help = (
        "在演示数据库（名称以 _demo 结尾）中生成合成登记数据、在托月报、检查问题和各角色演示账户，"
        "并打印密码；"
        "拒绝在其他数据库运行。Fill the demo database; refuses any other database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-database", action="store_true", help="只创建演示数据库（已存在则不变），然后退出"
        )
        parser.add_argument(
            "--facilities",
            type=int,
            default=demo.DEFAULT_FACILITIES,
            help=f"合成机构数（两区合计，默认 {demo.DEFAULT_FACILITIES}）",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=demo.DEFAULT_MONTHS,
            help=f"在托月报月数（默认 {demo.DEFAULT_MONTHS}）",
        )
        parser.add_argument("--seed", type=int, help="随机种子：相同种子生成相同的合成机构")
        parser.add_argument("--reset", action="store_true", help="删除已有的合成数据后重新生成")

    def handle(self, *args, create_database, facilities, months, seed, reset, **options):
        try:
            name = demo.check_database()
            if create_database:
                created = demo.create_database()
                self.stdout.write(f"演示数据库 {name}：{'已创建' if created else '已存在'}。")
                return
            result = demo.generate(facilities=facilities, months=months, seed=seed, reset=reset)
            accounts = demo.ensure_accounts()
        except demo.DemoError as exc:
            raise CommandError(f"{exc}未写入任何数据。") from exc
        except (ProtectedError, RestrictedError) as exc:
            raise CommandError(f"有记录仍引用合成机构，无法重新生成：{exc}") from exc

        if result.kept:
            self.stdout.write(
                f"演示数据库 {name} 已有 {result.facilities:,} 家合成机构，保留不变（--reset 重新生成）。"
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示数据库 {name}：已生成 {result.facilities:,} 家合成机构（随机种子 {result.seed}），"
                    f"在托月报 {result.reports:,} 份，检查发现问题 {result.findings:,} 项。"
                )
            )
        self.stdout.write("\n演示账户（密码和令牌每次运行重新生成，只显示这一次）：")
        for account in accounts:
            self.stdout.write(
                f"  {account.role:<16}{account.username:<16}{account.secret}  （{account.scope}）"
            )
        self.stdout.write(
            "接口令牌用法：curl -H 'Authorization: Bearer <令牌>' "
            "'http://127.0.0.1:8000/api/v1/stats/slots/?district=110115&year=2025&level=plan'\n"
            "此库含合成数据，仅供演示；统计数字包含【合成】机构。"
        )

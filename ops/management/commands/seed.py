from django.core.management.base import BaseCommand, CommandError

from ops.seed import seed_all
from targets.seeding import DEFAULT_FIXTURES_DIR, SeedError


class Command(BaseCommand):
    help = "载入 fixtures/ 中的种子数据（单一事务，可重复运行）。Load the seed data in one transaction."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixtures", default=str(DEFAULT_FIXTURES_DIR), help="种子数据目录（默认 fixtures/）"
        )

    def handle(self, *args, fixtures, **options):
        try:
            report = seed_all(fixtures)
        except SeedError as exc:
            lines = [f"种子数据有 {len(exc.problems)} 处错误，本次未写入任何数据："]
            lines += [f"  - {problem}" for problem in exc.problems]
            raise CommandError("\n".join(lines)) from exc

        def summary(counts):
            return "，".join(f"{name} {n}" for name, n in counts.items()) or "无"

        self.stdout.write(f"新增：{summary(report.created)}")
        self.stdout.write(f"更新：{summary(report.updated)}")
        self.stdout.write(f"未变：{summary(report.unchanged)}")
        if report.not_in_fixtures:
            self.stdout.write(
                self.style.WARNING(
                    f"数据库中另有不在种子文件里的记录（未改动）：{summary(report.not_in_fixtures)}"
                )
            )
        self.stdout.write(
            self.style.SUCCESS("种子数据已是最新。" if not report.changed else "种子数据已载入。")
        )

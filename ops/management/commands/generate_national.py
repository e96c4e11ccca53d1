"""`python manage.py generate_national [--scale S] [--seed N] [--database NAME] [--replace | --drop]`:
the synthetic nation, in its own benchmark database (see ops/benchmark/national.py)."""

from django.core.management.base import BaseCommand, CommandError

from facilities.models import ClassTypeRule
from ops.benchmark import database as bench_db
from ops.benchmark import national
from ops.seed import seed_all


class Command(BaseCommand):
    requires_system_checks = []
    help = "在独立的压测数据库（默认 tuoyu_bench）中生成全国规模的合成数据；门户数据库不受影响。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="规模系数，1 = 全国（默认），0.01 = 百分之一"
        )
        parser.add_argument("--seed", type=int, default=2025, help="随机种子（默认 2025）")
        parser.add_argument(
            "--database", default=bench_db.DEFAULT_NAME, help="压测数据库名，须以 _bench 结尾"
        )
        parser.add_argument("--replace", action="store_true", help="先删除并重建压测数据库")
        parser.add_argument("--drop", action="store_true", help="只删除压测数据库（删除全部合成数据）")
        parser.add_argument(
            "--template", help="以该数据库（已迁移、已载入种子，且无连接）为模板复制，而不是从头迁移"
        )

    def handle(self, *args, scale, seed, replace, drop, **options):
        name = options["database"]
        try:
            bench_db.check_name(name)
            if options.get("template"):
                bench_db.check_template(options["template"])
            national.planned_counts(scale)
        except (bench_db.BenchDatabaseError, national.NationalDataError) as exc:
            raise CommandError(f"{exc}未写入任何数据。") from exc
        if drop:
            bench_db.drop(name)
            self.stdout.write(self.style.SUCCESS(f"已删除压测数据库 {name}（全部合成数据）。"))
            return
        bench_db.create(name, replace=replace, template=options.get("template"))
        bench_db.use(name)
        self.stdout.write(f"压测数据库 {name}：迁移……")
        bench_db.migrate()
        if not ClassTypeRule.objects.exists():
            self.stdout.write("载入种子数据（国家规则：班型、师生比、工作日）……")
            seed_all()
        try:
            result = national.generate(scale, seed=seed, progress=self.stdout.write)
        except national.NationalDataError as exc:
            raise CommandError(f"{exc}未写入任何数据。") from exc
        broken = {k: v for k, v in national.verify().items() if v}
        counts = "，".join(f"{k} {v:,}" for k, v in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"已在 {name} 生成合成全国数据（规模 {scale}，随机种子 {seed}）：{counts}；用时 {result.seconds:.1f} 秒。"  # noqa: E501
            )
        )
        if broken:
            raise CommandError(f"一致性检查未通过：{broken}")
        self.stdout.write("一致性检查通过。")

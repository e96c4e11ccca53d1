"""`python manage.py benchmark [--repeat N] [--seconds S] [--json PATH] [--database NAME] [--only PART …]`:
measure the benchmark database (made by generate_national) and print a table; see docs/performance.md."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.benchmark import database as bench_db

PARTS = ("stats", "list", "dashboard", "throughput", "excel", "coverage")
BENCH_SETTINGS = "ops.benchmark.settings"


class Command(BaseCommand):
    help = "在压测数据库上测量统计接口、机构列表、区县看板、吞吐量和 Excel 导入导出，打印表格并写出 JSON。"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default=bench_db.DEFAULT_NAME, help="压测数据库名（以 _bench 结尾）"
        )
        parser.add_argument("--repeat", type=int, default=30, help="每项延迟测量的次数（默认 30）")
        parser.add_argument("--seconds", type=float, default=10.0, help="每个吞吐量测量的秒数（默认 10）")
        parser.add_argument(
            "--excel-rows", type=int, default=100_000, help="导入测试的名册行数（默认 100000）"
        )
        parser.add_argument("--excel-repeat", type=int, default=2, help="每项 Excel 测量的次数（默认 2）")
        parser.add_argument("--json", default="artifacts/benchmark.json", help="JSON 结果文件")
        parser.add_argument("--only", action="append", choices=PARTS, help="只测量某几项（可重复）")

    def handle(self, *args, **options):
        name = options["database"]
        try:
            bench_db.check_name(name)
        except bench_db.BenchDatabaseError as exc:
            raise CommandError(str(exc)) from exc
        for option in ("repeat", "excel_rows", "excel_repeat"):
            if options[option] < 1:
                raise CommandError(f"--{option.replace('_', '-')} 必须是正整数（收到 {options[option]}）。")
        if options["seconds"] <= 0:
            raise CommandError(f"--seconds 必须大于 0（收到 {options['seconds']}）。")
        if settings.SETTINGS_MODULE != BENCH_SETTINGS or os.environ.get("BENCH_DATABASE") != name:
            # Measure in a process configured exactly like the gunicorn workers will be.
            if not bench_db.exists(name):
                raise CommandError(f"压测数据库 {name} 不存在；请先运行 python manage.py generate_national。")
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": BENCH_SETTINGS, "BENCH_DATABASE": name}
            env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # settings refuse a weak key (DEBUG off)
            done = subprocess.run([sys.executable, *sys.argv], env=env, cwd=settings.BASE_DIR)
            if done.returncode:
                raise CommandError(f"基准测试失败（退出码 {done.returncode}）。")
            return
        from ops.benchmark import national, runner

        bench_db.migrate()  # the benchmark database follows the code's migrations
        if not national.has_national_data():
            raise CommandError(
                f"压测数据库 {name} 中没有合成全国数据；请先运行 python manage.py generate_national。"
            )
        bench = runner.Bench(
            repeat=options["repeat"],
            seconds=options["seconds"],
            excel_rows=options["excel_rows"],
            excel_repeat=options["excel_repeat"],
            say=self.stdout.write,
        )
        results = bench.run(options["only"] or PARTS)
        results["options"] = {k: options[k] for k in ("repeat", "seconds", "excel_rows", "excel_repeat")}
        path = Path(options["json"])
        if not path.is_absolute():
            path = Path(settings.BASE_DIR) / path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        self.stdout.write(runner.table(results))
        self.stdout.write(self.style.SUCCESS(f"结果已写入 {path}"))

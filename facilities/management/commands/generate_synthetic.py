"""`python manage.py generate_synthetic --facilities N [--seed S] [--district CODE ...] [--delete]`.

A thin wrapper around facilities.synthetic: argument checks, progress output, Chinese errors.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models.deletion import ProtectedError, RestrictedError

from facilities import synthetic


class Command(BaseCommand):
    help = (
        "生成带“【合成】”标记的合成托育机构（含班级、人员、证书、培训记录），供演示和压测；"
        "--delete 删除全部合成机构。Generate (or delete) a clearly marked synthetic registry."
    )

    def add_arguments(self, parser):
        parser.add_argument("--facilities", type=int, metavar="N", help="要生成的合成机构数量（正整数）")
        parser.add_argument("--seed", type=int, help="随机种子：相同种子、区县和数量生成相同的数据")
        parser.add_argument(
            "--district",
            action="append",
            dest="districts",
            metavar="CODE",
            help="只在该区县（行政区划代码）的镇街生成；可重复；默认：所有已载入镇街的区县",
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="删除全部合成机构及其班级、人员等（不影响真实机构）；与 --facilities 同用时先删后建",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=synthetic.DEFAULT_BATCH_SIZE,
            help=f"每批（每个事务）的机构数，默认 {synthetic.DEFAULT_BATCH_SIZE}",
        )
        parser.add_argument(
            "--keep-history",
            action="store_true",
            help="保留 pghistory 变更记录触发器（默认在载入/删除合成数据时跳过，以提速）",
        )

    def handle(self, *args, facilities, seed, districts, delete, batch_size, keep_history, **options):
        if facilities is None and not delete:
            raise CommandError("请指定 --facilities N（生成 N 家合成机构）或 --delete（删除全部合成机构）。")
        if facilities is not None and facilities <= 0:
            raise CommandError(f"--facilities 必须是正整数（收到 {facilities}），未写入任何数据。")
        if batch_size <= 0:
            raise CommandError(f"--batch-size 必须是正整数（收到 {batch_size}），未写入任何数据。")
        if facilities is not None:
            # Check districts, towns and class types before deleting anything.
            try:
                synthetic.resolve_towns(districts)
                synthetic.load_class_types()
            except synthetic.SyntheticDataError as exc:
                raise CommandError(f"{exc}未写入任何数据。") from exc
        elif districts:
            raise CommandError("--district 只能与 --facilities 同用；--delete 总是删除全部合成机构。")

        if delete:
            self._delete(batch_size, keep_history)
        if facilities is not None:
            self._generate(facilities, seed, districts, batch_size, keep_history)

    def _delete(self, batch_size, keep_history):
        def progress(done, total):
            self.stdout.write(f"  已删除 {done:,}/{total:,} 家合成机构")

        try:
            deleted = synthetic.delete_synthetic(
                batch_size=batch_size, keep_history=keep_history, progress=progress
            )
        except (ProtectedError, RestrictedError) as exc:
            raise CommandError(f"有记录仍引用合成机构，无法删除：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已删除 {deleted:,} 家合成机构（真实机构未改动）。"))

    def _generate(self, count, seed, districts, batch_size, keep_history):
        def progress(result):
            rate = result.facilities / result.seconds if result.seconds else 0
            self.stdout.write(
                f"  已生成 {result.facilities:,}/{count:,} 家机构，人员 {result.staff:,} 人，"
                f"用时 {result.seconds:.1f} 秒（{rate:,.0f} 家/秒）"
            )

        try:
            result = synthetic.generate(
                count,
                seed=seed,
                district_codes=districts,
                batch_size=batch_size,
                keep_history=keep_history,
                progress=progress,
            )
        except synthetic.SyntheticDataError as exc:
            raise CommandError(f"{exc}未写入任何数据。") from exc
        districts_text = "，".join(f"{code} {n:,} 家" for code, n in sorted(result.by_district.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {result.facilities:,} 家合成机构（随机种子 {result.seed}）："
                f"班级设置 {result.units:,} 行，人员 {result.staff:,} 人，"
                f"证书 {result.certificates:,} 张，培训记录 {result.trainings:,} 条；"
                f"用时 {result.seconds:.1f} 秒。分布：{districts_text}。"
            )
        )

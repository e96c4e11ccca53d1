"""Keep each facility's risk + credit grade for a month (supervision.services.grade_records_keep).

Run once a month, after the month has ended (by default it keeps the previous month); a month already
kept is left as it was. `--month 2025-03` keeps a past month, e.g. after historic inspections were entered.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from supervision import services
from targets.models import Region


class Command(BaseCommand):
    help = "按月保存各机构的风险+信用监管等级（默认上月）"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM；默认上个月")
        parser.add_argument("--district", help="区县代码；默认全部")

    def handle(self, *args, month=None, district=None, **options):
        if month:
            try:
                period = datetime.datetime.strptime(month, "%Y-%m").date()
            except ValueError as exc:
                raise CommandError("--month 须为 YYYY-MM") from exc
        else:
            period = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        region = None
        if district:
            region = Region.objects.filter(code=district, level=Region.Level.DISTRICT).first()
            if region is None:
                raise CommandError(f"未知区县代码 {district}")
        try:
            added = services.grade_records_keep(period=period, district=region)
        except services.RegistryError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{period:%Y-%m}：新增 {added} 条等级记录")

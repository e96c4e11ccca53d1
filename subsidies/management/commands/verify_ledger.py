"""`python manage.py verify_ledger`: recompute every fund's hash chain and name the first broken entry.

Exit status 0 when every chain holds, 1 when one breaks (for cron and monitoring). Each fund's head hash is
printed: kept somewhere else (a log, a signed report), it also shows a removed last entry, which a chain by
itself cannot.
"""

from django.core.management.base import BaseCommand

from subsidies import selectors
from subsidies.models import Fund


class Command(BaseCommand):
    help = (
        "重新计算支付台账每笔资金的哈希链，指出第一笔被改动的记账（有则退出码为1）。"
        "Verify the ledger's hash chains."
    )

    def handle(self, *args, **options):
        reports = selectors.ledger_chains()
        names = dict(Fund.objects.filter(pk__in=[r.fund_id for r in reports]).values_list("pk", "name"))
        broken = 0
        for report in reports:
            label = f"资金 #{report.fund_id} {names.get(report.fund_id, '')}"
            if report.broken:
                broken += 1
                entry = report.broken.entry
                self.stderr.write(
                    f"{label}：第一笔断链记账 #{entry.pk}（序号 {entry.seq}，凭证号 {entry.reference}，"
                    f"{entry.entry_date}，{entry.amount:,.2f} 元）：{report.broken.reason}"
                )
            else:
                self.stdout.write(f"{label}：{report.entries} 笔，哈希链完整，链头 {report.head}")
        if broken:
            self.stderr.write(f"{broken} 笔资金的台账哈希链已断开。")
            raise SystemExit(1)
        self.stdout.write(f"共 {len(reports)} 笔资金的台账，哈希链均完整。")

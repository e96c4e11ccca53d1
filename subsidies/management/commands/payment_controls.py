"""`python manage.py payment_controls CODE [--maker-checker on|off]`: show or set a district's payment
controls. With maker-checker on, whoever approved an application cannot pay it and a payer cannot reverse
their own payment (subsidies.services). The change is versioned like every edited record. District
officials set the same on the page /subsidies/controls/<code>/ (subsidies:controls)."""

from django.core.management.base import BaseCommand, CommandError

from subsidies.models import PaymentControls
from subsidies.services import payment_controls_set
from targets.models import Region


class Command(BaseCommand):
    help = "显示或设置区县的支付控制（审批与支付分离）。Show or set a district's maker-checker."

    def add_arguments(self, parser):
        parser.add_argument("district", metavar="CODE", help="区县的行政区划代码")
        parser.add_argument("--maker-checker", choices=["on", "off"], help="开启或关闭审批与支付分离")

    def handle(self, *args, district, maker_checker=None, **options):
        region = Region.objects.filter(code=district, level=Region.Level.DISTRICT).first()
        if region is None:
            raise CommandError(f"没有代码为 {district} 的区县。")
        controls = PaymentControls.objects.filter(district=region).first()
        if maker_checker is not None:  # as the system (no user): the command is an operator's tool
            controls = payment_controls_set(user=None, district=region, maker_checker=maker_checker == "on")
        state = "开启" if controls and controls.maker_checker else "关闭"
        self.stdout.write(f"{region.name}（{region.code}）审批与支付分离：{state}")

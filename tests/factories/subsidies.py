"""Funds, programs and applications. The defaults are the tests' Daxing rent subsidy: a district fund of
100,000 元 and a rent program of 10 元 per ㎡ per month for filed, operating, inclusive facilities.
Applications go through subsidies.services (submitted, then `approved_by` an official)."""

import datetime
from decimal import Decimal

import factory

from subsidies import services
from subsidies.models import Application, Fund, Program
from targets.models import Region

YEAR_START = datetime.date(2025, 1, 1)
YEAR_END = datetime.date(2025, 12, 31)


def seeded_daxing():
    return Region.objects.get(code="110115")


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund

    class Params:
        central = factory.Trait(source_level=Fund.SourceLevel.CENTRAL)

    source_level = Fund.SourceLevel.DISTRICT
    name = "大兴区普惠托育补助资金（测试）"
    district = factory.LazyFunction(seeded_daxing)
    year = 2025
    amount_allocated = Decimal("100000.00")
    purpose = "租金补助"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    class Params:
        # Open to every facility of the district, whatever its state.
        unconditional = factory.Trait(
            requires_filed=False, requires_operating=False, requires_inclusive=False
        )
        closed = factory.Trait(accepting_applications=False)

    district = factory.LazyFunction(seeded_daxing)
    year = 2025
    kind = Program.Kind.RENT
    name = "普惠托育机构租金补助（测试）"
    fund = factory.SubFactory(FundFactory, district=factory.SelfAttribute("..district"))
    basis = Program.Basis.PER_M2_MONTH
    rate = Decimal("10.00")
    requires_filed = True
    requires_operating = True
    requires_inclusive = True


class ApplicationFactory(factory.django.DjangoModelFactory):
    """Submitted by `user` (the facility's operator or a superuser) for 2025, 300 ㎡ × 12 months; with
    `approved_by` (an official) also approved, at the proposed amount unless `amount` says otherwise."""

    class Meta:
        model = Application

    # Not fields: who submits, who approves and the approved amount (read by _create).
    user = None
    approved_by = None
    amount = None
    facility = None
    program = factory.SubFactory(ProgramFactory)
    period_start = YEAR_START
    period_end = YEAR_END
    area_m2 = Decimal("300.00")
    months = 12

    @classmethod
    def _create(cls, model_class, *, user, approved_by=None, amount=None, **kwargs):
        application = services.application_submit(user=user, **kwargs)
        if approved_by is not None:
            application = services.application_decide(
                user=approved_by, application=application, decision=services.Decision.APPROVE, amount=amount
            )
        return application

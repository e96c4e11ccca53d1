"""Subsidy fixtures (the session seed holds the subsidies seed): a Daxing fund and rent program of our own
(the seeded Yubei program names no fund, so it cannot pay), facilities in two Daxing towns and one Yubei
facility, and a user per role."""

import datetime
from decimal import Decimal

import pytest

from facilities.models import Facility, RoleAssignment
from subsidies import services
from subsidies.models import Fund, Program
from targets.models import Region
from tests.factories import FacilityFactory, UserFactory, add_unit, grant

Role = RoleAssignment.Role
YEAR_START = datetime.date(2025, 1, 1)
YEAR_END = datetime.date(2025, 12, 31)


@pytest.fixture
def daxing(seeded):
    return Region.objects.get(code="110115")


@pytest.fixture
def yubei(seeded):
    return Region.objects.get(code="500112")


@pytest.fixture
def town1(daxing):
    return Region.objects.get(code="110115-01")


@pytest.fixture
def town2(daxing):
    return Region.objects.get(code="110115-02")


def make_facility(town, name, *, inclusive=True, filed=True, area="300.00", **extra):
    number = f"T-{name}"
    facility = FacilityFactory(
        town=town,
        name=name,
        is_inclusive=inclusive,
        filing_status=Facility.FilingStatus.FILED if filed else Facility.FilingStatus.DRAFT,
        filing_number=number if filed else "",
        filed_on=YEAR_START if filed else None,
        indoor_area_m2=Decimal(area) if area else None,
        enrolled_children=25,
        **extra,
    )
    add_unit(facility, "toddler", 2, 15)
    if inclusive:
        Facility.objects.filter(pk=facility.pk).update(inclusive_slots=20)
        facility.refresh_from_db()
    return facility


@pytest.fixture
def facility_a(town1):
    return make_facility(town1, "甲托育园")


@pytest.fixture
def facility_b(town2):
    return make_facility(town2, "乙托育园")


@pytest.fixture
def facility_y(yubei):
    town = Region.objects.filter(parent=yubei, level=Region.Level.TOWN).order_by("code").first()
    return make_facility(town, "渝北测试托育园")


@pytest.fixture
def fund(daxing):
    return Fund.objects.create(
        source_level=Fund.SourceLevel.DISTRICT,
        name="大兴区普惠托育补助资金（测试）",
        district=daxing,
        year=2025,
        amount_allocated=Decimal("100000.00"),
        purpose="租金补助",
    )


@pytest.fixture
def rent_program(daxing, fund):
    return Program.objects.create(
        district=daxing,
        year=2025,
        kind=Program.Kind.RENT,
        name="普惠托育机构租金补助（测试）",
        fund=fund,
        basis=Program.Basis.PER_M2_MONTH,
        rate=Decimal("10.00"),
        requires_filed=True,
        requires_operating=True,
        requires_inclusive=True,
    )


@pytest.fixture
def users(facility_a, facility_b, town1, daxing, yubei):
    return {
        "operator_a": grant(UserFactory(username="op_a"), Role.OPERATOR, facility=facility_a),
        "operator_b": grant(UserFactory(username="op_b"), Role.OPERATOR, facility=facility_b),
        "town1_official": grant(UserFactory(username="t1"), Role.TOWN_OFFICIAL, region=town1),
        "daxing_official": grant(UserFactory(username="dx"), Role.DISTRICT_OFFICIAL, region=daxing),
        "yubei_official": grant(UserFactory(username="yb"), Role.DISTRICT_OFFICIAL, region=yubei),
        "api_client": grant(UserFactory(username="api"), Role.API_CLIENT, region=daxing),
        "superuser": UserFactory(username="root", is_superuser=True, is_staff=True),
        "nobody": UserFactory(username="nobody"),
    }


ROLES = [
    "operator_a",
    "operator_b",
    "town1_official",
    "daxing_official",
    "yubei_official",
    "api_client",
    "superuser",
    "nobody",
]


def submit(user, facility, program, **figures):
    figures.setdefault("area_m2", Decimal("300.00"))
    figures.setdefault("months", 12)
    return services.application_submit(
        user=user,
        facility=facility,
        program=program,
        period_start=figures.pop("period_start", YEAR_START),
        period_end=figures.pop("period_end", YEAR_END),
        **figures,
    )


def approve(official, application, **kwargs):
    return services.application_decide(
        user=official, application=application, decision=services.Decision.APPROVE, **kwargs
    )


def pay(official, application, amount=None, reference="PZ-001", **kwargs):
    return services.payment_create(
        user=official, application=application, amount=amount, reference=reference, **kwargs
    )


@pytest.fixture
def approved(users, facility_a, rent_program):
    """Facility A's rent application (10 元 × 300 ㎡ × 12 个月 = 36,000), approved by the Daxing official."""
    application = submit(users["operator_a"], facility_a, rent_program)
    return approve(users["daxing_official"], application)

"""Subsidy fixtures (the session seed holds the subsidies seed): a Daxing fund and rent program of our own
(the seeded Yubei program names no fund, so it cannot pay) and a Yubei facility; the places, facilities A
and B and the cast of users (`users`) come from tests/conftest.py."""

from decimal import Decimal

import pytest

from facilities.models import RoleAssignment
from subsidies import services
from targets.models import Region
from tests import cast
from tests.core.seed_files import fixtures  # noqa: F401  (a fixture: pytest finds it by name)
from tests.factories import ApplicationFactory, FundFactory, ProgramFactory, filed_facility

Role = RoleAssignment.Role


def make_facility(town, name, *, inclusive=True, filed=True, area="300.00", **extra):
    """A subsidy applicant as facilities A and B are (tests.factories.filed_facility) but not listed in
    the directory; `inclusive`, `filed` and `area` (None: unknown) change what a program checks."""
    return filed_facility(
        town,
        name,
        filed=filed,
        inclusive=inclusive,
        inclusive_slots=20 if inclusive else 0,
        indoor_area_m2=Decimal(area) if area else None,
        listed=False,
        **extra,
    )


@pytest.fixture
def facility_y(yubei):
    town = Region.objects.filter(parent=yubei, level=Region.Level.TOWN).order_by("code").first()
    return make_facility(town, "渝北测试托育园")


@pytest.fixture
def fund(daxing):
    return FundFactory(district=daxing)


@pytest.fixture
def rent_program(daxing, fund):
    return ProgramFactory(district=daxing, fund=fund)


# The roles the subsidy pages are tried with: the signed-in cast (tests/cast.py; town 2's official sees
# nothing town 1's does not), Daxing's API client account and a user with no role.
ROLES = [role for role in cast.SIGNED_IN if role != "town2_official"] + ["api_client", "nobody"]

# Signed in but not an official of Daxing: none of them may decide, pay or reverse Daxing's subsidies.
NOT_DAXING_OFFICIALS = ["operator_a", "operator_b", "town1_official", "yubei_official", "api_client"]


def submit(user, facility, program, **figures):
    """An application for 2025 (300 ㎡ × 12 months unless `figures` say otherwise), through the service."""
    return ApplicationFactory(user=user, facility=facility, program=program, **figures)


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
    return ApplicationFactory(
        user=users["operator_a"],
        facility=facility_a,
        program=rent_program,
        approved_by=users["daxing_official"],
    )

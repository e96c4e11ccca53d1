"""Fixtures for supervision (the session seed in tests/conftest.py already holds its fixtures): a Daxing
facility pair with an operator each, officials of both districts, and helpers that build inspections and
findings through the services."""

import datetime

import pytest

from facilities.models import Facility, RoleAssignment
from supervision import services
from supervision.models import Department, Inspection
from targets.models import Region
from tests.factories import FacilityFactory, UserFactory, add_unit, grant

Role = RoleAssignment.Role


@pytest.fixture
def today():
    """Every date in these tests is relative to the real today (history rows carry the real time)."""
    from django.utils import timezone

    return timezone.localdate()


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


def filed(**extra):
    values = {
        "filing_status": Facility.FilingStatus.FILED,
        "filing_number": extra.pop("filing_number", None) or f"F-{extra['name']}",
        "filed_on": datetime.date(2025, 1, 1),
        "public_phone": "010-1234567",
        "monthly_fee": 2000,
    }
    values.update(extra)
    return FacilityFactory(**values)


@pytest.fixture
def facility_a(town1):
    facility = filed(town=town1, name="甲托育园")
    add_unit(facility, "toddler", 2, 15)
    return facility


@pytest.fixture
def facility_b(town2):
    facility = filed(town=town2, name="乙托育园")
    add_unit(facility, "older", 1, 20)
    return facility


@pytest.fixture
def yubei_facility(yubei):
    return filed(town=Region.objects.get(code="500112-01"), name="渝北园")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def people(daxing, yubei, town1, facility_a, facility_b, superuser):
    return {
        "operator_a": grant(UserFactory(username="op_a"), Role.OPERATOR, facility=facility_a),
        "operator_b": grant(UserFactory(username="op_b"), Role.OPERATOR, facility=facility_b),
        "town1_official": grant(UserFactory(username="t1"), Role.TOWN_OFFICIAL, region=town1),
        "daxing_official": grant(UserFactory(username="dx"), Role.DISTRICT_OFFICIAL, region=daxing),
        "yubei_official": grant(UserFactory(username="yb"), Role.DISTRICT_OFFICIAL, region=yubei),
        "api_client": grant(UserFactory(username="api"), Role.API_CLIENT, region=daxing),
        "superuser": superuser,
    }


def days_ago(n: int) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() - datetime.timedelta(days=n)


def make_inspection(user, facilities, *, on=None, kind=Inspection.Kind.JOINT, **extra):
    on = on or days_ago(60)
    return services.inspection_create(
        user=user,
        district=facilities[0].district,
        inspected_on=on,
        kind=kind,
        facilities=facilities,
        departments=list(Department.objects.filter(code__in=["health", "fire"])),
        **extra,
    )


def make_finding(
    user, inspection, facility, *, severity="general", category="fire_safety", deadline=None, **extra
):
    return services.finding_create(
        user=user,
        inspection=inspection,
        facility=facility,
        category=category,
        severity=severity,
        description=extra.pop("description", "疏散通道堆放杂物"),
        deadline=deadline or days_ago(-30),  # a month from today: not overdue unless a test says so
        legal_basis=extra.pop("legal_basis", "托育机构管理规范（试行）"),
        **extra,
    )

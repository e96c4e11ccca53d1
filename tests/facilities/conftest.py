import pytest

from facilities.models import ChecklistItem, Facility, RoleAssignment
from targets.models import Region
from tests.factories import FacilityFactory, UserFactory, add_unit, grant

Role = RoleAssignment.Role


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


@pytest.fixture
def facility_a(town1):
    facility = FacilityFactory(town=town1, name="甲托育园", filing_status=Facility.FilingStatus.DRAFT)
    add_unit(facility, "toddler", 2, 15)
    return facility


@pytest.fixture
def facility_b(town2):
    facility = FacilityFactory(town=town2, name="乙托育园", filing_status=Facility.FilingStatus.DRAFT)
    add_unit(facility, "older", 1, 20)
    return facility


@pytest.fixture
def operator_a(facility_a):
    return grant(UserFactory(username="operator_a"), Role.OPERATOR, facility=facility_a)


@pytest.fixture
def operator_b(facility_b):
    return grant(UserFactory(username="operator_b"), Role.OPERATOR, facility=facility_b)


@pytest.fixture
def town_official_1(town1):
    return grant(UserFactory(username="town1"), Role.TOWN_OFFICIAL, region=town1)


@pytest.fixture
def district_official(daxing):
    return grant(UserFactory(username="daxing_official"), Role.DISTRICT_OFFICIAL, region=daxing)


@pytest.fixture
def other_district_official(yubei):
    return grant(UserFactory(username="yubei_official"), Role.DISTRICT_OFFICIAL, region=yubei)


def complete_checklist(facility):
    from facilities.services import ensure_checklist

    ensure_checklist(facility)
    ChecklistItem.objects.filter(facility=facility).update(provided=True, reference="材料-1")

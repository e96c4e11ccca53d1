"""The shared scaffolding itself: the factories' traits give the states they are named after, and the cast
holds one user per role of tests/cast.py's vocabulary."""

from decimal import Decimal

import pytest
from django.utils import timezone

from facilities.models import Facility, StaffMember
from subsidies.models import Application, LedgerEntry
from supervision.models import Finding, FindingAction
from tests import cast
from tests.factories import (
    ApplicationFactory,
    FacilityFactory,
    FindingFactory,
    InspectionFactory,
    StaffMemberFactory,
    filed_facility,
)

pytestmark = pytest.mark.django_db


def test_facility_traits(town1):
    draft = FacilityFactory(town=town1)
    assert (draft.filing_status, draft.operating_status) == ("draft", "operating")
    filed = FacilityFactory(town=town1, name="备案园", filed=True, suspended=True)
    assert (filed.filing_status, filed.filing_number, filed.operating_status) == (
        "filed",
        "T-备案园",
        "suspended",
    )
    assert not filed.counts_toward_slots
    assert FacilityFactory(town=town1, submitted=True).filing_status == Facility.FilingStatus.SUBMITTED
    assert FacilityFactory(town=town1, under_construction=True).operating_status == "under_construction"


def test_units_come_before_the_inclusive_slots(town1):
    facility = filed_facility(town1, "甲")
    assert (facility.total_slots, facility.inclusive_slots, facility.version) == (30, 20, 1)
    assert facility.counts_toward_slots and facility.is_inclusive and facility.public_phone


def test_staff_traits(facility_a):
    member = StaffMemberFactory(facility=facility_a, head=True, certified=True)
    assert member.role == StaffMember.Role.HEAD and member.certificates.count() == 1
    assert not StaffMemberFactory(facility=facility_a, left=True).is_active


def test_inspections_and_findings_go_through_the_services(users, facility_a):
    inspection = InspectionFactory(user=users["daxing_official"], facilities=[facility_a])
    assert inspection.district == facility_a.district and inspection.departments.count() == 2
    finding = FindingFactory(
        user=users["daxing_official"], inspection=inspection, facility=facility_a, overdue=True
    )
    assert finding.status == Finding.Status.OPEN and finding in Finding.objects.overdue(timezone.localdate())
    assert FindingAction.objects.filter(finding=finding, action="created").count() == 1


def test_an_approved_application(users, facility_a):
    application = ApplicationFactory(
        user=users["operator_a"], facility=facility_a, approved_by=users["daxing_official"]
    )
    assert application.status == Application.Status.APPROVED
    assert application.approved_amount == Decimal("36000.00")  # 10 元 × 300 ㎡ × 12 个月
    assert not LedgerEntry.objects.filter(application=application).exists()


def test_one_cast_in_one_vocabulary(users, client_as):
    assert set(cast.SIGNED_IN) <= set(users)
    assert {user.username for user in users.values()} == set(users)
    for role in cast.ROLES:
        response = client_as(role).get("/")
        assert response.status_code == 200
        assert response.wsgi_request.user.is_authenticated == (role in cast.SIGNED_IN)

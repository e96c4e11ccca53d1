"""Fixtures for supervision (the session seed in tests/conftest.py already holds its fixtures): a Yubei
facility and helpers that build inspections and findings through the services (tests.factories). The
places, facilities A and B and the cast of users (`users`) come from tests/conftest.py."""

import pytest

from facilities.models import RoleAssignment
from supervision import services
from supervision.models import Inspection
from tests.core.seed_files import fixtures  # noqa: F401  (a fixture: pytest finds it by name)
from tests.factories import FacilityFactory, FindingFactory, InspectionFactory, days_ago

Role = RoleAssignment.Role


@pytest.fixture
def today():
    """Every date in these tests is relative to the real today (history rows carry the real time)."""
    from django.utils import timezone

    return timezone.localdate()


def filed(**extra):
    """A filed facility listed in the directory (a phone, a fee of 2,000), numbered F-<name>; not inclusive
    unless told. Give name= and town=."""
    extra["filing_number"] = extra.get("filing_number") or f"F-{extra['name']}"
    return FacilityFactory(filed=True, listed=True, **extra)


@pytest.fixture
def yubei_facility(yubei_town):
    return filed(town=yubei_town, name="渝北园")


def make_inspection(user, facilities, *, on=None, kind=Inspection.Kind.JOINT, **extra):
    """A joint inspection by health and fire (InspectionFactory), 60 days ago unless `on` says otherwise."""
    return InspectionFactory(
        user=user, facilities=facilities, inspected_on=on or days_ago(60), kind=kind, **extra
    )


def evaluate(user, facility, framework, scores, *, kind="official", on=None):
    """An evaluation with these ScoreInputs (supervision.services), assessed yesterday unless `on` says."""
    return services.evaluation_create(
        user=user,
        facility=facility,
        framework=framework,
        kind=kind,
        assessed_on=on or days_ago(1),
        scores=scores,
    )


def make_finding(
    user, inspection, facility, *, severity="general", category="fire_safety", deadline=None, **extra
):
    """A finding due in a month (FindingFactory): not overdue unless a test says so."""
    return FindingFactory(
        user=user,
        inspection=inspection,
        facility=facility,
        category=category,
        severity=severity,
        deadline=deadline or days_ago(-30),
        **extra,
    )

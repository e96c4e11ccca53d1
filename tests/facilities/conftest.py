"""Registry fixtures. The registry's tests start from drafts: here facilities A and B (and so the cast's
operators, which follow them) are drafts in Daxing towns 1 and 2 rather than the filed facilities of
tests/conftest.py. Places and the rest of the cast come from there."""

import pytest

from facilities.models import ChecklistItem
from tests.factories import FacilityFactory, provide_materials


@pytest.fixture
def facility_a(town1):
    """A draft in Daxing town 1: two toddler classes of 15."""
    return FacilityFactory(town=town1, name="甲托育园", draft=True, units=[("toddler", 2, 15)])


@pytest.fixture
def facility_b(town2):
    """A draft in Daxing town 2: one older class of 20."""
    return FacilityFactory(town=town2, name="乙托育园", draft=True, units=[("older", 1, 20)])


def complete_checklist(facility):
    """Every material ticked, and every required one given a small PDF (submitting needs the files)."""
    from facilities.services import ensure_checklist

    ensure_checklist(facility)
    ChecklistItem.objects.filter(facility=facility).update(provided=True, reference="材料-1")
    provide_materials(facility)

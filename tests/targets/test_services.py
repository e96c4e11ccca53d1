"""targets.services.slot_target_set: the one write path of slot targets (the annex import calls it)."""

import pytest
from django.core.exceptions import ValidationError

from targets.models import SlotTarget
from targets.services import import_source_get_or_create, slot_target_set
from tests.factories import SourceDocumentFactory

pytestmark = pytest.mark.django_db


def test_creates_then_changes_the_one_target_of_a_town_year_and_level(town1):
    source, other = SourceDocumentFactory(), SourceDocumentFactory()
    key = {"town": town1, "year": 2031, "level": SlotTarget.Level.PLAN}
    created = slot_target_set(**key, total_slots=120, inclusive_slots=60, source=source)
    changed = slot_target_set(**key, total_slots=150, inclusive_slots=70, source=other)
    assert changed.pk == created.pk
    row = SlotTarget.objects.get(**key)
    assert (row.total_slots, row.inclusive_slots, row.source) == (150, 70, other)


def test_refuses_what_the_model_refuses_and_writes_nothing(daxing, town1):
    plan = {"year": 2031, "level": SlotTarget.Level.PLAN, "source": SourceDocumentFactory()}
    with pytest.raises(ValidationError, match="普惠托位数不能大于托位总数"):
        slot_target_set(town=town1, total_slots=10, inclusive_slots=11, **plan)
    with pytest.raises(ValidationError, match="托位目标只能分解到镇街"):
        slot_target_set(town=daxing, total_slots=10, inclusive_slots=1, **plan)
    assert not SlotTarget.objects.filter(year=2031).exists()


def test_the_import_source_is_made_once_per_district(daxing):
    first = import_source_get_or_create(district=daxing)
    assert import_source_get_or_create(district=daxing) == first
    assert first.key == f"import-{daxing.code}" and first.region == daxing


def test_a_given_row_is_changed_in_place_even_its_key(town1, town2):
    source = SourceDocumentFactory()
    row = slot_target_set(
        town=town1, year=2031, level="plan", total_slots=9, inclusive_slots=1, source=source
    )
    moved = slot_target_set(
        town=town2, year=2032, level="plan", total_slots=9, inclusive_slots=2, source=source, target=row
    )
    assert moved.pk == row.pk
    assert list(
        SlotTarget.objects.filter(year__in=[2031, 2032]).values_list("town", "year", "inclusive_slots")
    ) == [(town2.pk, 2032, 2)]

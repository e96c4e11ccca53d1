"""The statistics summary (planning/summary.py) behind planning.selectors: "as of today" the selectors read
per-town figures kept by the database instead of scanning the registry. Whatever changes — units, status,
filing, town, district, the synthetic flag, dated status changes, targets, the date itself — the next
figure is the one the exact computation gives, for the district view and for the rollups."""

import datetime
from unittest import mock

import pytest
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from facilities.models import ClassUnit, Facility, StatusChange
from planning import selectors, summary
from planning.models import SlotSummary, SummaryDirty, SummaryState
from targets.models import Region, SlotTarget
from tests.factories import FacilityFactory, UserFactory, add_unit

pytestmark = pytest.mark.django_db

YEAR, LEVEL = 2025, "plan"
FIGURES = (
    "target_slots", "target_inclusive", "actual_slots", "actual_inclusive", "pipeline_slots", "facilities",
    "inclusive_facilities", "filing_gaps", "flags",
)  # fmt: skip


def figures(progress):
    return [
        (row.code, *(getattr(row, name) for name in FIGURES)) for row in [*progress.rows, progress.totals]
    ]


def district():
    return Region.objects.get(code="110115")


def beijing_districts():
    return Region.objects.filter(level=Region.Level.DISTRICT, parent__code="110100")


def every_view(as_of=None):
    """The district view, a city's rollup and the national rollup, all as of `as_of`."""
    return (
        figures(selectors.district_progress(district(), YEAR, LEVEL, as_of)),
        figures(selectors.rollup(beijing_districts(), YEAR, LEVEL, as_of)),
        figures(selectors.rollup(Region.objects.all(), YEAR, LEVEL, as_of)),
    )


def exact(as_of=None):
    with override_settings(STATISTICS_SUMMARY=False):
        return every_view(as_of)


def assert_summary_is_exact():
    served = every_view()
    assert SummaryState.objects.get().valid_on == timezone.localdate()
    assert not SummaryDirty.objects.exists()  # the figures above came from the summary
    assert served == exact()
    return served


def town_actual(code):
    progress = selectors.district_progress(district(), YEAR, LEVEL)
    return next(row.actual_slots for row in progress.rows if row.code == code)


@pytest.fixture
def counted(town1):
    """A facility filed early in 2025 (the factory's `filed` trait) in Daxing town 1, with 40 slots."""
    return FacilityFactory(town=town1, name="汇总测试园", filed=True, units=[("older", 2, 20)])


def test_the_summary_gives_the_exact_figures(counted):
    assert_summary_is_exact()
    assert SlotSummary.objects.exists()


def test_class_units_reach_the_next_figure(counted):
    before = town_actual("110115001")
    unit = ClassUnit.objects.get(facility=counted)
    unit.classes = 3
    unit.save()
    assert town_actual("110115001") == before + 20
    add_unit(counted, "toddler", 1, 15)
    assert town_actual("110115001") == before + 35
    ClassUnit.objects.filter(facility=counted).delete()
    assert town_actual("110115001") == before - 40
    assert_summary_is_exact()


def test_operating_status_filing_and_synthetic_flag(counted, settings):
    before = town_actual("110115001")
    Facility.objects.filter(pk=counted.pk).update(operating_status=Facility.OperatingStatus.SUSPENDED)
    assert town_actual("110115001") == before - 40
    Facility.objects.filter(pk=counted.pk).update(
        operating_status=Facility.OperatingStatus.UNDER_CONSTRUCTION
    )
    assert_summary_is_exact()  # now in the pipeline
    Facility.objects.filter(pk=counted.pk).update(
        operating_status=Facility.OperatingStatus.OPERATING, filing_status=Facility.FilingStatus.RETURNED
    )
    assert town_actual("110115001") == before - 40
    assert_summary_is_exact()  # a filing gap now
    Facility.objects.filter(pk=counted.pk).update(
        filing_status=Facility.FilingStatus.FILED, is_synthetic=True
    )
    assert town_actual("110115001") == before - 40
    settings.STATISTICS_COUNT_SYNTHETIC = True
    assert town_actual("110115001") == before
    assert_summary_is_exact()


def test_a_filing_date_in_the_future_does_not_count_yet(counted):
    before = town_actual("110115001")
    Facility.objects.filter(pk=counted.pk).update(filed_on=timezone.localdate() + datetime.timedelta(days=1))
    assert town_actual("110115001") == before - 40
    assert_summary_is_exact()


def test_moving_a_facility_to_another_town_and_district(counted):
    before_01, before_02 = town_actual("110115001"), town_actual("110115002")
    Facility.objects.filter(pk=counted.pk).update(town=Region.objects.get(code="110115002"))
    assert (town_actual("110115001"), town_actual("110115002")) == (before_01 - 40, before_02 + 40)
    other = Region.objects.filter(level=Region.Level.TOWN).exclude(parent=district()).first()
    Facility.objects.filter(pk=counted.pk).update(town=other, district=other.parent)
    assert town_actual("110115002") == before_02
    assert_summary_is_exact()
    # Only synthetic rows are ever deleted (a trigger refuses the rest): the summary follows that too.
    Facility.objects.filter(pk=counted.pk).update(is_synthetic=True)
    assert_summary_is_exact()
    counted.delete()
    assert_summary_is_exact()


def test_dated_status_changes_and_the_next_day(counted):
    today = timezone.localdate()
    before = town_actual("110115001")
    change = StatusChange.objects.create(
        facility=counted,
        from_status="operating",
        to_status="suspended",
        effective_on=today + datetime.timedelta(days=2),
        reason="测试",
        decided_by=UserFactory(),
    )
    assert town_actual("110115001") == before  # still operating today
    assert_summary_is_exact()
    later = today + datetime.timedelta(days=3)
    assert every_view(later) == exact(later)  # other dates: the exact path
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        assert town_actual("110115001") == before - 40  # a new day: recomputed
        served = every_view()
        with override_settings(STATISTICS_SUMMARY=False):
            assert served == every_view()
    StatusChange.objects.filter(pk=change.pk).update(effective_on=today - datetime.timedelta(days=1))
    assert town_actual("110115001") == before - 40
    change.delete()
    assert town_actual("110115001") == before
    assert_summary_is_exact()


def test_targets_reach_the_rollups(counted):
    served = assert_summary_is_exact()
    SlotTarget.objects.filter(town__code="110115001", year=YEAR, level=LEVEL).update(
        total_slots=F("total_slots") + 10
    )
    again = assert_summary_is_exact()
    assert again != served


def test_a_rolled_back_write_leaves_the_summary_exact(counted):
    from django.db import transaction

    assert_summary_is_exact()
    with pytest.raises(RuntimeError), transaction.atomic():
        Facility.objects.filter(pk=counted.pk).update(operating_status=Facility.OperatingStatus.CLOSED)
        assert_summary_is_exact()  # refreshed inside the transaction, rolled back with it
        raise RuntimeError
    assert_summary_is_exact()


def test_a_refresh_recomputes_only_the_marked_districts(counted):
    assert_summary_is_exact()
    other = SlotSummary.objects.exclude(district_id=counted.district_id).order_by("pk").values_list("pk")
    kept = list(other)
    Facility.objects.filter(pk=counted.pk).update(name="改名")
    assert list(SummaryDirty.objects.values_list("district_id", flat=True)) == [counted.district_id]
    summary.refresh(timezone.localdate())
    assert list(other) == kept
    assert not SummaryDirty.objects.exists()


def test_a_national_rollup_from_the_summary_is_a_constant_number_of_queries(
    counted, django_assert_max_num_queries
):
    selectors.rollup(Region.objects.all(), YEAR, LEVEL)  # refresh first
    with django_assert_max_num_queries(6):
        selectors.rollup(Region.objects.all(), YEAR, LEVEL)


def test_rows_serialise_exactly_as_their_declared_fields(counted):
    """The statistics serializers build rows directly (fast path); the result is what DRF's declared fields
    (the published schema) give."""
    from rest_framework import serializers

    from planning.api.serializers import FiguresSerializer, RowSerializer

    progress = selectors.district_progress(district(), YEAR, LEVEL)
    for serializer, row in ((RowSerializer(), progress.rows[0]), (FiguresSerializer(), progress.totals)):
        by_fields = serializers.Serializer.to_representation(serializer, row)
        assert serializer.to_representation(row) == by_fields
        first = ["code", "name"] if isinstance(serializer, RowSerializer) else ["target_slots"]
        assert list(serializer.to_representation(row))[: len(first)] == first

"""The statistics cache (planning.stats_cache) can never serve a figure the registry no longer bears out: the
database gives the statistics a new version on every committed write to a table they read
(core.data_version), and the cache is keyed by it. Synthetic facilities count only where
STATISTICS_COUNT_SYNTHETIC is on (the benchmark database)."""

import datetime

import pytest
from django.db.models import F
from rest_framework.test import APIClient

from core import data_version
from facilities.models import ClassUnit, Facility, StatusChange
from planning import stats_cache
from planning.models import STATISTICS, STATISTICS_SOURCE_TABLES
from targets.models import Region, SlotTarget
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db

SLOTS = "/api/v1/stats/slots/?district=110115&year=2025&level=plan"


@pytest.fixture(autouse=True)
def empty_cache():
    stats_cache.clear()
    yield
    stats_cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def counted(town1):
    """A filed facility in Daxing town 1 with 40 slots."""
    return FacilityFactory(town=town1, name="缓存测试园", filed=True, units=[("older", 2, 20)])


def record_suspension(facility):
    """A status change to suspended, effective 1 February 2025 (the facility's own status is left alone)."""
    StatusChange.objects.create(
        facility=facility,
        from_status="operating",
        to_status="suspended",
        effective_on=datetime.date(2025, 2, 1),
        reason="测试",
        decided_by=UserFactory(),
    )


def actual(api, url=SLOTS):
    response = api.get(url)
    assert response.status_code == 200
    return response.json()["totals"]["actual_slots"]


def test_changing_a_facility_shows_the_new_figure_at_once(api, counted):
    before = actual(api)
    assert actual(api) == before  # served from the cache

    unit = ClassUnit.objects.get(facility=counted)
    unit.classes = 3
    unit.save()

    assert actual(api) == before + 20


@pytest.mark.django_db(transaction=True)
def test_every_committed_write_to_a_source_table_gives_a_new_version(counted):
    seen = {stats_cache.version()}
    counted.name = "改名"
    counted.save()
    seen.add(stats_cache.version())
    SlotTarget.objects.filter(town__code="110115001").update(total_slots=F("total_slots") + 1)
    seen.add(stats_cache.version())
    record_suspension(counted)
    seen.add(stats_cache.version())
    assert len(seen) == 4 and -1 not in seen


def test_inside_a_transaction_that_wrote_the_figures_are_computed_live(api, counted):
    """No version while this transaction's writes are uncommitted: nothing is cached, nothing stale read."""
    assert stats_cache.version() == -1
    before = actual(api)
    ClassUnit.objects.filter(facility=counted).update(classes=1)
    assert actual(api) == before - 20


def test_suspension_and_target_changes_reach_the_api(api, counted):
    before = actual(api)
    record_suspension(counted)
    Facility.objects.filter(pk=counted.pk).update(operating_status="suspended")
    assert actual(api) == before - 40

    target = api.get(SLOTS).json()["totals"]["target_slots"]
    SlotTarget.objects.filter(town__code="110115001", year=2025, level="plan").update(
        total_slots=F("total_slots") + 10
    )
    assert api.get(SLOTS).json()["totals"]["target_slots"] == target + 10


def test_national_rollup_is_invalidated_too(api, counted):
    url = "/api/v1/stats/slots/?year=2025&level=plan"
    before = actual(api, url)
    FacilityFactory(
        town=Region.objects.get(code="110115002"), name="缓存测试园二", filed=True, units=[("older", 1, 20)]
    )
    assert actual(api, url) == before + 20


def test_every_source_table_is_versioned():
    assert set(data_version.tables_of(STATISTICS)) == set(STATISTICS_SOURCE_TABLES)


def test_synthetic_facilities_count_only_where_the_benchmark_setting_is_on(api, counted, settings):
    FacilityFactory(
        town=counted.town, name="【合成】测试", filed=True, is_synthetic=True, units=[("older", 1, 20)]
    )
    official = actual(api)
    settings.STATISTICS_COUNT_SYNTHETIC = True
    assert actual(api) == official + 20
    settings.STATISTICS_COUNT_SYNTHETIC = False
    assert actual(api) == official

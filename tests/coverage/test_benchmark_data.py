"""The benchmark's coverage data maker (ops/benchmark/coverage.py), at a tiny scale in the test database."""

import pytest
from django.db import connection

from coverage import selectors
from coverage.models import Community
from facilities.models import Facility
from ops.benchmark import coverage as bench_coverage
from tests.factories import DistrictFactory, TownFactory

pytestmark = pytest.mark.django_db


def test_makes_marked_synthetic_data_once_and_the_floor_counts_the_same_pairs():
    district = DistrictFactory()
    TownFactory(parent=district)
    TownFactory(parent=district)
    made = bench_coverage.make_coverage_data(district, communities=12, facilities=4)
    assert made["communities"] == 12 and made["facilities_located"] == 4
    assert not Facility.objects.filter(district=district, is_synthetic=False).exists()
    assert all(
        name.startswith("【合成】")
        for name in Community.objects.filter(town__parent=district).values_list("name", flat=True)
    )
    again = bench_coverage.make_coverage_data(district, communities=12, facilities=4)
    assert again == made

    coverage = selectors.district_coverage(district, include_synthetic=True)
    assert coverage.totals.located_count == 12
    assert len(coverage.facilities) == made["facilities_counted"]
    # the floor's pair count is what the coverage query joins: covered communities have at least one pair
    with connection.cursor() as cursor:
        cursor.execute(bench_coverage.FLOOR_SQL, {"district": district.pk, "r": 1000.0})
        pairs = cursor.fetchone()[0]
    covered = sum(1 for row in coverage.communities if row.covered_any)
    assert pairs >= covered

"""The service circle's benchmark data and measurement (docs/performance.md, docs/coverage.md).

`make_coverage_data(district)` gives one synthetic district of the benchmark database 500 communities with
population, infants and a point, and 300 synthetic facilities with a point (topping up the district with
facilities.synthetic.generate when it has fewer). Every community it makes has a code starting with "S" and
a name starting with 【合成】 (facilities.synthetic.NAME_PREFIX); facilities are synthetic already. Points are
drawn in a box of 0.3° × 0.3° (about 26 × 33 km) placed by the district's id, so that districts made at
the same time do not overlap. Running it twice changes nothing.

`measure(bench, district)` times coverage.selectors.district_coverage and the API beside an SQL floor: a
bare count of the (community, facility) pairs in reach over the same join and indexes.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import connection, transaction

from coverage.models import Community
from facilities import synthetic as registry_synthetic
from facilities.models import Facility
from targets.models import Region

COMMUNITIES, FACILITIES = 500, 300
BOX_DEGREES = 0.3
SEED = 19

FLOOR_SQL = """
WITH comm AS MATERIALIZED (
    SELECT c.latitude::float8 AS lat, c.longitude::float8 AS lon
    FROM coverage_community c JOIN targets_region t ON t.id = c.town_id
    WHERE t.parent_id = %(district)s AND c.latitude IS NOT NULL
)
SELECT COUNT(*) FROM comm c JOIN facilities_facility f
  ON earth_box(coverage_earth(c.lat, c.lon), %(r)s) @> coverage_earth(f.latitude::float8, f.longitude::float8)
 AND earth_distance(coverage_earth(c.lat, c.lon), coverage_earth(f.latitude::float8, f.longitude::float8))
     <= %(r)s
WHERE f.filing_status = 'filed' AND f.operating_status = 'operating' AND f.archived_at IS NULL
"""


def _origin(district: Region) -> tuple[float, float]:
    """The south-west corner of the district's box: inside China's, one 0.5° cell per district id."""
    cell = district.pk % 2000
    return 75.0 + (cell % 100) * 0.5, 20.0 + (cell // 100) * 0.5


def make_coverage_data(
    district: Region, *, communities: int = COMMUNITIES, facilities: int = FACILITIES
) -> dict:
    rng = random.Random(SEED + district.pk)
    lon0, lat0 = _origin(district)
    towns = list(Region.objects.filter(parent=district, level=Region.Level.TOWN).order_by("code"))
    if not towns:
        raise RuntimeError(f"district {district.code} has no towns")

    def point():
        return (
            round(lon0 + rng.random() * BOX_DEGREES, 6),
            round(lat0 + rng.random() * BOX_DEGREES, 6),
        )

    existing = Community.objects.filter(town__parent=district).count()
    with transaction.atomic():
        rows = []
        for n in range(existing, communities):
            lon, lat = point()
            population = rng.randrange(1_000, 12_000)
            rows.append(
                Community(
                    code=f"S{district.pk:05d}{n:06d}"[:12],
                    name=f"{registry_synthetic.NAME_PREFIX}社区{n + 1}",
                    town=towns[n % len(towns)],
                    population=population,
                    infants_under_3=max(1, population * rng.randrange(15, 35) // 1000),
                    longitude=lon,
                    latitude=lat,
                    source_note="合成数据（压测）",
                )
            )
        Community.objects.bulk_create(rows, batch_size=1000)

    have = Facility.objects.filter(district=district, is_synthetic=True).count()
    if have < facilities:
        registry_synthetic.generate(
            facilities - have, seed=SEED + district.pk, district_codes=[district.code]
        )
    ids = list(
        Facility.objects.filter(district=district, is_synthetic=True, latitude__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    located = Facility.objects.filter(district=district, is_synthetic=True, latitude__isnull=False).count()
    updates = [(pk, *point()) for pk in ids[: max(0, facilities - located)]]
    if updates:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE facilities_facility SET longitude = %s, latitude = %s WHERE id = %s AND is_synthetic",
                [(lon, lat, pk) for pk, lon, lat in updates],
            )
    with connection.cursor() as cursor:  # as autovacuum would after a load: the planner sees the points
        cursor.execute("ANALYZE coverage_community")
        cursor.execute("ANALYZE facilities_facility")
    return {
        "district": district.code,
        "communities": Community.objects.filter(town__parent=district).count(),
        "facilities_located": Facility.objects.filter(district=district, latitude__isnull=False).count(),
        "facilities_counted": Facility.objects.filter(
            district=district,
            latitude__isnull=False,
            filing_status=Facility.FilingStatus.FILED,
            operating_status=Facility.OperatingStatus.OPERATING,
        ).count(),
    }


def sql_floor(raw, district: Region, radius: float) -> Callable[[], None]:
    def run():
        with raw.cursor() as cursor:
            cursor.execute(FLOOR_SQL, {"district": district.pk, "r": radius})
            cursor.fetchall()

    return run


def largest_city() -> Region:
    """The synthetic city with the most districts (ties: the lowest code)."""
    from django.db.models import Count

    return (
        Region.objects.filter(level=Region.Level.CITY, code__startswith="S")
        .annotate(n=Count("children"))
        .order_by("-n", "code")
        .first()
    )

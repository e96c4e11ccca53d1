"""core.geo: GCJ-02 and BD-09 to WGS-84 match published reference pairs; boxes.

The pairs are those of the test suite of eviltransform (github.com/googollee/eviltransform, MIT,
python/test.py), an independent implementation of the same public algorithms: (WGS-84, GCJ-02) points in
Shanghai, Shenzhen and Beijing. BD-09 is checked against the test suite of wandergis/coordtransform (MIT,
test/app.js), which uses Baidu's usual constant (x_pi = π·3000/180; eviltransform's own BD-09 test pairs use
a different constant and are not used): BD-09 (116.404, 39.915) is GCJ-02 (116.39762729119315,
39.90865673957631), so it must become the WGS-84 point of that GCJ-02 point. Agreement within 2e-6° (about
0.2 m; the stored precision is 1e-6°) shows the conversion and the (lon, lat) order are right.
"""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from core import geo

TOLERANCE = Decimal("0.000002")

# wgs lat, wgs lon, gcj lat, gcj lon
GCJ_PAIRS = [
    ("31.1774276", "121.5272106", "31.17530398364597", "121.531541859215"),  # Shanghai
    ("22.543847", "113.912316", "22.540796131694766", "113.9171764808363"),  # Shenzhen
    ("39.911954", "116.377817", "39.91334545536069", "116.38404722455657"),  # Beijing
]
# bd lon, bd lat → gcj lon, gcj lat
BD_PAIR = ("116.404", "39.915", "116.39762729119315", "39.90865673957631")


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), GCJ_PAIRS)
def test_gcj02_to_wgs84_matches_reference(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lon, lat = geo.to_wgs84(Decimal(gcj_lon), Decimal(gcj_lat), geo.CoordSystem.GCJ02)
    assert abs(lon - Decimal(wgs_lon)) <= TOLERANCE
    assert abs(lat - Decimal(wgs_lat)) <= TOLERANCE
    assert lon.as_tuple().exponent == -6  # six decimals, as the columns store


def test_bd09_to_wgs84_matches_reference():
    bd_lon, bd_lat, gcj_lon, gcj_lat = BD_PAIR
    lon, lat = geo.to_wgs84(float(bd_lon), float(bd_lat), geo.CoordSystem.BD09)
    expected_lon, expected_lat = geo.to_wgs84(gcj_lon, gcj_lat, geo.CoordSystem.GCJ02)
    assert abs(lon - expected_lon) <= TOLERANCE
    assert abs(lat - expected_lat) <= TOLERANCE
    # and it moved by Baidu's offset and GCJ-02's (hundreds of metres), not by nothing
    assert abs(lon - Decimal(bd_lon)) > Decimal("0.005")


def test_wgs84_is_only_rounded():
    assert geo.to_wgs84("116.3412345", "39.7265", "wgs84") == (Decimal("116.341235"), Decimal("39.726500"))


def test_unknown_system_is_refused():
    with pytest.raises(ValueError):
        geo.to_wgs84(116, 39, "web-mercator")


def test_boxes():
    box = (Decimal("116.2"), Decimal("39.4"), Decimal("116.6"), Decimal("39.9"))
    assert geo.in_box("116.3", "39.7", box)
    assert geo.in_box("116.2", "39.9", box)  # edges included
    assert not geo.in_box("116.7", "39.7", box)
    # a district without a coverage setting: only China's box is checked
    district = SimpleNamespace(level="district", parent=None, coverage_setting=None)
    assert geo.district_box(district) is None
    assert geo.check_box(district) == geo.CHINA_BOX
    setting = SimpleNamespace(
        bbox_min_lon=box[0], bbox_min_lat=box[1], bbox_max_lon=box[2], bbox_max_lat=box[3]
    )
    district = SimpleNamespace(level="district", parent=None, coverage_setting=setting)
    town = SimpleNamespace(level="town", parent=district)
    assert geo.district_box(town) == box
    assert not geo.in_box(*geo.to_wgs84(2.35, 48.85, "wgs84"), geo.check_box(None))  # Paris

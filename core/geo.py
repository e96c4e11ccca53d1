"""Coordinates: which system a point was given in, conversion to WGS-84, and the boxes a point must fall in.

Maps in China give points in one of three systems: WGS-84 (GPS, what the database stores), GCJ-02 (the
obfuscated system of 高德/腾讯 maps) and BD-09 (百度, GCJ-02 shifted once more). A point typed from a map is
converted to WGS-84 here with the public-domain library `prcoords` (its "bored" inverses iterate to ~0.1 mm),
rounded to 6 decimals (about 0.1 m), the precision of the Decimal(9,6) columns.

A point is checked against a box: the district's bounding box when one is set (coverage's CoverageSetting,
reached through the region's `coverage_setting`), otherwise only China's box.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import prcoords
from django.db import models
from django.utils.translation import gettext_lazy as _

# lon/lat of China's extreme points, rounded outward: the only check when a district has no box.
CHINA_BOX = (Decimal("73"), Decimal("3"), Decimal("136"), Decimal("54"))
SIX_PLACES = Decimal("0.000001")


class CoordSystem(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84（GPS）")
    GCJ02 = "gcj02", _("GCJ-02（高德/腾讯）")
    BD09 = "bd09", _("BD-09（百度）")


def _six(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def to_wgs84(lon, lat, system: str) -> tuple[Decimal, Decimal]:
    """(lon, lat) given in `system` as WGS-84 (lon, lat), 6 decimals. Raises ValueError for an unknown
    system. prcoords takes and returns (lat, lon)."""
    if system == CoordSystem.WGS84:
        return Decimal(str(lon)).quantize(SIX_PLACES, rounding=ROUND_HALF_UP), Decimal(str(lat)).quantize(
            SIX_PLACES, rounding=ROUND_HALF_UP
        )
    point = (float(lat), float(lon))
    if system == CoordSystem.GCJ02:
        out = prcoords.gcj_wgs_bored(point)
    elif system == CoordSystem.BD09:
        out = prcoords.bd_wgs_bored(point)
    else:
        raise ValueError(f"unknown coordinate system {system!r}")
    return _six(out.lon), _six(out.lat)


def in_box(lon, lat, box) -> bool:
    """Whether (lon, lat) lies in box = (min_lon, min_lat, max_lon, max_lat), edges included."""
    min_lon, min_lat, max_lon, max_lat = (Decimal(str(v)) for v in box)
    lon, lat = Decimal(str(lon)), Decimal(str(lat))
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def district_box(region) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """The bounding box set for a district (its coverage setting), or None when none is set. A town's box is
    its district's."""
    if region is None:
        return None
    if getattr(region, "level", None) == "town" and getattr(region, "parent", None) is not None:
        region = region.parent
    setting = getattr(region, "coverage_setting", None)
    if setting is None:
        return None
    box = (setting.bbox_min_lon, setting.bbox_min_lat, setting.bbox_max_lon, setting.bbox_max_lat)
    return None if any(v is None for v in box) else box


def check_box(region) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The box a point in `region` must fall in: the district's when set, otherwise China's."""
    return district_box(region) or CHINA_BOX

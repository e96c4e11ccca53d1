"""Boundary files: a district's or its towns' outline, uploaded as GeoJSON and drawn under the coverage map.

`validate_boundary(data)` is the one gate: it reads the uploaded bytes and returns the FeatureCollection to
store, or raises ValidationError with every problem it found, in the user's language, naming the feature.

What passes:
- at most settings.COVERAGE_BOUNDARY_MAX_BYTES (default 5 MB), UTF-8 JSON;
- a FeatureCollection (or a single Feature, stored as a collection of one) of Polygon or MultiPolygon
  features only — no points, lines or null geometries;
- WGS-84 longitude/latitude pairs (RFC 7946 order: longitude first) inside China's box (73–136°E, 3–54°N):
  a file in projected metres, or with latitude first, fails here rather than drawing nonsense;
- closed linear rings of at least four positions;
- every feature has a non-empty `properties.name` (the map's label and tooltip).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
CHINA_BOX = (73.0, 3.0, 136.0, 54.0)  # min lon, min lat, max lon, max lat
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MAX_PROBLEMS = 20  # a broken file is reported by its first problems, not by thousands of lines


def max_bytes() -> int:
    return int(getattr(settings, "COVERAGE_BOUNDARY_MAX_BYTES", DEFAULT_MAX_BYTES))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _ring_problem(ring: Any, where: str) -> str | None:
    """What is wrong with one linear ring, or None."""
    if not isinstance(ring, list) or len(ring) < 4:
        return _("%(where)s：每个环至少需要 4 个坐标点（首尾相同）。") % {"where": where}
    min_lon, min_lat, max_lon, max_lat = CHINA_BOX
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not (_is_number(position[0]) and _is_number(position[1]))
        ):
            return _("%(where)s：坐标应为 [经度, 纬度] 数字对。") % {"where": where}
        lon, lat = position[0], position[1]
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            return _(
                "%(where)s：坐标 [%(lon)s, %(lat)s] 不在中国范围内（经度 73–136、纬度 3–54）。"
                "请使用 WGS-84 经纬度，经度在前。"
            ) % {"where": where, "lon": lon, "lat": lat}
    if ring[0][:2] != ring[-1][:2]:
        return _("%(where)s：环未闭合（首尾坐标应相同）。") % {"where": where}
    return None


def _polygon_problem(rings: Any, where: str) -> str | None:
    if not isinstance(rings, list) or not rings:
        return _("%(where)s：多边形没有坐标。") % {"where": where}
    for ring in rings:
        problem = _ring_problem(ring, where)
        if problem:
            return problem
    return None


def _feature_problems(feature: Any, index: int) -> list[str]:
    where = _("第 %(n)s 个要素") % {"n": index + 1}
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [_("%(where)s：不是 GeoJSON 要素（Feature）。") % {"where": where}]
    problems = []
    properties = feature.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or not name.strip():
        problems.append(_("%(where)s：缺少名称（properties.name）。") % {"where": where})
    else:
        where = _("第 %(n)s 个要素（%(name)s）") % {"n": index + 1, "name": name.strip()}
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in GEOMETRY_TYPES:
        problems.append(
            _("%(where)s：几何类型为 %(kind)s，只接受 Polygon 或 MultiPolygon。")
            % {"where": where, "kind": kind or _("空")}
        )
        return problems
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        problem = _polygon_problem(coordinates, where)
    elif not isinstance(coordinates, list) or not coordinates:
        problem = _("%(where)s：多边形没有坐标。") % {"where": where}
    else:
        problem = next(filter(None, (_polygon_problem(p, where) for p in coordinates)), None)
    if problem:
        problems.append(problem)
    return problems


def validate_boundary(data: bytes) -> dict:
    """The uploaded file as a FeatureCollection of named Polygon/MultiPolygon features in WGS-84, or a
    ValidationError listing what is wrong (by feature)."""
    limit = max_bytes()
    if len(data) > limit:
        raise ValidationError(
            _("文件过大（%(size)s MB），上限为 %(limit)s MB。请简化边界后再上传。")
            % {"size": round(len(data) / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)},
            code="too_large",
        )
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError(_("文件不是有效的 GeoJSON（JSON 格式有误）。"), code="not_json") from None
    kind = parsed.get("type") if isinstance(parsed, dict) else None
    if kind == "Feature":
        parsed = {"type": "FeatureCollection", "features": [parsed]}
    elif kind != "FeatureCollection":
        raise ValidationError(
            _("文件应为 GeoJSON 的 FeatureCollection 或 Feature，而不是 %(kind)s。") % {"kind": kind or "—"},
            code="not_collection",
        )
    crs = parsed.get("crs")
    if isinstance(crs, dict):
        crs_name = str((crs.get("properties") or {}).get("name", ""))
        if crs_name and not crs_name.upper().endswith(("CRS84", "4326")):
            raise ValidationError(
                _("文件的坐标系为 %(crs)s，只接受 WGS-84 经纬度。") % {"crs": crs_name}, code="crs"
            )
    features = parsed.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationError(_("文件中没有要素（features 为空）。"), code="empty")
    problems: list[str] = []
    for index, feature in enumerate(features):
        problems.extend(_feature_problems(feature, index))
        if len(problems) >= MAX_PROBLEMS:
            problems.append(_("……问题较多，仅列出前 %(n)s 条。") % {"n": MAX_PROBLEMS})
            break
    if problems:
        raise ValidationError(problems, code="invalid")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {**feature["properties"], "name": feature["properties"]["name"].strip()},
                "geometry": {
                    "type": feature["geometry"]["type"],
                    "coordinates": feature["geometry"]["coordinates"],
                },
            }
            for feature in features
        ],
    }


def bounds(collection: dict) -> tuple[float, float, float, float] | None:
    """The (min lon, min lat, max lon, max lat) of a validated collection, or None when it has no points."""
    lons: list[float] = []
    lats: list[float] = []
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = (
            [geometry.get("coordinates", [])]
            if geometry.get("type") == "Polygon"
            else geometry.get("coordinates", [])
        )
        for polygon in polygons:
            for ring in polygon:
                for position in ring:
                    lons.append(position[0])
                    lats.append(position[1])
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)

"""The boundary file's gate: what a district may upload to draw under the coverage map."""

import json

import pytest
from django.core.exceptions import ValidationError

from coverage.geojson import bounds, validate_boundary

SQUARE = [[[106.5, 29.7], [106.7, 29.7], [106.7, 29.9], [106.5, 29.9], [106.5, 29.7]]]


def feature(name="龙溪街道", geometry=None, **properties):
    props = {"name": name, **properties} if name is not None else properties
    return {
        "type": "Feature",
        "properties": props,
        "geometry": geometry or {"type": "Polygon", "coordinates": SQUARE},
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def messages(error: ValidationError) -> str:
    return " | ".join(error.messages)


def test_a_collection_of_named_polygons_and_multipolygons_passes():
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE, SQUARE]}
    result = validate_boundary(collection(feature(), feature("仙桃街道", multi, code="500112001")))
    assert result["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in result["features"]] == ["龙溪街道", "仙桃街道"]
    assert result["features"][1]["properties"]["code"] == "500112001"
    assert result["features"][1]["geometry"]["type"] == "MultiPolygon"
    assert bounds(result) == (106.5, 29.7, 106.7, 29.9)


def test_a_single_feature_becomes_a_collection_of_one():
    result = validate_boundary(json.dumps(feature("  渝北区 ")).encode("utf-8-sig"))
    assert len(result["features"]) == 1
    assert result["features"][0]["properties"]["name"] == "渝北区"


def test_not_json_is_refused():
    with pytest.raises(ValidationError, match="JSON"):
        validate_boundary(b"<kml></kml>")


def test_other_top_level_types_are_refused():
    with pytest.raises(ValidationError, match="FeatureCollection"):
        validate_boundary(json.dumps({"type": "Polygon", "coordinates": SQUARE}).encode())


def test_an_empty_collection_is_refused():
    with pytest.raises(ValidationError, match="没有要素"):
        validate_boundary(collection())


def test_the_size_limit_comes_from_settings(settings):
    settings.COVERAGE_BOUNDARY_MAX_BYTES = 100
    data = collection(feature())
    assert len(data) > 100
    with pytest.raises(ValidationError, match="文件过大") as caught:
        validate_boundary(data)
    assert caught.value.code == "too_large"


def test_points_and_lines_are_refused_naming_the_feature():
    point = {"type": "Point", "coordinates": [106.6, 29.8]}
    with pytest.raises(ValidationError) as caught:
        validate_boundary(collection(feature(), feature("回兴街道", point)))
    text = messages(caught.value)
    assert "第 2 个要素（回兴街道）" in text and "Point" in text
    assert "第 1 个要素" not in text


def test_a_feature_without_a_name_is_refused():
    with pytest.raises(ValidationError) as caught:
        validate_boundary(collection(feature(None), feature("")))
    text = messages(caught.value)
    assert "第 1 个要素：缺少名称" in text and "第 2 个要素：缺少名称" in text


def test_projected_metres_or_latitude_first_are_refused():
    metres = [[[500000, 3300000], [510000, 3300000], [510000, 3310000], [500000, 3300000]]]
    swapped = [[[29.7, 106.5], [29.7, 106.7], [29.9, 106.7], [29.7, 106.5]]]
    for ring in (metres, swapped):
        with pytest.raises(ValidationError, match="不在中国范围内"):
            validate_boundary(collection(feature(geometry={"type": "Polygon", "coordinates": ring})))


def test_an_open_ring_is_refused():
    open_ring = [[[106.5, 29.7], [106.7, 29.7], [106.7, 29.9], [106.5, 29.9]]]
    with pytest.raises(ValidationError, match="未闭合"):
        validate_boundary(collection(feature(geometry={"type": "Polygon", "coordinates": open_ring})))


def test_a_ring_of_three_points_is_refused():
    short = [[[106.5, 29.7], [106.7, 29.7], [106.5, 29.7]]]
    with pytest.raises(ValidationError, match="至少需要 4 个坐标点"):
        validate_boundary(collection(feature(geometry={"type": "Polygon", "coordinates": short})))


def test_non_numeric_coordinates_are_refused():
    bad = [[["106.5", 29.7], [106.7, 29.7], [106.7, 29.9], ["106.5", 29.7]]]
    with pytest.raises(ValidationError, match="数字对"):
        validate_boundary(collection(feature(geometry={"type": "Polygon", "coordinates": bad})))


def test_a_projected_crs_member_is_refused():
    data = json.loads(collection(feature()))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    with pytest.raises(ValidationError, match="WGS-84"):
        validate_boundary(json.dumps(data).encode())
    data["crs"]["properties"]["name"] = "urn:ogc:def:crs:OGC:1.3:CRS84"
    assert validate_boundary(json.dumps(data).encode())["features"]


def test_many_problems_are_cut_short():
    broken = [feature(None) for _ in range(50)]
    with pytest.raises(ValidationError) as caught:
        validate_boundary(collection(*broken))
    assert len(caught.value.messages) == 21
    assert "仅列出前 20 条" in caught.value.messages[-1]

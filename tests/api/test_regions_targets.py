"""/api/v1/regions/ and /api/v1/targets/: the contract statistics systems code against (paths, field names,
filters by region code), public reading, downloads, the error body, and constant queries per page."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets.models import Region, SlotTarget
from tests.api.conftest import URLS
from tests.factories import DistrictFactory, SlotTargetFactory, SourceDocumentFactory, TownFactory
from tests.helpers import error_of

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]

REGION_FIELDS = {"code", "name", "level", "parent"}
TARGET_FIELDS = {"id", "town", "town_name", "year", "level", "total_slots", "inclusive_slots", "source"}
SOURCE_FIELDS = {"key", "title", "doc_number", "issued_on", "status"}
# Daxing's 22 annex rows in annex order, by their NBS 2023 codes (tests/targets/test_divisions.py).
DAXING_ANNEX_CODES = [
    *("110115001", "110115002", "110115003", "110115009", "110115010", "110115011", "110115005"),
    *("110115007", "110115006", "110115103", "110115104", "110115105", "110115106", "110115107"),
    *("110115108", "110115109", "110115110", "110115111", "110115008", "110115004", "110115404"),
    "110115405",
]


def get_json(api, url, params=None, status=200):
    response = api.get(url, params or {})
    assert response.status_code == status, response.content
    return response.json()


# ---------------------------------------------------------------- regions


def test_regions_contract_fields_and_anonymous_read(api, seeded):
    body = get_json(api, "/api/v1/regions/", {"level": "district"})
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    for item in body["results"]:
        assert set(item) == REGION_FIELDS
    by_code = {item["code"]: item for item in body["results"]}
    assert by_code["110115"] == {"code": "110115", "name": "大兴区", "level": "district", "parent": "110000"}
    assert by_code["500112"]["parent"] == "500000"


def test_cities_have_a_null_parent(api, seeded):
    body = get_json(api, "/api/v1/regions/", {"level": "city"})
    assert {item["code"] for item in body["results"]} == {"110000", "500000"}
    assert all(item["parent"] is None for item in body["results"])


def test_regions_filter_by_parent_code_in_annex_order(api, seeded):
    body = get_json(api, "/api/v1/regions/", {"parent": "110115", "level": "town"})
    assert body["count"] == 22
    codes = [item["code"] for item in body["results"]]
    assert codes == DAXING_ANNEX_CODES
    assert {item["parent"] for item in body["results"]} == {"110115"}


def test_regions_filter_by_name(api, seeded):
    body = get_json(api, "/api/v1/regions/", {"name": "黄村"})
    assert [item["name"] for item in body["results"]] == ["黄村镇"]


def test_regions_order_is_level_then_parent_then_sort_order(api, seeded):
    results = get_json(api, "/api/v1/regions/", {"page_size": 500})["results"]
    levels = [item["level"] for item in results]
    assert levels == sorted(levels, key=["city", "district", "town"].index)
    towns = [item for item in results if item["level"] == "town"]
    assert [t["parent"] for t in towns] == sorted(t["parent"] for t in towns)
    daxing_towns = [t["code"] for t in towns if t["parent"] == "110115"]
    assert daxing_towns == DAXING_ANNEX_CODES


def test_region_retrieve_by_code(api, seeded):
    item = get_json(api, "/api/v1/regions/110115001/")
    assert set(item) == REGION_FIELDS
    assert item["parent"] == "110115"
    assert item["level"] == "town"
    error = error_of(api.get("/api/v1/regions/999999/"), 404)
    assert error["code"] == "not_found"


# ---------------------------------------------------------------- targets


def test_targets_contract_fields(api, seeded):
    body = get_json(api, "/api/v1/targets/", {"town": "110115001", "year": 2024})
    assert body["count"] == 1
    item = body["results"][0]
    assert set(item) == TARGET_FIELDS
    assert set(item["source"]) == SOURCE_FIELDS
    town = Region.objects.get(code="110115001")
    assert item["town"] == "110115001"
    assert item["town_name"] == town.name
    assert item["year"] == 2024
    assert item["level"] == "baseline"
    assert item["source"]["key"] == "daxing-plan-2024-2025"
    assert item["source"]["status"] == "draft_for_comment"
    # the Daxing draft names no number or date: they stay empty, never invented
    assert item["source"]["doc_number"] == ""
    assert item["source"]["issued_on"] is None
    assert item["inclusive_slots"] <= item["total_slots"]


@pytest.mark.parametrize(
    ("year", "level", "total", "inclusive"),
    [(2024, "baseline", 4700, 1410), (2025, "high_quality", 4700, 2820), (2025, "plan", 8600, 5160)],
)
def test_daxing_targets_sum_to_the_documents_totals(api, seeded, year, level, total, inclusive):
    body = get_json(
        api, "/api/v1/targets/", {"district": "110115", "year": year, "level": level, "page_size": 100}
    )
    assert body["count"] == 22
    assert sum(item["total_slots"] for item in body["results"]) == total
    assert sum(item["inclusive_slots"] for item in body["results"]) == inclusive


def test_targets_filters_combine(api, seeded):
    assert get_json(api, "/api/v1/targets/", {"district": "110115"})["count"] == 66
    assert get_json(api, "/api/v1/targets/", {"town": "110115002"})["count"] == 3
    assert get_json(api, "/api/v1/targets/", {"town": "110115002", "year": 2025})["count"] == 2
    assert get_json(api, "/api/v1/targets/", {"district": "500112"})["count"] == 0
    assert get_json(api, "/api/v1/targets/", {"year": 2030})["count"] == 0


def test_targets_order_is_district_year_level_town(api, seeded):
    results = get_json(api, "/api/v1/targets/", {"district": "110115", "page_size": 100})["results"]
    keys = [(item["year"], item["level"]) for item in results]
    # levels in their declared order (baseline, high_quality, plan), not alphabetically by chance
    assert keys == [(2024, "baseline")] * 22 + [(2025, "high_quality")] * 22 + [(2025, "plan")] * 22
    assert [item["town"] for item in results[:22]] == DAXING_ANNEX_CODES


def test_target_retrieve_by_id(api, seeded):
    target = SlotTarget.objects.get(town__code="110115003", year=2025, level="plan")
    item = get_json(api, f"/api/v1/targets/{target.pk}/")
    assert set(item) == TARGET_FIELDS
    assert (item["id"], item["town"], item["total_slots"]) == (target.pk, "110115003", target.total_slots)
    assert error_of(api.get("/api/v1/targets/999999999/"), 404)["code"] == "not_found"


def test_read_only_endpoints_refuse_writes(api, daxing_official):
    api.force_login(daxing_official)
    assert api.post("/api/v1/targets/", {}, format="json").status_code == 405
    assert api.delete("/api/v1/regions/110115/").status_code == 405


# ---------------------------------------------------------------- invalid filters


@pytest.mark.parametrize(
    ("url", "params", "field", "code"),
    [
        ("/api/v1/targets/", {"level": "bogus"}, "level", "invalid_choice"),
        ("/api/v1/targets/", {"year": "二〇二五"}, "year", "invalid"),
        ("/api/v1/targets/", {"year": "2025.5"}, "year", "invalid"),
        ("/api/v1/targets/", {"year": "99999"}, "year", "max_value"),
        ("/api/v1/targets/", {"district": "999999"}, "district", "invalid_choice"),
        (
            "/api/v1/targets/",
            {"district": "110115001"},
            "district",
            "invalid_choice",
        ),  # a town, not a district
        ("/api/v1/targets/", {"town": "110115"}, "town", "invalid_choice"),
        ("/api/v1/regions/", {"level": "province"}, "level", "invalid_choice"),
        ("/api/v1/regions/", {"parent": "nowhere"}, "parent", "invalid_choice"),
    ],
)
def test_invalid_filters_are_400_in_the_error_body(api, seeded, url, params, field, code):
    error = error_of(api.get(url, params), 400)
    assert error["code"] == "invalid"
    assert error["message"]
    assert [item["code"] for item in error["fields"][field]] == [code]


def test_a_page_out_of_range_is_404_in_the_error_body(api, seeded):
    assert error_of(api.get("/api/v1/targets/", {"page": 999}), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "url", ["/api/v1/regions/a%00b/", "/api/v1/regions/a.b/", "/api/v1/targets/1.5/", "/api/v1/targets/abc/"]
)
def test_odd_lookups_are_404_in_the_error_body_never_500(api, seeded, url):
    assert error_of(api.get(url), 404)["code"] == "not_found"


@pytest.mark.parametrize("field", ["district", "town", "name"])
def test_nul_characters_in_filters_are_400(api, seeded, field):
    url = "/api/v1/regions/" if field == "name" else "/api/v1/targets/"
    error = error_of(api.get(url, {field: "a\x00b"}), 400)
    assert [item["code"] for item in error["fields"][field]] == ["null_characters_not_allowed"]


# ---------------------------------------------------------------- downloads


def test_csv_download(api, seeded):
    response = api.get(
        "/api/v1/targets/", {"district": "110115", "year": 2024, "level": "baseline", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 22
    assert {"town", "town_name", "year", "level", "total_slots", "inclusive_slots"} <= set(rows[0])
    assert {f"source.{name}" for name in SOURCE_FIELDS} <= set(rows[0])
    assert sum(int(row["total_slots"]) for row in rows) == 4700
    assert rows[0]["source.key"] == "daxing-plan-2024-2025"


def test_regions_csv_download(api, seeded):
    response = api.get("/api/v1/regions/", {"parent": "110115", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert [row["code"] for row in rows][:2] == ["110115001", "110115002"]
    assert set(rows[0]) == REGION_FIELDS


def test_xlsx_download_neutralises_formula_like_text(api, daxing):
    town = TownFactory(parent=daxing, code="110115-99", name='=HYPERLINK("http://evil.example","点我")')
    source = SourceDocumentFactory(key="formula-doc", title="+cmd|' /C calc'!A0", doc_number="@SUM(1+1)")
    SlotTargetFactory(town=town, year=2025, level="plan", total_slots=10, inclusive_slots=3, source=source)

    response = api.get("/api/v1/targets/", {"town": "110115-99", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    header = [cell.value for cell in rows[0]]
    values = dict(zip(header, [cell.value for cell in rows[1]], strict=True))
    assert values["town_name"] == "'" + town.name
    assert values["source.title"] == "'" + source.title
    assert values["source.doc_number"] == "'@SUM(1+1)"
    assert values["total_slots"] == 10
    assert all(cell.data_type != "f" for row in rows for cell in row)

    csv_text = api.get("/api/v1/targets/", {"town": "110115-99", "format": "csv"}).content.decode()
    assert "'=HYPERLINK" in csv_text


# ---------------------------------------------------------------- pagination and queries


def test_page_size_is_capped_at_500(api, seeded):
    district = DistrictFactory()
    Region.objects.bulk_create(
        Region(code=f"X{n:04d}", name=f"批量镇{n}", level="town", kind="town", parent=district, sort_order=n)
        for n in range(520)
    )
    body = get_json(api, "/api/v1/regions/", {"parent": district.code, "page_size": 1000})
    assert body["count"] == 520
    assert len(body["results"]) == 500
    assert body["next"] is not None
    second = get_json(api, "/api/v1/regions/", {"parent": district.code, "page_size": 1000, "page": 2})
    assert [item["code"] for item in second["results"]] == [f"X{n:04d}" for n in range(500, 520)]


def _count_queries(api, url, params):
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/targets/", {}),
        ("/api/v1/targets/", {"district": "110115", "year": 2025}),
        ("/api/v1/regions/", {}),
    ],
)
def test_queries_do_not_grow_with_the_page(api, seeded, django_assert_max_num_queries, url, params):
    api.get(url, params)  # warm up: the throttle's cache row exists from now on, as in steady use
    small = _count_queries(api, url, {**params, "page_size": 5})
    large = _count_queries(api, url, {**params, "page_size": 100})
    assert small == large
    for page_size in (5, 100):
        # count + page (+ the region filter's lookup) + the throttle's counter in the database cache (read,
        # cull count, select, update; pghistory's middleware adds its context to the write)
        with django_assert_max_num_queries(10):
            assert api.get(url, {**params, "page_size": page_size}).status_code == 200

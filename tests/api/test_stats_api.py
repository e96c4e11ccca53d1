"""/api/v1/stats/slots/ and /api/v1/stats/indicators/: the numbers are planning.selectors' numbers (Daxing's
2025 plan targets 8,600 / 5,160; Yubei's document check 4.52 beside its reported 4.53), public reading,
input validation in the error body, conditional GET by ETag and a bounded number of queries."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from rest_framework.test import APIClient

from facilities.models import Facility
from planning import selectors
from targets.models import Region
from tests.factories import FacilityFactory, UserFactory, add_unit, grant
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

SLOTS = "/api/v1/stats/slots/"
INDICATORS = "/api/v1/stats/indicators/"
FIGURES = {
    "target_slots",
    "target_inclusive_slots",
    "actual_slots",
    "actual_inclusive_slots",
    "pipeline_slots",
    "completion_rate",
    "inclusive_share",
}


@pytest.fixture
def registry(daxing, yubei):
    """A few counted facilities in both districts, one in the pipeline and one synthetic (never counted)."""

    def filed(town_code, name, units, inclusive=0, **extra):
        return FacilityFactory(
            town=Region.objects.get(code=town_code),
            name=name,
            filed=True,
            filing_number=f"S-{name}",
            filed_on=datetime.date(2025, 1, 10),
            inclusive=bool(inclusive),
            units=units,
            inclusive_slots=inclusive,
            **extra,
        )

    filed("110115001", "甲", [("toddler", 4, 15), ("older", 5, 20)], inclusive=100)  # 160
    filed("110115002", "乙", [("older", 2, 20)])  # 40
    filed("110115002", "合成", [("older", 2, 20)], is_synthetic=True)
    FacilityFactory(
        town=Region.objects.get(code="110115003"),
        name="在建",
        under_construction=True,
        units=[("older", 3, 20)],
    )
    filed("500112023", "仙桃园", [("older", 10, 20)], inclusive=180)  # 200


def rate(value):
    return None if value is None else str(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def figures(row):
    return {
        "target_slots": row.target_slots,
        "target_inclusive_slots": row.target_inclusive,
        "actual_slots": row.actual_slots,
        "actual_inclusive_slots": row.actual_inclusive,
        "pipeline_slots": row.pipeline_slots,
        "completion_rate": rate(row.completion_rate),
        "inclusive_share": rate(row.inclusive_share),
    }


def get_json(api, url, params, status=200, **headers):
    response = api.get(url, params, **headers)
    assert response.status_code == status, response.content
    return response.json()


# ---------------------------------------------------------------- one district, town by town


def test_daxing_2025_plan_equals_the_selector(api, daxing, registry):
    body = get_json(api, SLOTS, {"district": "110115", "year": 2025, "level": "plan"})
    progress = selectors.district_progress(daxing, 2025, "plan")
    assert body["district"] == {"code": "110115", "name": "大兴区"}
    assert (body["year"], body["level"], body["as_of"]) == (2025, "plan", progress.as_of.isoformat())
    assert body["totals"]["target_slots"] == 8600 and body["totals"]["target_inclusive_slots"] == 5160
    assert {k: body["totals"][k] for k in FIGURES} == figures(progress.totals)
    assert body["totals"]["actual_slots"] == 200 and body["totals"]["pipeline_slots"] == 60

    assert len(body["towns"]) == len(progress.rows) == 22
    for item, row in zip(body["towns"], progress.rows, strict=True):
        assert (item["code"], item["name"]) == (row.code, row.name)
        assert {k: item[k] for k in FIGURES} == figures(row)
        assert item["flags"] == [{"code": c, "label": label} for c, label in row.flags]
    first = body["towns"][0]
    assert first["code"] == "110115001" and first["name"] == "兴丰街道"
    assert (first["target_slots"], first["target_inclusive_slots"]) == (370, 225)
    assert first["completion_rate"] == "0.4324"  # 160 / 370
    assert first["inclusive_share"] == "0.6250"  # 100 / 160
    no_service = [
        t for t in body["towns"] if {"code": "no_inclusive_service", "label": "无普惠托育服务"} in t["flags"]
    ]
    assert len(no_service) == 21


def test_rates_are_null_where_undefined_and_the_unassigned_row_has_a_null_code(api, yubei):
    facility = Facility.objects.get(seed_key="yubei-mch-hospital-park")  # operating, no town
    Facility.objects.filter(pk=facility.pk).update(
        filing_status="filed", filing_number="Y-1", filed_on=datetime.date(2025, 3, 15)
    )
    add_unit(facility, "toddler", 2, 15)
    body = get_json(api, SLOTS, {"district": "500112", "year": 2025})
    assert body["level"] == "plan"  # the default
    towns = {t["code"]: t for t in body["towns"]}
    assert towns[None]["actual_slots"] == 30 and towns[None]["name"] == "未填写镇街的机构"
    assert towns["500112023"]["completion_rate"] is None  # Yubei has no town targets
    assert towns["500112023"]["inclusive_share"] is None  # and no slots there
    assert body["totals"]["target_slots"] is None and body["totals"]["actual_slots"] == 30


def test_as_of_a_date(api, daxing, registry):
    body = get_json(api, SLOTS, {"district": "110115", "year": 2025, "as_of": "2024-12-31"})
    assert body["as_of"] == "2024-12-31" and body["totals"]["actual_slots"] == 0  # filed on 2025-01-10


# ---------------------------------------------------------------- districts side by side


def test_rollup_of_all_districts_equals_the_selector(api, registry):
    body = get_json(api, SLOTS, {"year": 2025, "level": "plan"})
    assert set(body) >= {"year", "level", "as_of", "totals", "districts"} and "towns" not in body
    progress = selectors.rollup(Region.objects.all(), 2025, "plan")
    assert {k: body["totals"][k] for k in FIGURES} == figures(progress.totals)
    assert body["totals"]["actual_slots"] == 400 and body["totals"]["target_slots"] == 8600
    assert [(d["code"], d["name"]) for d in body["districts"]] == [("110115", "大兴区"), ("500112", "渝北区")]
    for item, row in zip(body["districts"], progress.rows, strict=True):
        assert {k: item[k] for k in FIGURES} == figures(row)
    assert body["city"] is None


def test_rollup_filtered_by_city(api, registry):
    body = get_json(api, SLOTS, {"year": 2025, "city": "500000"})
    assert body["city"] == {"code": "500000", "name": "重庆市"}
    assert [d["code"] for d in body["districts"]] == ["500112"]
    assert body["totals"]["actual_slots"] == 200 and body["totals"]["inclusive_share"] == "0.9000"


def test_defaults_are_this_year_and_the_plan_level(api, seeded):
    import django.utils.timezone

    body = get_json(api, SLOTS, {})
    assert body["year"] == django.utils.timezone.localdate().year and body["level"] == "plan"


@pytest.mark.parametrize(
    "url, params, status, field",
    [
        (SLOTS, {"district": "110999"}, 404, None),
        (SLOTS, {"district": "110115001"}, 404, None),  # a town is not a district
        (SLOTS, {"city": "990000"}, 404, None),
        (SLOTS, {"district": "110115", "city": "500000"}, 404, None),
        (SLOTS, {"year": "二〇二五"}, 400, "year"),
        (SLOTS, {"year": "20255"}, 400, "year"),
        (SLOTS, {"level": "dream"}, 400, "level"),
        (SLOTS, {"as_of": "31/12/2025"}, 400, "as_of"),
        (INDICATORS, {}, 400, "district"),
        (INDICATORS, {"district": "nowhere"}, 404, None),
        (INDICATORS, {"district": "500112", "year": "x"}, 400, "year"),
    ],
)
def test_bad_input_is_the_error_body(api, seeded, url, params, status, field):
    error = error_of(api.get(url, params), status)
    if field:
        assert field in error["fields"]
    else:
        assert error["code"] == "not_found"


# ---------------------------------------------------------------- indicators


def test_yubei_indicators_equal_the_selector_and_show_the_document_check(api, yubei, registry):
    body = get_json(api, INDICATORS, {"district": "500112", "year": 2025})
    result = selectors.indicators(yubei, 2025)
    assert body["district"] == {"code": "500112", "name": "渝北区"} and body["year"] == 2025
    population = body["population"]
    assert (population["year"], population["resident_population"]) == (2024, 1_567_000)
    assert (population["births"], population["infants_under_3"]) == (12_000, 34_000)
    assert population["source"]["key"] == "yubei-2025-90"

    assert (body["registry_facilities"], body["registry_slots"]) == (1, 200)
    assert body["slots_per_1000"] == rate(result.slots_per_1000)
    assert body["slots_per_100_infants"] == rate(result.slots_per_100_infants)
    assert body["inclusive_share"] == "0.9000"
    assert body["document_slots_per_1000"] == rate(result.document_slots_per_1000)
    assert Decimal(body["document_slots_per_1000"]).quantize(Decimal("0.01")) == Decimal("4.52")

    reported = {r["measure"]: r for r in body["reported"]}
    per_1000 = reported["slots_per_1000"]
    assert (per_1000["value"], per_1000["comparator"], per_1000["unit"]) == ("4.53", "eq", "slots_per_1000")
    assert per_1000["period_end"] == "2025-03-31" and per_1000["source"]["key"] == "yubei-2025-90"
    assert set(per_1000) >= {"measure", "label", "value", "comparator", "unit", "period_end", "source"}
    assert reported["slots"]["value"] == "7076"
    assert reported["inclusive_share"]["comparator"] == "gte"  # “80%以上” includes 80 %

    document_check = body["comparisons"][1]
    assert document_check["reported_value"] == "4.53" and document_check["agrees"] is False


def test_unknown_population_stays_null(api, daxing):
    body = get_json(api, INDICATORS, {"district": "110115", "year": 2025})
    assert body["population"] is None
    assert body["slots_per_1000"] is None and body["document_slots_per_1000"] is None


# ---------------------------------------------------------------- public, conditional, cheap


@pytest.mark.parametrize(
    "url", [f"{SLOTS}?district=110115&year=2025", f"{INDICATORS}?district=500112&year=2025"]
)
def test_public_read_with_etag_and_304(api, seeded, url):
    first = api.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10

    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert api.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert api.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200

    # the tag follows the data
    town = Region.objects.get(code="110115001" if "110115" in url else "500112023")
    facility = FacilityFactory(
        town=town, name="新园", filing_status="filed", filing_number="E-1", filed_on=datetime.date(2025, 1, 2)
    )
    add_unit(facility, "older", 1, 20)
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_signed_in_users_and_tokens_read_the_same_figures(api, daxing, registry):
    anonymous = get_json(api, SLOTS, {"district": "110115", "year": 2025})
    official = APIClient()
    official.force_login(grant(UserFactory(), "town_official", region=Region.objects.get(code="110115001")))
    assert get_json(official, SLOTS, {"district": "110115", "year": 2025}) == anonymous


def test_stats_are_read_only(api, seeded):
    assert api.post(SLOTS, {}).status_code in (401, 403)
    official = APIClient()
    official.force_login(UserFactory())
    assert error_of(official.post(SLOTS, {}), 405)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "params",
    [
        {"district": "110115", "year": 2025, "level": "plan"},
        {"year": 2025, "level": "plan"},
    ],
)
def test_slots_queries_are_bounded(api, registry, params, django_assert_max_num_queries):
    api.get(SLOTS, params)
    # goal, towns, targets, actual, pipeline, filing gaps with the rule tables and calendar; the rest is the
    # throttle counter in the database cache
    with django_assert_max_num_queries(17):
        assert api.get(SLOTS, params).status_code == 200


def test_indicator_queries_are_bounded(api, registry, django_assert_max_num_queries):
    api.get(INDICATORS, {"district": "500112"})
    with django_assert_max_num_queries(12):
        assert api.get(INDICATORS, {"district": "500112", "year": 2025}).status_code == 200


def test_the_schema_describes_the_stats_and_facility_endpoints(api, seeded):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/stats/slots/",
        "/api/v1/stats/indicators/",
        "/api/v1/facilities/",
        "/api/v1/facilities/{id}/",
        "/api/v1/facilities/{id}/return/",
    ):
        assert path in paths
    slots = paths["/api/v1/stats/slots/"]["get"]["responses"]
    assert {"200", "304", "400", "404"} <= set(slots)
    assert "ETag" in slots["200"]["headers"]
    components = schema["components"]["schemas"]
    assert {
        "DistrictSlotStats",
        "RollupSlotStats",
        "DistrictIndicators",
        "Facility",
        "FacilityPublic",
    } <= set(components)
    completion = components["SlotFigures"]["properties"]["completion_rate"]
    assert completion["type"] == "string" and completion["format"] == "decimal" and completion["nullable"]
    assert "409" in paths["/api/v1/facilities/{id}/"]["patch"]["responses"]
    assert "202" in paths["/api/v1/facilities/{id}/"]["patch"]["responses"]

"""/fhir/: a read-only FHIR R4 server after IHE mCSD. Facilities are Organization + Location pairs, regions
are jurisdiction Locations; search, paging and type history are scoped like /api/v1/facilities/; every
body the server sends — resources, Bundles, errors — validates against the FHIR models."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from facilities.api import changes
from facilities.models import Facility
from interop import fhir
from tests import cast
from tests.factories import FacilityFactory, TownFactory
from tests.factories.facilities import valid_credit_code
from tests.helpers import bearer_client
from tests.interop.conftest import BASE, fhir_body, outcome

pytestmark = pytest.mark.django_db

ORGANIZATIONS, LOCATIONS = f"{BASE}Organization", f"{BASE}Location"


def ids(bundle) -> list[str]:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def fid(facility) -> str:
    return f"facility-{facility.pk}"


def rid(region) -> str:
    return f"region-{region.pk}"


def search(api, url, **params):
    return fhir_body(api.get(url, params))


def relative(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


# ---------------------------------------------------------------- what a facility and a region look like


def test_a_facility_is_an_organization_and_a_location_it_manages(fhir_as, facility_a, town1):
    Facility.objects.filter(pk=facility_a.pk).update(
        credit_code=valid_credit_code(7), latitude=Decimal("39.726900"), longitude=Decimal("116.341400")
    )
    facility_a.refresh_from_db()
    api = fhir_as("reader")

    org = fhir_body(api.get(f"{ORGANIZATIONS}/{fid(facility_a)}"))
    assert org["resourceType"] == "Organization" and org["name"] == "甲托育园" and org["active"] is True
    assert {(i["system"], i["value"]) for i in org["identifier"]} == {
        (fhir.SYSTEM_FACILITY_ID, str(facility_a.pk)),
        (fhir.SYSTEM_FILING_NUMBER, facility_a.filing_number),
        (fhir.SYSTEM_CREDIT_CODE, facility_a.credit_code),
    }
    assert {"system": fhir.MCSD_TYPES, "code": "facility", "display": "Facility"} in [
        t["coding"][0] for t in org["type"]
    ]
    assert org["meta"]["versionId"] == str(facility_a.version)

    location = fhir_body(api.get(f"{LOCATIONS}/{fid(facility_a)}"))
    assert location["managingOrganization"]["reference"] == f"Organization/{fid(facility_a)}"
    assert location["partOf"] == {"reference": f"Location/{rid(town1)}", "display": town1.name}
    assert location["physicalType"]["coding"][0]["code"] == "bu"
    assert location["status"] == "active"
    assert location["operationalStatus"]["code"] == "operating"
    # the stored point is WGS-84 (core.geo), given as it is stored
    assert location["position"] == {"longitude": 116.3414, "latitude": 39.7269}
    assert location["address"]["district"] == facility_a.district.name


def test_a_facility_without_a_stored_point_has_no_position(fhir_as, town1):
    facility = FacilityFactory(town=town1, suspended=True, name="无坐标园")
    location = fhir_body(fhir_as("reader").get(f"{LOCATIONS}/{fid(facility)}"))
    assert "position" not in location
    assert location["status"] == "suspended"
    assert {i["system"] for i in location["identifier"]} == {fhir.SYSTEM_FACILITY_ID}  # none unknown


def test_a_region_is_a_jurisdiction_location_part_of_its_parent(fhir_as, daxing, town1):
    api = fhir_as("reader")
    town = fhir_body(api.get(f"{LOCATIONS}/{rid(town1)}"))
    assert town["physicalType"]["coding"][0]["code"] == "jdn"
    assert town["type"][0]["coding"][0]["code"] == "jurisdiction"
    assert town["partOf"]["reference"] == f"Location/{rid(daxing)}"
    assert {"use": "official", "system": fhir.SYSTEM_DIVISION_CODE, "value": "110115001"} in town[
        "identifier"
    ]


def test_synthetic_facilities_in_scope_are_tagged_as_test_data(fhir_as, town1):
    facility = FacilityFactory(town=town1, is_synthetic=True, name="合成园")
    org = fhir_body(fhir_as("daxing_official").get(f"{ORGANIZATIONS}/{fid(facility)}"))
    assert org["meta"]["tag"] == [{"system": fhir.ACT_REASON, "code": "HTEST", "display": "test health data"}]


def test_the_capability_statement_lists_what_is_supported(fhir_as):
    body = fhir_body(fhir_as("anonymous").get(f"{BASE}metadata"))
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    assert body["format"] == ["application/fhir+json"]
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == {"Organization", "Location"}
    for resource in resources.values():
        assert [i["code"] for i in resource["interaction"]] == ["read", "search-type", "history-type"]
    assert {p["name"] for p in resources["Organization"]["searchParam"]} == {
        "_id",
        "_lastUpdated",
        "name",
        "identifier",
    }
    assert {p["name"] for p in resources["Location"]["searchParam"]} == {
        "_id",
        "_lastUpdated",
        "name",
        "identifier",
        "partof",
        "type",
    }


# ---------------------------------------------------------------- search parameters


@pytest.fixture
def three(town1, town2):
    """Three Daxing facilities: two in town 1, one in town 2."""
    return (
        FacilityFactory(town=town1, name="Sunny 托育园", filed=True, credit_code=valid_credit_code(1)),
        FacilityFactory(town=town1, name="明天托育园", filing_number="110115-2026-0007"),
        FacilityFactory(town=town2, name="sunnyside 宝宝屋"),
    )


def test_name_is_a_case_insensitive_contains(fhir_as, three):
    api = fhir_as("reader")
    assert ids(search(api, ORGANIZATIONS, name="SUNNY")) == [fid(three[0]), fid(three[2])]
    assert ids(search(api, ORGANIZATIONS, **{"name:exact": "明天托育园"})) == [fid(three[1])]
    assert ids(search(api, LOCATIONS, name="sunny", type="facility")) == [fid(three[0]), fid(three[2])]


def test_a_query_sent_as_raw_utf8_is_read_and_linked_once_encoded(fhir_as, three):
    """curl sends `name=托育` unencoded; WSGI hands the bytes over as Latin-1. The search reads the name, and
    the paging links carry it percent-encoded once (not the Latin-1 characters encoded again)."""
    raw = "name=托育&_count=1".encode().decode("iso-8859-1")
    bundle = fhir_body(fhir_as("reader").get(ORGANIZATIONS, QUERY_STRING=raw))
    assert bundle["total"] == 2
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert relative(links["next"])[1] == {"name": "托育", "_count": "1", "_offset": "1"}
    assert "%E6%89%98%E8%82%B2" in links["self"].upper()


def test_identifier_with_or_without_its_system(fhir_as, three):
    api = fhir_as("reader")
    filing = f"{fhir.SYSTEM_FILING_NUMBER}|110115-2026-0007"
    assert ids(search(api, ORGANIZATIONS, identifier=filing)) == [fid(three[1])]
    assert ids(search(api, ORGANIZATIONS, identifier="110115-2026-0007")) == [fid(three[1])]
    credit = three[0].credit_code
    assert ids(search(api, LOCATIONS, identifier=f"{fhir.SYSTEM_CREDIT_CODE}|{credit}")) == [fid(three[0])]
    assert ids(search(api, ORGANIZATIONS, identifier=f"{fhir.SYSTEM_FACILITY_ID}|{three[2].pk}")) == [
        fid(three[2])
    ]
    # a value under another system matches nothing; a region's code finds the region
    assert ids(search(api, ORGANIZATIONS, identifier=f"{fhir.SYSTEM_CREDIT_CODE}|110115-2026-0007")) == []
    assert ids(search(api, LOCATIONS, identifier=f"{fhir.SYSTEM_DIVISION_CODE}|110115001"))[0].startswith(
        "region-"
    )


def test_partof_finds_the_facilities_and_regions_below_a_region(fhir_as, three, daxing, town1):
    api = fhir_as("reader")
    assert ids(search(api, LOCATIONS, partof=f"Location/{rid(town1)}")) == [fid(three[0]), fid(three[1])]
    # a district's direct children are its towns; below it, its towns and every facility in them
    direct = ids(search(api, LOCATIONS, partof=rid(daxing), _count=500))
    assert rid(town1) in direct and not any(i.startswith("facility-") for i in direct)
    below = ids(search(api, LOCATIONS, **{"partof:below": rid(daxing)}, type="facility", _count=500))
    assert {fid(f) for f in three} <= set(below)


def test_id_and_type(fhir_as, three, town1):
    api = fhir_as("reader")
    wanted = f"{fid(three[0])},{fid(three[2])},region-0"
    assert ids(search(api, ORGANIZATIONS, _id=wanted)) == [fid(three[0]), fid(three[2])]
    assert ids(search(api, LOCATIONS, _id=f"{rid(town1)},{fid(three[1])}")) == [rid(town1), fid(three[1])]
    assert ids(search(api, LOCATIONS, _id=f"{rid(town1)},{fid(three[1])}", type="jurisdiction")) == [
        rid(town1)
    ]


def test_last_updated_with_prefixes(fhir_as, three):
    api = fhir_as("reader")
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Facility.objects.filter(pk=three[2].pk).update(updated_at=yesterday)
    today = timezone.localdate().isoformat()
    day_before = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    fresh = ids(search(api, ORGANIZATIONS, _lastUpdated=f"ge{today}", name="sunny"))
    assert fresh == [fid(three[0])]
    assert ids(search(api, ORGANIZATIONS, _lastUpdated=f"lt{today}", name="sunny")) == [fid(three[2])]
    both = api.get(ORGANIZATIONS, {"_lastUpdated": [f"gt{day_before}", f"le{today}"], "name": "sunny"})
    assert ids(fhir_body(both)) == [fid(three[0]), fid(three[2])]


def test_pages_follow_the_next_link(fhir_as, facility_a, three):
    api = fhir_as("reader")
    first = search(api, ORGANIZATIONS, _count=2)
    total = first["total"]
    assert total >= 4 and len(first["entry"]) == 2  # facility A and the three
    links = {link["relation"]: link["url"] for link in first["link"]}
    seen = ids(first)
    while "next" in links:
        path, params = relative(links["next"])
        page = fhir_body(api.get(path, params))
        seen += ids(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
    assert len(seen) == len(set(seen)) == total
    assert all(entry["fullUrl"].endswith(f"/{entry['resource']['id']}") for entry in first["entry"])


def test_a_search_page_costs_the_same_whatever_its_size(fhir_as, three, town1):
    for n in range(8):
        FacilityFactory(town=town1, name=f"批量园{n}")
    api = fhir_as("reader")
    regions = search(api, LOCATIONS, type="jurisdiction", _count=0)["total"]
    # Locations: jurisdictions come first, so both pages reach the facilities after them
    for url, sizes in ((ORGANIZATIONS, (3, 60)), (LOCATIONS, (regions + 2, regions + 60))):
        api.get(url, {"_count": 1})
        counts = []
        for size in sizes:
            with CaptureQueriesContext(connection) as queries:
                body = search(api, url, _count=size)
            assert len(ids(body)) == min(size, body["total"])
            counts.append(len(queries))
        assert counts[0] == counts[1], (url, counts)


# ---------------------------------------------------------------- scope


def test_a_town_official_sees_only_their_town(fhir_as, three, town1, town2):
    api = fhir_as("town1_official")
    assert ids(search(api, ORGANIZATIONS, _count=500)) == sorted(
        [fid(f) for f in Facility.objects.filter(town=town1)], key=lambda i: int(i.split("-")[1])
    )
    outcome(api.get(f"{ORGANIZATIONS}/{fid(three[2])}"), 404)
    outcome(api.get(f"{LOCATIONS}/{fid(three[2])}"), 404)
    outcome(api.get(f"{LOCATIONS}/{rid(town2)}"), 404)
    assert ids(search(api, LOCATIONS, type="jurisdiction")) == [rid(town1)]


def test_an_operator_sees_only_their_facility(fhir_as, facility_a, three):
    api = fhir_as("operator_a")
    assert ids(search(api, ORGANIZATIONS)) == [fid(facility_a)]
    assert ids(search(api, LOCATIONS, type="facility")) == [fid(facility_a)]
    outcome(api.get(f"{ORGANIZATIONS}/{fid(three[0])}"), 404)


def test_another_district_sees_none_of_daxing(fhir_as, facility_a):
    api = fhir_as("yubei_official")
    assert fid(facility_a) not in ids(search(api, ORGANIZATIONS, _count=500))
    outcome(api.get(f"{LOCATIONS}/{fid(facility_a)}"), 404)


# ---------------------------------------------------------------- history


def history(api, resource_type, **params):
    """Every entry from `params`, following the next links."""
    entries, url, query = [], f"{BASE}{resource_type}/_history", params
    while url:
        body = fhir_body(api.get(url, query))
        assert body["type"] == "history"
        entries += body.get("entry", [])
        links = {link["relation"]: link["url"] for link in body["link"]}
        url, query = relative(links["next"]) if "next" in links else (None, None)
    return entries


def moves(entries, resource_id):
    """(method, name) per entry of one resource: repeats in a row count once (a write may record two)."""
    seen = []
    for entry in entries:
        if entry["fullUrl"].endswith(f"/{resource_id}"):
            step = (entry["request"]["method"], entry.get("resource", {}).get("name"))
            if not seen or seen[-1] != step:
                seen.append(step)
    return seen


def test_history_has_each_version_and_a_delete(fhir_as, town1):
    api = fhir_as("daxing_official")
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    facility = FacilityFactory(town=town1, name="历史园", is_synthetic=True)
    Facility.objects.filter(pk=facility.pk).update(name="历史园（改）")
    Facility.objects.filter(pk=facility.pk).delete()  # only synthetic facilities are ever deleted

    for resource_type in ("Organization", "Location"):
        entries = history(api, resource_type, _since=since, _count=2)
        assert moves(entries, fid(facility)) == [
            ("POST", "历史园"),
            ("PUT", "历史园（改）"),
            ("DELETE", None),
        ]
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert history(api, "Location", _since=future) == []


def test_history_shows_a_move_out_of_scope_as_a_delete(fhir_as, town1, town2):
    facility = FacilityFactory(town=town1, name="搬走园")
    Facility.objects.filter(pk=facility.pk).update(town=town2)
    town_one = moves(history(fhir_as("town1_official"), "Location"), fid(facility))
    assert town_one == [("POST", "搬走园"), ("DELETE", None)]
    district = moves(history(fhir_as("daxing_official"), "Location"), fid(facility))
    assert district == [("POST", "搬走园"), ("PUT", "搬走园")]
    assert moves(history(fhir_as("town2_official"), "Location"), fid(facility)) == [("PUT", "搬走园")]


def test_history_of_regions_is_in_the_location_history(fhir_as, daxing):
    town = TownFactory(parent=daxing, name="新设街道")
    entries = history(fhir_as("daxing_official"), "Location")
    assert moves(entries, rid(town)) == [("POST", "新设街道")]
    assert moves(history(fhir_as("daxing_official"), "Organization"), rid(town)) == []


# ---------------------------------------------------------------- errors


def test_anonymous_and_bad_tokens_are_refused_with_401(fhir_as, facility_a):
    anonymous = fhir_as("anonymous")
    for url in (ORGANIZATIONS, f"{LOCATIONS}/{fid(facility_a)}", f"{LOCATIONS}/_history"):
        assert outcome(anonymous.get(url), 401)["issue"][0]["code"] == "login"
    bad = fhir_as("anonymous")
    bad.credentials(HTTP_AUTHORIZATION="Bearer tyt_not-a-token")
    outcome(bad.get(ORGANIZATIONS), 401)


def test_it_answers_like_the_api_rate_limits_and_language_included(fhir_as):
    response = fhir_as("reader").get(ORGANIZATIONS, {"color": "red"}, HTTP_ACCEPT_LANGUAGE="en")
    outcome(response, 400)
    assert response["Content-Language"] == "en"
    assert int(response["RateLimit-Limit"]) > 0 and "RateLimit-Remaining" in response


def test_only_json_is_served(fhir_as):
    api = fhir_as("reader")
    outcome(api.get(ORGANIZATIONS, {"_format": "xml"}), 406)
    outcome(api.get(ORGANIZATIONS, HTTP_ACCEPT="application/fhir+xml"), 406)
    fhir_body(api.get(ORGANIZATIONS, {"_format": "json"}))
    plain = api.get(ORGANIZATIONS, HTTP_ACCEPT="application/json")
    assert plain.status_code == 200 and plain.json()["resourceType"] == "Bundle"


# A cursor of the change feed (/api/v1/changes/), not of _history.
NEW_YEAR = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
FEED_CURSOR = changes.encode(changes.Position(NEW_YEAR, "facility", 1))


@pytest.mark.parametrize(
    ("url", "params", "named"),
    [
        (ORGANIZATIONS, {"color": "red"}, "color"),
        (ORGANIZATIONS, {"partof": "Location/region-1"}, "partof"),  # not an Organization parameter
        (ORGANIZATIONS, {"_lastUpdated": "ge2026-13-45"}, "_lastUpdated"),
        (ORGANIZATIONS, {"_count": "many"}, "_count"),
        (LOCATIONS, {"partof": "Organization/x"}, "partof"),
        (LOCATIONS, {"type": "hospital"}, "type"),
        (f"{LOCATIONS}/_history", {"_since": "yesterday"}, "_since"),
        (f"{LOCATIONS}/_history", {"_cursor": "garbage"}, "_cursor"),
        (f"{LOCATIONS}/_history", {"_cursor": FEED_CURSOR}, "_cursor"),  # the change feed's
        (f"{LOCATIONS}/_history", {"name": "x"}, "name"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(fhir_as, url, params, named):
    body = outcome(fhir_as("reader").get(url, params), 400)
    assert body["issue"][0]["code"] == "invalid"
    assert body["issue"][0]["diagnostics"].startswith(f"{named}:")


def test_unknown_ids_and_paths_are_a_404(fhir_as):
    api = fhir_as("reader")
    outcome(api.get(f"{ORGANIZATIONS}/region-1"), 404)
    outcome(api.get(f"{LOCATIONS}/facility-999999999"), 404)
    outcome(api.get(f"{LOCATIONS}/nonsense"), 404)
    outcome(api.get(f"{BASE}Patient"), 404)


def test_writes_are_refused(fhir_as, facility_a, daxing_official):
    body = {"resourceType": "Organization", "name": "x"}
    outcome(fhir_as("reader").post(ORGANIZATIONS, body, format="json"), 403)  # a read-only token
    writer = bearer_client(cast.issue_token(daxing_official, read_only=False)[1])
    outcome(writer.put(f"{ORGANIZATIONS}/{fid(facility_a)}", body, format="json"), 405)

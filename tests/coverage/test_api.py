"""/api/v1/stats/coverage/ and /api/v1/communities/: figures of coverage.selectors, scoped."""

from decimal import Decimal

import pytest

from coverage.models import Community
from tests.factories import filed_facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def located(town1):
    """Two communities of Daxing town 1 with figures and points, and an inclusive facility 426 m from the
    first (0.005° of longitude at 39.74°N) and 1.3 km from the second."""
    Community.objects.filter(code="110115001001").update(
        population=6000, infants_under_3=120, longitude=Decimal("116.330000"), latitude=Decimal("39.740000")
    )
    Community.objects.filter(code="110115001002").update(
        population=4000, infants_under_3=80, longitude=Decimal("116.350000"), latitude=Decimal("39.740000")
    )
    return filed_facility(
        town1,
        "圈内托育园",
        longitude=Decimal("116.335000"),
        latitude=Decimal("39.740000"),
        units=[("toddler", 2, 15)],
    )


def test_the_district_official_reads_the_coverage(api_as, located):
    response = api_as("daxing_official").get("/api/v1/stats/coverage/?district=110115")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["radius_m"] == 1000 and body["effective_radius_m"] == "1000.00"
    assert body["totals"]["population_covered_inclusive"] == 6000
    assert body["totals"]["share_population_inclusive"] == "0.6000"
    rows = {row["code"]: row for row in body["communities"]}
    assert rows["110115001001"]["covered_inclusive"] is True
    assert rows["110115001001"]["access"] == "0.2500"  # 30 slots / 120 infants in reach
    assert rows["110115001002"]["covered_inclusive"] is False
    assert rows["110115001003"]["covered_inclusive"] is None  # no point
    assert body["uncovered"][0]["code"] == "110115001002"
    assert [f["name"] for f in body["facilities"]] == ["圈内托育园"]


def test_a_town_official_reads_their_town_only(api_as, located):
    api = api_as("town1_official")
    mine = api.get("/api/v1/stats/coverage/?district=110115&town=110115001")
    assert mine.status_code == 200 and mine.json()["town"] == "110115001"
    assert {t["code"] for t in mine.json()["towns"]} == {"110115001"}
    assert api.get("/api/v1/stats/coverage/?district=110115&town=110115002").status_code == 404
    assert api.get("/api/v1/stats/coverage/?district=110115").status_code == 404


def test_coverage_is_private_and_refuses_unknown_parameters(api_as, located):
    assert api_as("anonymous").get("/api/v1/stats/coverage/?district=110115").status_code == 401
    assert api_as("yubei_official").get("/api/v1/stats/coverage/?district=110115").status_code == 404
    assert api_as("daxing_official").get("/api/v1/stats/coverage/?district=999999").status_code == 404
    response = api_as("daxing_official").get("/api/v1/stats/coverage/?district=110115&radius=5")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["radius"][0]["code"] == "unknown_parameter"


def test_communities_are_listed_like_their_towns(api_as, located):
    api = api_as("daxing_official")
    body = api.get("/api/v1/communities/?town=110115001&located=true").json()
    assert [row["code"] for row in body["results"]] == ["110115001001", "110115001002"]
    assert body["results"][0]["population"] == 6000 and body["results"][0]["longitude"] == "116.330000"
    assert api_as("yubei_official").get("/api/v1/communities/?district=110115").json()["count"] == 0
    assert api_as("anonymous").get("/api/v1/communities/").status_code == 401
    later = api.get("/api/v1/communities/?updated_after=2999-01-01").json()
    assert later["count"] == 0

"""/api/v1/stats/slots/table/ (planning/api/statistics.py): slot statistics per town, district, city and for
the whole scope as JSON, CSV and XLSX — the dashboards' figures (planning.selectors), scoped like the
dashboards, with ETag / Last-Modified and 304; and the dashboard .xlsx exports with an API token
(core/auth.py)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.utils.http import http_date
from rest_framework.test import APIClient

from planning import selectors
from targets.models import Region
from tests import cast
from tests.factories import FacilityFactory
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

TABLE = "/api/v1/stats/slots/table/"


@pytest.fixture
def registry(daxing, yubei):
    def filed(town_code, name, units, inclusive=0):
        return FacilityFactory(
            town=Region.objects.get(code=town_code),
            name=name,
            filed=True,
            filing_number=f"T-{name}",
            filed_on=datetime.date(2025, 1, 10),
            inclusive=bool(inclusive),
            units=units,
            inclusive_slots=inclusive,
        )

    filed("110115001", "甲", [("toddler", 4, 15), ("older", 5, 20)], inclusive=100)  # 160
    filed("110115002", "乙", [("older", 2, 20)])  # 40
    filed("500112023", "仙桃园", [("older", 10, 20)], inclusive=180)  # 200


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cast.issue_token(user)[1]}")
    return client


@pytest.fixture
def official(daxing):
    return token_client(cast.district_official("stats_official", daxing))


def test_signed_in_only(api):
    error_of(api.get(TABLE), 401)


def test_towns_of_a_district_are_the_dashboard_figures(official, daxing, registry):
    response = official.get(TABLE, {"district": "110115", "year": 2025, "level": "plan"})
    assert response.status_code == 200, response.content
    body = response.json()
    progress = selectors.district_progress(daxing, 2025, "plan")
    assert (body["by"], body["year"], body["level"]) == ("town", 2025, "plan")
    assert len(body["rows"]) == len(progress.rows) == 22
    first = body["rows"][0]
    assert (first["region_level"], first["code"], first["parent_code"]) == ("town", "110115001", "110115")
    assert (first["target_slots"], first["actual_slots"], first["completion_rate"]) == (370, 160, "0.4324")
    assert first["gap"] == 370 - 160
    assert body["totals"]["target_slots"] == progress.totals.target_slots == 8600
    assert body["totals"]["actual_slots"] == progress.totals.actual_slots == 200


def test_a_town_officials_token_sees_only_their_town(town1, daxing, registry):
    client = token_client(cast.town_official("stats_town", town1))
    body = client.get(TABLE, {"year": 2025}).json()
    assert [row["code"] for row in body["rows"]] == ["110115001"]
    assert body["rows"][0]["actual_slots"] == 160 and body["totals"]["actual_slots"] == 160
    # Another district is not theirs to read (404, as the dashboards), nor are roll-ups of whole districts.
    error_of(client.get(TABLE, {"district": "500112"}), 404)
    assert client.get(TABLE, {"by": "district", "year": 2025}).json()["rows"] == []


def test_district_official_never_sees_another_district(official, registry):
    error_of(official.get(TABLE, {"district": "500112"}), 404)
    body = official.get(TABLE, {"by": "district", "year": 2025}).json()
    assert [row["code"] for row in body["rows"]] == ["110115"]


def test_rollups_by_district_city_and_nation(registry):
    client = token_client(cast.superuser("stats_root"))
    districts = client.get(TABLE, {"by": "district", "year": 2025}).json()
    rollup = selectors.rollup(Region.objects.all(), 2025, "plan")
    assert [r["code"] for r in districts["rows"]] == [r.code for r in rollup.rows]
    assert {r["code"]: r["parent_code"] for r in districts["rows"]} == {
        "110115": "110000",
        "500112": "500000",
    }
    cities = client.get(TABLE, {"by": "city", "year": 2025}).json()
    assert {r["code"]: r["actual_slots"] for r in cities["rows"]} == {"110000": 200, "500000": 200}
    assert {r["code"]: r["target_slots"] for r in cities["rows"]}["110000"] == 8600
    nation = client.get(TABLE, {"by": "nation", "year": 2025}).json()
    assert len(nation["rows"]) == 1 and nation["rows"][0]["actual_slots"] == rollup.totals.actual_slots == 400
    only_beijing = client.get(TABLE, {"by": "district", "city": "110000", "year": 2025}).json()
    assert [r["code"] for r in only_beijing["rows"]] == ["110115"]


def test_bad_parameters_are_named(official):
    assert "modified_since" in error_of(official.get(TABLE, {"modified_since": "2025"}), 400)["fields"]
    assert "by" in error_of(official.get(TABLE, {"by": "province"}), 400)["fields"]
    # An error stays JSON whatever format was asked for.
    response = official.get(TABLE, {"year": "x", "format": "xlsx"})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")


def test_etag_last_modified_and_304(official, registry):
    params = {"district": "110115", "year": 2025}
    first = official.get(TABLE, params)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified and "private" in first["Cache-Control"]
    again = official.get(TABLE, params, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert official.get(TABLE, params, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # CSV of the same figures has a tag of its own.
    csv_tag = official.get(TABLE, {**params, "format": "csv"})["ETag"]
    assert csv_tag != etag
    assert official.get(TABLE, {**params, "format": "csv"}, HTTP_IF_NONE_MATCH=csv_tag).status_code == 304
    # A change to an input: new figures, a new tag, a later Last-Modified.
    FacilityFactory(
        town=Region.objects.get(code="110115003"),
        name="丙",
        filed=True,
        filing_number="T-丙",
        filed_on=datetime.date(2025, 2, 1),
        units=[("older", 1, 10)],
    )
    changed = official.get(TABLE, params, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["totals"]["actual_slots"] == 210
    assert official.get(TABLE, params, HTTP_IF_MODIFIED_SINCE=modified).status_code in (200, 304)
    stale = http_date((datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)).timestamp())
    assert official.get(TABLE, params, HTTP_IF_MODIFIED_SINCE=stale).status_code == 200


def test_csv_rows_are_numbers(official, registry):
    response = official.get(TABLE, {"district": "110115", "year": 2025, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 22
    first = rows[0]
    assert (first["code"], first["target_slots"], first["actual_slots"]) == ("110115001", "370", "160")
    assert first["completion_rate"] == "0.4324"
    assert "no_inclusive_service" in rows[1]["flags"]


def test_xlsx_numbers_totals_and_about_sheet(official, registry):
    response = official.get(TABLE, {"district": "110115", "year": 2025, "format": "xlsx"})
    assert response.status_code == 200, response.content
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    first = dict(zip(header, values[0], strict=True))
    assert first["target_slots"] == 370 and first["actual_slots"] == 160
    assert isinstance(first["completion_rate"], float) and round(first["completion_rate"], 4) == 0.4324
    last = dict(zip(header, values[-1], strict=True))
    assert last["name"] == "合计" and last["actual_slots"] == 200 and last["target_slots"] == 8600
    assert sum(row[header.index("actual_slots")] for row in values[:-1]) == 200
    about = book.worksheets[-1]
    assert about.title == "说明"
    text = " ".join(str(c.value) for row in about.iter_rows() for c in row if c.value)
    assert "stats_official" in text and "2025" in text


# ---------------------------------------------------------------- the dashboards' .xlsx with a token


def test_dashboard_export_takes_a_token(daxing, registry, client):
    url = "/planning/districts/110115/export/towns.xlsx"
    assert client.get(url).status_code == 302  # no session, no token: the login page
    user = cast.api_client_account("stats_client", daxing)
    secret = cast.issue_token(user)[1]
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200, response.content[:300]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[-1].title == "说明"
    # Scoped like the page: another district's dashboard is not found.
    assert (
        client.get(
            "/planning/districts/500112/export/towns.xlsx", HTTP_AUTHORIZATION=f"Bearer {secret}"
        ).status_code
        == 404
    )
    # A wrong token or scheme is a 401, not a login page.
    assert client.get(url, HTTP_AUTHORIZATION="Bearer tyt_wrong").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Basic eDp5").status_code == 401
    # The compare page's export takes it too; the page itself still needs a session.
    assert (
        client.get("/planning/compare/", {"export": "1"}, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
        == 200
    )
    assert client.get("/planning/compare/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 302


# ---------------------------------------------------------------- frozen period reports, the same way


def test_period_reports_answer_conditionally_in_every_format(api_as, daxing, daxing_official, registry):
    from reporting import services as reporting_services

    reports = reporting_services.period_reports_compile(
        user=daxing_official, district=daxing, year=2025, quarter=1
    )
    client = api_as("daxing_official")
    url = "/api/v1/period-reports/"
    first = client.get(url, {"year": 2025})
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert client.get(url, {"year": 2025}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, {"year": 2025}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    sheet = client.get(url, {"year": 2025, "format": "xlsx"})
    assert sheet.status_code == 200 and sheet["ETag"] != first["ETag"]
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    header = [c.value for c in book.worksheets[0][1]]
    slots = [row[header.index("slots")] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert len(slots) == len(reports) and all(isinstance(v, int) for v in slots)
    assert book.worksheets[-1].title == "说明"  # the About sheet every export carries (core.api.renderers)
    assert (
        client.get(url, {"year": 2025, "format": "csv"}, HTTP_IF_NONE_MATCH=sheet["ETag"]).status_code == 200
    )
    # The record itself keeps its version as its ETag.
    detail = client.get(f"{url}{reports[0].pk}/")
    assert detail["ETag"] == f'"{reports[0].version}"'

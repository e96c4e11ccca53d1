"""/api/v1/town-demand/ for machines: ?format=csv and ?format=xlsx give the same figures flat, one line per
district, town and rate, numbers as numbers (the enrolment-wish percentage as a decimal number); every
format answers with ETag and Last-Modified and 304 when the client's copy is current, as
/api/v1/stats/slots/table/ does; errors stay JSON."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils.http import http_date

from planning import services
from targets.models import PopulationStat, SourceDocument

pytestmark = pytest.mark.django_db

URL = "/api/v1/town-demand/"
YEAR = 2025


@pytest.fixture
def demand_inputs(daxing, town1, town2, facility_a, daxing_official):
    """Town 1: 1,000 infants (2025) and facility A's 30 slots; town 2: 333 infants (2024). Adopted wish 33 %,
    one scenario at 40 %."""
    bulletin = SourceDocument.objects.create(
        key="test-demand-export", title="大兴区人口（测试）", status="final", region=daxing
    )
    PopulationStat.objects.create(region=town1, year=YEAR, infants_under_3=1000, source=bulletin)
    PopulationStat.objects.create(region=town2, year=YEAR - 1, infants_under_3=333, source=bulletin)
    services.demand_set(user=daxing_official, district=daxing, percent=Decimal("33"), note="调查")
    services.scenario_save(user=daxing_official, district=daxing, name="意愿 40 %", percent=Decimal("40"))


def params(**extra):
    return {"district": "110115", "year": YEAR, **extra}


def test_csv_is_one_line_per_town_and_rate(api_as, town1, demand_inputs):
    response = api_as("daxing_official").get(URL, params(format="csv"))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="town-demand-110115-2025.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    mine = [row for row in rows if row["town_code"] == town1.code]
    assert [(r["rate"], r["enrolment_wish_percent"], r["slots_needed"], r["gap"]) for r in mine] == [
        ("adopted", "33.00", "330", "300"),
        (mine[1]["rate"], "40.00", "400", "370"),
    ]
    assert mine[1]["rate"].startswith("scenario-") and mine[1]["rate_name"] == "意愿 40 %"
    assert mine[0]["infants_under_3"] == "1000" and mine[0]["actual_slots"] == "30"
    assert not any(row["town_name"].startswith("合计") for row in rows)  # a machine adds them up


def test_xlsx_numbers_stay_numbers_with_totals_and_about_sheet(api_as, town1, demand_inputs):
    response = api_as("daxing_official").get(URL, params(format="xlsx"))

    assert response.status_code == 200, response.content
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    first = next(r for r in rows if r["town_code"] == town1.code)
    assert first["infants_under_3"] == 1000 and first["slots_needed"] == 330 and first["gap"] == 300
    assert isinstance(first["enrolment_wish_percent"], int | float) and first["enrolment_wish_percent"] == 33
    assert first["adopted"] is True
    totals = [r for r in rows if r["town_name"] == "合计（所列镇街）"]
    assert (totals[0]["rate"], totals[0]["infants_under_3"], totals[0]["slots_needed"]) == (
        "adopted",
        1333,
        440,
    )
    assert book.worksheets[-1].title == "说明"


def test_every_format_answers_conditionally(api_as, demand_inputs, daxing, daxing_official):
    client = api_as("daxing_official")
    first = client.get(URL, params())
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified and "private" in first["Cache-Control"]
    assert client.get(URL, params(), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(URL, params(), HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    for fmt in ("csv", "xlsx"):
        sheet = client.get(URL, params(format=fmt))
        assert sheet["ETag"] != etag and sheet["Last-Modified"]
        assert client.get(URL, params(format=fmt), HTTP_IF_NONE_MATCH=sheet["ETag"]).status_code == 304
    # A new scenario: new figures, a new tag.
    services.scenario_save(user=daxing_official, district=daxing, name="意愿 50 %", percent=Decimal("50"))
    changed = client.get(URL, params(), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    stale = http_date((datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)).timestamp())
    assert client.get(URL, params(), HTTP_IF_MODIFIED_SINCE=stale).status_code == 200


def test_errors_stay_json(api_as, demand_inputs):
    client = api_as("daxing_official")
    for fmt in ("csv", "xlsx"):
        bad = client.get(URL, params(format=fmt, year="abc"))
        assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")
        missing = client.get(URL, {"district": "999999", "format": fmt})
        assert missing.status_code == 404 and missing["Content-Type"].startswith("application/json")
    assert api_as("anonymous").get(URL, {"format": "csv"})["Content-Type"].startswith("application/json")

"""The reports over the API (/api/v1/enrolment-reports/, /api/v1/period-reports/) and the district's
reporting page."""

import datetime
import io

import pytest
from django.urls import reverse

from reporting import services
from reporting.models import EnrolmentReport
from tests.reporting.conftest import JUNE, QUARTER

pytestmark = pytest.mark.django_db

BODY = {
    "month": "2025-06-01",
    "lines": [{"class_type": "toddler", "enrolled": 24, "average_attendance": "20.0", "vacant_places": 6}],
}


def test_an_operator_posts_a_month_and_reads_it_back(api_as, facility_a):
    api = api_as("operator_a")
    response = api.post("/api/v1/enrolment-reports/", {"facility": facility_a.pk, **BODY}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["enrolled"] == 24 and response.json()["lines"][0]["class_type"] == "toddler"
    assert api.get("/api/v1/enrolment-reports/").json()["count"] == 1


def test_a_bad_month_is_a_400_that_names_the_problem_and_writes_nothing(api_as, facility_a):
    body = {"facility": facility_a.pk, **BODY, "lines": [{**BODY["lines"][0], "average_attendance": "30"}]}
    response = api_as("operator_a").post("/api/v1/enrolment-reports/", body, format="json")
    assert response.status_code == 400 and "出勤" in response.content.decode()
    assert not EnrolmentReport.objects.exists()


def test_enrolment_reports_are_scoped_like_their_facilities(api_as, facility_a, operator_a, report_month):
    report = report_month(operator_a, facility_a)
    assert api_as("operator_b").get(f"/api/v1/enrolment-reports/{report.pk}/").status_code == 404
    assert (
        api_as("operator_b")
        .post("/api/v1/enrolment-reports/", {"facility": facility_a.pk, **BODY}, format="json")
        .status_code
        == 404
    )
    assert api_as("reader").get(f"/api/v1/enrolment-reports/{report.pk}/").status_code == 200


def test_period_reports_are_scoped_to_their_town_and_show_live_figures(
    api_as, daxing, town1, facility_a, daxing_official
):
    year, quarter = QUARTER
    reports = services.period_reports_compile(
        user=daxing_official, district=daxing, year=year, quarter=quarter
    )
    mine = next(r for r in reports if r.town_id == town1.pk)
    listed = api_as("town1_official").get("/api/v1/period-reports/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    detail = api_as("reader").get(f"/api/v1/period-reports/{mine.pk}/").json()
    assert detail["slots"] == 30 and detail["live"]["slots"] == 30
    assert api_as("town2_official").get(f"/api/v1/period-reports/{mine.pk}/").status_code == 404


def test_the_district_page_flags_missing_reports_and_shows_utilisation(
    client_as, daxing, facility_a, facility_b, operator_a, report_month
):
    report_month(operator_a, facility_a, enrolled=24)
    html = (
        client_as("daxing_official")
        .get(reverse("reporting:district", args=[daxing.code]) + f"?month={JUNE:%Y-%m}")
        .content.decode()
    )
    assert "乙托育园" in html and "逾期未报" in html  # B has not reported June
    assert 'id="total-utilisation">80.0%' in html


def test_a_town_official_sees_their_own_town_on_the_district_page(
    client_as, daxing, facility_a, facility_b, operator_a, report_month
):
    html = (
        client_as("town1_official")
        .get(reverse("reporting:district", args=[daxing.code]) + f"?month={JUNE:%Y-%m}")
        .content.decode()
    )
    assert "甲托育园" in html and "乙托育园" not in html


def _workbook(rows):
    from core.spreadsheets import SheetSpec, write_workbook

    columns = [(t, None) for t in ("备案编号", "月份", "班型", "在托人数", "平均出勤人数", "空余托位")]
    return write_workbook([SheetSpec(title="月报", columns=columns, rows=rows)])


def test_a_district_official_imports_a_month_from_a_spreadsheet(client_as, daxing, facility_a, facility_b):

    june = datetime.date(2025, 6, 1)
    content = _workbook(
        [
            (facility_a.filing_number, june, "托小班", 24, 20, 6),
            (facility_b.filing_number, june, "托小班", 15, 12, 15),
        ]
    )
    upload = io.BytesIO(content)
    upload.name = "enrolment.xlsx"
    client = client_as("daxing_official")
    response = client.post(reverse("reporting:import", args=[daxing.code]), {"file": upload})
    assert response.status_code == 302
    assert EnrolmentReport.objects.filter(month=june).count() == 2
    facility_a.refresh_from_db()
    assert facility_a.enrolled_children == 24


def test_one_bad_row_imports_nothing_and_names_the_row(client_as, daxing, facility_a):

    june = datetime.date(2025, 6, 1)
    upload = io.BytesIO(
        _workbook(
            [
                (facility_a.filing_number, june, "托小班", 24, 20, 6),
                ("NO-SUCH-NUMBER", june, "托小班", 5, 5, 0),
            ]
        )
    )
    upload.name = "enrolment.xlsx"
    response = client_as("daxing_official").post(
        reverse("reporting:import", args=[daxing.code]), {"file": upload}
    )
    assert response.status_code == 200
    assert "第3行" in response.content.decode()
    assert not EnrolmentReport.objects.exists()

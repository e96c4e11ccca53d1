"""What supervision discloses in the public directory (facilities.disclosure): each facility's latest
inspection with its outcome, and its latest kept grade — public facts only, a fixed number of queries."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse

from facilities import disclosure
from supervision import selectors, services
from supervision.models import Finding
from tests.factories import days_ago
from tests.supervision.conftest import filed, make_finding, make_inspection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wired():
    """The providers as SupervisionConfig.ready() registers them (another test may have swapped them)."""
    apps.get_app_config("supervision").ready()
    yield
    apps.get_app_config("supervision").ready()


def detail(client, facility) -> str:
    page = client.get(reverse("directory:detail", args=[facility.pk])).content.decode()
    return page.split('id="supervision-info"')[1].split("</dl>")[0]


def test_ready_registers_the_inspection_and_grade_providers():
    assert disclosure._providers["inspection"] is selectors.latest_inspections
    assert disclosure._providers["grade"] is selectors.kept_grades


def test_the_directory_shows_a_facility_s_latest_inspection_and_its_outcome(
    users, facility_a, facility_b, client
):
    official = users["daxing_official"]
    make_inspection(official, [facility_a, facility_b], on=days_ago(90))
    latest = make_inspection(official, [facility_a], on=days_ago(20), kind="routine")
    make_finding(official, latest, facility_a, description="消防通道堆放杂物（不公开）")
    make_inspection(official, [facility_a], on=days_ago(-5))  # planned, not yet held: not the latest

    info = detail(client, facility_a)
    assert days_ago(20).isoformat() in info and "日常检查" in info
    assert "发现1项问题，1项整改中" in info
    assert "消防通道" not in info  # the finding's text stays internal

    info_b = detail(client, facility_b)
    assert days_ago(90).isoformat() in info_b and "联合检查" in info_b and "未发现问题" in info_b


def test_rectified_findings_are_disclosed_as_rectified(users, facility_a):
    official = users["daxing_official"]
    inspection = make_inspection(official, [facility_a], on=days_ago(30))
    make_finding(official, inspection, facility_a)
    make_finding(official, inspection, facility_a, category="health_care")
    Finding.objects.filter(inspection=inspection).update(
        status=Finding.Status.VERIFIED, submitted_on=days_ago(10), verified_on=days_ago(5)
    )

    found = selectors.latest_inspections([facility_a.pk])
    assert found[facility_a.pk]["result"] == "发现2项问题，已全部整改"


def test_the_directory_shows_the_latest_kept_grade_not_the_points(users, facility_a, client, today):
    official = users["daxing_official"]
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    services.grade_records_keep(period=last_month, district=facility_a.district, user=official)
    record = facility_a.grade_records.get(period=last_month)

    info = detail(client, facility_a)
    assert f"<strong>{record.grade}</strong>" in info
    assert record.as_of.isoformat() in info
    assert "风险分" not in info and "信用分" not in info  # the points and their reasons stay internal


def test_a_facility_never_inspected_nor_graded_discloses_nothing(facility_a):
    assert selectors.latest_inspections([facility_a.pk]) == {}
    assert selectors.kept_grades([facility_a.pk]) == {}


def test_the_providers_read_a_whole_page_in_one_query_each(users, town1, django_assert_num_queries, today):
    official = users["daxing_official"]
    page = [filed(town=town1, name=f"园{i}") for i in range(4)]
    inspection = make_inspection(official, page, on=days_ago(10))
    for facility in page:
        make_finding(official, inspection, facility)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    services.grade_records_keep(period=last_month, district=town1.parent, user=official)
    ids = [f.pk for f in page]

    with django_assert_num_queries(1):
        assert len(selectors.latest_inspections(ids)) == 4
    with django_assert_num_queries(1):
        assert len(selectors.kept_grades(ids)) == 4

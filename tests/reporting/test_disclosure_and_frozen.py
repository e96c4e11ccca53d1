"""What reporting gives the apps below it: the reported enrolment to the public directory
(facilities.disclosure), and the approved (frozen) Q4 report figures to planning, which judges a past plan
on them instead of today's registry (planning.selectors.register_frozen_reader)."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from core.months import month_end
from facilities import disclosure
from facilities.models import Facility
from planning import selectors as planning
from reporting import selectors, services
from reporting.models import PeriodReport
from tests.factories import add_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wired():
    """The providers as ReportingConfig.ready() registers them (another test may have swapped them)."""
    apps.get_app_config("reporting").ready()


def test_ready_registers_the_enrolment_provider_and_the_frozen_reader():
    assert disclosure._providers["enrolment"] is selectors.disclosed_enrolment
    assert selectors.frozen_town_figures in planning._frozen_readers


# ---------------------------------------------------------------- the directory


def test_a_reported_enrolment_gives_the_directory_s_vacancies_with_its_date(
    facility_a, operator_a, report_month, client
):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    report_month(operator_a, facility_a, month=last_month, enrolled=21, vacant=9)

    response = client.get(reverse("directory:detail", args=[facility_a.pk]))
    assert response.context["facility"]["vacancies"] == {"count": 30 - 21, "as_of": month_end(last_month)}
    assert f"截至 {month_end(last_month):%Y-%m-%d}" in response.content.decode()


def test_an_old_report_is_not_disclosed(facility_a, operator_a, report_month):
    report_month(operator_a, facility_a, month=datetime.date(2025, 6, 1))
    assert selectors.disclosed_enrolment([facility_a.pk]) == {}


# ---------------------------------------------------------------- frozen figures for planning

DEC_2024 = datetime.date(2024, 12, 31)


@pytest.fixture
def q4_2024(daxing, facility_a, daxing_official):
    """The towns' reports for the last quarter of 2024, compiled (facility A, filed in 2024: 30 slots, 20
    inclusive)."""
    Facility.objects.filter(pk=facility_a.pk).update(filed_on=datetime.date(2024, 3, 1))
    return services.period_reports_compile(user=daxing_official, district=daxing, year=2024, quarter=4)


def approve(reports, official):
    for report in reports:
        report = services.period_report_submit(user=official, report=report)
        services.period_report_approve(user=official, report=report)


def test_an_approved_q4_report_is_used_for_its_past_plan_instead_of_the_live_figures(
    daxing, town1, facility_a, daxing_official, q4_2024
):
    approve(q4_2024, daxing_official)
    add_unit(facility_a, "infant", 1, 10)  # ten more slots, recorded after the year ended

    plans = {(p.year, p.level): p for p in planning.progress_over_years(daxing)}
    baseline = plans[(2024, "baseline")]
    assert baseline.as_reported == DEC_2024
    row = next(r for r in baseline.rows if r.code == town1.code)
    assert (row.actual_slots, row.actual_inclusive, row.facilities) == (30, 20, 1)
    later = next(p for (year, _level), p in plans.items() if year > 2024)
    assert later.as_reported is None
    assert next(r for r in later.rows if r.code == town1.code).actual_slots == 40


def test_a_period_is_frozen_only_once_every_town_s_report_is_approved(
    daxing, town1, daxing_official, q4_2024
):
    town1_report = next(r for r in q4_2024 if r.town_id == town1.pk)
    approve([town1_report], daxing_official)
    assert selectors.frozen_town_figures(daxing, DEC_2024) is None

    approve([r for r in q4_2024 if r.pk != town1_report.pk], daxing_official)
    frozen = selectors.frozen_town_figures(daxing, DEC_2024)
    assert len(frozen) == PeriodReport.objects.filter(district=daxing, town__isnull=False).count()
    assert frozen[town1.pk] == {"slots": 30, "inclusive": 20, "n": 1}
    assert selectors.frozen_town_figures(daxing, datetime.date(2023, 12, 31)) is None


# ---------------------------------------------------------------- class types in the user's language


def test_the_report_pages_name_class_types_in_english_for_an_english_reader(
    client_as, facility_a, operator_a, report_month
):
    report = report_month(operator_a, facility_a)
    client = client_as("operator_a")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    detail = client.get(reverse("reporting:enrolment_report", args=[report.pk])).content.decode()
    form = client.get(reverse("reporting:enrolment_fill", args=[facility_a.pk])).content.decode()
    assert "Younger toddler class" in detail and "Younger toddler class" in form

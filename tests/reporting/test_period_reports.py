"""Quarterly period reports (统计报表): compiled at quarter end, submitted by the town, approved or returned
by the district, frozen once approved; corrections are new revisions; live and as-reported figures side by
side."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from core.errors import NotAllowed, ServiceError
from facilities.models import Facility
from reporting import selectors, services
from reporting.models import PeriodReport
from tests.factories import add_unit
from tests.reporting.conftest import QUARTER

pytestmark = pytest.mark.django_db

YEAR, Q = QUARTER


@pytest.fixture
def town1_report(daxing, town1, facility_a, operator_a, daxing_official, report_month):
    report_month(operator_a, facility_a, enrolled=24)
    reports = services.period_reports_compile(user=daxing_official, district=daxing, year=YEAR, quarter=Q)
    return next(r for r in reports if r.town_id == town1.pk)


def approve(report, town_official, district_official):
    report = services.period_report_submit(user=town_official, report=report)
    return services.period_report_approve(user=district_official, report=report)


def test_compiling_a_quarter_gives_each_town_its_registry_and_enrolment_figures(town1_report, facility_a):
    r = town1_report
    assert (r.facilities, r.slots, r.inclusive_slots, r.enrolled) == (1, 30, 20, 24)
    assert (r.reporting_facilities, r.reported_slots) == (1, 30)
    assert r.utilisation == Decimal("0.8")
    assert r.status == "draft" and str(r.period_end) == "2025-06-30"
    # progress against every target the town has, from planning's computation as of the quarter's end
    assert r.targets and all(t["actual_slots"] == 30 for t in r.targets)
    assert {(t["year"], t["level"]) for t in r.targets} >= {(2024, "baseline")}


def test_an_approved_report_does_not_change_when_the_registry_changes_but_the_live_figure_does(
    town1_report, facility_a, town1_official, daxing_official, client_as
):
    approved = approve(town1_report, town1_official, daxing_official)
    add_unit(facility_a, "infant", 1, 10)  # ten more slots, recorded today

    approved.refresh_from_db()
    assert approved.slots == 30
    live = selectors.live_figures(approved)
    assert live["slots"] == 40
    slots = next(d for d in selectors.differences(approved) if d.label == "托位数")
    assert (slots.reported, slots.live, slots.delta) == (30, 40, 10)

    page = client_as("daxing_official").get(reverse("reporting:period_report", args=[approved.pk]))
    html = page.content.decode()
    assert 'id="difference-托位数"' in html and "+10" in html


def test_the_database_refuses_to_change_an_approved_report_s_figures(
    town1_report, town1_official, daxing_official
):
    approved = approve(town1_report, town1_official, daxing_official)
    with pytest.raises(DatabaseError), transaction.atomic():
        PeriodReport.objects.filter(pk=approved.pk).update(slots=99)
    with pytest.raises(DatabaseError), transaction.atomic():
        PeriodReport.objects.filter(pk=approved.pk).update(status="draft")
    with pytest.raises(DatabaseError), transaction.atomic():
        PeriodReport.objects.filter(pk=approved.pk).delete()
    assert PeriodReport.objects.get(pk=approved.pk).slots == 30


def test_recompiling_leaves_submitted_and_approved_reports_alone(
    daxing, town1_report, facility_a, town1_official, daxing_official
):
    approve(town1_report, town1_official, daxing_official)
    add_unit(facility_a, "infant", 1, 10)
    services.period_reports_compile(user=daxing_official, district=daxing, year=YEAR, quarter=Q)
    assert PeriodReport.objects.get(pk=town1_report.pk).slots == 30


def test_a_correction_is_a_new_revision_with_a_reason_and_the_approved_one_is_kept(
    town1_report, facility_a, town1_official, daxing_official
):
    approved = approve(town1_report, town1_official, daxing_official)
    add_unit(facility_a, "infant", 1, 10)
    with pytest.raises(ServiceError, match="原因"):
        services.period_report_correct(user=town1_official, report=approved, reason=" ")

    corrected = services.period_report_correct(
        user=town1_official, report=approved, reason="甲托育园乳儿班漏报"
    )

    approved.refresh_from_db()
    assert approved.status == "superseded" and approved.slots == 30
    assert (corrected.revision, corrected.supersedes, corrected.slots) == (2, approved, 40)
    assert corrected.status == "draft" and corrected.correction_reason == "甲托育园乳儿班漏报"


def test_the_town_submits_and_the_district_approves_or_returns_with_a_reason(
    town1_report, town1_official, town2_official, daxing_official, operator_a
):
    for user in (town2_official, operator_a):
        with pytest.raises(NotAllowed):
            services.period_report_submit(user=user, report=town1_report)
    submitted = services.period_report_submit(user=town1_official, report=town1_report)
    with pytest.raises(NotAllowed):
        services.period_report_approve(user=town1_official, report=submitted)
    with pytest.raises(ServiceError, match="原因"):
        services.period_report_return(user=daxing_official, report=submitted, reason="")

    returned = services.period_report_return(user=daxing_official, report=submitted, reason="在托人数有误")
    assert returned.status == "returned" and returned.return_reason == "在托人数有误"
    resubmitted = services.period_report_submit(user=town1_official, report=returned)
    assert services.period_report_approve(user=daxing_official, report=resubmitted).status == "approved"


def test_only_closed_quarters_are_compiled(daxing, daxing_official, town1_official):
    with pytest.raises(ServiceError, match="尚未结束"):
        services.period_reports_compile(user=daxing_official, district=daxing, year=2099, quarter=1)
    with pytest.raises(NotAllowed):
        services.period_reports_compile(user=town1_official, district=daxing, year=YEAR, quarter=Q)


def test_the_district_report_compiles_its_towns_approved_reports(
    daxing, town1_report, town1_official, daxing_official, facility_a
):
    with pytest.raises(ServiceError, match="尚未审定"):
        services.district_period_report_compile(user=daxing_official, district=daxing, year=YEAR, quarter=Q)
    for report in PeriodReport.objects.filter(district=daxing, year=YEAR, quarter=Q):
        services.period_report_submit(user=daxing_official, report=report)
        services.period_report_approve(user=daxing_official, report=report)

    district = services.district_period_report_compile(
        user=daxing_official, district=daxing, year=YEAR, quarter=Q
    )

    assert district.town is None
    assert (district.facilities, district.slots, district.enrolled) == (1, 30, 24)
    plan = next(t for t in district.targets if (t["year"], t["level"]) == (2024, "baseline"))
    assert plan["target_slots"] == 4700  # the annex's district total, summed from the towns


def test_town_officials_see_their_own_town_s_reports_only(town1_report, client_as, daxing):
    assert (
        client_as("town1_official")
        .get(reverse("reporting:period_report", args=[town1_report.pk]))
        .status_code
        == 200
    )
    assert (
        client_as("town2_official")
        .get(reverse("reporting:period_report", args=[town1_report.pk]))
        .status_code
        == 404
    )
    assert (
        client_as("operator_a").get(reverse("reporting:period_report", args=[town1_report.pk])).status_code
        == 404
    )


def test_the_list_shows_live_against_as_reported(
    town1_report, facility_a, town1_official, daxing_official, client_as
):
    approve(town1_report, town1_official, daxing_official)
    Facility.objects.filter(pk=facility_a.pk).update(inclusive_slots=10)
    html = (
        client_as("daxing_official")
        .get(reverse("reporting:period_reports") + "?year=2025&quarter=2")
        .content.decode()
    )
    assert "普惠托位数" in html and "-10" in html

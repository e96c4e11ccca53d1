"""Monthly enrolment reports: who files them, what they feed (utilisation, the facility's 在托人数, the
directory's vacancies), and which reports are late or missing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import NotAllowed, ServiceError
from facilities.models import Facility
from reporting import selectors, services
from reporting.models import EnrolmentReport
from tests.factories import add_unit, filed_facility
from tests.reporting.conftest import JUNE, line

pytestmark = pytest.mark.django_db


def test_enrolment_reports_drive_utilisation_per_facility_town_and_district(
    daxing, town1, town2, facility_a, facility_b, operator_a, operator_b, report_month
):
    # A and B each have 30 approved slots (two toddler classes of 15).
    report_month(operator_a, facility_a, enrolled=24, attendance="20", vacant=6)
    report_month(operator_b, facility_b, enrolled=15, attendance="12", vacant=15)

    use = selectors.utilisation(daxing, start=JUNE, end=datetime.date(2025, 6, 30))

    by_facility = {row.pk: row for row in use.facilities}
    assert by_facility[facility_a.pk].utilisation == Decimal("0.8")
    assert by_facility[facility_b.pk].utilisation == Decimal("0.5")
    assert use.town(town1.code).enrolled == 24
    assert use.town(town1.code).utilisation == Decimal("0.8")
    assert use.total.enrolled == 39
    assert use.total.utilisation == Decimal(39) / Decimal(60)


def test_a_facility_that_has_not_reported_counts_as_missing_not_as_empty(
    daxing, town1, facility_a, operator_a, report_month
):
    silent = filed_facility(town1, "未报送托育园")
    report_month(operator_a, facility_a, enrolled=15)

    use = selectors.utilisation(daxing, start=JUNE, end=datetime.date(2025, 6, 30))

    town = use.town(town1.code)
    assert (town.facilities, town.reporting, town.missing) == (2, 1, 1)
    assert town.slots == facility_a.total_slots + silent.total_slots
    assert town.utilisation == Decimal("0.5")  # 15 of A's 30 slots; the silent facility is not counted as 0


def test_the_facility_s_enrolled_children_is_its_latest_report(facility_a, operator_a, report_month):
    report_month(operator_a, facility_a, month=datetime.date(2025, 5, 1), enrolled=20)
    report_month(operator_a, facility_a, month=JUNE, enrolled=27, vacant=3)
    report_month(operator_a, facility_a, month=datetime.date(2025, 4, 1), enrolled=10)  # a late April one

    facility_a.refresh_from_db()
    assert facility_a.enrolled_children == 27


def test_a_report_has_one_line_per_class_type_and_totals_them(facility_a, operator_a):
    add_unit(facility_a, "infant", 1, 10)
    report = services.enrolment_report_save(
        user=operator_a,
        facility=facility_a,
        month=JUNE,
        lines=[line("toddler", 25, "22", 5), line("infant", 8, "7.5", 2)],
    )
    assert (report.enrolled, report.average_attendance, report.vacant_places) == (33, Decimal("29.5"), 7)
    assert report.lines.count() == 2


def test_correcting_a_report_keeps_its_first_submission_time_and_checks_the_version(
    facility_a, operator_a, report_month
):
    first = report_month(operator_a, facility_a, enrolled=20)
    corrected = services.enrolment_report_save(
        user=operator_a, facility=facility_a, month=JUNE, lines=[line(enrolled=22)], version=first.version
    )
    assert corrected.pk == first.pk and corrected.submitted_at == first.submitted_at
    assert corrected.enrolled == 22
    with pytest.raises(ServiceError):  # a second correction based on the first version is stale
        services.enrolment_report_save(
            user=operator_a, facility=facility_a, month=JUNE, lines=[line(enrolled=1)], version=first.version
        )
    assert EnrolmentReport.objects.get(pk=first.pk).enrolled == 22


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "至少"),
        ([{"enrolled": 5, "attendance": "6"}], "出勤"),
        ([{}, {}], "每种班型"),
    ],
)
def test_bad_reports_are_refused_and_write_nothing(facility_a, operator_a, lines, message):
    with pytest.raises(ServiceError, match=message):
        services.enrolment_report_save(
            user=operator_a, facility=facility_a, month=JUNE, lines=[line(**given) for given in lines]
        )
    assert not EnrolmentReport.objects.exists()


def test_future_months_and_facilities_not_operating_are_refused(town1, facility_a, operator_a):
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
    with pytest.raises(ServiceError, match="未来"):
        services.enrolment_report_save(user=operator_a, facility=facility_a, month=next_month, lines=[line()])
    Facility.objects.filter(pk=facility_a.pk).update(operating_status=Facility.OperatingStatus.SUSPENDED)
    facility_a.refresh_from_db()
    with pytest.raises(ServiceError, match="运营中"):
        services.enrolment_report_save(user=operator_a, facility=facility_a, month=JUNE, lines=[line()])


def test_only_the_facility_s_operator_and_its_district_official_file_its_reports(
    facility_a, operator_b, town1_official, yubei_official, daxing_official, report_month
):
    for user in (operator_b, town1_official, yubei_official):
        with pytest.raises(NotAllowed):
            report_month(user, facility_a)
    assert report_month(daxing_official, facility_a).enrolled == 24


def test_late_and_missing_reports_are_flagged_against_the_district_s_due_day(
    daxing, town1, facility_a, facility_b, operator_a, daxing_official, report_month
):
    services.reporting_setting_set(user=daxing_official, district=daxing, due_day=5)
    report = report_month(operator_a, facility_a)
    EnrolmentReport.objects.filter(pk=report.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime(2025, 7, 6, 9))
    )

    status = selectors.reporting_status(daxing, JUNE, today=datetime.date(2025, 7, 20))

    states = {row.facility.pk: row.state for row in status.rows}
    assert status.due == datetime.date(2025, 7, 5)
    assert states == {facility_a.pk: "late", facility_b.pk: "missing"}
    before_due = selectors.reporting_status(daxing, JUNE, today=datetime.date(2025, 7, 3))
    assert {row.state for row in before_due.rows if row.report is None} == {"not_due"}


def test_only_the_district_official_sets_the_due_day(daxing, town1_official, operator_a, daxing_official):
    for user in (town1_official, operator_a):
        with pytest.raises(NotAllowed):
            services.reporting_setting_set(user=user, district=daxing, due_day=5)
    with pytest.raises(ServiceError, match="28"):
        services.reporting_setting_set(user=daxing_official, district=daxing, due_day=31)
    assert selectors.due_day_for(daxing) == (10, True)


def test_the_directory_gets_recent_vacancies_of_listed_facilities_only(
    town1, facility_a, operator_a, daxing_official
):
    draft = filed_facility(town1, "草稿托育园", filed=False)
    today = timezone.localdate()
    services.enrolment_report_save(
        user=operator_a, facility=facility_a, month=today, lines=[line(enrolled=25, vacant=5)]
    )
    found = selectors.vacancies([facility_a.pk, draft.pk])
    assert set(found) == {facility_a.pk}
    assert found[facility_a.pk].vacant_places == 5


def test_the_fill_page_saves_a_report_and_the_list_shows_it(client_as, facility_a):
    client = client_as("operator_a")
    url = reverse("reporting:enrolment_fill", args=[facility_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "month": "2025-06",
            "toddler-enrolled": "24",
            "toddler-average_attendance": "21.5",
            "toddler-vacant_places": "6",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    report = EnrolmentReport.objects.get(facility=facility_a)
    assert report.enrolled == 24
    page = client.get(reverse("reporting:enrolment_reports")).content.decode()
    assert facility_a.name in page


def test_the_fill_page_refuses_bad_input_with_a_message_and_saves_nothing(client_as, facility_a):
    client = client_as("operator_a")
    url = reverse("reporting:enrolment_fill", args=[facility_a.pk])
    response = client.post(
        url,
        {
            "month": "2025-06",
            "toddler-enrolled": "5",
            "toddler-average_attendance": "9",
            "toddler-vacant_places": "0",
        },
    )
    assert response.status_code == 200
    assert "平均出勤人数不能超过在托人数" in response.content.decode()
    assert not EnrolmentReport.objects.exists()

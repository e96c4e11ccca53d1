"""The caregiver-ratio check judges the children actually enrolled: per class type of the facility's latest
monthly enrolment report, ⌈enrolled ÷ national ratio⌉ caregivers; without a report, the declared classes
(班数 × 每班人数). The flag says which basis it used, wherever it is shown."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilities import selectors
from facilities.models import ClassTypeRule, Facility
from reporting import services as reporting
from reporting.services import LineInput
from tests.factories import add_staff, filed_facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def facility_a(town1):
    """Operating (reports are filed only by operating facilities): two toddler classes of 15."""
    return filed_facility(town1, "甲托育园")


@pytest.fixture
def facility_b(town2):
    return filed_facility(town2, "乙托育园")


def client_for(client, user):
    client.force_login(user)
    return client


MAY = datetime.date(2025, 5, 1)
JUNE = datetime.date(2025, 6, 1)


def report(user, facility, month=JUNE, **enrolled_by_type):
    """A monthly report with `enrolled` children per class type code (attendance and vacancies plausible)."""
    lines = [
        LineInput(
            class_type=ClassTypeRule.objects.get(code=code),
            enrolled=n,
            average_attendance=Decimal(n),
            vacant_places=0,
        )
        for code, n in enrolled_by_type.items()
    ]
    return reporting.enrolment_report_save(user=user, facility=facility, month=month, lines=lines)


def checked(facility):
    return selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get()


def understaffed_label(facility):
    return dict(selectors.flags_of(checked(facility))).get("understaffed")


class TestWithoutAReport:
    def test_the_declared_classes_are_the_basis_and_the_flag_says_so(self, facility_a):
        add_staff(facility_a, n=5)  # two toddler classes of 15 at 1:5 ask for 2 × 3 = 6

        facility = checked(facility_a)

        assert facility.ratio_report_month is None
        assert (facility.caregivers_active, facility.caregivers_required) == (5, 6)
        assert facility.flag_understaffed
        assert understaffed_label(facility_a) == "保育人员不足（按申报数）"


class TestWithAReport:
    def test_a_report_over_the_ratio_raises_the_flag_naming_the_report_month(self, facility_a, operator_a):
        add_staff(facility_a, n=6)  # enough for the declared classes
        report(operator_a, facility_a, toddler=30, infant=4)  # ⌈30/5⌉ + ⌈4/3⌉ = 6 + 2 = 8

        facility = checked(facility_a)

        assert facility.ratio_report_month == JUNE
        assert (facility.caregivers_active, facility.caregivers_required) == (6, 8)
        assert facility.flag_understaffed
        assert understaffed_label(facility_a) == "保育人员不足（按 2025-06 在托月报）"

    def test_fewer_children_enrolled_than_declared_need_fewer_caregivers(self, facility_a, operator_a):
        add_staff(facility_a, n=4)  # short of the declared 6
        report(operator_a, facility_a, toddler=18)  # ⌈18/5⌉ = 4

        facility = checked(facility_a)

        assert facility.caregivers_required == 4
        assert not facility.flag_understaffed
        assert understaffed_label(facility_a) is None

    def test_only_the_latest_report_counts(self, facility_a, operator_a):
        add_staff(facility_a, n=4)
        report(operator_a, facility_a, month=JUNE, toddler=20)  # ⌈20/5⌉ = 4
        report(operator_a, facility_a, month=MAY, toddler=30)  # filed late, but an older month

        assert checked(facility_a).caregivers_required == 4
        assert not checked(facility_a).flag_understaffed

    def test_each_class_type_takes_its_own_national_ratio(self, facility_a, operator_a):
        add_staff(facility_a, n=5)
        report(operator_a, facility_a, older=14, infant=7)  # ⌈14/7⌉ + ⌈7/3⌉ = 2 + 3 = 5

        assert checked(facility_a).caregivers_required == 5
        assert not checked(facility_a).flag_understaffed

    def test_the_filter_uses_the_same_basis(self, facility_a, facility_b, operator_a):
        add_staff(facility_a, n=4)
        add_staff(facility_b, n=4)
        report(operator_a, facility_a, toddler=18)  # A is fine by its report; B is short by its declaration

        flagged = selectors.filter_by_flag(Facility.objects.all(), "understaffed")

        assert list(flagged.values_list("name", flat=True)) == [facility_b.name]


class TestWhereTheFlagIsShown:
    def test_the_facility_page_names_the_report(self, facility_a, operator_a, daxing_official, client):
        report(operator_a, facility_a, toddler=30, infant=4)

        page = client_for(client, daxing_official).get(reverse("registry:detail", args=[facility_a.pk]))

        text = page.content.decode()
        assert "保育人员不足（按 2025-06 在托月报）" in text
        assert "按国家配比应不少于 8 名" in text

    def test_the_review_queue_shows_the_flag_with_its_basis(self, facility_b, daxing_official, client):
        Facility.objects.filter(pk=facility_b.pk).update(
            filing_status=Facility.FilingStatus.SUBMITTED, submitted_at=timezone.now()
        )

        page = client_for(client, daxing_official).get(reverse("registry:reviews")).content.decode()

        assert "保育人员不足（按申报数）" in page  # no staff for two toddler classes, no report

    def test_the_api_label_names_the_basis(self, facility_a, api_client, reader_secret, client):
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {reader_secret}"
        rows = client.get("/api/v1/facilities/").json()["results"]

        flags = {row["id"]: row["flags"] for row in rows}[facility_a.pk]
        assert {"code": "understaffed", "label": "保育人员不足（按申报数）"} in flags

    def test_the_registry_list_reads_no_query_per_facility_with_reports(
        self, town1, facility_a, operator_a, daxing_official, client
    ):
        client = client_for(client, daxing_official)
        report(operator_a, facility_a, toddler=30)
        with CaptureQueriesContext(connection) as one:
            assert client.get(reverse("registry:list")).status_code == 200
        for i in range(3):
            report(daxing_official, filed_facility(town1, f"丙托育园{i}"), toddler=26 + i)
        with CaptureQueriesContext(connection) as four:
            page = client.get(reverse("registry:list"))
        # 4 facilities, 26+ toddlers each and no staff: each flagged on its report (table and phone cards)
        assert page.content.decode().count("保育人员不足（按 2025-06 在托月报）") == 2 * 4
        assert len(four) == len(one)

"""A subsidy paid per child and month (元/人/月) is checked against the facility's monthly enrolment reports:
for each month of the claim period the reviewer sees the report's figure (children enrolled, or the average
attendance when the program pays on attendance), a month without a report is shown as missing and counts
nothing, the amount the reports support is computed at the application's own rate, and a claim above it
is flagged with a one-click reduction to that amount."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from facilities.models import ClassTypeRule
from reporting import services as reporting
from reporting.services import LineInput
from subsidies import selectors
from subsidies.models import Application, Program
from tests.factories import ApplicationFactory, ProgramFactory

pytestmark = pytest.mark.django_db

SEPTEMBER, OCTOBER, NOVEMBER = (
    datetime.date(2026, 9, 1),
    datetime.date(2026, 10, 1),
    datetime.date(2026, 11, 1),
)


def report(user, facility, month, enrolled, attendance):
    return reporting.enrolment_report_save(
        user=user,
        facility=facility,
        month=month,
        lines=[LineInput(ClassTypeRule.objects.get(code="toddler"), enrolled, Decimal(attendance), 0)],
    )


def per_child_program(daxing, fund, **extra):
    return ProgramFactory(
        district=daxing,
        fund=fund,
        year=2026,
        kind="operating",
        name="按人数运营补助（测试）",
        basis="per_child_month",
        rate=Decimal("100.00"),
        **extra,
    )


def claim(users, facility, program, children=20, months=3):
    """`children` × `months` for September–November 2026 at 100 元/人/月."""
    return ApplicationFactory(
        user=users["operator_a"],
        facility=facility,
        program=program,
        area_m2=None,
        children=children,
        months=months,
        period_start=SEPTEMBER,
        period_end=datetime.date(2026, 11, 30),
    )


@pytest.fixture
def program(daxing, fund):
    return per_child_program(daxing, fund)


@pytest.fixture
def over_claim(users, facility_a, program):
    """20 children × 3 months (6,000 元) claimed; the reports say 18 in September, 22 in October and
    nothing for November."""
    report(users["operator_a"], facility_a, SEPTEMBER, 18, "16")
    report(users["operator_a"], facility_a, OCTOBER, 22, "19.5")
    return claim(users, facility_a, program)


def line_of(check, key):
    return {line.key: line for line in check.lines}.get(key)


class TestTheReportsOfEachMonth:
    def test_each_month_shows_its_report_and_a_missing_month_stays_missing(self, over_claim):
        reported = selectors.reported_claim(over_claim)

        assert [(m.month, m.reported, m.counted) for m in reported.months] == [
            (SEPTEMBER, 18, 18),
            (OCTOBER, 22, 20),  # never more than the children claimed
            (NOVEMBER, None, 0),  # no report: missing, not filled in
        ]
        assert reported.missing == [NOVEMBER]
        assert reported.figure_label == "在托人数"

    def test_a_claim_above_the_reports_is_flagged_with_the_amount_they_support(self, over_claim):
        check = selectors.registry_check(over_claim)
        line = line_of(check, "reported_months")

        assert over_claim.proposed_amount == Decimal("6000.00")
        assert check.reported.supported == Decimal("3800.00")  # (18 + 20 + 0) × 100
        assert (line.claimed, line.registry, line.above) == ("6,000.00", "3,800.00", True)
        assert line.suggested == Decimal("3800.00")
        assert "缺 1 个月" in line.source

    def test_a_claim_the_reports_cover_is_not_flagged(self, users, facility_a, program):
        for month in (SEPTEMBER, OCTOBER, NOVEMBER):
            report(users["operator_a"], facility_a, month, 25, "20")
        application = claim(users, facility_a, program)

        check = selectors.registry_check(application)

        assert check.reported.supported == Decimal("6000.00")
        assert not line_of(check, "reported_months").above

    def test_a_program_paying_on_attendance_takes_the_average_attendance(
        self, users, facility_a, daxing, fund
    ):
        program = per_child_program(daxing, fund, per_child_figure=Program.PerChildFigure.ATTENDANCE)
        report(users["operator_a"], facility_a, SEPTEMBER, 18, "15.5")
        application = claim(users, facility_a, program, children=16, months=1)
        application.refresh_from_db()

        reported = selectors.reported_claim(application)

        assert reported.figure_label == "平均出勤人数"
        september = reported.months[0]
        assert (september.reported, september.counted) == (Decimal("15.5"), Decimal("15.5"))
        assert reported.supported == Decimal("1550.00")  # 15.5 × 100, September only; Oct, Nov missing

    def test_other_rules_are_not_checked_month_by_month(self, users, facility_a, rent_program):
        application = ApplicationFactory(user=users["operator_a"], facility=facility_a, program=rent_program)

        check = selectors.registry_check(application)

        assert check.reported is None
        assert line_of(check, "reported_months") is None


class TestTheDecisionPage:
    def test_the_page_lists_the_months_and_flags_the_claim(self, client_as, over_claim):
        page = client_as("daxing_official").get(reverse("subsidies:decide", args=[over_claim.pk]))

        text = page.content.decode()
        assert 'id="reported-months"' in text
        assert 'id="check-reported_months" class="table-danger"' in text
        assert 'id="month-2026-11" class="table-warning"' in text and "未报送" in text
        assert "3,800.00" in text
        assert 'name="use_registry" value="reported_months"' in text

    def test_one_click_fills_a_reduction_to_the_supported_amount(self, client_as, over_claim):
        client = client_as("daxing_official")
        url = reverse("subsidies:decide", args=[over_claim.pk])

        form = client.post(url, {"use_registry": "reported_months"}).context["form"]

        assert (form.initial["decision"], form.initial["amount"]) == ("reduce", Decimal("3800.00"))
        assert "6,000.00" in form.initial["reason"] and "3,800.00" in form.initial["reason"]
        over_claim.refresh_from_db()
        assert over_claim.status == Application.Status.SUBMITTED  # nothing saved until the reviewer saves

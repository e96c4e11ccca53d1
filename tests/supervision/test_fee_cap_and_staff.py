"""The fee cap (Daxing: ≤ 20% of the previous year's average monthly household disposable income, the income
entered by an official — never assumed) and the district's staff goals."""

import datetime
from decimal import Decimal

import pytest

from facilities.models import Certificate, Facility, StaffMember, TrainingRecord
from facilities.services import NotAllowed, RegistryError
from supervision import selectors, services
from targets.models import PopulationStat
from tests.factories import add_staff, add_unit
from tests.supervision.conftest import filed

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def priced(town1):
    """Three Daxing facilities the cap applies to, and one it does not."""
    return {
        "over": filed(town=town1, name="超限园", is_inclusive=True, monthly_fee=Decimal("2500")),
        "within": filed(
            town=town1, name="合规园", ownership=Facility.Ownership.PUBLIC, monthly_fee=Decimal("1800")
        ),
        "unknown": filed(town=town1, name="未报价园", kind=Facility.Kind.PUBLIC_PRIVATE, monthly_fee=None),
        "private": filed(town=town1, name="民办园", monthly_fee=Decimal("9000")),
    }


def daxing_facilities(daxing):
    return Facility.objects.filter(district=daxing)


def test_without_an_income_figure_no_cap_is_computed(daxing, priced):
    check = selectors.fee_cap_check(daxing, YEAR, daxing_facilities(daxing))
    assert check.share.key == "daxing-fee-cap-income-share"
    assert check.income is None and check.cap is None
    assert "尚未录入" in check.message and "2024" in check.message and "不作假设" in check.message
    statuses = {r.facility.name: r.status for r in check.rows}
    assert statuses == {"超限园": "no_cap", "合规园": "no_cap", "未报价园": "no_fee"}
    assert check.over == []


def test_with_the_income_entered_fees_over_the_cap_are_flagged_with_the_excess(users, daxing, priced):
    services.household_income_set(
        user=users["daxing_official"],
        district=daxing,
        year=YEAR - 1,
        amount=Decimal("10000"),
        source_note="区统计局统计公报（测试数据）",
    )
    check = selectors.fee_cap_check(daxing, YEAR, daxing_facilities(daxing))
    assert check.cap == Decimal("2000.00")
    rows = {r.facility.name: r for r in check.rows}
    assert rows["超限园"].status == "over"
    assert rows["超限园"].excess == Decimal("500.00")
    assert rows["超限园"].excess_share == Decimal("0.25")
    assert rows["合规园"].status == "within" and rows["合规园"].excess is None
    assert rows["未报价园"].status == "no_fee"
    assert "民办园" not in rows  # neither public nor inclusive
    assert [r.facility.name for r in check.over] == ["超限园"]
    assert "2000" in check.message and "10000" in check.message
    # the cap for another year needs that year's previous-year income
    assert selectors.fee_cap_check(daxing, YEAR + 1, daxing_facilities(daxing)).cap is None


def test_a_seeded_population_income_is_used_when_no_official_entry_exists(daxing, priced):
    source = daxing.documents.first()
    PopulationStat.objects.create(
        region=daxing, year=YEAR - 1, avg_monthly_household_disposable_income=Decimal("9000"), source=source
    )
    check = selectors.fee_cap_check(daxing, YEAR, daxing_facilities(daxing))
    assert check.cap == Decimal("1800.00")
    assert str(source) in check.income.source


def test_a_district_without_a_cap_share_says_so(yubei, yubei_facility):
    yubei_facility.is_inclusive = True
    yubei_facility.save()
    check = selectors.fee_cap_check(yubei, YEAR, Facility.objects.filter(district=yubei))
    assert check.share is None and check.cap is None
    assert "未规定收费上限比例" in check.message


@pytest.mark.parametrize("role", ["town1_official", "operator_a", "yubei_official", "api_client"])
def test_only_the_districts_officials_enter_the_income(users, daxing, role):
    with pytest.raises(NotAllowed):
        services.household_income_set(
            user=users[role], district=daxing, year=YEAR - 1, amount=Decimal(1), source_note="x"
        )


def test_the_income_needs_a_source_and_a_positive_amount(users, daxing):
    with pytest.raises(RegistryError) as error:
        services.household_income_set(
            user=users["daxing_official"], district=daxing, year=YEAR - 1, amount=Decimal(0), source_note=" "
        )
    assert set(error.value.errors) == {"amount", "source_note"}


# ---------------------------------------------------------------- staff goals


def test_certificate_rate_against_the_districts_goal(daxing, facility_a, facility_b):
    add_staff(facility_a, n=8, certified=True)
    add_staff(facility_a, n=1)
    add_staff(facility_b, n=1)
    add_staff(facility_b, StaffMember.Role.HEAD, n=1)
    goals = selectors.staff_goals(daxing, daxing_facilities(daxing), YEAR)
    assert goals.indicators.caregivers == 10
    assert goals.indicators.certified_caregivers == 8
    assert goals.certificate_goal.key == "daxing-certificate-rate-goal-2025"
    assert goals.meets_certificate_goal is False
    assert goals.certificate_gap == Decimal(10)
    add_staff(facility_b, n=10, certified=True)
    goals = selectors.staff_goals(daxing, daxing_facilities(daxing), YEAR)
    assert goals.indicators.certificate_rate == Decimal("0.9")
    assert goals.meets_certificate_goal is True  # “90%以上” includes 90 %: 9 of 10 certified meets it
    add_staff(facility_b, n=10, certified=True)
    goals = selectors.staff_goals(daxing, daxing_facilities(daxing), YEAR)
    assert goals.indicators.certificate_rate == Decimal(28) / 30
    assert goals.meets_certificate_goal is True


def test_certificates_other_than_caregiver_ones_do_not_count(daxing, facility_a):
    (member,) = add_staff(facility_a, n=1)
    Certificate.objects.create(staff=member, kind=Certificate.Kind.HEALTH)
    assert selectors.staff_goals(daxing, daxing_facilities(daxing), YEAR).indicators.certified_caregivers == 0


def test_training_coverage_and_trainees_in_the_year(daxing, yubei, facility_a, facility_b, yubei_facility):
    head, caregiver = add_staff(facility_a, StaffMember.Role.HEAD, n=1) + add_staff(facility_a, n=1)
    (other,) = add_staff(facility_b, n=1)
    (yubei_member,) = add_staff(yubei_facility, n=1)
    for member, day in (
        (head, datetime.date(YEAR, 3, 1)),
        (head, datetime.date(YEAR, 9, 1)),  # the same person twice: one trainee
        (caregiver, datetime.date(YEAR - 1, 12, 31)),  # last year
        (yubei_member, datetime.date(YEAR, 5, 1)),  # another district
    ):
        TrainingRecord.objects.create(staff=member, title="岗位培训", completed_on=day)
    goals = selectors.staff_goals(daxing, daxing_facilities(daxing), YEAR)
    assert goals.trainees == 1
    assert goals.indicators.trained_heads_and_caregivers == 2
    assert goals.indicators.heads_and_caregivers == 3
    assert goals.training_goal.key == "daxing-training-coverage-goal-2025"
    assert goals.meets_training_goal is False
    assert goals.trainees_reported is None  # Daxing reports no yearly trainee figure
    assert other.trainings.count() == 0

    yubei_goals = selectors.staff_goals(yubei, Facility.objects.filter(district=yubei), YEAR)
    assert yubei_goals.trainees == 1
    assert yubei_goals.trainees_reported.key == "yubei-trainees-per-year"
    assert yubei_goals.meets_trainees is False
    assert yubei_goals.certificate_goal is None


def test_facilities_without_a_qualifying_health_care_worker(daxing, town1, facility_a, facility_b):
    big = filed(town=town1, name="大园", enrolled_children=160)
    add_unit(big, "older", 8, 20)
    add_staff(big, StaffMember.Role.HEALTH_CARE, n=1, employment=StaffMember.Employment.PART_TIME)
    add_staff(facility_b, StaffMember.Role.HEALTH_CARE, n=1)
    goals = selectors.staff_goals(daxing, daxing_facilities(daxing), YEAR)
    reasons = {f.name: reason for f, reason in goals.without_health_worker}
    assert set(reasons) == {"甲托育园", "大园"}
    assert reasons["甲托育园"] == "无卫生保健人员"
    assert "专职" in reasons["大园"]

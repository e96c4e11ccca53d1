"""The risk + credit rule, case by case: each factor on its own with hand-set weights, the levels, the
matrix, the interval and the next inspection date; then the seeded proposal end to end from the database,
and a district's own weights overriding the proposal."""

import datetime
from decimal import Decimal

import pytest

from core.months import add_months
from facilities.models import Facility
from supervision import grading
from supervision.grading import Facts, GradingRuleMissing, RuleSet, grade
from supervision.models import Complaint, Finding, GradingWeight
from tests.factories import add_unit
from tests.supervision.conftest import days_ago, make_finding, make_inspection

AS_OF = datetime.date(2025, 6, 30)
K = GradingWeight.Key

WEIGHTS = {
    (K.RISK_OPEN_FINDING, "serious"): 30,
    (K.RISK_OPEN_FINDING, "general"): 10,
    (K.RISK_OPEN_FINDING, "minor"): 3,
    (K.RISK_RECENT_FINDING, "serious"): 8,
    (K.RISK_RECENT_FINDING, "general"): 3,
    (K.RISK_RECENT_FINDING, "minor"): 1,
    (K.RISK_RECENT_MONTHS, ""): 24,
    (K.RISK_OVERDUE_FINDING, ""): 10,
    (K.RISK_KIND, "community_point"): 5,
    (K.RISK_LARGE_FROM, ""): 150,
    (K.RISK_LARGE, ""): 10,
    (K.RISK_MEALS, ""): 5,
    (K.RISK_INFANT_CLASS, ""): 5,
    (K.RISK_MEDIUM_FROM, ""): 15,
    (K.RISK_HIGH_FROM, ""): 40,
    (K.CREDIT_START, ""): 100,
    (K.CREDIT_NOT_FILED, ""): 20,
    (K.CREDIT_OVERDUE_FINDING, ""): 10,
    (K.CREDIT_LATE_RECTIFICATION, ""): 5,
    (K.CREDIT_REOPENED, ""): 3,
    (K.CREDIT_COMPLAINT, ""): 10,
    (K.CREDIT_WINDOW_MONTHS, ""): 24,
    (K.CREDIT_DISCLOSURE, "public_phone"): 5,
    (K.CREDIT_DISCLOSURE, "monthly_fee"): 5,
    (K.CREDIT_DISCLOSURE, "filing_number"): 5,
    (K.CREDIT_GOOD_FROM, ""): 90,
    (K.CREDIT_FAIR_FROM, ""): 70,
    (K.INTERVAL_MONTHS, "A"): 12,
    (K.INTERVAL_MONTHS, "B"): 6,
    (K.INTERVAL_MONTHS, "C"): 3,
    (K.INTERVAL_MONTHS, "D"): 1,
}
MATRIX = {
    ("low", "good"): "A",
    ("low", "fair"): "B",
    ("low", "poor"): "C",
    ("medium", "good"): "B",
    ("medium", "fair"): "B",
    ("medium", "poor"): "C",
    ("high", "good"): "C",
    ("high", "fair"): "C",
    ("high", "poor"): "D",
}


def rules(drop=(), **changes) -> RuleSet:
    weights = {k: Decimal(v) for k, v in WEIGHTS.items() if k not in drop}
    for name, value in changes.items():
        key, _sep, subject = name.partition("__")
        weights[(key, subject)] = Decimal(value)
    return RuleSet(None, weights, frozenset(), dict(MATRIX), False)


def facility(**extra) -> Facility:
    values = {
        "pk": 1,
        "name": "测试园",
        "kind": Facility.Kind.PRIVATE,
        "operating_status": Facility.OperatingStatus.OPERATING,
        "filing_status": Facility.FilingStatus.FILED,
        "filing_number": "110115-2025-001",
        "public_phone": "010-1",
        "monthly_fee": Decimal(1500),
        "serves_meals": False,
        "enrolled_children": None,
    }
    values.update(extra)
    total = values.pop("total_slots", 30)
    obj = Facility(**values)
    obj.total_slots = total
    return obj


_next = iter(range(1, 10_000))


def finding(severity="general", status="open", *, found=datetime.date(2025, 5, 1), deadline=None, **extra):
    obj = Finding(
        pk=next(_next),
        severity=severity,
        status=status,
        category="fire_safety",
        description="疏散通道堆放杂物",
        deadline=deadline or datetime.date(2025, 7, 31),
        **extra,
    )
    obj.found_on = found
    return obj


def complaint(substantiated=True, received=datetime.date(2025, 3, 1)):
    return Complaint(pk=next(_next), substantiated=substantiated, received_on=received, summary="收费未公示")


def run(facts=None, ruleset=None, **facility_values):
    facts = facts or Facts(facility=facility(**facility_values))
    return grade(facts, ruleset or rules(), AS_OF)


def facts(*findings, complaints=(), reopenings=(), last=None, infants=False, **facility_values):
    return Facts(
        facility=facility(**facility_values),
        findings=list(findings),
        complaints=list(complaints),
        reopenings=list(reopenings),
        last_inspected_on=last,
        has_infant_class=infants,
    )


# ---------------------------------------------------------------- the clean record


def test_a_clean_record_is_low_risk_good_credit_grade_a():
    result = run(facts(last=datetime.date(2025, 1, 15)))
    assert (result.risk_points, result.risk_level) == (0, "low")
    assert (result.credit_points, result.credit_level) == (100, "good")
    assert result.grade == "A"
    assert result.interval_months == 12
    assert result.next_due == datetime.date(2026, 1, 15)
    assert result.lines == []


def test_never_inspected_is_due_at_once():
    result = run(facts())
    assert result.never_inspected
    assert result.next_due == AS_OF
    assert result.is_due()


# ---------------------------------------------------------------- risk factors one by one


@pytest.mark.parametrize(("severity", "points"), [("serious", 30), ("general", 10), ("minor", 3)])
def test_an_open_finding_adds_its_severity_weight(severity, points):
    result = run(facts(finding(severity)))
    assert result.risk_points == points
    assert [(line.key, line.points) for line in result.risk_lines] == [("risk_open_finding", points)]
    assert result.open_findings == 1 and result.overdue_findings == 0


@pytest.mark.parametrize("status", ["submitted", "reopened"])
def test_submitted_and_reopened_findings_are_still_open(status):
    assert run(facts(finding("serious", status, submitted_on=datetime.date(2025, 6, 1)))).risk_points == 30


def test_an_overdue_finding_adds_the_overdue_weight():
    late = finding("general", deadline=datetime.date(2025, 6, 29))
    result = run(facts(late))
    assert result.risk_points == 10 + 10
    assert result.overdue_findings == 1


def test_the_deadline_day_itself_is_not_overdue():
    assert run(facts(finding("general", deadline=AS_OF))).risk_points == 10


@pytest.mark.parametrize(
    ("found", "points"), [(datetime.date(2023, 7, 1), 8), (datetime.date(2023, 6, 29), 0)]
)
def test_verified_findings_count_only_within_the_recent_window(found, points):
    done = finding("serious", "verified", found=found, deadline=found, verified_on=found, submitted_on=found)
    assert run(facts(done)).risk_points == points


def test_kind_size_meals_and_infant_class():
    assert run(facts(kind=Facility.Kind.COMMUNITY_POINT)).risk_points == 5
    assert run(facts(kind=Facility.Kind.KINDERGARTEN_CLASS)).risk_points == 0  # no row: 0
    assert run(facts(total_slots=150)).risk_points == 10
    assert run(facts(total_slots=149)).risk_points == 0
    assert run(facts(total_slots=200, enrolled_children=100)).risk_points == 0  # enrolled counts first
    assert run(facts(serves_meals=True)).risk_points == 5
    assert run(facts(infants=True)).risk_points == 5


def test_a_zero_size_threshold_switches_the_size_factor_off():
    assert run(facts(total_slots=500), rules(risk_large_from=0)).risk_points == 0


@pytest.mark.parametrize(
    ("points_from", "level"), [(14, "low"), (15, "medium"), (39, "medium"), (40, "high")]
)
def test_risk_levels_at_their_thresholds(points_from, level):
    ruleset = rules(risk_kind__community_point=points_from)
    assert run(facts(kind=Facility.Kind.COMMUNITY_POINT), ruleset).risk_level == level


# ---------------------------------------------------------------- credit factors one by one


def test_operating_without_filing_costs_credit_but_a_planned_facility_does_not():
    unfiled = {"filing_status": Facility.FilingStatus.DRAFT, "filing_number": ""}
    result = run(facts(**unfiled))
    assert result.credit_points == 100 - 20 - 5  # not filed, and no filing number disclosed
    assert {line.key for line in result.credit_lines} == {"credit_not_filed", "credit_disclosure"}
    planned = run(facts(operating_status=Facility.OperatingStatus.PLANNED, **unfiled))
    assert planned.credit_points == 100


def test_suspended_facilities_are_held_to_the_same_record():
    result = run(facts(operating_status=Facility.OperatingStatus.SUSPENDED, public_phone=""))
    assert result.credit_points == 95


def test_overdue_findings_cost_credit():
    result = run(
        facts(finding(deadline=datetime.date(2025, 6, 1)), finding(deadline=datetime.date(2025, 6, 2)))
    )
    assert result.credit_points == 80
    assert [line.key for line in result.credit_lines] == ["credit_overdue_finding"] * 2


def rectified(*, deadline, submitted_on, verified_on, **extra):
    """A verified finding: its rectification was due `deadline`, submitted `submitted_on`."""
    return finding(
        status="verified", deadline=deadline, submitted_on=submitted_on, verified_on=verified_on, **extra
    )


def test_late_rectification_costs_credit_only_when_submitted_after_the_deadline():
    due, verified = datetime.date(2025, 4, 30), datetime.date(2025, 5, 5)
    on_time = rectified(deadline=due, submitted_on=due, verified_on=verified)
    late = rectified(deadline=due, submitted_on=datetime.date(2025, 5, 2), verified_on=verified)
    assert run(facts(on_time)).credit_points == 100
    result = run(facts(late))
    assert result.credit_points == 95
    assert result.credit_lines[0].finding_id == late.pk


def test_late_rectification_outside_the_window_no_longer_counts():
    old = rectified(
        found=datetime.date(2023, 1, 1),
        deadline=datetime.date(2023, 2, 1),
        submitted_on=datetime.date(2023, 3, 1),  # late, but more than the 24-month window ago
        verified_on=datetime.date(2023, 3, 2),
    )
    assert run(facts(old)).credit_points == 100


def test_each_reopening_within_the_window_costs_credit():
    f = finding(status="submitted", submitted_on=datetime.date(2025, 6, 1))
    reopenings = [
        (f.pk, datetime.date(2025, 5, 1)),
        (f.pk, datetime.date(2025, 5, 20)),
        (f.pk, datetime.date(2023, 1, 1)),
    ]
    result = run(facts(f, reopenings=reopenings))
    assert result.credit_points == 94
    assert all(line.finding_id == f.pk for line in result.credit_lines)


@pytest.mark.parametrize(
    ("substantiated", "received", "points"),
    [
        (True, datetime.date(2025, 3, 1), 90),
        (False, datetime.date(2025, 3, 1), 100),
        (None, datetime.date(2025, 3, 1), 100),
        (True, datetime.date(2023, 6, 29), 100),
    ],
)
def test_substantiated_complaints_within_the_window_cost_credit(substantiated, received, points):
    c = complaint(substantiated, received)
    result = run(facts(complaints=[c]))
    assert result.credit_points == points
    if points < 100:
        assert result.credit_lines[0].complaint_id == c.pk


@pytest.mark.parametrize("missing", [{"public_phone": ""}, {"monthly_fee": None}, {"filing_number": ""}])
def test_each_missing_disclosure_item_costs_credit(missing):
    result = run(facts(**missing))
    assert result.credit_points == 95
    assert result.credit_lines[0].subject == next(iter(missing))


def test_credit_never_goes_below_zero():
    many = [complaint() for _ in range(15)]
    assert run(facts(complaints=many)).credit_points == 0


@pytest.mark.parametrize(("complaints", "level"), [(1, "good"), (2, "fair"), (3, "fair"), (4, "poor")])
def test_credit_levels_at_their_thresholds(complaints, level):
    assert run(facts(complaints=[complaint() for _ in range(complaints)])).credit_level == level


# ---------------------------------------------------------------- combined grade and interval


@pytest.mark.parametrize(
    ("findings", "complaints", "grade_letter", "interval"),
    [
        ([], 0, "A", 12),
        ([], 2, "B", 6),  # low × fair
        ([finding("serious")], 0, "B", 6),  # medium × good
        ([finding("serious")], 4, "C", 3),  # medium × poor
        ([finding("serious", deadline=datetime.date(2025, 6, 1))], 0, "C", 3),  # 40 high × 90 good
        ([finding("serious", deadline=datetime.date(2025, 6, 1))], 3, "D", 1),  # high × 60 poor
    ],
)
def test_the_combined_grade_and_its_interval(findings, complaints, grade_letter, interval):
    last = datetime.date(2025, 5, 31)
    result = run(facts(*findings, complaints=[complaint() for _ in range(complaints)], last=last))
    assert result.grade == grade_letter
    assert result.interval_months == interval
    assert result.next_due == add_months(last, interval)


def test_a_missing_threshold_stops_the_grading_with_a_message():
    with pytest.raises(GradingRuleMissing, match="风险分达到此值为高风险"):
        run(facts(), rules(drop={(K.RISK_HIGH_FROM, "")}))
    with pytest.raises(GradingRuleMissing, match="建议检查间隔"):
        run(facts(), rules(drop={(K.INTERVAL_MONTHS, "A")}))


def test_a_missing_point_weight_counts_zero():
    assert run(facts(serves_meals=True), rules(drop={(K.RISK_MEALS, "")})).risk_points == 0


def test_a_missing_matrix_cell_stops_the_grading():
    ruleset = rules()
    del ruleset.matrix[("low", "good")]
    with pytest.raises(GradingRuleMissing, match="分级矩阵"):
        run(facts(), ruleset)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2025, 1, 31), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 11, 15), 3, datetime.date(2026, 2, 15)),
        (datetime.date(2025, 3, 31), -24, datetime.date(2023, 3, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


# ---------------------------------------------------------------- from the database, with the seeded proposal


@pytest.mark.django_db
def test_the_seeded_proposal_grades_a_facility_from_its_records(users, facility_a, today):
    official = users["daxing_official"]
    inspection = make_inspection(official, [facility_a], on=days_ago(40))
    make_finding(official, inspection, facility_a, severity="serious", deadline=days_ago(10))
    add_unit(facility_a, "infant", 1, 6)
    Complaint.objects.create(
        facility=facility_a, received_on=days_ago(20), summary="x", substantiated=True, recorded_by=official
    )
    result = grading.grade_one(facility_a, today)
    assert result.risk_points == 30 + 10 + 5  # open serious, overdue, infant class
    assert result.risk_level == "high"
    assert result.credit_points == 100 - 10 - 10  # overdue, complaint
    assert result.credit_level == "fair"
    assert result.grade == "C"
    assert result.interval_months == 3
    assert result.last_inspected_on == days_ago(40)
    assert result.rules.uses_proposal


@pytest.mark.django_db
def test_a_districts_own_weights_override_the_proposal(users, facility_a, yubei_facility, today):
    from supervision import services

    daxing = facility_a.district

    def set_daxing_weight(user, key, subject, value):
        return services.grading_weight_set(
            user=user, district=daxing, key=key, subject=subject, value=Decimal(value)
        )

    set_daxing_weight(users["daxing_official"], "credit_disclosure", "public_phone", 30)
    facility_a.public_phone = ""
    facility_a.save()
    yubei_facility.public_phone = ""
    yubei_facility.save()
    mine = grading.grade_one(facility_a, today)
    assert mine.credit_points == 70
    assert mine.credit_lines[0].own_weight
    assert grading.grade_one(yubei_facility, today).credit_points == 95  # Yubei keeps the proposal
    with pytest.raises(services.NotAllowed):
        set_daxing_weight(users["yubei_official"], "credit_start", "", 1)


@pytest.mark.django_db
def test_grading_many_facilities_takes_a_fixed_number_of_queries(
    users, facility_a, facility_b, today, django_assert_max_num_queries
):
    official = users["daxing_official"]
    inspection = make_inspection(official, [facility_a, facility_b])
    make_finding(official, inspection, facility_a)
    make_finding(official, inspection, facility_b, severity="serious")
    with django_assert_max_num_queries(9):
        results = grading.grade_all(Facility.objects.filter(pk__in=[facility_a.pk, facility_b.pk]), today)
    assert {r.facility.name: r.grade for r in results} == {"甲托育园": "A", "乙托育园": "B"}

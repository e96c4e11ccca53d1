"""Findings keep their history and evaluation frameworks have editions (issue 17, items 6 and 7):

- every deadline a finding was given stays, and lateness is measured against the deadline in force when the
  answer was due, so reopening with a new deadline keeps the original lateness;
- historic inspections and findings are entered with their real dates, marked as entered after the fact,
  and scored by those dates;
- a facility's grade is kept per month with its reasons, and the operator sees it;
- a published framework edition is frozen, a new edition is drafted from it, and an assessment keeps the
  score it was given whatever later editions bring.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from facilities.services import NotAllowed, RegistryError
from supervision import grading, selectors, services
from supervision.grading import answer_rounds
from supervision.models import (
    EvaluationDimension,
    EvaluationFramework,
    EvaluationItem,
    Finding,
    FindingAction,
    FindingDeadline,
    GradeRecord,
    Inspection,
)
from supervision.services import ScoreInput
from tests.factories import UserFactory, days_ago
from tests.supervision.conftest import evaluate, make_finding, make_inspection

pytestmark = pytest.mark.django_db

D = datetime.date
LATE = "credit_late_rectification"


def late_lines(result):
    return [line for line in result.credit_lines if line.key == LATE]


# ---------------------------------------------------------------- rounds and the deadline they were due by


def test_an_answer_after_the_deadline_is_late_by_the_days_past_it():
    (only,) = answer_rounds([(D(2026, 10, 1), D(2026, 11, 15))], [D(2026, 12, 3)], [], D(2026, 12, 31))
    assert (only.due, only.late_days) == (D(2026, 11, 15), 18)


def test_reopening_with_a_new_deadline_keeps_the_first_rounds_lateness():
    # Yubei's case: due 2026-11-15, answered 18 days late, sent back with a new deadline of 2026-12-10.
    deadlines = [(D(2026, 10, 1), D(2026, 11, 15)), (D(2026, 12, 5), D(2026, 12, 10))]
    first, second = answer_rounds(
        deadlines, [D(2026, 12, 3), D(2026, 12, 9)], [D(2026, 12, 5)], D(2026, 12, 31)
    )
    assert (first.due, first.late_days) == (D(2026, 11, 15), 18)
    assert (second.due, second.late_days) == (D(2026, 12, 10), 0)


def test_an_extension_granted_before_the_deadline_passed_moves_it():
    deadlines = [(D(2026, 10, 1), D(2026, 11, 15)), (D(2026, 11, 10), D(2026, 11, 30))]
    (only,) = answer_rounds(deadlines, [D(2026, 11, 25)], [], D(2026, 12, 31))
    assert (only.due, only.late_days) == (D(2026, 11, 30), 0)


def test_a_deadline_set_after_the_deadline_had_passed_does_not_make_the_answer_on_time():
    deadlines = [(D(2026, 10, 1), D(2026, 11, 15)), (D(2026, 11, 20), D(2026, 12, 31))]
    (only,) = answer_rounds(deadlines, [D(2026, 11, 25)], [], D(2026, 12, 31))
    assert (only.due, only.late_days) == (D(2026, 11, 15), 10)


def test_an_unanswered_round_is_overdue_after_its_due_date_only():
    (pending,) = answer_rounds([(None, D(2026, 11, 15))], [], [], D(2026, 11, 15))
    assert not pending.overdue_on(D(2026, 11, 15))
    assert pending.overdue_on(D(2026, 11, 16))


# ---------------------------------------------------------------- the workflow keeps every deadline


def test_reopening_keeps_the_original_lateness_in_the_grade(users, facility_a, operator_a, today):
    official = users["daxing_official"]
    inspection = make_inspection(official, [facility_a], on=days_ago(60))
    finding = make_finding(official, inspection, facility_a, deadline=days_ago(18))
    services.finding_answer(user=operator_a, finding=finding, note="已清理疏散通道")  # 18 days late
    services.finding_reopen(user=official, finding=finding, note="仍有杂物", deadline=days_ago(-7))
    services.finding_answer(user=operator_a, finding=finding, note="再次清理")  # on time
    services.finding_verify(user=official, finding=finding)

    finding.refresh_from_db()
    assert finding.deadline == days_ago(-7)  # the current deadline …
    assert list(finding.deadlines.values_list("deadline", "kind")) == [  # … and every earlier one
        (days_ago(18), FindingDeadline.Kind.INITIAL),
        (days_ago(-7), FindingDeadline.Kind.REOPENED),
    ]
    result = grading.grade_one(facility_a, today)
    (line,) = late_lines(result)
    assert line.finding_id == finding.pk
    assert "逾期 18 天" in line.detail
    timeline = selectors.finding_timeline(finding, today)
    assert [r.late_days for r in timeline.rounds] == [18, 0]


def test_the_deadline_history_cannot_be_rewritten(users, facility_a):
    official = users["daxing_official"]
    finding = make_finding(official, make_inspection(official, [facility_a]), facility_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        FindingDeadline.objects.filter(finding=finding).update(deadline=days_ago(-90))


def test_an_extension_is_added_to_the_history(users, facility_a):
    official = users["daxing_official"]
    finding = make_finding(official, make_inspection(official, [facility_a]), facility_a)
    services.finding_set_deadline(user=official, finding=finding, deadline=days_ago(-60), note="设备采购周期")
    assert finding.deadlines.count() == 2
    assert finding.deadlines.last().kind == FindingDeadline.Kind.EXTENDED


# ---------------------------------------------------------------- historic records with their real dates


@pytest.fixture
def historic(users, facility_a):
    official = users["daxing_official"]
    return services.inspection_create(
        user=official,
        district=facility_a.district,
        inspected_on=days_ago(200),
        kind="joint",
        facilities=[facility_a],
        backfilled=True,
        title="2025年联合检查（补录）",
    )


def backfill(user, inspection, facility, **dates):
    return services.finding_backfill(
        user=user,
        inspection=inspection,
        facility=facility,
        category="fire_safety",
        severity="general",
        description="灭火器过期",
        **dates,
    )


def test_a_historic_finding_is_scored_by_its_own_dates(users, facility_a, historic, today):
    official = users["daxing_official"]
    on_time = backfill(
        official,
        historic,
        facility_a,
        deadline=days_ago(170),
        answered_on=days_ago(175),
        verified_on=days_ago(168),
    )
    late = backfill(
        official,
        historic,
        facility_a,
        deadline=days_ago(170),
        answered_on=days_ago(160),
        verified_on=days_ago(150),
    )
    assert on_time.backfilled and on_time.status == Finding.Status.VERIFIED
    assert on_time.submitted_on == days_ago(175)
    steps = list(on_time.actions.values_list("action", "happened_on"))
    assert steps == [
        (FindingAction.Action.CREATED, days_ago(200)),
        (FindingAction.Action.SUBMITTED, days_ago(175)),
        (FindingAction.Action.VERIFIED, days_ago(168)),
    ]
    result = grading.grade_one(facility_a, today)
    (line,) = late_lines(result)  # only the one answered after its deadline, by 10 days
    assert line.finding_id == late.pk and "逾期 10 天" in line.detail
    assert result.overdue_findings == 0


def test_a_historic_finding_left_open_is_overdue_from_its_old_deadline(users, facility_a, historic, today):
    backfill(users["daxing_official"], historic, facility_a, deadline=days_ago(170))
    assert grading.grade_one(facility_a, today).overdue_findings == 1


# Days before today, turned into dates inside the test: parametrize values are made at collection time,
# and a run that crosses midnight would otherwise see "tomorrow" become today.
@pytest.mark.parametrize(
    ("offsets", "field"),
    [
        ({"deadline": 210}, "deadline"),  # before the inspection
        ({"deadline": 170, "answered_on": -1}, "answered_on"),  # in the future
        ({"deadline": 170, "verified_on": 160}, "verified_on"),  # never answered
        ({"deadline": 170, "answered_on": 160, "verified_on": 165}, "verified_on"),
    ],
)
def test_impossible_historic_dates_are_refused(users, facility_a, historic, offsets, field):
    dates = {name: days_ago(n) for name, n in offsets.items()}
    with pytest.raises(RegistryError) as refused:
        backfill(users["daxing_official"], historic, facility_a, **dates)
    assert field in refused.value.errors
    assert not Finding.objects.filter(inspection=historic).exists()


def test_only_a_backfilled_inspection_takes_historic_findings_and_only_from_its_officials(
    users, facility_a, historic, operator_a
):
    official = users["daxing_official"]
    with pytest.raises(RegistryError):
        backfill(official, make_inspection(official, [facility_a]), facility_a, deadline=days_ago(1))
    for outsider in (operator_a, users["yubei_official"], users["town1_official"]):
        with pytest.raises(NotAllowed):
            backfill(outsider, historic, facility_a, deadline=days_ago(170))


def test_an_official_marks_an_inspection_as_entered_after_the_fact_on_its_page(client_as, facility_a):
    client = client_as("daxing_official")
    assert 'name="backfilled"' in client.get("/supervision/inspections/new/").content.decode()
    data = {
        "district": facility_a.district_id,
        "inspected_on": "2025-04-15",
        "kind": "joint",
        "title": "2025年春季联合检查（补录）",
        "facilities": [facility_a.pk],
        "backfilled": "on",
        "team-TOTAL_FORMS": "0",
        "team-INITIAL_FORMS": "0",
        "team-MIN_NUM_FORMS": "0",
        "team-MAX_NUM_FORMS": "40",
    }
    response = client.post("/supervision/inspections/new/", data)
    assert response.status_code == 302
    inspection = Inspection.objects.get(title="2025年春季联合检查（补录）")
    assert inspection.backfilled
    page = client.get(f"/supervision/inspections/{inspection.pk}/").content.decode()
    assert 'id="backfilled-badge"' in page and "findings/backfill/" in page


def test_the_backfill_page_enters_a_historic_finding(client_as, facility_a, historic):
    client = client_as("daxing_official")
    url = f"/supervision/inspections/{historic.pk}/findings/backfill/"
    assert "按原始记录补录" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "facility": facility_a.pk,
            "category": "fire_safety",
            "severity": "general",
            "description": "灭火器过期",
            "deadline": days_ago(170).isoformat(),
            "answered_on": days_ago(160).isoformat(),
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get(inspection=historic)
    assert finding.backfilled and finding.submitted_on == days_ago(160)
    page = client.get(f"/supervision/findings/{finding.pk}/").content.decode()
    assert "事后补录" in page and "逾期 10 天" in page


# ---------------------------------------------------------------- the grade kept per month


def test_a_months_grade_is_kept_once_with_its_reasons_and_the_operator_sees_it(
    users, facility_a, client_as, today
):
    official = users["daxing_official"]
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    two_months_ago = (last_month - datetime.timedelta(days=1)).replace(day=1)
    services.grade_records_keep(period=two_months_ago, district=facility_a.district, user=official)
    inspection = make_inspection(official, [facility_a], on=two_months_ago)
    make_finding(official, inspection, facility_a, severity="serious", deadline=two_months_ago)
    assert services.grade_records_keep(period=last_month, district=facility_a.district, user=official) >= 1
    assert services.grade_records_keep(period=last_month, district=facility_a.district, user=official) == 0
    record = GradeRecord.objects.get(facility=facility_a, period=last_month)
    assert record.as_of == today.replace(day=1) - datetime.timedelta(days=1)
    assert any(r["key"] == "credit_overdue_finding" for r in record.reasons)

    page = client_as("operator_a").get(f"/supervision/grades/{facility_a.pk}/").content.decode()
    assert 'id="grade-history"' in page
    assert f"{last_month:%Y-%m}" in page and "逾期未整改" in page  # why it changed since the month before


def test_a_month_is_kept_only_after_it_ended_and_by_its_districts_officials(users, facility_a, today):
    with pytest.raises(RegistryError):
        services.grade_records_keep(period=today, district=facility_a.district)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    with pytest.raises(NotAllowed):
        services.grade_records_keep(
            period=last_month, district=facility_a.district, user=users["yubei_official"]
        )


# ---------------------------------------------------------------- framework editions


@pytest.fixture
def superuser_user():
    return UserFactory(is_superuser=True)


@pytest.fixture
def published(superuser_user):
    """A published edition of 100 points: one dimension scored as a whole (60) and one with an item (40)."""
    framework = EvaluationFramework.objects.create(key="edition-test", name="版本测试框架", total_points=100)
    EvaluationDimension.objects.create(framework=framework, code="care", name="照护", points=60, sort_order=1)
    safety = EvaluationDimension.objects.create(
        framework=framework, code="safety", name="安全", points=40, sort_order=2
    )
    EvaluationItem.objects.create(dimension=safety, code="drill", text="应急演练", points=40, sort_order=1)
    return services.framework_publish(user=superuser_user, framework=framework)


def full_marks(framework):
    care = framework.dimensions.get(code="care")
    safety = framework.dimensions.get(code="safety")
    return [ScoreInput(care.pk, None, Decimal(55)), ScoreInput(safety.pk, safety.items.get().pk, Decimal(38))]


def test_an_old_assessment_keeps_its_score_after_a_new_edition(users, facility_a, published, superuser_user):
    old = evaluate(users["daxing_official"], facility_a, published, full_marks(published))
    before = selectors.evaluation_result(old)
    assert (before.total, before.complete) == (Decimal(93), True)

    draft = services.framework_draft_next(user=superuser_user, framework=published)
    assert (draft.edition, draft.status, draft.previous_id) == (2, "draft", published.pk)
    assert (
        draft.dimensions.count() == 2
        and EvaluationItem.objects.filter(dimension__framework=draft).count() == 1
    )
    # The new edition adds an item: the old assessment did not score it, and must not care.
    care = draft.dimensions.get(code="care")
    care.points = Decimal(30)
    care.save()
    EvaluationItem.objects.create(dimension=care, code="meals", text="膳食", points=30, sort_order=1)
    EvaluationItem.objects.create(dimension=care, code="sleep", text="睡眠", points=Decimal(0), sort_order=2)
    draft.total_points = Decimal(70)
    draft.save()
    services.framework_publish(user=superuser_user, framework=draft)

    published.refresh_from_db()
    assert published.status == EvaluationFramework.Status.RETIRED
    old.refresh_from_db()
    after = selectors.evaluation_result(old)
    assert (after.total, after.complete, after.grade_note) == (before.total, True, before.grade_note)
    with pytest.raises(RegistryError):  # new assessments use the published edition
        evaluate(users["daxing_official"], facility_a, published, full_marks(published))


def test_a_published_edition_cannot_be_changed(published):
    dimension = published.dimensions.get(code="care")
    item = EvaluationItem(dimension=dimension, code="extra", text="新增条目", points=10)
    with pytest.raises(ValidationError):
        item.full_clean()
    with pytest.raises(DatabaseError), transaction.atomic():
        item.save()  # the database refuses it too
    with pytest.raises(DatabaseError), transaction.atomic():
        EvaluationDimension.objects.filter(pk=dimension.pk).update(points=Decimal(99))
    with pytest.raises(DatabaseError), transaction.atomic():
        EvaluationFramework.objects.filter(pk=published.pk).update(total_points=Decimal(1))


def test_only_a_superuser_manages_editions(users, published):
    with pytest.raises(NotAllowed):
        services.framework_draft_next(user=users["daxing_official"], framework=published)


def test_the_seeded_frameworks_are_published_first_editions_with_unconfirmed_lines_left_empty():
    national = EvaluationFramework.objects.get(key="ws-t-821-2023")
    assert (national.edition, national.status) == (1, EvaluationFramework.Status.PUBLISHED)
    assert list(national.thresholds.values_list("grade", "min_score")) == [
        ("A", None),
        ("B", None),
        ("C", None),
        ("D", None),
    ]
    assert "未能核实" in national.basis


def test_the_framework_switcher_works_without_inline_script(client_as, facility_a, published):
    client = client_as("daxing_official")
    page = client.get(f"/supervision/facilities/{facility_a.pk}/evaluations/").content.decode()
    assert "onchange" not in page and "data-autosubmit" in page
    assert 'id="framework-switcher"' in page and 'type="submit"' in page
    chosen = client.get(f"/supervision/facilities/{facility_a.pk}/evaluations/?framework={published.pk}")
    assert chosen.context["framework"] == published

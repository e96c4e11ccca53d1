"""Quality evaluation: the grade from scores, grade lines and veto items (a hand-made framework), the seeded
frameworks' honest “no grade” answers, who may assess, and the side-by-side view."""

from decimal import Decimal

import pytest
from django.urls import reverse

from facilities.services import NotAllowed, RegistryError
from supervision import selectors, services
from supervision.models import (
    Evaluation,
    EvaluationDimension,
    EvaluationFramework,
    EvaluationItem,
    GradeThreshold,
)
from supervision.services import ScoreInput
from tests.factories import UserFactory
from tests.supervision.conftest import evaluate

pytestmark = pytest.mark.django_db


def publish(framework):
    return services.framework_publish(user=UserFactory(is_superuser=True), framework=framework)


@pytest.fixture
def framework(draft):
    return publish(draft)


@pytest.fixture
def draft(db):
    """Two dimensions of 50 points: “安全” with a 10-point veto item and a 40-point item, “照护” scored as a
    whole; grade lines A 90, B 75, C 60, D 0."""
    fw = EvaluationFramework.objects.create(key="test-fw", name="测试框架", total_points=100, veto_grade="D")
    safety = EvaluationDimension.objects.create(
        framework=fw, code="safety", name="安全", points=50, sort_order=1
    )
    EvaluationDimension.objects.create(framework=fw, code="care", name="照护", points=50, sort_order=2)
    EvaluationItem.objects.create(
        dimension=safety, code="fire", text="消防验收合格", points=10, is_veto=True, sort_order=1
    )
    EvaluationItem.objects.create(
        dimension=safety, code="drill", text="定期应急演练", points=40, sort_order=2
    )
    for order, (grade, line) in enumerate((("A", 90), ("B", 75), ("C", 60), ("D", 0)), start=1):
        GradeThreshold.objects.create(framework=fw, grade=grade, min_score=line, sort_order=order)
    return fw


def scores(framework, fire=10, drill=40, care=50, failed=False, note=""):
    safety = framework.dimensions.get(code="safety")
    care_dimension = framework.dimensions.get(code="care")
    return [
        ScoreInput(safety.pk, safety.items.get(code="fire").pk, fire, failed),
        ScoreInput(safety.pk, safety.items.get(code="drill").pk, drill),
        ScoreInput(care_dimension.pk, None, care, note=note),
    ]


def assess(user, facility, framework, kind="official", **score_values):
    return evaluate(user, facility, framework, scores(framework, **score_values), kind=kind)


@pytest.mark.parametrize(
    ("values", "total", "grade"),
    [
        ({}, 100, "A"),
        ({"care": 40}, 90, "A"),
        ({"care": 39.5}, Decimal("89.5"), "B"),
        ({"drill": 25}, 85, "B"),
        ({"drill": 10, "care": 40}, 60, "C"),
        ({"drill": 0, "care": 20}, 30, "D"),
    ],
)
def test_the_grade_follows_the_lines(users, facility_a, framework, values, total, grade):
    values = {k: Decimal(str(v)) for k, v in values.items()}
    result = selectors.evaluation_result(assess(users["daxing_official"], facility_a, framework, **values))
    assert result.total == total
    assert result.max_total == 100
    assert result.grade == grade


def test_a_failed_veto_item_decides_the_grade_whatever_the_total(users, facility_a, framework):
    result = selectors.evaluation_result(assess(users["daxing_official"], facility_a, framework, failed=True))
    assert result.total == 100
    assert result.grade == "D"
    assert result.vetoed == ["消防验收合格"]
    assert "否决项未达标" in result.grade_note


def test_without_a_veto_grade_the_result_says_veto_and_gives_no_letter(users, facility_a, draft):
    draft.veto_grade = ""
    draft.save()
    framework = publish(draft)
    result = selectors.evaluation_result(assess(users["daxing_official"], facility_a, framework, failed=True))
    assert result.grade is None
    assert result.grade_note.startswith("一票否决")


def test_unset_grade_lines_give_no_grade(users, facility_a, draft):
    GradeThreshold.objects.filter(framework=draft, grade="B").update(min_score=None)
    framework = publish(draft)
    result = selectors.evaluation_result(assess(users["daxing_official"], facility_a, framework))
    assert result.grade is None
    assert result.grade_note == "未设定等级线"


def test_an_incomplete_scoring_gives_no_grade(users, facility_a, framework):
    safety = framework.dimensions.get(code="safety")
    drill_only = [ScoreInput(safety.pk, safety.items.get(code="drill").pk, Decimal(40))]
    evaluation = evaluate(users["daxing_official"], facility_a, framework, drill_only)
    result = selectors.evaluation_result(evaluation)
    assert not result.complete
    assert result.grade is None and result.grade_note == "评分未完成"


def test_scores_above_the_points_or_outside_the_framework_are_refused(users, facility_a, framework):
    with pytest.raises(RegistryError) as error:
        assess(users["daxing_official"], facility_a, framework, care=Decimal(51))
    assert "超过分值" in error.value.errors["scores"][0]
    other = EvaluationFramework.objects.get(key="ws-t-821-2023")
    foreign = [ScoreInput(other.dimensions.first().pk, None, Decimal(1))]
    with pytest.raises(RegistryError):
        evaluate(users["daxing_official"], facility_a, framework, foreign)
    safety = framework.dimensions.get(code="safety")
    with pytest.raises(RegistryError) as error:
        evaluate(users["daxing_official"], facility_a, framework, [ScoreInput(safety.pk, None, Decimal(1))])
    assert "按条目评分" in error.value.errors["scores"][0]
    assert not Evaluation.objects.exists()


def test_ws_t_821_scored_by_dimension_has_no_grade_lines_yet(users, facility_a):
    framework = EvaluationFramework.objects.get(key="ws-t-821-2023")
    ten_short = [ScoreInput(d.pk, None, d.points - 10) for d in framework.dimensions.all()]
    evaluation = evaluate(users["operator_a"], facility_a, framework, ten_short, kind="self")
    result = selectors.evaluation_result(evaluation)
    assert result.total == 930 and result.max_total == 1000
    assert result.grade is None
    assert result.grade_note == "未设定等级线"


def test_daxing_headings_take_notes_but_no_points(users, facility_a):
    framework = EvaluationFramework.objects.get(key="daxing-quality-2024")
    first = framework.dimensions.order_by("sort_order").first()
    noted = [ScoreInput(first.pk, None, None, note="制度齐全")]
    evaluation = evaluate(users["operator_a"], facility_a, framework, noted, kind="self")
    result = selectors.evaluation_result(evaluation)
    assert result.total is None
    assert result.grade_note == "框架未设分值，不计总分和等级"
    assert result.dimensions[0].note == "制度齐全"
    scored = [ScoreInput(first.pk, None, Decimal(5))]
    with pytest.raises(RegistryError) as error:
        evaluate(users["operator_a"], facility_a, framework, scored, kind="self")
    assert "未设分值" in error.value.errors["scores"][0]


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        ("operator_a", "self", True),
        ("operator_b", "self", False),
        ("daxing_official", "self", False),
        ("superuser", "self", True),
        ("daxing_official", "official", True),
        ("operator_a", "official", False),
        ("town1_official", "official", False),
        ("yubei_official", "official", False),
        ("api_client", "official", False),
    ],
)
def test_who_may_assess(users, facility_a, framework, role, kind, allowed):
    if allowed:
        assert assess(users[role], facility_a, framework, kind=kind).kind == kind
    else:
        with pytest.raises(NotAllowed):
            assess(users[role], facility_a, framework, kind=kind)


def test_self_and_official_side_by_side(users, facility_a, framework):
    assess(users["operator_a"], facility_a, framework, kind="self")
    assess(users["daxing_official"], facility_a, framework, drill=Decimal(30), care=Decimal(45))
    mine, theirs, rows = selectors.side_by_side(facility_a, framework, Evaluation.objects.all())
    assert (mine.grade, theirs.grade) == ("A", "B")
    assert [(r.dimension.name, r.self_score, r.official_score, r.difference) for r in rows] == [
        ("安全", 50, 40, -10),
        ("照护", 50, 45, -5),
    ]


def test_ws_t_821_pages_say_veto_items_and_grade_lines_are_not_configured(client_as, users, facility_a):
    """Nothing of the standard's veto items or A–D lines is seeded (no source text): the pages say so
    rather than implying that no veto item failed."""
    framework = EvaluationFramework.objects.get(key="ws-t-821-2023")
    ten_short = [ScoreInput(d.pk, None, d.points - 10) for d in framework.dimensions.all()]
    evaluation = evaluate(users["operator_a"], facility_a, framework, ten_short, kind="self")
    result = selectors.evaluation_result(evaluation)
    assert not result.veto_configured and not result.grade_lines_set
    assert not framework.dimensions.filter(items__is_veto=True).exists()
    client = client_as("operator_a")
    page = client.get(reverse("supervision:evaluation", args=[evaluation.pk])).content.decode()
    assert "未设定否决项" in page and "未设定等级线" in page
    compare = client.get(
        reverse("supervision:evaluation_compare", args=[facility_a.pk]), {"framework": framework.pk}
    ).content.decode()
    assert 'id="evaluation-unconfigured"' in compare


def test_a_framework_with_veto_items_and_lines_says_nothing_of_the_kind(users, facility_a, framework):
    result = selectors.evaluation_result(assess(users["daxing_official"], facility_a, framework))
    assert result.veto_configured and result.grade_lines_set

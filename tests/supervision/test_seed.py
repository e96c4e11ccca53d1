"""The supervision seed: departments, the grading proposal, both evaluation frameworks exactly as far as the
sources go, the dated event — and nothing invented (no inspections, findings or complaints)."""

from decimal import Decimal

import pytest

from supervision.models import (
    Complaint,
    Department,
    EvaluationFramework,
    Finding,
    GradeMatrixCell,
    GradeThreshold,
    GradingWeight,
    Inspection,
    SupervisionEvent,
)
from supervision.seeding import SeedError, seed_supervision
from supervision.selectors import evaluation_result
from targets.seeding import DEFAULT_FIXTURES_DIR
from tests.core.seed_files import replace_once

pytestmark = pytest.mark.django_db


def test_departments_are_data(seeded):
    assert list(Department.objects.values_list("name", flat=True)) == [
        "卫生健康",
        "消防救援",
        "市场监管",
        "公安",
        "住建",
        "教育",
        "其他",
    ]


def test_the_grading_proposal_is_loaded_and_marked_as_a_proposal(seeded):
    proposal = GradingWeight.objects.filter(district__isnull=True)
    assert proposal.count() == 31
    assert proposal.get(key="risk_open_finding", subject="serious").value == 30
    assert {w.subject: w.value for w in proposal.filter(key="interval_months")} == {
        "A": 12,
        "B": 6,
        "C": 3,
        "D": 1,
    }
    assert all("项目初始建议值" in w.note for w in proposal)
    assert not GradingWeight.objects.filter(district__isnull=False).exists()
    assert GradeMatrixCell.objects.filter(district__isnull=True).count() == 9
    assert GradeMatrixCell.objects.get(district=None, risk_level="high", credit_level="poor").grade == "D"


def test_ws_t_821_has_seven_dimensions_and_1000_points_but_no_invented_content(seeded):
    framework = EvaluationFramework.objects.get(key="ws-t-821-2023")
    points = dict(framework.dimensions.values_list("name", "points"))
    assert points == {
        "办托条件": 100,
        "托育队伍": 140,
        "保育照护": 200,
        "卫生保健": 210,
        "养育支持": 80,
        "安全保障": 200,
        "机构管理": 70,
    }
    assert framework.total_points == 1000 == sum(points.values())
    assert framework.content_status == "条目内容待补充"
    assert not framework.dimensions.filter(items__isnull=False).exists()
    thresholds = GradeThreshold.objects.filter(framework=framework)
    assert [t.grade for t in thresholds] == ["A", "B", "C", "D"]
    assert all(t.min_score is None for t in thresholds)
    assert framework.veto_grade == ""


def test_daxing_headings_have_no_points(seeded):
    framework = EvaluationFramework.objects.get(key="daxing-quality-2024")
    assert list(framework.dimensions.values_list("name", flat=True)) == [
        "机构管理",
        "队伍建设",
        "照护环境",
        "安全保障",
        "卫生保健",
        "与家庭和社区合作",
        "照护活动",
    ]
    assert not framework.dimensions.filter(points__isnull=False).exists()
    assert framework.total_points is None
    assert framework.source.key == "daxing-plan-2024-2025"
    assert not framework.thresholds.exists()


def test_an_empty_framework_evaluation_says_why_there_is_no_grade(seeded):
    framework = EvaluationFramework.objects.get(key="ws-t-821-2023")
    assert evaluation_result(None, framework).grade is None


def test_the_alliance_is_a_dated_event_with_its_source(seeded):
    event = SupervisionEvent.objects.get(key="yubei-medical-childcare-alliance")
    assert event.period_text == "2024年3月"
    assert event.happened_on.isoformat() == "2024-03-01"
    assert event.district.code == "500112"
    assert event.source.key == "yubei-2025-90"
    assert "医育结合联盟" in event.quote


def test_nothing_is_invented(seeded):
    assert not Inspection.objects.exists()
    assert not Finding.objects.exists()
    assert not Complaint.objects.exists()


def test_seeding_again_changes_nothing(seeded):
    report = seed_supervision(DEFAULT_FIXTURES_DIR)
    assert report.created == {}
    assert report.updated == {}
    assert sum(report.unchanged.values()) == 7 + 31 + 9 + 2 + 14 + 4 + 1


def test_an_edited_fixture_updates_in_place(seeded, fixtures):
    grading = fixtures / "supervision_grading.csv"
    replace_once(grading, ",risk_open_finding,serious,30,", ",risk_open_finding,serious,35,")
    report = seed_supervision(fixtures)
    assert report.updated == {"分级评分参数": 1}
    assert GradingWeight.objects.get(
        district=None, key="risk_open_finding", subject="serious"
    ).value == Decimal(35)


@pytest.mark.parametrize(
    ("file", "find", "replace", "message"),
    [
        ("supervision_grading.csv", ",risk_meals,,5,", ",risk_meals,serious,5,", "subject 应留空"),
        ("supervision_grading.csv", ",risk_kind,community_point,", ",risk_kind,nowhere,", "不在可选值中"),
        ("supervision_grading.csv", ",risk_large,,10,", ",risk_large,,-1,", "不能为负数"),
        ("supervision_grading.csv", ",risk_large,,10,", ",risk_large,,十,", "不是数字"),
        ("supervision_grade_matrix.csv", ",high,poor,D,", ",high,poor,E,", "不在可选值中"),
        ("supervision_dimensions.csv", "conditions,办托条件,100,", "conditions,办托条件,101,", "不一致"),
        ("supervision_events.csv", ",yubei-2025-90", ",no-such-doc", "未知来源文件"),
        ("supervision_grading.csv", "\n,risk_meals,", "\n999999,risk_meals,", "未知区县代码"),
    ],
)
def test_a_bad_row_stops_the_run_and_writes_nothing(seeded, fixtures, file, find, replace, message):
    replace_once(fixtures / file, find, replace)
    GradingWeight.objects.filter(district=None, key="risk_kind").update(value=7)
    with pytest.raises(SeedError) as error:
        seed_supervision(fixtures)
    assert message in str(error.value)
    # the problem names the file and line it is about (the dimension sum is the framework row's problem)
    named = "supervision_frameworks.csv" if file == "supervision_dimensions.csv" else file
    assert named in str(error.value)
    assert GradingWeight.objects.get(district=None, key="risk_kind").value == 7

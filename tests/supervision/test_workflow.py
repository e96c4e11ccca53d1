"""Inspections, findings and the rectification workflow through the services: who may do each step, the
states a step needs, the history it leaves, and what counts as overdue."""

import datetime

import pytest

from facilities.services import NotAllowed, RegistryError
from supervision import services
from supervision.models import Finding, FindingAction, Inspection, TeamMember
from tests.supervision.conftest import days_ago, make_finding, make_inspection

pytestmark = pytest.mark.django_db
Status = Finding.Status


@pytest.fixture
def finding_a(users, facility_a, facility_b):
    inspection = make_inspection(users["daxing_official"], [facility_a, facility_b])
    return make_finding(users["daxing_official"], inspection, facility_a, responsible_person="园长")


def actions(finding):
    return list(finding.actions.values_list("action", "actor__username"))


# ---------------------------------------------------------------- inspections


def test_an_official_records_a_joint_inspection(users, facility_a, facility_b):
    inspection = make_inspection(users["daxing_official"], [facility_a, facility_b], title="春季联合检查")
    assert inspection.kind == Inspection.Kind.JOINT
    assert set(inspection.facilities.all()) == {facility_a, facility_b}
    assert sorted(inspection.departments.values_list("name", flat=True)) == ["卫生健康", "消防救援"]
    assert inspection.created_by == users["daxing_official"]


def test_a_part_time_team_visit_needs_its_team(users, facility_a):
    with pytest.raises(RegistryError) as error:
        make_inspection(users["daxing_official"], [facility_a], kind=Inspection.Kind.PART_TIME_TEAM)
    assert "team" in error.value.errors
    team = [
        services.TeamInput("王专家", TeamMember.Role.EXPERT, "区妇幼保健院", True),
        services.TeamInput("李工作人员", TeamMember.Role.LOCAL_STAFF, "兴丰街道"),
        services.TeamInput("张家长", TeamMember.Role.PARENT),
    ]
    visit = make_inspection(
        users["daxing_official"], [facility_a], kind=Inspection.Kind.PART_TIME_TEAM, team=team
    )
    assert list(visit.team.values_list("name", "role", "is_lead")) == [
        ("王专家", "expert", True),
        ("李工作人员", "local_staff", False),
        ("张家长", "parent", False),
    ]


@pytest.mark.parametrize("role", ["yubei_official", "town1_official", "operator_a", "api_client"])
def test_only_the_districts_officials_record_inspections(users, facility_a, role):
    with pytest.raises(NotAllowed):
        make_inspection(users[role], [facility_a])


def test_an_inspection_stays_in_its_district(users, facility_a, yubei_facility):
    with pytest.raises(RegistryError) as error:
        services.inspection_create(
            user=users["superuser"],
            district=facility_a.district,
            inspected_on=days_ago(1),
            kind=Inspection.Kind.ROUTINE,
            facilities=[facility_a, yubei_facility],
        )
    assert "渝北园" in error.value.errors["facilities"][0]


def test_editing_cannot_drop_a_facility_with_findings(users, facility_a, facility_b, finding_a):
    with pytest.raises(RegistryError) as error:
        services.inspection_update(
            user=users["daxing_official"],
            inspection=finding_a.inspection,
            inspected_on=finding_a.inspection.inspected_on,
            kind=Inspection.Kind.JOINT,
            facilities=[facility_b],
        )
    assert "甲托育园" in error.value.errors["facilities"][0]


# ---------------------------------------------------------------- findings


def test_a_finding_is_registered_with_its_history(users, finding_a):
    assert finding_a.status == Status.OPEN
    assert finding_a.responsible_person == "园长"
    assert actions(finding_a) == [("created", "daxing_official")]


def test_a_finding_must_belong_to_a_visited_facility_and_a_sensible_deadline(users, facility_a, facility_b):
    official = users["daxing_official"]
    inspection = make_inspection(official, [facility_a])
    with pytest.raises(RegistryError) as error:
        make_finding(official, inspection, facility_b)
    assert "facility" in error.value.errors
    with pytest.raises(RegistryError) as error:
        make_finding(
            official, inspection, facility_a, deadline=inspection.inspected_on - datetime.timedelta(days=1)
        )
    assert "deadline" in error.value.errors


@pytest.mark.parametrize("role", ["yubei_official", "town1_official", "operator_a"])
def test_only_the_districts_officials_register_findings(users, facility_a, role):
    inspection = make_inspection(users["daxing_official"], [facility_a])
    with pytest.raises(NotAllowed):
        make_finding(users[role], inspection, facility_a)


# ---------------------------------------------------------------- the rectification workflow


def test_open_submitted_verified(users, finding_a, today):
    services.finding_answer(
        user=users["operator_a"],
        finding=finding_a,
        note="已清理疏散通道并张贴标识",
        reference="照片 IMG-0102",
        rectified_on=days_ago(1),
    )
    finding_a.refresh_from_db()
    assert finding_a.status == Status.SUBMITTED
    assert finding_a.submitted_on == today
    services.finding_verify(user=users["daxing_official"], finding=finding_a, note="现场复查合格")
    finding_a.refresh_from_db()
    assert finding_a.status == Status.VERIFIED
    assert finding_a.verified_on == today and finding_a.verified_by == users["daxing_official"]
    history = list(finding_a.actions.order_by("pk"))
    assert [(a.action, a.actor.username) for a in history] == [
        ("created", "daxing_official"),
        ("submitted", "operator_a"),
        ("verified", "daxing_official"),
    ]
    assert history[1].reference == "照片 IMG-0102"
    assert history[1].on_date == days_ago(1)


def test_reopened_then_answered_again(users, finding_a):
    services.finding_answer(user=users["operator_a"], finding=finding_a, note="已整改")
    services.finding_reopen(
        user=users["daxing_official"], finding=finding_a, note="照片不清晰", deadline=days_ago(-10)
    )
    finding_a.refresh_from_db()
    assert finding_a.status == Status.REOPENED
    assert finding_a.deadline == days_ago(-10)
    services.finding_answer(user=users["operator_a"], finding=finding_a, note="补充照片")
    finding_a.refresh_from_db()
    assert finding_a.status == Status.SUBMITTED
    assert [a for a, _u in actions(finding_a)] == ["created", "submitted", "reopened", "submitted"]


def test_a_verified_finding_can_be_reopened_when_it_recurs(users, finding_a):
    services.finding_answer(user=users["operator_a"], finding=finding_a, note="已整改")
    services.finding_verify(user=users["daxing_official"], finding=finding_a)
    services.finding_reopen(user=users["daxing_official"], finding=finding_a, note="复查发现再次堆放")
    finding_a.refresh_from_db()
    assert finding_a.status == Status.REOPENED
    assert finding_a.verified_on is None and finding_a.verified_by is None


@pytest.mark.parametrize(
    "role", ["operator_b", "town1_official", "daxing_official", "yubei_official", "api_client"]
)
def test_only_the_facilitys_operator_answers(users, finding_a, role):
    with pytest.raises(NotAllowed):
        services.finding_answer(user=users[role], finding=finding_a, note="x")
    finding_a.refresh_from_db()
    assert finding_a.status == Status.OPEN
    assert actions(finding_a) == [("created", "daxing_official")]


@pytest.mark.parametrize(
    "role", ["operator_a", "operator_b", "town1_official", "yubei_official", "api_client"]
)
def test_only_the_districts_officials_verify_reopen_or_move_deadlines(users, finding_a, role):
    services.finding_answer(user=users["operator_a"], finding=finding_a, note="已整改")
    with pytest.raises(NotAllowed):
        services.finding_verify(user=users[role], finding=finding_a)
    with pytest.raises(NotAllowed):
        services.finding_reopen(user=users[role], finding=finding_a, note="x")
    with pytest.raises(NotAllowed):
        services.finding_set_deadline(user=users[role], finding=finding_a, deadline=days_ago(-90), note="x")
    finding_a.refresh_from_db()
    assert finding_a.status == Status.SUBMITTED


def test_steps_need_the_right_state(users, finding_a):
    official, operator = users["daxing_official"], users["operator_a"]
    with pytest.raises(RegistryError, match="已提交整改"):
        services.finding_verify(user=official, finding=finding_a)
    with pytest.raises(RegistryError):
        services.finding_reopen(user=official, finding=finding_a, note="x")
    services.finding_answer(user=operator, finding=finding_a, note="已整改")
    with pytest.raises(RegistryError, match="不能再提交"):
        services.finding_answer(user=operator, finding=finding_a, note="再次提交")
    services.finding_verify(user=official, finding=finding_a)
    with pytest.raises(RegistryError):
        services.finding_set_deadline(user=official, finding=finding_a, deadline=days_ago(-5), note="x")


def test_an_answer_needs_a_description_and_a_plausible_date(users, finding_a):
    with pytest.raises(RegistryError) as error:
        services.finding_answer(
            user=users["operator_a"], finding=finding_a, note="  ", rectified_on=days_ago(-1)
        )
    assert set(error.value.errors) == {"note", "rectified_on"}
    with pytest.raises(RegistryError) as error:
        services.finding_reopen(user=users["daxing_official"], finding=finding_a, note="")


def test_a_deadline_change_is_recorded_with_its_reason(users, finding_a):
    old = finding_a.deadline
    services.finding_set_deadline(
        user=users["daxing_official"],
        finding=finding_a,
        deadline=old + datetime.timedelta(days=15),
        note="需采购设备",
    )
    last = finding_a.actions.order_by("-pk").first()
    assert last.action == FindingAction.Action.DEADLINE
    assert old.isoformat() in last.note and "需采购设备" in last.note


def test_a_submission_after_the_deadline_is_late(users, facility_a):
    official = users["daxing_official"]
    inspection = make_inspection(official, [facility_a], on=days_ago(40))
    finding = make_finding(official, inspection, facility_a, deadline=days_ago(5))
    services.finding_answer(user=users["operator_a"], finding=finding, note="已整改")
    services.finding_verify(user=official, finding=finding)
    finding.refresh_from_db()
    assert finding.rectified_late


# ---------------------------------------------------------------- overdue


def test_overdue_means_deadline_passed_and_not_verified(users, facility_a, today):
    official = users["daxing_official"]
    inspection = make_inspection(official, [facility_a], on=days_ago(40))
    past = make_finding(official, inspection, facility_a, deadline=days_ago(1), description="过期")
    due_today = make_finding(official, inspection, facility_a, deadline=today, description="今日到期")
    waiting = make_finding(official, inspection, facility_a, deadline=days_ago(2), description="已提交待验证")
    done = make_finding(official, inspection, facility_a, deadline=days_ago(3), description="已销号")
    services.finding_answer(user=users["operator_a"], finding=waiting, note="已整改")
    services.finding_answer(user=users["operator_a"], finding=done, note="已整改")
    services.finding_verify(user=official, finding=done)
    overdue = set(Finding.objects.overdue(today).values_list("description", flat=True))
    assert overdue == {"过期", "已提交待验证"}
    for finding, expected in ((past, True), (due_today, False), (waiting, True), (done, False)):
        finding.refresh_from_db()
        assert finding.is_overdue(today) is expected

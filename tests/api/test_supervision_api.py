"""/api/v1/inspections/…: inspections (departments, team, the facilities visited that the reader may see),
findings with overdue flags and the rectification loop, complaints — each role reads what the supervision
pages show it (404 outside, 401 anonymous), only the facility's operator answers and only officials verify or
reopen (read-only tokens never write), the list pages' FilterSets filter, and a list page costs the same
number of queries whatever its size."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from facilities.models import RoleAssignment
from supervision import grading, services
from supervision.models import Complaint, Department, Finding, FindingAction, Inspection, TeamMember
from tests import helpers
from tests.factories import FindingFactory, InspectionFactory, days_ago
from tests.helpers import error_of, ids, refused
from tests.supervision.conftest import filed

pytestmark = pytest.mark.django_db

Role = RoleAssignment.Role
BASE = "/api/v1/inspections"
ROLES = helpers.API_ROLES


@pytest.fixture
def facility_y(yubei_town):
    return filed(town=yubei_town, name="渝北园")


def inspect(user, facilities, on, **extra):
    return InspectionFactory(user=user, facilities=facilities, inspected_on=on, **extra)


def find(user, inspection, facility, deadline, **extra):
    return FindingFactory(user=user, inspection=inspection, facility=facility, deadline=deadline, **extra)


@pytest.fixture
def world(users, facility_a, facility_b, facility_y):
    """A Daxing joint inspection of A and B (60 days ago, with a team): A's fire-safety finding due in a
    month, B's serious food-safety finding overdue; a Yubei inspection with a finding; a complaint about A."""
    official = users["daxing_official"]
    daxing = inspect(
        official,
        [facility_a, facility_b],
        days_ago(60),
        title="春季联合检查",
        team=[
            services.TeamInput(name="王专家", role="expert", organisation="区妇幼保健院", is_lead=True),
            services.TeamInput(name="李家长", role="parent"),
        ],
    )
    yubei = inspect(users["yubei_official"], [facility_y], days_ago(30))
    complaint = services.complaint_save(
        user=official,
        facility=facility_a,
        data={"received_on": days_ago(5), "channel": "hotline", "summary": "午睡室通风不良"},
    )
    return {
        "inspection": daxing,
        "yubei_inspection": yubei,
        "fA": find(official, daxing, facility_a, days_ago(-30)),
        "fB": find(official, daxing, facility_b, days_ago(10), severity="serious", category="food_safety"),
        "fY": find(users["yubei_official"], yubei, facility_y, days_ago(-10)),
        "complaint": complaint,
    }


# ---------------------------------------------------------------- reading, role by role

DAXING = {"reader", "daxing_official", "superuser"}
# record -> (its path under BASE, the roles that read it); everyone else: 404 in detail, absent from the list
READS = {
    "inspection": ("", DAXING | {"town1_official"}),  # the inspection visited a facility of town 1
    "yubei_inspection": ("", {"yubei_official", "superuser"}),
    "fA": ("findings/", DAXING | {"operator_a", "town1_official"}),
    "fB": ("findings/", DAXING | {"operator_b"}),
    "fY": ("findings/", {"yubei_official", "superuser"}),
    "complaint": ("complaints/", DAXING | {"operator_a", "town1_official"}),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_exactly_its_scope(role, world, client_as):
    scope = {name: (f"{BASE}/{path}", world[name], roles) for name, (path, roles) in READS.items()}
    helpers.assert_reads_its_scope(client_as(role), role, scope)


def test_an_inspection_with_departments_team_and_the_facilities_the_reader_may_see(world, client_as):
    item = client_as("daxing_official").get(f"{BASE}/{world['inspection'].pk}/").json()
    assert (item["district"], item["kind"], item["title"]) == ("110115", "joint", "春季联合检查")
    assert item["inspected_on"] == days_ago(60).isoformat()
    assert {d["code"] for d in item["departments"]} == {"health", "fire"}
    assert item["team"][0] == {
        "name": "王专家",
        "role": "expert",
        "organisation": "区妇幼保健院",
        "is_lead": True,
    }
    assert [f["name"] for f in item["facilities"]] == ["甲托育园", "乙托育园"]
    assert (item["facilities_total"], item["findings_total"]) == (2, 2)
    town = client_as("town1_official").get(f"{BASE}/{world['inspection'].pk}/").json()
    assert [(f["name"], f["town"]) for f in town["facilities"]] == [("甲托育园", "110115001")]
    assert town["facilities_total"] == 2


def test_a_finding_in_full_with_its_steps(world, client_as):
    item = client_as("operator_b").get(f"{BASE}/findings/{world['fB'].pk}/").json()
    assert (item["facility_name"], item["district"], item["town"]) == ("乙托育园", "110115", "110115002")
    assert (item["category"], item["severity"], item["status"]) == ("food_safety", "serious", "open")
    assert (item["overdue"], item["rectified_late"]) == (True, False)
    assert item["deadline"] == days_ago(10).isoformat() and item["inspection_kind"] == "joint"
    assert [step["action"] for step in item["actions"]] == ["created"]
    assert client_as("operator_a").get(f"{BASE}/findings/{world['fA'].pk}/").json()["overdue"] is False


def test_operators_read_no_inspection_records(world, client_as):
    assert client_as("operator_a").get(f"{BASE}/").json()["count"] == 0


# ---------------------------------------------------------------- filters and downloads


def test_filters_are_the_list_pages_filtersets(world, client_as):
    official = client_as("daxing_official")
    assert ids(official.get(f"{BASE}/findings/", {"overdue": "true"})) == {world["fB"].pk}
    assert ids(official.get(f"{BASE}/findings/", {"overdue": "false"})) == {world["fA"].pk}
    assert ids(official.get(f"{BASE}/findings/", {"severity": "serious", "category": "food_safety"})) == {
        world["fB"].pk
    }
    assert ids(official.get(f"{BASE}/findings/", {"status": "unresolved", "town": "110115001"})) == {
        world["fA"].pk
    }
    assert ids(official.get(f"{BASE}/findings/", {"facility": world["fB"].facility_id})) == {world["fB"].pk}
    assert ids(official.get(f"{BASE}/findings/", {"district": "500112"})) == set()
    superuser = client_as("superuser")
    assert ids(superuser.get(f"{BASE}/findings/", {"inspection": world["yubei_inspection"].pk})) == {
        world["fY"].pk
    }
    assert ids(superuser.get(f"{BASE}/", {"district": "500112"})) == {world["yubei_inspection"].pk}
    assert ids(superuser.get(f"{BASE}/", {"search": "春季"})) == {world["inspection"].pk}
    assert ids(superuser.get(f"{BASE}/complaints/", {"state": "open"})) == {world["complaint"].pk}


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("findings/", {"severity": "fatal"}, "severity"),
        ("findings/", {"found_from": "2025-13-01"}, "found_from"),
        ("", {"kind": "raid"}, "kind"),
        ("complaints/", {"district": "nowhere"}, "district"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(path, params, field, world, client_as):
    assert field in error_of(client_as("daxing_official").get(f"{BASE}/{path}", params), 400)["fields"]


def test_csv_and_xlsx_downloads(world, client_as):
    api = client_as("daxing_official")
    rows = helpers.csv_rows(api.get(f"{BASE}/findings/", {"format": "csv"}))
    assert [(r["facility_name"], r["overdue"]) for r in rows] == [("乙托育园", "True"), ("甲托育园", "False")]
    for path in ("", "complaints/"):
        helpers.xlsx_sheet(api.get(f"{BASE}/{path}", {"format": "xlsx"}))


# ---------------------------------------------------------------- the rectification loop, role by role

# A's finding: its operator answers; operator B and Yubei do not see it, the officials who see it may not
ANSWER = helpers.write_statuses(403, operator_a=200, operator_b=404, yubei_official=404, superuser=200)
# once A's operator has answered: officials of the district verify or reopen, nobody else
REVIEW = {**ANSWER, "operator_a": 403, "daxing_official": 200}


@pytest.mark.parametrize("role", ROLES)
def test_answer_where_the_web_allows_it(role, world, client_as):
    finding = world["fA"]
    body = {"note": "已清理疏散通道", "reference": "照片 2025-001"}
    response = client_as(role).post(f"{BASE}/findings/{finding.pk}/answer/", body, format="json")
    finding.refresh_from_db()
    if refused(response, ANSWER[role], role=role):
        assert finding.status == "open"
        return
    item = response.json()
    assert (item["status"], item["submitted_on"]) == ("submitted", timezone.localdate().isoformat())
    assert (
        item["actions"][-1]["action"] == "submitted" and item["actions"][-1]["reference"] == "照片 2025-001"
    )


@pytest.mark.parametrize(
    "step, body, status", [("verify", {}, "verified"), ("reopen", {"note": "仍有杂物"}, "reopened")]
)
@pytest.mark.parametrize("role", ROLES)
def test_verify_and_reopen_where_the_web_allows_them(role, step, body, status, world, users, client_as):
    finding = world["fA"]
    services.finding_answer(user=users["operator_a"], finding=finding, note="已整改")
    response = client_as(role).post(f"{BASE}/findings/{finding.pk}/{step}/", body, format="json")
    finding.refresh_from_db()
    if refused(response, REVIEW[role]):
        assert finding.status == "submitted"
        return
    assert response.json()["status"] == status == finding.status


def test_steps_that_do_not_fit_the_state_or_lack_a_note_are_400(world, users, client_as):
    official, operator = client_as("daxing_official"), client_as("operator_a")
    url = f"{BASE}/findings/{world['fA'].pk}"
    refused = error_of(official.post(f"{url}/verify/"), 400)
    assert "只有“已提交整改”" in refused["fields"]["non_field_errors"][0]["message"]
    assert "note" in error_of(operator.post(f"{url}/answer/", {"note": ""}, format="json"), 400)["fields"]
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    body = {"note": "已整改", "rectified_on": future}
    assert "rectified_on" in error_of(operator.post(f"{url}/answer/", body, format="json"), 400)["fields"]
    assert operator.post(f"{url}/answer/", {"note": "已整改"}, format="json").status_code == 200
    assert "note" in error_of(official.post(f"{url}/reopen/", {"note": " "}, format="json"), 400)["fields"]
    new_deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    body = {"note": "仍有杂物", "deadline": new_deadline}
    item = official.post(f"{url}/reopen/", body, format="json").json()
    assert (item["status"], item["deadline"]) == ("reopened", new_deadline)
    assert error_of(operator.post(f"{url}/verify/"), 403)["code"] == "not_allowed"
    assert FindingAction.objects.filter(finding=world["fA"]).count() == 3


def test_no_direct_writes(world, client_as):
    api = client_as("superuser")
    assert error_of(api.patch(f"{BASE}/findings/{world['fA'].pk}/", {"status": "verified"}), 405)
    # Recording an inspection is a POST (supervision/api/create.py): an incomplete body writes nothing.
    assert error_of(api.post(f"{BASE}/", {"title": "x"}), 400)
    assert not Inspection.objects.filter(title="x").exists()
    assert error_of(api.delete(f"{BASE}/complaints/{world['complaint'].pk}/"), 405)


# ---------------------------------------------------------------- queries per page


@pytest.fixture
def many(world, users, facility_a, facility_b):
    """110 more inspections (each visiting A and B, with a department and a team member), findings with a
    step each, and complaints, in Daxing."""
    official = users["daxing_official"]
    inspections = Inspection.objects.bulk_create(
        Inspection(
            district=facility_a.district, inspected_on=days_ago(90), kind="routine", created_by=official
        )
        for _ in range(110)
    )
    health = Department.objects.get(code="health")
    Inspection.departments.through.objects.bulk_create(
        Inspection.departments.through(inspection=i, department=health) for i in inspections
    )
    Inspection.facilities.through.objects.bulk_create(
        Inspection.facilities.through(inspection=i, facility=f)
        for i in inspections
        for f in (facility_a, facility_b)
    )
    TeamMember.objects.bulk_create(TeamMember(inspection=i, name="张三", role="expert") for i in inspections)
    findings = Finding.objects.bulk_create(
        Finding(
            inspection=i,
            facility=facility_a,
            category="records",
            severity="minor",
            description="台账不全",
            deadline=days_ago(-5),
            created_by=official,
        )
        for i in inspections
    )
    FindingAction.objects.bulk_create(
        FindingAction(finding=f, action="created", actor=official, on_date=f.deadline) for f in findings
    )
    Complaint.objects.bulk_create(
        Complaint(facility=facility_a, received_on=days_ago(3), summary="收费问题", recorded_by=official)
        for _ in range(110)
    )


@pytest.mark.parametrize("path", ["", "findings/", "complaints/"])
@pytest.mark.parametrize("role", ["daxing_official", "reader", "town1_official"])
def test_a_list_page_costs_the_same_queries_whatever_its_size(path, role, many, client_as):
    helpers.assert_page_cost_is_constant(client_as(role), f"{BASE}/{path}", budget=16)


# ---------------------------------------------------------------- risk + credit grades

GRADE_READS = {
    "anonymous": set(),
    "reader": {"A", "B"},
    "operator_a": {"A"},
    "operator_b": {"B"},
    "town1_official": {"A"},
    "daxing_official": {"A", "B"},
    "yubei_official": {"Y"},
    "superuser": {"A", "B", "Y"},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_grades_of_exactly_the_facilities_it_may_view(
    role, world, facility_a, facility_b, facility_y, client_as
):
    api = client_as(role)
    facilities = {"A": facility_a, "B": facility_b, "Y": facility_y}
    listed = api.get(f"{BASE}/grades/", {"page_size": 500})
    if role == "anonymous":
        assert error_of(listed, 401)["code"] == "not_authenticated"
        assert error_of(api.get(f"{BASE}/grades/{facility_a.pk}/"), 401)["code"] == "not_authenticated"
        return
    ours = {f.pk: name for name, f in facilities.items()}
    assert {ours[pk] for pk in ids(listed) if pk in ours} == GRADE_READS[role]
    for name, facility in facilities.items():
        detail = api.get(f"{BASE}/grades/{facility.pk}/")
        if name in GRADE_READS[role]:
            assert detail.status_code == 200 and detail.json()["id"] == facility.pk
        else:
            assert error_of(detail, 404)["code"] == "not_found", (name, role)


def test_a_grade_is_the_grading_rule_with_its_reasons(world, facility_b, client_as):
    """B's serious food-safety finding is open and overdue: it adds risk points and costs credit points,
    and the detail names the finding, as the grade page does."""
    expected = grading.grade_one(facility_b, timezone.localdate())
    item = client_as("daxing_official").get(f"{BASE}/grades/{facility_b.pk}/").json()
    assert (item["name"], item["district"], item["town"]) == ("乙托育园", "110115", "110115002")
    assert (item["risk_level"], item["credit_level"], item["grade"]) == (
        expected.risk_level,
        expected.credit_level,
        expected.grade,
    )
    assert Decimal(item["risk_points"]) == expected.risk_points
    assert Decimal(item["credit_points"]) == expected.credit_points
    assert item["interval_months"] == expected.interval_months
    assert item["last_inspected_on"] == days_ago(60).isoformat()
    assert item["next_due"] == expected.next_due.isoformat()
    assert (item["open_findings"], item["overdue_findings"]) == (1, 1)
    from_finding = {(r["part"], r["key"]) for r in item["reasons"] if r["finding"] == world["fB"].pk}
    assert {("risk", "risk_open_finding"), ("risk", "risk_overdue_finding")} <= from_finding
    assert ("credit", "credit_overdue_finding") in from_finding
    assert Decimal(sum(Decimal(r["points"]) for r in item["reasons"] if r["part"] == "risk")) == Decimal(
        item["risk_points"]
    )
    assert len(item["reasoning"]) == 3
    listed = client_as("daxing_official").get(f"{BASE}/grades/", {"town": "110115002"}).json()["results"]
    assert [{k: v for k, v in row.items()} for row in listed] == [
        {k: v for k, v in item.items() if k not in ("reasons", "reasoning", "uses_proposal")}
    ]


def test_grade_filters_and_downloads(world, facility_a, facility_b, facility_y, client_as):
    superuser = client_as("superuser")
    assert ids(superuser.get(f"{BASE}/grades/", {"district": "500112"})) & {facility_a.pk, facility_y.pk} == {
        facility_y.pk
    }
    assert ids(superuser.get(f"{BASE}/grades/", {"town": "110115002"})) == {facility_b.pk}
    letter_b = grading.grade_one(facility_b, timezone.localdate()).grade
    graded = ids(superuser.get(f"{BASE}/grades/", {"grade": letter_b, "district": "110115"}))
    assert facility_b.pk in graded
    other = next(letter for letter in "ABCD" if letter != letter_b)
    assert facility_b.pk not in ids(superuser.get(f"{BASE}/grades/", {"grade": other}))
    assert "grade" in error_of(superuser.get(f"{BASE}/grades/", {"grade": "E"}), 400)["fields"]
    assert "town" in error_of(superuser.get(f"{BASE}/grades/", {"town": "nowhere"}), 400)["fields"]
    rows = helpers.csv_rows(
        client_as("daxing_official").get(f"{BASE}/grades/", {"format": "csv", "town": "110115001"})
    )
    assert [(r["name"], r["town"]) for r in rows] == [("甲托育园", "110115001")]
    assert rows[0]["grade"] in "ABCD" and rows[0]["next_due"]
    helpers.xlsx_sheet(client_as("daxing_official").get(f"{BASE}/grades/", {"format": "xlsx"}))


@pytest.fixture
def many_facilities(world, users, facility_a):
    """110 more operating Daxing facilities in town 1, each with an open finding of one inspection."""
    official = users["daxing_official"]
    more = [filed(town=facility_a.town, name=f"托育园{n:03d}") for n in range(110)]
    inspection = inspect(official, more, days_ago(20))
    Finding.objects.bulk_create(
        Finding(
            inspection=inspection,
            facility=f,
            category="records",
            severity="minor",
            description="台账不全",
            deadline=days_ago(5),
            created_by=official,
        )
        for f in more
    )


@pytest.mark.parametrize("role", ["daxing_official", "reader", "town1_official"])
def test_a_grade_page_costs_the_same_queries_whatever_its_size(role, many_facilities, client_as):
    # the rule reads findings, reopenings, complaints, visits, classes, rules
    helpers.assert_page_cost_is_constant(client_as(role), f"{BASE}/grades/", budget=20)

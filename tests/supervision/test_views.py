"""Every supervision page and export, per role: who opens it (others get 404), what rows they see, the
workflow driven through the pages, numbers in the .xlsx files, and payment_hold_reasons."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from supervision import selectors, services
from supervision.models import Complaint, Evaluation, EvaluationFramework, Finding, Inspection
from tests import cast
from tests.supervision.conftest import days_ago, evaluate, make_finding, make_inspection

pytestmark = pytest.mark.django_db

# The signed-in cast (town 2's official sees nothing town 1's does not) and Daxing's API client account.
ROLES = [role for role in cast.SIGNED_IN if role != "town2_official"] + ["api_client"]


@pytest.fixture
def scene(users, facility_a, facility_b, yubei_facility):
    dx, yb = users["daxing_official"], users["yubei_official"]
    inspection = make_inspection(dx, [facility_a, facility_b], on=days_ago(40), title="联合检查")
    overdue = make_finding(
        dx, inspection, facility_a, severity="serious", deadline=days_ago(5), description="灭火器过期未更换"
    )
    other = make_finding(dx, inspection, facility_b, category="food_safety", description="留样记录不全")
    complaint = services.complaint_save(
        user=dx,
        facility=facility_a,
        data={
            "received_on": days_ago(30),
            "summary": "收费项目未公示",
            "substantiated": True,
            "closed_on": days_ago(20),
        },
    )
    yubei_inspection = make_inspection(yb, [yubei_facility], on=datetime.date(2024, 6, 1))
    yubei_finding = make_finding(yb, yubei_inspection, yubei_facility, description="晨检记录缺失")
    framework = EvaluationFramework.objects.get(key="ws-t-821-2023")
    full_marks = [services.ScoreInput(d.pk, None, d.points) for d in framework.dimensions.all()]
    evaluation = evaluate(users["operator_a"], facility_a, framework, full_marks, kind="self", on=days_ago(3))
    return {
        "inspection": inspection,
        "overdue": overdue,
        "other": other,
        "complaint": complaint,
        "yubei_inspection": yubei_inspection,
        "yubei_finding": yubei_finding,
        "evaluation": evaluation,
    }


DAXING_READERS = {"town1_official", "daxing_official", "api_client", "superuser"}
A_VIEWERS = {"operator_a", "town1_official", "daxing_official", "api_client", "superuser"}
B_VIEWERS = {"operator_b", "daxing_official", "api_client", "superuser"}
DAXING_WRITERS = {"daxing_official", "superuser"}
EVERYONE = set(ROLES)


def pages(scene, facility_a, facility_b):
    s = scene
    return {
        reverse("supervision:dashboard", args=["110115"]): DAXING_READERS,
        reverse("supervision:export", args=["110115", "all"]): DAXING_READERS,
        reverse("supervision:export", args=["110115", "overdue"]): DAXING_READERS,
        reverse("supervision:dashboard", args=["500112"]): {"yubei_official", "superuser"},
        reverse("supervision:inspections"): EVERYONE - {"operator_a", "operator_b"},
        reverse("supervision:inspection", args=[s["inspection"].pk]): DAXING_READERS,
        reverse("supervision:inspection", args=[s["yubei_inspection"].pk]): {"yubei_official", "superuser"},
        reverse("supervision:inspection_create"): {"daxing_official", "yubei_official", "superuser"},
        reverse("supervision:inspection_edit", args=[s["inspection"].pk]): DAXING_WRITERS,
        reverse("supervision:finding_create", args=[s["inspection"].pk]): DAXING_WRITERS,
        reverse("supervision:findings"): EVERYONE,
        reverse("supervision:findings_export"): EVERYONE,
        reverse("supervision:finding", args=[s["overdue"].pk]): A_VIEWERS,
        reverse("supervision:finding", args=[s["other"].pk]): B_VIEWERS,
        reverse("supervision:finding", args=[s["yubei_finding"].pk]): {"yubei_official", "superuser"},
        reverse("supervision:complaints"): EVERYONE,
        reverse("supervision:complaint", args=[s["complaint"].pk]): A_VIEWERS,
        reverse("supervision:complaint_create"): {"daxing_official", "yubei_official", "superuser"},
        reverse("supervision:grades"): EVERYONE,
        reverse("supervision:grades_export"): EVERYONE,
        reverse("supervision:grade", args=[facility_a.pk]): A_VIEWERS,
        reverse("supervision:grade", args=[facility_b.pk]): B_VIEWERS,
        reverse("supervision:evaluations"): EVERYONE,
        reverse("supervision:evaluation", args=[s["evaluation"].pk]): A_VIEWERS,
        reverse("supervision:evaluation_compare", args=[facility_a.pk]): A_VIEWERS,
        reverse("supervision:evaluation_create", args=[facility_a.pk, "ws-t-821-2023", "self"]): {
            "operator_a",
            "superuser",
        },
        reverse(
            "supervision:evaluation_create", args=[facility_a.pk, "ws-t-821-2023", "official"]
        ): DAXING_WRITERS,
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_only_its_pages(client, users, scene, facility_a, facility_b, role):
    client.force_login(users[role])
    for url, allowed in pages(scene, facility_a, facility_b).items():
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 404), (url, response.status_code)


def test_anonymous_users_log_in_first(client, scene):
    for name in (
        "supervision:index",
        "supervision:findings",
        "supervision:grades",
        "supervision:evaluations",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("daxing_official", "/supervision/districts/110115/"),
        ("api_client", "/supervision/districts/110115/"),
        ("town1_official", "/supervision/districts/110115/"),
        ("operator_a", "/supervision/findings/"),
    ],
)
def test_the_index_sends_each_role_to_its_start(client, users, role, target):
    client.force_login(users[role])
    response = client.get(reverse("supervision:index"))
    assert response.status_code == 302 and response["Location"] == target


def test_the_index_lists_districts_for_a_superuser(client, users):
    client.force_login(users["superuser"])
    response = client.get(reverse("supervision:index"))
    assert response.status_code == 200
    assert "大兴区" in response.content.decode() and "渝北区" in response.content.decode()


def descriptions(response):
    return {f.description for f in response.context["page"]}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("operator_a", {"灭火器过期未更换"}),
        ("operator_b", {"留样记录不全"}),
        ("town1_official", {"灭火器过期未更换"}),
        ("daxing_official", {"灭火器过期未更换", "留样记录不全"}),
        ("api_client", {"灭火器过期未更换", "留样记录不全"}),
        ("yubei_official", {"晨检记录缺失"}),
        ("superuser", {"灭火器过期未更换", "留样记录不全", "晨检记录缺失"}),
    ],
)
def test_finding_list_and_export_are_scoped(client, users, scene, role, expected):
    client.force_login(users[role])
    assert descriptions(client.get(reverse("supervision:findings"))) == expected
    sheet = workbook(client.get(reverse("supervision:findings_export"))).active
    header = [c.value for c in sheet[1]]
    column = header.index("问题描述")
    assert {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)} == expected


def test_finding_filters(client, users, scene):
    client.force_login(users["daxing_official"])
    url = reverse("supervision:findings")
    assert descriptions(client.get(url, {"overdue": "true"})) == {"灭火器过期未更换"}
    assert descriptions(client.get(url, {"overdue": "false"})) == {"留样记录不全"}
    assert descriptions(client.get(url, {"category": "food_safety"})) == {"留样记录不全"}
    assert descriptions(client.get(url, {"severity": "serious"})) == {"灭火器过期未更换"}
    assert descriptions(client.get(url, {"town": "110115002"})) == {"留样记录不全"}
    assert descriptions(client.get(url, {"search": "灭火器"})) == {"灭火器过期未更换"}
    assert descriptions(client.get(url, {"status": "unresolved"})) == {"灭火器过期未更换", "留样记录不全"}
    exported = workbook(client.get(reverse("supervision:findings_export"), {"overdue": "true"})).active
    assert exported.max_row == 2


def test_overdue_findings_stand_out_on_list_detail_and_dashboard(client, users, scene):
    client.force_login(users["daxing_official"])
    listing = client.get(reverse("supervision:findings")).content.decode()
    assert "finding-overdue" in listing and "逾期 5 天" in listing
    detail = client.get(reverse("supervision:finding", args=[scene["overdue"].pk])).content.decode()
    assert 'id="overdue-alert"' in detail
    board = client.get(reverse("supervision:dashboard", args=["110115"]))
    assert [f.description for f in board.context["board"].overdue] == ["灭火器过期未更换"]
    assert "table-danger" in board.content.decode()


def test_the_finding_list_keeps_a_constant_query_count(client, users, scene, django_assert_max_num_queries):
    client.force_login(users["daxing_official"])
    with django_assert_max_num_queries(15):
        client.get(reverse("supervision:findings"))


# ---------------------------------------------------------------- the workflow through the pages


def test_the_rectification_workflow_through_the_pages(client, users, scene):
    finding = scene["overdue"]
    answer = reverse("supervision:finding_answer", args=[finding.pk])
    verify = reverse("supervision:finding_verify", args=[finding.pk])

    client.force_login(
        users["operator_b"]
    )  # another facility's operator: the finding does not exist for them
    assert client.post(answer, {"note": "x"}).status_code == 404

    client.force_login(users["operator_a"])
    page = client.get(reverse("supervision:finding", args=[finding.pk])).content.decode()
    assert 'id="answer"' in page and 'id="verify"' not in page
    response = client.post(answer, {"note": "", "reference": ""})
    assert response.status_code == 200 and "note" in response.context["answer_form"].errors
    response = client.post(answer, {"note": "已更换灭火器", "reference": "照片 3 张", "rectified_on": ""})
    assert response.status_code == 302
    assert client.post(verify, {}).status_code == 404  # operators never verify

    client.force_login(users["town1_official"])  # sees the finding, may not decide on it
    page = client.get(reverse("supervision:finding", args=[finding.pk])).content.decode()
    assert 'id="verify"' not in page and 'id="answer"' not in page
    assert client.post(verify, {}).status_code == 404

    client.force_login(users["yubei_official"])
    assert client.post(verify, {}).status_code == 404

    client.force_login(users["daxing_official"])
    page = client.get(reverse("supervision:finding", args=[finding.pk])).content.decode()
    assert 'id="verify"' in page and 'id="reopen"' in page
    assert client.post(verify, {"note": "复查合格"}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.VERIFIED
    page = client.get(reverse("supervision:finding", args=[finding.pk])).content.decode()
    assert "已更换灭火器" in page and "照片 3 张" in page and "复查合格" in page


def test_reopen_and_deadline_through_the_pages(client, users, scene):
    finding = scene["other"]
    client.force_login(users["daxing_official"])
    response = client.post(
        reverse("supervision:finding_deadline", args=[finding.pk]),
        {"deadline": days_ago(-60), "note": "设备采购"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.deadline == days_ago(-60)
    response = client.post(
        reverse("supervision:finding_reopen", args=[finding.pk]), {"note": "x"}, follow=True
    )
    assert "只有已提交整改" in response.content.decode()  # an open finding cannot be sent back
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN


def test_an_official_records_an_inspection_and_a_finding_through_the_pages(
    client, users, facility_a, facility_b
):
    client.force_login(users["daxing_official"])
    data = {
        "district": facility_a.district_id,
        "inspected_on": days_ago(2).isoformat(),
        "kind": Inspection.Kind.PART_TIME_TEAM,
        "title": "兼职督导走访",
        "facilities": [facility_a.pk],
        "summary": "",
        "team-TOTAL_FORMS": "3",
        "team-INITIAL_FORMS": "0",
        "team-MIN_NUM_FORMS": "0",
        "team-MAX_NUM_FORMS": "40",
        "team-0-name": "",
        "team-0-role": "expert",
    }
    response = client.post(reverse("supervision:inspection_create"), data)
    assert response.status_code == 200 and "兼职督导走访须登记督导队伍成员" in response.content.decode()
    data.update({"team-0-name": "王专家", "team-1-name": "张家长", "team-1-role": "parent"})
    response = client.post(reverse("supervision:inspection_create"), data)
    assert response.status_code == 302
    inspection = Inspection.objects.get(title="兼职督导走访")
    assert list(inspection.team.values_list("name", "role")) == [("王专家", "expert"), ("张家长", "parent")]
    response = client.post(
        reverse("supervision:finding_create", args=[inspection.pk]),
        {
            "facility": facility_b.pk,  # not visited
            "category": "records",
            "severity": "minor",
            "description": "台账不全",
            "deadline": days_ago(-10).isoformat(),
        },
    )
    assert response.status_code == 200
    response = client.post(
        reverse("supervision:finding_create", args=[inspection.pk]),
        {
            "facility": facility_a.pk,
            "category": "records",
            "severity": "minor",
            "description": "台账不全",
            "deadline": days_ago(-10).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Finding.objects.get(description="台账不全").facility == facility_a


def test_complaints_through_the_pages(client, users, facility_a):
    client.force_login(users["daxing_official"])
    received = {"received_on": days_ago(1), "channel": "hotline", "summary": "午睡无人看护"}
    response = client.post(
        reverse("supervision:complaint_create"),
        {**received, "facility": facility_a.pk, "substantiated": "unknown"},
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(summary="午睡无人看护")
    assert complaint.substantiated is None
    edit = reverse("supervision:complaint", args=[complaint.pk])
    response = client.post(edit, {**received, "substantiated": "unknown", "closed_on": days_ago(0)})
    assert response.status_code == 200 and "办结时须写明" in response.content.decode()
    closed = {**received, "substantiated": "true", "outcome": "责令整改", "closed_on": days_ago(0)}
    response = client.post(edit, closed)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.substantiated is True and complaint.outcome == "责令整改"
    client.force_login(users["operator_a"])
    assert client.post(reverse("supervision:complaint", args=[complaint.pk]), {}).status_code == 404


def test_an_evaluation_through_the_pages(client, users, facility_a):
    framework = EvaluationFramework.objects.get(key="ws-t-821-2023")
    client.force_login(users["daxing_official"])
    data = {"assessed_on": days_ago(1).isoformat(), "notes": "现场评估"}
    for d in framework.dimensions.all():
        data[f"u{d.pk}_0_score"] = str(d.points - 20)
        data[f"u{d.pk}_0_note"] = ""
    url = reverse("supervision:evaluation_create", args=[facility_a.pk, framework.key, "official"])
    response = client.post(url, {**data, f"u{framework.dimensions.first().pk}_0_score": "999"})
    assert response.status_code == 200
    response = client.post(url, data)
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(facility=facility_a, kind="official")
    page = client.get(response["Location"]).content.decode()
    assert "未设定等级线" in page and "860" in page
    compare = client.get(
        reverse("supervision:evaluation_compare", args=[facility_a.pk]), {"framework": framework.key}
    )
    assert compare.context["official_result"].evaluation == evaluation
    assert "条目内容待补充" in compare.content.decode()


def test_the_income_is_entered_from_the_dashboard(client, users, scene, facility_a):
    url = reverse("supervision:income", args=["110115"])
    client.force_login(users["town1_official"])
    client.post(url, {"year": 2024, "amount": "10000", "source_note": "x"})
    assert not selectors.household_income(facility_a.district, 2024)
    client.force_login(users["daxing_official"])
    response = client.post(url, {"year": 2024, "amount": "10000", "source_note": "统计公报"})
    assert response.status_code == 302
    assert selectors.household_income(facility_a.district, 2024).amount == Decimal("10000")
    board = client.get(reverse("supervision:dashboard", args=["110115"]), {"year": 2025}).context["board"]
    assert board.fee_cap.cap == Decimal("2000.00")


# ---------------------------------------------------------------- dashboards and exports


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def test_the_dashboard_shows_the_computation(client, users, scene):
    client.force_login(users["daxing_official"])
    response = client.get(reverse("supervision:dashboard", args=["110115"]))
    board = response.context["board"]
    assert board.counts["open"] == 2 and board.counts["overdue"] == 1 and board.counts["serious"] == 1
    assert {row[0]: row[2] for row in board.open_by_town} == {"兴丰街道": 1, "林校路街道": 1}
    assert board.open_by_category["fire_safety"] == {"serious": 1}
    assert sum(board.distribution.values()) == 2
    assert board.staff.certificate_goal.key == "daxing-certificate-rate-goal-2025"
    assert board.fee_cap.share.key == "daxing-fee-cap-income-share" and board.fee_cap.cap is None
    page = response.content.decode()
    assert 'data-chart="bar"' in page and 'id="chart-categories"' in page
    assert "尚未录入" in page


def test_the_town_officials_dashboard_covers_only_their_town(client, users, scene):
    client.force_login(users["town1_official"])
    board = client.get(reverse("supervision:dashboard", args=["110115"])).context["board"]
    assert board.counts["open"] == 1
    assert {r.facility.name for r in board.grades} == {"甲托育园"}


def test_yubei_reported_supervision_figures_beside_the_computed_ones(client, users, scene):
    client.force_login(users["yubei_official"])
    response = client.get(reverse("supervision:dashboard", args=["500112"]))
    figures = {c.reported.key: c for c in response.context["board"].figures}
    assert figures["yubei-joint-inspections-2024-2025"].reported.value == 8
    assert figures["yubei-joint-inspections-2024-2025"].computed == 1  # the one recorded in the period
    assert figures["yubei-problems-rectified-2024-2025"].reported.value == 64
    assert figures["yubei-problems-rectified-2024-2025"].computed == 0
    assert figures["yubei-health-record-coverage"].computed is None
    page = response.content.decode()
    assert "医育结合联盟" in page and "2024年3月" in page
    assert "未规定收费上限比例" in page


def test_dashboard_exports_keep_numbers_as_numbers(client, users, scene):
    client.force_login(users["daxing_official"])
    book = workbook(client.get(reverse("supervision:export", args=["110115", "all"])))
    assert len(book.sheetnames) == 10 and book.sheetnames[-1] == "说明"  # 9 tables, then what the export is
    towns = book[book.sheetnames[0]]
    header = [c.value for c in towns[1]]
    assert header[0] == "镇街" and header[-3] == "合计"
    rows = list(towns.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "兴丰街道" and isinstance(rows[0][header.index("合计")], int)
    assert rows[-1][0] == "合计" and rows[-1][header.index("合计")] == 2
    grades = book["风险+信用分级"]
    grade_header = [c.value for c in grades[1]]
    values = list(grades.iter_rows(min_row=2, values_only=True))
    assert all(isinstance(v[grade_header.index("风险分")], int | float) for v in values)
    overdue = book["逾期未整改问题"]
    overdue_header = [c.value for c in overdue[1]]
    (row,) = overdue.iter_rows(min_row=2, values_only=True)
    assert row[overdue_header.index("逾期天数")] == 5
    assert isinstance(row[overdue_header.index("整改期限")], datetime.datetime)
    distribution = book["分级分布（运营、暂停中的机构）"]
    assert [c.value for c in distribution[1]][2] == "占比（%）"


def test_an_unknown_export_is_404(client, users):
    client.force_login(users["daxing_official"])
    assert client.get(reverse("supervision:export", args=["110115", "nope"])).status_code == 404


def test_grade_pages_explain_the_points(client, users, scene, facility_a):
    client.force_login(users["operator_a"])
    response = client.get(reverse("supervision:grade", args=[facility_a.pk]))
    result = response.context["result"]
    assert result.risk_points == 40 and result.credit_points == 80
    page = response.content.decode()
    assert "灭火器过期未更换" in page and "投诉属实" in page and "项目初始建议值" in page
    grades = client.get(reverse("supervision:grades")).context["page"]
    assert [r.facility.name for r in grades] == ["甲托育园"]
    sheet = workbook(client.get(reverse("supervision:grades_export"))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["甲托育园"]


def test_the_grade_list_filters_by_grade(client, users, scene):
    client.force_login(users["daxing_official"])
    by_grade = {
        g: [r.facility.name for r in client.get(reverse("supervision:grades"), {"grade": g}).context["page"]]
        for g in "ABCD"
    }
    assert by_grade == {"A": ["乙托育园"], "B": [], "C": ["甲托育园"], "D": []}


# ---------------------------------------------------------------- for the subsidies app


def test_payment_hold_reasons(users, scene, facility_a, facility_b, today):
    reasons = selectors.payment_hold_reasons(facility_a)
    assert len(reasons) == 1
    assert reasons[0].startswith("有逾期未整改的严重问题：消防安全")
    assert "灭火器过期未更换" in reasons[0]
    assert selectors.payment_hold_reasons(facility_b) == []


def test_payment_hold_reasons_for_grade_d_and_fees_over_the_cap(users, facility_b):
    dx = users["daxing_official"]
    facility_b.filing_status, facility_b.filing_number, facility_b.filed_on = "draft", "", None
    facility_b.public_phone = ""
    facility_b.is_inclusive = True
    facility_b.monthly_fee = Decimal("2600")
    facility_b.save()
    inspection = make_inspection(dx, [facility_b], on=days_ago(40))
    make_finding(dx, inspection, facility_b, severity="general", deadline=days_ago(3))
    make_finding(dx, inspection, facility_b, severity="general", deadline=days_ago(3))
    services.household_income_set(
        user=dx,
        district=facility_b.district,
        year=days_ago(0).year - 1,
        amount=Decimal(10000),
        source_note="测试",
    )
    reasons = selectors.payment_hold_reasons(facility_b)
    assert not any(r.startswith("有逾期未整改的严重问题") for r in reasons)  # general, not serious
    assert any(r.startswith("风险+信用分级为D级") for r in reasons)
    assert any(r.startswith("收费超过上限") and "超出600元" in r for r in reasons)


def test_finding_changes_appear_in_the_facility_history(client, users, scene, facility_a):
    services.finding_answer(user=users["operator_a"], finding=scene["overdue"], note="已更换")
    client.force_login(users["daxing_official"])
    response = client.get(reverse("registry:detail", args=[facility_a.pk]))
    assert response.status_code == 200
    assert "检查发现问题" in response.content.decode()


def test_the_dashboard_keeps_a_bounded_query_count(
    client, users, scene, town1, django_assert_max_num_queries
):
    from tests.supervision.conftest import filed

    for n in range(10):  # more facilities, findings and complaints must not mean more queries
        extra = filed(town=town1, name=f"新增园{n}")
        inspection = make_inspection(users["daxing_official"], [extra])
        make_finding(users["daxing_official"], inspection, extra, deadline=days_ago(1))
    client.force_login(users["daxing_official"])
    with django_assert_max_num_queries(45):
        response = client.get(reverse("supervision:dashboard", args=["110115"]))
    assert response.context["board"].counts["overdue"] == 11

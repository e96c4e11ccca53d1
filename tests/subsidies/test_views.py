"""Subsidy pages and exports: every role opens only what it should (others get 404), lists and exports show
only rows in scope, the pages drive the services, and every export is a real .xlsx with numbers as numbers."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.models import Facility
from subsidies import services
from subsidies.models import Application, Fund, LedgerEntry, Milestone, Program, Project
from tests.subsidies.conftest import ROLES, approve, make_facility, pay, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(users, facility_a, facility_b, facility_y, rent_program, fund, town1, daxing, yubei):
    """A's application approved and paid; B's submitted; a Yubei application; a Daxing project in town 1."""
    official = users["daxing_official"]
    a = approve(official, submit(users["operator_a"], facility_a, rent_program))
    payment = pay(official, a, Decimal("20000.00"), "PZ-A-1")
    b = submit(users["operator_b"], facility_b, rent_program)
    y_operator = users["superuser"]
    y = submit(y_operator, facility_y, Program.objects.get(seed_key="yubei-rent-2025"))
    project = Project.objects.create(kind="town_park", district=daxing, town=town1, name="兴丰托育园建设项目")
    Milestone.objects.create(project=project, stage="in_service", planned_date=datetime.date(2025, 6, 30))
    return {
        "a": a,
        "b": b,
        "y": y,
        "payment": payment,
        "project": project,
        "daxing_fund": fund,
        "central": Fund.objects.get(seed_key="yubei-central-demonstration-2024"),
        "yubei_project": Project.objects.get(seed_key="yubei-service-centre-project"),
    }


EVERYONE = set(ROLES) - {"nobody"}
DISTRICT = {"daxing_official", "yubei_official", "api_client", "superuser"}
DAXING = {"daxing_official", "api_client", "superuser"}
YUBEI = {"yubei_official", "superuser"}
VIEW_A = {"operator_a", "town1_official", "daxing_official", "api_client", "superuser"}
VIEW_B = {"operator_b", "daxing_official", "api_client", "superuser"}
DECIDE_DAXING = {"daxing_official", "superuser"}
PROJECTS = {"town1_official", "daxing_official", "yubei_official", "api_client", "superuser"}
TOWN1_PROJECT = {"town1_official", "daxing_official", "api_client", "superuser"}
APPLY = {"operator_a", "operator_b", "superuser"}


def pages(data):
    a, b = data["a"], data["b"]
    return {
        reverse("subsidies:index"): EVERYONE,
        reverse("subsidies:funds"): DISTRICT,
        reverse("subsidies:funds") + "?export=funds": DISTRICT,
        reverse("subsidies:funds") + "?export=all": DISTRICT,
        reverse("subsidies:fund", args=[data["daxing_fund"].pk]): DAXING,
        reverse("subsidies:fund", args=[data["daxing_fund"].pk]) + "?export=months": DAXING,
        reverse("subsidies:fund", args=[data["central"].pk]): YUBEI,
        reverse("subsidies:fund", args=[data["central"].pk]) + "?export=all": YUBEI,
        reverse("subsidies:summary"): EVERYONE,
        reverse("subsidies:summary") + "?export=all": EVERYONE,
        reverse("subsidies:programs"): EVERYONE,
        reverse("subsidies:programs") + "?export=programs": EVERYONE,
        reverse("subsidies:applications"): EVERYONE,
        reverse("subsidies:applications") + "?export=applications": EVERYONE,
        reverse("subsidies:apply"): APPLY,
        reverse("subsidies:application", args=[a.pk]): VIEW_A,
        reverse("subsidies:application", args=[a.pk]) + "?export=payments": VIEW_A,
        reverse("subsidies:application", args=[a.pk]) + "?export=all": VIEW_A,
        reverse("subsidies:application", args=[b.pk]): VIEW_B,
        reverse("subsidies:application", args=[data["y"].pk]): YUBEI,
        reverse("subsidies:decide", args=[b.pk]): DECIDE_DAXING,
        reverse("subsidies:pay", args=[a.pk]): DECIDE_DAXING,
        reverse("subsidies:ledger"): EVERYONE,
        reverse("subsidies:ledger") + "?export=ledger": EVERYONE,
        reverse("subsidies:reverse", args=[data["payment"].pk]): DECIDE_DAXING,
        reverse("subsidies:projects"): PROJECTS,
        reverse("subsidies:projects") + "?export=projects": PROJECTS,
        reverse("subsidies:project", args=[data["project"].pk]): TOWN1_PROJECT,
        reverse("subsidies:project", args=[data["project"].pk]) + "?export=projects": TOWN1_PROJECT,
        reverse("subsidies:project", args=[data["yubei_project"].pk]): YUBEI,
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_only_its_pages_and_exports(client, users, data, role):
    client.force_login(users[role])
    for url, allowed in pages(data).items():
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 404), (url, response.status_code)
        if response.status_code == 200 and "export=" in url:
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_anonymous_users_log_in_first(client, data):
    for url in pages(data):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def sheet_rows(response, sheet=0):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(workbook.worksheets[sheet].iter_rows(values_only=True))


def export(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return sheet_rows(response)


class TestScopedRows:
    def test_operators_see_only_their_own_applications(self, client, users, data):
        rows = export(client, users["operator_b"], reverse("subsidies:applications") + "?export=applications")
        assert [r[1] for r in rows[1:]] == ["乙托育园"]
        page = client.get(reverse("subsidies:applications")).content.decode()
        assert "乙托育园" in page and "甲托育园" not in page

    def test_operators_see_only_their_own_payments(self, client, users, data):
        assert export(client, users["operator_b"], reverse("subsidies:ledger") + "?export=ledger")[1:] == []
        rows = export(client, users["operator_a"], reverse("subsidies:ledger") + "?export=ledger")
        assert [(r[2], r[5]) for r in rows[1:]] == [("甲托育园", 20000)]

    def test_a_town_official_sees_their_towns_rows_read_only(self, client, users, data):
        rows = export(
            client, users["town1_official"], reverse("subsidies:applications") + "?export=applications"
        )
        assert [r[1] for r in rows[1:]] == ["甲托育园"]
        detail = client.get(reverse("subsidies:application", args=[data["a"].pk])).content.decode()
        assert reverse("subsidies:pay", args=[data["a"].pk]) not in detail
        ledger = client.get(reverse("subsidies:ledger")).content.decode()
        assert reverse("subsidies:reverse", args=[data["payment"].pk]) not in ledger

    def test_district_officials_see_their_district_only(self, client, users, data):
        rows = export(client, users["yubei_official"], reverse("subsidies:funds") + "?export=funds")
        assert [r[0] for r in rows[1:-1]] == ["中央财政支持普惠托育服务发展示范项目资金"]
        rows = export(
            client, users["daxing_official"], reverse("subsidies:applications") + "?export=applications"
        )
        assert sorted(r[1] for r in rows[1:]) == ["乙托育园", "甲托育园"]

    def test_the_summary_keeps_aggregates_apart_from_towns(self, client, users, data):
        client.force_login(users["yubei_official"])
        response = client.get(reverse("subsidies:summary") + "?export=all")
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        programs = list(workbook.worksheets[0].iter_rows(values_only=True))
        towns = list(workbook.worksheets[1].iter_rows(values_only=True))
        operating = next(r for r in programs if r[3] == "2024年度运营补助（汇总拨付，文件报告）")
        assert operating[4:8] == (0, 0, 859000, 100)  # no facilities, no ledger; the aggregate and its 100
        assert towns[1:] == []  # aggregates are never split over towns
        rows = export(client, users["town1_official"], reverse("subsidies:summary") + "?export=towns")
        assert [(r[1], r[7]) for r in rows[1:-1]] == [("兴丰街道", 20000)]


class TestExportsAreNumeric:
    def test_fund_execution(self, client, users, data):
        rows = export(client, users["daxing_official"], reverse("subsidies:funds") + "?export=funds")
        header, row = rows[0], next(r for r in rows if r[0] == "大兴区普惠托育补助资金（测试）")
        assert header[9] == "支出率（%）"
        assert row[4:] == (100000, 20000, 0, 20000, 80000, 20)
        assert all(isinstance(v, int | float) for v in row[3:])

    def test_ledger_amounts_and_dates(self, client, users, data):
        services.payment_reverse(user=users["daxing_official"], entry=data["payment"], reason="错账")
        rows = export(client, users["daxing_official"], reverse("subsidies:ledger") + "?export=ledger")
        amounts = sorted(r[5] for r in rows[1:])
        assert amounts == [-20000, 20000]
        assert all(isinstance(r[0], datetime.datetime) for r in rows[1:])

    def test_an_applications_payments_and_history(self, client, users, data):
        client.force_login(users["operator_a"])
        response = client.get(reverse("subsidies:application", args=[data["a"].pk]) + "?export=all")
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        payments = list(workbook.worksheets[0].iter_rows(values_only=True))
        history = list(workbook.worksheets[1].iter_rows(values_only=True))
        assert [(r[1], r[5], r[6]) for r in payments[1:]] == [("支付", 20000, "PZ-A-1")]
        assert [(r[2], r[3]) for r in history[1:]] == [("待审核", None), ("已批准", 36000)]

    def test_monthly_breakdown(self, client, users, data):
        url = reverse("subsidies:fund", args=[data["daxing_fund"].pk]) + "?export=months"
        rows = export(client, users["daxing_official"], url)
        month = data["payment"].entry_date.strftime("%Y-%m")
        assert rows[1] == (month, 20000, 0, 0, 20000, 20000, 20)

    def test_text_cannot_run_as_a_formula(self, client, users, data, town1, rent_program):
        facility = make_facility(town1, '=HYPERLINK("http://x","点我")')
        submit(users["superuser"], facility, rent_program)
        rows = export(
            client, users["daxing_official"], reverse("subsidies:applications") + "?export=applications"
        )
        names = [r[1] for r in rows[1:]]
        assert any("HYPERLINK" in n for n in names)
        assert not any(n.startswith("=") for n in names)


class TestPagesShowTheFigures:
    def test_fund_page_shows_execution_at_a_glance(self, client, users, data):
        client.force_login(users["daxing_official"])
        page = client.get(reverse("subsidies:funds")).content.decode()
        assert "100,000.00" in page and "20,000.00" in page and "80,000.00" in page and "20.0%" in page
        assert 'role="progressbar"' in page

    def test_yubei_central_fund_shows_zero_spent_and_the_unlinked_aggregates(self, client, users, data):
        client.force_login(users["yubei_official"])
        page = client.get(reverse("subsidies:funds")).content.decode()
        assert "100,000,000.00" in page and "0.0%" in page
        assert "859,000.00" in page and "10,473,200.00" in page
        assert 'id="unlinked-note"' in page

    def test_projects_flag_overdue_milestones(self, client, users, data):
        client.force_login(users["daxing_official"])
        page = client.get(reverse("subsidies:projects")).content.decode()
        assert 'id="overdue-alert"' in page and "兴丰托育园建设项目 · 建成投用" in page

    def test_the_yubei_project_timeline(self, client, users, data):
        client.force_login(users["yubei_official"])
        page = client.get(reverse("subsidies:project", args=[data["yubei_project"].pk])).content.decode()
        assert "≈ 40,000,000 元" in page and "≈ 3,800 ㎡" in page
        assert "计划 2025-11-30" in page and "已完成" in page and "未登记" in page


class TestApplyingThroughThePage:
    def test_the_form_prefills_from_the_facility_and_previews_the_rule(
        self, client, users, facility_a, rent_program
    ):
        client.force_login(users["operator_a"])
        page = client.get(
            reverse("subsidies:apply") + f"?facility={facility_a.pk}&program={rent_program.pk}"
        ).content.decode()
        assert 'value="300.00"' in page and 'value="12"' in page
        assert "10.00 元/㎡/月 × 300 ㎡ × 12 个月 = 36,000.00 元" in page
        assert 'id="eligibility-ok"' in page

    def test_ineligible_facilities_see_the_reasons(self, client, users, facility_a, rent_program):
        Facility.objects.filter(pk=facility_a.pk).update(operating_status="suspended")
        client.force_login(users["operator_a"])
        page = client.get(
            reverse("subsidies:apply") + f"?facility={facility_a.pk}&program={rent_program.pk}"
        ).content.decode()
        assert "该项目要求机构正在运营；本机构运营状态为“暂停”。" in page

    def post_application(self, client, facility, program, **extra):
        data = {
            "facility": facility.pk,
            "program": program.pk,
            "period_start": "2025-01-01",
            "period_end": "2025-06-30",
            "area_m2": "300",
            "months": "6",
            "slots": "",
            "children": "",
            "note": "上半年租金",
            **extra,
        }
        return client.post(reverse("subsidies:apply"), data)

    def test_submit(self, client, users, facility_a, rent_program):
        client.force_login(users["operator_a"])
        response = self.post_application(client, facility_a, rent_program, submit="1")
        application = Application.objects.get(facility=facility_a)
        assert response.status_code == 302 and response["Location"].endswith(
            f"/applications/{application.pk}/"
        )
        assert application.proposed_amount == Decimal("18000.00")

    def test_preview_writes_nothing(self, client, users, facility_a, rent_program):
        client.force_login(users["operator_a"])
        response = self.post_application(client, facility_a, rent_program, preview="1")
        assert "18,000.00" in response.content.decode()
        assert not Application.objects.exists()

    def test_an_operator_cannot_apply_for_another_facility(
        self, client, users, facility_a, facility_b, rent_program
    ):
        client.force_login(users["operator_a"])
        response = self.post_application(client, facility_b, rent_program, submit="1")
        assert response.status_code == 200 and not Application.objects.exists()

    def test_service_refusals_show_beside_the_fields(self, client, users, facility_a, rent_program):
        client.force_login(users["operator_a"])
        response = self.post_application(client, facility_a, rent_program, months="9", submit="1")
        assert "月数（9）不能超过补助期间所跨的月数（6）。" in response.content.decode()
        assert not Application.objects.exists()


class TestDecidingPayingReversingThroughThePages:
    def test_an_operator_cannot_reach_the_decision_on_their_own_application(self, client, users, data):
        client.force_login(users["operator_b"])
        response = client.post(reverse("subsidies:decide", args=[data["b"].pk]), {"decision": "approve"})
        assert response.status_code == 404
        data["b"].refresh_from_db()
        assert data["b"].status == Application.Status.SUBMITTED

    def test_another_districts_official_gets_404(self, client, users, data):
        client.force_login(users["yubei_official"])
        for name, obj in (("decide", data["b"]), ("pay", data["a"]), ("application", data["a"])):
            assert client.get(reverse(f"subsidies:{name}", args=[obj.pk])).status_code == 404
        assert client.post(reverse("subsidies:reverse", args=[data["payment"].pk]), {}).status_code == 404

    def test_an_override_needs_a_reason_on_the_form(self, client, users, data):
        client.force_login(users["daxing_official"])
        url = reverse("subsidies:decide", args=[data["b"].pk])
        response = client.post(url, {"decision": "approve", "amount": "40000", "reason": ""})
        assert "须写明理由" in response.content.decode()
        data["b"].refresh_from_db()
        assert data["b"].status == Application.Status.SUBMITTED
        response = client.post(url, {"decision": "approve", "amount": "40000", "reason": "按实测面积"})
        assert response.status_code == 302
        data["b"].refresh_from_db()
        assert (data["b"].approved_amount, data["b"].decision_reason) == (Decimal("40000.00"), "按实测面积")
        page = client.get(reverse("subsidies:application", args=[data["b"].pk])).content.decode()
        assert "按实测面积" in page and "已调整" in page

    def test_reject_needs_a_reason_on_the_form(self, client, users, data):
        client.force_login(users["daxing_official"])
        url = reverse("subsidies:decide", args=[data["b"].pk])
        assert "驳回须写明理由" in client.post(url, {"decision": "reject"}).content.decode()

    def test_pay_and_reverse(self, client, users, data):
        client.force_login(users["daxing_official"])
        today = timezone.localdate().isoformat()
        response = client.post(
            reverse("subsidies:pay", args=[data["a"].pk]),
            {
                "amount": "",
                "entry_date": data["payment"].entry_date.isoformat(),
                "reference": "PZ-A-2",
                "note": "",
            },
        )
        assert response.status_code == 302
        assert LedgerEntry.objects.filter(application=data["a"]).net() == Decimal("36000.00")
        response = client.post(
            reverse("subsidies:reverse", args=[data["payment"].pk]),
            {"reason": "重复录入", "entry_date": data["payment"].entry_date.isoformat(), "reference": ""},
        )
        assert response.status_code == 302, today
        assert LedgerEntry.objects.filter(application=data["a"]).net() == Decimal("16000.00")

    def test_over_committing_is_refused_on_the_page(self, client, users, data):
        # A's 36,000 is committed; 50,000 leaves 14,000, less than B's 36,000.
        Fund.objects.filter(pk=data["daxing_fund"].pk).update(amount_allocated=Decimal("50000.00"))
        client.force_login(users["daxing_official"])
        response = client.post(reverse("subsidies:decide", args=[data["b"].pk]), {"decision": "approve"})
        assert "可承诺余额不足" in response.content.decode()
        data["b"].refresh_from_db()
        assert data["b"].status == "submitted"

    @pytest.mark.parametrize("status", ["suspended", "closed"])
    def test_held_payments_are_shown_and_refused(self, client, users, data, status):
        Facility.objects.filter(pk=data["a"].facility_id).update(operating_status=status)
        for role in ("operator_a", "daxing_official"):
            client.force_login(users[role])
            page = client.get(reverse("subsidies:application", args=[data["a"].pk])).content.decode()
            assert 'id="payment-hold"' in page and "暂缓支付" in page
        response = client.post(
            reverse("subsidies:pay", args=[data["a"].pk]),
            {"amount": "", "entry_date": data["payment"].entry_date.isoformat(), "reference": "PZ-A-2"},
        )
        assert "暂缓支付" in response.content.decode()
        assert LedgerEntry.objects.filter(application=data["a"]).count() == 1

    def test_the_operator_withdraws(self, client, users, data):
        client.force_login(users["operator_b"])
        response = client.post(reverse("subsidies:withdraw", args=[data["b"].pk]))
        assert response.status_code == 302
        data["b"].refresh_from_db()
        assert data["b"].status == Application.Status.WITHDRAWN


def test_the_pages_render_in_english(client, users, data):
    client.force_login(users["daxing_official"])
    client.cookies["django_language"] = "en"
    assert client.get(reverse("subsidies:funds")).status_code == 200


class TestQueryBudgets:
    """List pages and exports cost the same number of queries for 3 rows or 30."""

    def fill(self, users, rent_program, town1, start, n):
        official = users["daxing_official"]
        for i in range(start, start + n):
            facility = make_facility(town1, f"批量园{i}")
            application = approve(official, submit(users["superuser"], facility, rent_program, months=1))
            pay(official, application, reference=f"B-{i}")

    @pytest.mark.parametrize(
        ("name", "query"),
        [
            ("applications", ""),
            ("applications", "?export=applications"),
            ("ledger", ""),
            ("ledger", "?export=ledger"),
            ("summary", "?export=all"),
            ("funds", ""),
            ("projects", ""),
            ("index", ""),
        ],
    )
    def test_constant_queries(
        self, client, users, rent_program, town1, name, query, django_assert_max_num_queries
    ):
        client.force_login(users["daxing_official"])
        url = reverse(f"subsidies:{name}") + query
        self.fill(users, rent_program, town1, 0, 3)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        self.fill(users, rent_program, town1, 3, 27)
        with django_assert_max_num_queries(len(few)):
            assert client.get(url).status_code == 200


def test_the_overview_counts_what_needs_attention(client, users, data):
    client.force_login(users["daxing_official"])
    page = client.get(reverse("subsidies:index")).content.decode()
    assert '<div class="kpi-value" id="kpi-pending">1</div>' in page  # B awaits a decision
    assert 'id="kpi-overdue">1</div>' in page  # the Daxing project's in-service date has passed


def test_the_application_page_shows_who_did_what(client, users, data):
    client.force_login(users["daxing_official"])
    client.post(
        reverse("subsidies:decide", args=[data["b"].pk]),
        {"decision": "reduce", "amount": "30000", "reason": "两个月停业"},
    )
    page = client.get(reverse("subsidies:application", args=[data["b"].pk])).content.decode()
    history = page[page.index('id="history"') :]
    assert "待审核" in history and "核减后批准" in history and "两个月停业" in history
    # recorded by the database trigger with the request's user
    assert '<td class="small">daxing_official</td>' in history


def test_the_facility_page_still_renders_with_subsidy_history(client, users, data):
    client.force_login(users["daxing_official"])
    assert client.get(reverse("registry:detail", args=[data["a"].facility_id])).status_code == 200

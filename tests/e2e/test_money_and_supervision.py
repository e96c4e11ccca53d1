"""Subsidy and supervision pages in a real browser: the charts render, the figures on the page are the stored
ones, overdue findings stand out, and the pages hold together on a phone."""

import datetime

import pytest
from django.utils import timezone

from supervision import services
from supervision.models import Department, Inspection
from targets.models import Region
from tests.e2e.conftest import shot
from tests.e2e.test_dashboards import log_in, wait_for_charts
from tests.factories import FacilityFactory, UserFactory, add_unit

pytestmark = pytest.mark.django_db(transaction=True)


def inspected_facility(chief):
    """A filed Daxing facility inspected two months ago, with an overdue serious finding and an open one."""
    today = timezone.localdate()
    facility = FacilityFactory(
        town=Region.objects.get(code="110115-01"),
        name="兴丰阳光园",
        filing_status="filed",
        filing_number="E2E-1",
        filed_on=datetime.date(2025, 1, 5),
    )
    add_unit(facility, "older", 2, 20)
    inspection = services.inspection_create(
        user=chief,
        district=facility.district,
        inspected_on=today - datetime.timedelta(days=60),
        kind=Inspection.Kind.JOINT,
        facilities=[facility],
        departments=list(Department.objects.filter(code__in=["health", "fire"])),
        title="消防与食品安全联合检查",
    )
    for severity, category, days in [("serious", "fire_safety", -10), ("general", "food_safety", 20)]:
        services.finding_create(
            user=chief,
            inspection=inspection,
            facility=facility,
            category=category,
            severity=severity,
            description="疏散通道堆放杂物" if category == "fire_safety" else "留样记录不全",
            deadline=today + datetime.timedelta(days=days),
            legal_basis="托育机构管理规范（试行）",
        )
    return facility


def test_supervision_dashboard_and_findings(page, live_server, seeded_live_db):
    chief = UserFactory(username="chief", is_superuser=True, is_staff=True)
    inspected_facility(chief)
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/supervision/districts/110115/")
    wait_for_charts(page, 2)
    body = page.inner_text("main")
    assert "兴丰阳光园" in body and "逾期" in body
    shot(page, "supervision-dashboard-110115")
    page.goto(f"{base}/supervision/findings/")
    findings = page.inner_text("main")
    assert "疏散通道堆放杂物" in findings and "留样记录不全" in findings
    shot(page, "supervision-findings")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/supervision/districts/110115/")
    wait_for_charts(page, 2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shot(page, "supervision-dashboard-phone")


def test_fund_execution_and_projects(page, live_server, seeded_live_db):
    UserFactory(username="chief", is_superuser=True, is_staff=True)
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/subsidies/funds/")
    wait_for_charts(page, 1)
    funds = page.inner_text("main")
    assert "中央财政支持普惠托育服务发展示范项目资金" in funds and "100,000,000" in funds
    shot(page, "subsidies-funds")
    page.goto(f"{base}/subsidies/projects/")
    projects = page.inner_text("main")
    assert "区级托育综合服务指导中心（仙桃数据谷）" in projects
    shot(page, "subsidies-projects")
    page.goto(f"{base}/subsidies/")
    shot(page, "subsidies-index")

"""Subsidy and supervision pages in a real browser: the charts render, the figures on the page are the stored
ones, overdue findings stand out, and the pages hold together on a phone."""

import datetime

import pytest
from django.utils import timezone

from supervision import services
from supervision.models import Department, Inspection
from targets.models import Region
from tests.e2e.conftest import shot, show
from tests.factories import FacilityFactory, add_unit

pytestmark = pytest.mark.django_db(transaction=True)


def inspected_facility(chief):
    """A filed Daxing facility inspected two months ago, with an overdue serious finding and an open one."""
    today = timezone.localdate()
    facility = FacilityFactory(
        town=Region.objects.get(code="110115001"),
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


def test_supervision_dashboard_and_findings(page, chief_base, chief):
    inspected_facility(chief)
    body = show(page, f"{chief_base}/supervision/districts/110115/", charts=2)
    assert "兴丰阳光园" in body and "逾期" in body
    shot(page, "supervision-dashboard-110115")
    findings = show(page, f"{chief_base}/supervision/findings/")
    assert "疏散通道堆放杂物" in findings and "留样记录不全" in findings
    shot(page, "supervision-findings")
    page.set_viewport_size({"width": 390, "height": 844})
    show(page, f"{chief_base}/supervision/districts/110115/", charts=2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shot(page, "supervision-dashboard-phone")


def test_fund_execution_and_projects(page, chief_base):
    funds = show(page, f"{chief_base}/subsidies/funds/", charts=1)
    assert "中央财政支持普惠托育服务发展示范项目资金" in funds and "100,000,000" in funds
    shot(page, "subsidies-funds")
    projects = show(page, f"{chief_base}/subsidies/projects/")
    assert "区级托育综合服务指导中心（仙桃数据谷）" in projects
    shot(page, "subsidies-projects")
    page.goto(f"{chief_base}/subsidies/")
    shot(page, "subsidies-index")

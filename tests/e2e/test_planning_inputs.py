"""The per-town demand page and the projects page in a browser, at 1400 and 390 px: they render (the chart
too), a phone gets no page-wide horizontal scroll (wide tables scroll inside their card), and screenshots are
kept in artifacts/screenshots/ for a person to look at."""

from decimal import Decimal

import pytest

from planning import services
from targets.models import PopulationStat, Region, SourceDocument
from tests.e2e.conftest import shot, wait_for_charts

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1400, 390)


@pytest.fixture
def daxing_demand(chief):
    """Infants under 3 for four Daxing towns (a test's own figures, marked as such), and two scenarios."""
    daxing = Region.objects.get(code="110115")
    source = SourceDocument.objects.create(
        key="e2e-town-infants", title="镇街婴幼儿数（浏览器测试数据）", status="final", region=daxing
    )
    towns = Region.objects.filter(parent=daxing, level="town").order_by("sort_order", "code")[:4]
    for town, infants in zip(towns, (1800, 1250, 960, 640), strict=True):
        PopulationStat.objects.create(region=town, year=2025, infants_under_3=infants, source=source)
    services.scenario_save(user=chief, district=daxing, name="意愿 40 %", percent=Decimal("40"))
    services.scenario_save(user=chief, district=daxing, name="意愿 25 %", percent=Decimal("25"))
    return daxing


def no_page_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_town_demand_page(page, chief_base, daxing_demand):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{chief_base}/planning/districts/110115/demand/towns/?year=2025")
        wait_for_charts(page, 1)
        assert page.locator("#table-demand tbody tr").count() == 22
        assert "意愿 40 %" in page.inner_text("#scenarios")
        assert no_page_scroll(page), f"horizontal page scroll at {width}px"
        shot(page, f"planning-town-demand-{width}")


def test_projects_page(page, chief_base):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{chief_base}/subsidies/projects/?district=500112")
        text = page.inner_text("#table-plan")
        assert "“医育结合”托育园" in text and "15" in text
        shot(page, f"subsidies-projects-{width}")
        wide = page.evaluate(
            "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right >"
            " window.innerWidth + 1 && !e.closest('.table-responsive')).slice(0, 5).map(e => e.tagName + '.'"
            " + e.className + '#' + e.id)"
        )
        assert no_page_scroll(page), f"horizontal page scroll at {width}px: {wide}"
    page.goto(f"{chief_base}/subsidies/projects/new/")
    page.set_viewport_size({"width": 390, "height": 900})
    assert no_page_scroll(page)
    shot(page, "subsidies-project-new-390")

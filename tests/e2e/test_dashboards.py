"""Each dashboard loads in a real browser for both districts, its charts render, and the numbers on the page
equal the computation."""

import datetime

import pytest

from facilities.models import Facility
from planning import selectors
from targets.models import Region
from tests.e2e.conftest import shot, show, wait_for_charts
from tests.factories import FacilityFactory, add_unit

pytestmark = pytest.mark.django_db(transaction=True)


def registry():
    """A small hand-made registry in both districts so the charts have bars."""
    for code, name, units, inclusive in [
        ("110115001", "兴丰阳光园", [("toddler", 2, 15), ("older", 3, 20)], 60),
        ("110115005", "黄村小太阳", [("older", 4, 20)], 20),
        ("110115006", "旧宫爱心园", [("infant", 1, 10), ("older", 2, 20)], 0),
        ("500112023", "仙桃数据谷托育园", [("older", 5, 20)], 100),
    ]:
        town = Region.objects.get(code=code)
        facility = FacilityFactory(
            town=town,
            name=name,
            filing_status="filed",
            filing_number=f"E2E-{code}",
            filed_on=datetime.date(2025, 1, 5),
            is_inclusive=bool(inclusive),
        )
        for unit in units:
            add_unit(facility, *unit)
        Facility.objects.filter(pk=facility.pk).update(inclusive_slots=inclusive)


@pytest.mark.parametrize(("code", "plan"), [("110115", "2025:plan"), ("500112", "")])
def test_district_dashboard_renders_charts_and_the_computed_numbers(page, chief_base, code, plan):
    registry()
    page.goto(f"{chief_base}/planning/districts/{code}/" + (f"?plan={plan}" if plan else ""))
    wait_for_charts(page, 3)
    district = Region.objects.get(code=code)
    year, level = (2025, "plan") if plan else (datetime.date.today().year, "plan")
    progress = selectors.district_progress(district, year, level)
    assert page.inner_text("#kpi-slots").replace(",", "") == str(progress.totals.actual_slots)
    towns_table = page.inner_text("#table-towns")
    for row in progress.rows:
        assert row.name in towns_table
    if code == "110115":
        assert "8,600" in towns_table and "天宫院街道" in towns_table
    shot(page, f"dashboard-{code}")
    shot(page, f"dashboard-{code}-top", full_page=False)


def test_compare_and_town_pages(page, chief_base):
    registry()
    table = show(page, f"{chief_base}/planning/compare/?year=2025", charts=1, text="#table-compare")
    assert "大兴区" in table and "渝北区" in table and "4.53" in table
    shot(page, "compare")
    page.goto(f"{chief_base}/planning/districts/110115/towns/110115001/?plan=2025:plan")
    assert page.inner_text("#town-actual") == "90"
    assert "兴丰阳光园" in page.inner_text("#town-facilities")
    shot(page, "town-110115001")

"""The dashboards as Daxing's officials meet them, on a phone (390 px), a wide screen (1400 px) and in English
on a laptop (1280 px) and a phone (390 px: the portal's English name is wider than the phone): the district
official's district dashboard, a town's dashboard and the comparison of districts; the town official's own
town. No page scrolls sideways, and on a phone the town table's rows stay short (the table scrolls inside its
card instead of wrapping every cell) and the long list of flags scrolls inside its own card. Screenshots go to
artifacts/screenshots/ for a person to look at."""

import pytest

from targets.models import Region
from tests import cast
from tests.e2e.conftest import log_in, shot, wait_for_charts
from tests.e2e.test_dashboards import registry

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = ((390, False), (1400, False), (1280, True), (390, True))
TOWN = "110115001"
DISTRICT_PAGE = "/planning/districts/110115/?plan=2025:plan"
TOWN_PAGE = f"/planning/districts/110115/towns/{TOWN}/?plan=2025:plan"
COMPARE_PAGE = "/planning/compare/?year=2025"


def no_sideways_scroll(page):
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow} px"


def tallest_row(page, selector):
    return page.evaluate(
        f"Math.max(0, ...[...document.querySelectorAll('{selector} tbody tr')]"
        ".map(r => r.getBoundingClientRect().height))"
    )


def signed_in_page(browser, base, username, width, english):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="en-US" if english else "zh-CN"
    )
    if english:
        context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, username)
    return context, page


def visit(page, url, name, *, charts=0):
    page.goto(url)
    if charts:
        wait_for_charts(page, charts)
    assert page.locator("main").count() == 1
    no_sideways_scroll(page)
    shot(page, name)


def test_dashboards_at_phone_wide_and_english_widths(browser, live_server, seeded_live_db):
    registry()
    daxing = Region.objects.get(code="110115")
    cast.district_official("dx.official", daxing)
    cast.town_official("xf.official", Region.objects.get(code=TOWN))
    base = live_server.url

    for width, english in WIDTHS:
        suffix = f"{width}-en" if english else str(width)
        context, page = signed_in_page(browser, base, "dx.official", width, english)
        visit(page, base + DISTRICT_PAGE, f"widths-district-{suffix}", charts=3)
        if width == 390:
            # The town table: each row one line high-ish, the table scrolling inside its card; the flags
            # (dozens of lines) scroll inside a card no taller than the screen.
            assert tallest_row(page, "#table-towns") <= 120, tallest_row(page, "#table-towns")
            flags = page.evaluate("document.querySelector('#table-flags').getBoundingClientRect().height")
            assert flags <= 900, flags
        visit(page, base + TOWN_PAGE, f"widths-town-{suffix}")
        visit(page, base + COMPARE_PAGE, f"widths-compare-{suffix}", charts=1)
        if width == 390:
            assert tallest_row(page, "#table-compare") <= 120, tallest_row(page, "#table-compare")
        context.close()

        context, page = signed_in_page(browser, base, "xf.official", width, english)
        visit(page, base + TOWN_PAGE, f"widths-town-official-{suffix}")
        context.close()

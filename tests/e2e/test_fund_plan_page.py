"""The fund plan page in a browser: from the fund page's plan card to the plan form and back, with a
refusal shown beside its month (screenshots in the e2e screenshot folder)."""

from decimal import Decimal

import pytest

from subsidies.models import Fund, FundPlanMonth
from tests.e2e.conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_plan_entered_on_the_page_shows_against_the_funds_spending(page, chief_base):
    fund = Fund.objects.order_by("-amount_allocated").first()
    page.goto(f"{chief_base}/subsidies/funds/{fund.pk}/")
    page.click("#fund-plan-edit")
    page.wait_for_load_state()
    rows = page.locator("#fund-plan-form tbody tr")
    assert rows.count() >= 12
    first, second = rows.nth(0), rows.nth(1)
    first.locator("input[name$=planned_cumulative]").fill(str(fund.amount_allocated / 2))
    second.locator("input[name$=planned_cumulative]").fill("1.00")  # goes down: refused
    page.click("#fund-plan-form button[type=submit]")
    page.wait_for_load_state()
    assert "累计金额只能持平或增加" in page.inner_text("main")
    shot(page, "fund-plan-refused")
    assert not FundPlanMonth.objects.filter(fund=fund).exists()
    second.locator("input[name$=planned_cumulative]").fill(str(fund.amount_allocated))
    page.click("#fund-plan-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/subsidies/funds/{fund.pk}/#plan")
    shot(page, "fund-plan-on-fund-page")
    assert FundPlanMonth.objects.filter(fund=fund).count() == 2
    assert max(
        FundPlanMonth.objects.filter(fund=fund).values_list("planned_cumulative", flat=True)
    ) == Decimal(fund.amount_allocated)

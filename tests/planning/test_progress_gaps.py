"""Honest gaps: the district's shortfall is the sum of its lagging towns' shortfalls (a surplus in one town
builds no slot in another), towns with inclusive service against the coverage goal, and past plans judged
with frozen figures of their deadline only when a frozen report exists."""

import datetime

import pytest
from django.urls import reverse

from planning import selectors
from targets.models import Region
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def filed(town, classes, *, inclusive=0):
    """A filed, operating facility of `classes` × 20 slots (托大班)."""
    return FacilityFactory(
        town=town,
        filed=True,
        filed_on=datetime.date(2025, 1, 10),
        inclusive=bool(inclusive),
        units=[("older", classes, 20)],
        inclusive_slots=inclusive,
    )


@pytest.fixture
def xingfeng_above_target(daxing):
    """兴丰街道 (2025 plan: 370) with 400 slots, 100 of them inclusive; every other town with none."""
    return filed(Region.objects.get(code="110115001"), 20, inclusive=100)


def test_the_shortfall_is_the_sum_of_the_lagging_towns_shortfalls(daxing, xingfeng_above_target):
    progress = selectors.district_progress(daxing, 2025, "plan")
    others = [row for row in progress.rows if row.code != "110115001"]
    assert progress.rows[0].gap == -30 and progress.rows[0].shortfall == 0  # above target: no shortfall
    assert progress.totals.gap == 8600 - 400  # net: 兴丰's surplus of 30 offsets other towns
    assert progress.shortfall == sum(row.target_slots for row in others) == 8600 - 370
    assert progress.shortfall == progress.totals.gap + 30
    assert len(progress.lagging_rows) == 21


def test_towns_with_inclusive_service_against_the_coverage_goal(daxing, xingfeng_above_target):
    progress = selectors.district_progress(daxing, 2025, "plan")
    assert (progress.towns_with_inclusive_service, len(progress.town_rows)) == (1, 22)
    assert progress.coverage_goal.key == "daxing-town-coverage-goal-2025"  # 实现普惠托育服务街道（镇）全覆盖
    assert progress.meets_coverage_goal is False


def test_a_past_plan_is_judged_with_its_frozen_figures_when_a_report_exists(daxing, monkeypatch):
    xingfeng = Region.objects.get(code="110115001")
    filed(xingfeng, 3)  # 60 slots in the registry today

    def reader(district, period_end):
        if period_end == datetime.date(2024, 12, 31):
            return {xingfeng.pk: {"slots": 250, "inclusive": 80, "n": 2}}
        return None

    monkeypatch.setattr(selectors, "_frozen_readers", [reader])
    plans = {(p.year, p.level): p for p in selectors.progress_over_years(daxing, datetime.date(2025, 6, 30))}
    baseline = plans[(2024, "baseline")]
    assert baseline.as_reported == datetime.date(2024, 12, 31)
    assert baseline.totals.actual_slots == 250 and baseline.rows[0].shortfall == 0  # 250 ≥ 210
    current = plans[(2025, "plan")]
    assert current.as_reported is None and not current.past_deadline
    assert current.totals.actual_slots == 60


def test_without_a_frozen_report_a_past_plan_says_its_figures_are_live(daxing):
    plans = selectors.progress_over_years(daxing, datetime.date(2025, 6, 30))
    baseline = next(p for p in plans if p.year == 2024)
    assert baseline.as_reported is None and baseline.past_deadline


def test_the_dashboard_shows_the_shortfall_beside_the_net_gap_and_how_each_is_computed(
    client_as, daxing, xingfeng_above_target
):
    response = client_as("daxing_official").get(
        reverse("planning:district", args=["110115"]), {"plan": "2025:plan"}
    )
    page = response.content.decode()
    progress = response.context["progress"]  # the cast's facilities A and B count too
    surplus = sum(-row.gap for row in progress.town_rows if row.gap < 0)
    assert surplus > 0 and progress.shortfall == progress.totals.gap + surplus  # no surplus hides a shortfall
    assert f'id="kpi-shortfall">{progress.shortfall:,}<' in page
    assert f'id="kpi-coverage">{progress.towns_with_inclusive_service} / 22<' in page
    for anchor in ("slots", "share", "per1000", "shortfall", "coverage"):
        assert f'href="#how-{anchor}"' in page and f'id="how-{anchor}"' in page
    towns = response.context["tables"]["towns"]
    # The table's total row: the net gap, and the honest gap beside it.
    assert (towns.footer[9], towns.footer[10]) == (progress.totals.gap, progress.shortfall)

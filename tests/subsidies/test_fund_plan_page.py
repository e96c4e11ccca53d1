"""A fund's monthly spending plan on the portal (issue 17: the central fund had no spending plan or deadline
anyone could see against). The fund's district officials enter the planned cumulative spend month by month
on one page, from the fund's allocation to its deadline; the fund page shows it against what was paid.
The plan is saved all at once or not at all: amounts never go down from month to month, the last stays
within the allocation, and a month someone else changed meanwhile refuses the save."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from subsidies import services
from subsidies.models import FundPlanMonth
from tests.factories import FundFactory

pytestmark = pytest.mark.django_db


def plan_url(fund):
    return reverse("subsidies:fund_plan", args=[fund.pk])


def body(amounts: dict[str, str], versions: dict[str, int] | None = None) -> dict:
    """The plan form's POST: {"2025-03": "30000.00"} → the month's row fields."""
    data = {}
    for month, amount in amounts.items():
        prefix = "m" + month.replace("-", "")
        data[f"{prefix}-planned_cumulative"] = amount
        if versions and month in versions:
            data[f"{prefix}-version"] = versions[month]
    return data


def stored(fund) -> dict[str, Decimal]:
    return {
        row.month.strftime("%Y-%m"): row.planned_cumulative
        for row in FundPlanMonth.objects.filter(fund=fund).order_by("month")
    }


class TestTheMonthsOfTheForm:
    def test_a_fund_without_a_deadline_gets_twelve_months_of_its_year(self, fund):
        months = services.fund_plan_months(fund)
        assert months[0] == datetime.date(2025, 1, 1) and months[-1] == datetime.date(2025, 12, 1)
        assert len(months) == 12

    def test_a_fund_with_a_deadline_runs_to_the_deadlines_month(self, daxing):
        fund = FundFactory(district=daxing, year=2025, spend_by=datetime.date(2026, 6, 30))
        months = services.fund_plan_months(fund)
        assert months[0] == datetime.date(2025, 1, 1) and months[-1] == datetime.date(2026, 6, 1)
        assert len(months) == 18


class TestEnteringAPlan:
    def test_an_official_enters_a_plan_and_the_fund_page_shows_it(self, client_as, fund):
        client = client_as("daxing_official")
        fund_page = client.get(reverse("subsidies:fund", args=[fund.pk])).content.decode()
        assert plan_url(fund) in fund_page  # the way in, beside the plan vs actual
        form = client.get(plan_url(fund)).content.decode()
        assert 'id="plan-2025-01"' in form and 'id="plan-2025-12"' in form
        response = client.post(
            plan_url(fund), body({"2025-03": "30000.00", "2025-06": "60000", "2025-12": "100000.00"})
        )
        assert response.status_code == 302
        assert stored(fund) == {
            "2025-03": Decimal("30000.00"),
            "2025-06": Decimal("60000.00"),
            "2025-12": Decimal("100000.00"),
        }
        page = client.get(reverse("subsidies:fund", args=[fund.pk])).content.decode()
        assert "60,000.00" in page and "100,000.00" in page
        assert "尚未录入月度支出计划" not in page

    def test_an_edit_changes_a_month_and_clearing_one_removes_it(self, client_as, users, fund):
        official = client_as("daxing_official")
        services.fund_plan_save(
            user=users["daxing_official"],
            fund=fund,
            months=[
                (datetime.date(2025, 3, 1), Decimal("30000"), None),
                (datetime.date(2025, 6, 1), Decimal("50000"), None),
            ],
        )
        rows = {row.month.strftime("%Y-%m"): row for row in FundPlanMonth.objects.filter(fund=fund)}
        versions = {month: row.version for month, row in rows.items()}
        response = official.post(plan_url(fund), body({"2025-03": "", "2025-06": "55000.00"}, versions))
        assert response.status_code == 302
        assert stored(fund) == {"2025-06": Decimal("55000.00")}
        assert rows["2025-06"].events.count() == 2  # created, changed: the history keeps both


class TestRefusals:
    def test_a_month_below_the_one_before_is_refused_and_nothing_saved(self, client_as, fund):
        client = client_as("daxing_official")
        response = client.post(plan_url(fund), body({"2025-03": "50000.00", "2025-06": "40000.00"}))
        assert response.status_code == 200
        page = response.content.decode()
        assert "累计金额只能持平或增加" in page and "未保存任何修改" in page
        assert stored(fund) == {}

    def test_a_plan_above_the_allocation_is_refused(self, client_as, fund):
        client = client_as("daxing_official")
        response = client.post(plan_url(fund), body({"2025-06": "50000.00", "2025-12": "100000.01"}))
        assert response.status_code == 200
        assert "不能超过资金的下达金额 100,000.00 元" in response.content.decode()
        assert stored(fund) == {}

    def test_a_negative_or_unreadable_amount_is_refused(self, client_as, fund):
        client = client_as("daxing_official")
        response = client.post(plan_url(fund), body({"2025-03": "-1", "2025-06": "abc"}))
        assert response.status_code == 200
        assert "计划金额不能为负数" in response.content.decode()
        assert stored(fund) == {}

    @pytest.mark.parametrize("role", ["yubei_official", "town1_official", "operator_a"])
    def test_anyone_but_the_funds_district_officials_gets_404(self, client_as, fund, role):
        client = client_as(role)
        assert client.get(plan_url(fund)).status_code == 404
        assert client.post(plan_url(fund), body({"2025-12": "1000.00"})).status_code == 404
        assert stored(fund) == {}

    def test_the_service_refuses_another_district(self, users, fund):
        with pytest.raises(services.NotAllowed):
            services.fund_plan_save(
                user=users["yubei_official"],
                fund=fund,
                months=[(datetime.date(2025, 12, 1), Decimal("1000"), None)],
            )
        assert stored(fund) == {}


class TestConcurrentEdits:
    def test_a_month_changed_meanwhile_refuses_the_save_then_saving_again_is_deliberate(
        self, client_as, users, fund
    ):
        client = client_as("daxing_official")
        services.fund_plan_save(
            user=users["daxing_official"],
            fund=fund,
            months=[(datetime.date(2025, 6, 1), Decimal("40000"), None)],
        )
        read = FundPlanMonth.objects.get(fund=fund).version
        # someone else changes June after the form was read
        services.fund_plan_save(
            user=users["daxing_official"],
            fund=fund,
            months=[(datetime.date(2025, 6, 1), Decimal("45000"), read)],
        )
        response = client.post(
            plan_url(fund), body({"2025-03": "10000.00", "2025-06": "50000.00"}, {"2025-06": read})
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "已被他人修改" in page and "2025-06" in page
        assert stored(fund) == {"2025-06": Decimal("45000.00")}  # March not written either
        # the form now carries the current version: saving again keeps the user's input
        current = FundPlanMonth.objects.get(fund=fund).version
        assert f'name="m202506-version" value="{current}"' in page
        again = client.post(
            plan_url(fund), body({"2025-03": "10000.00", "2025-06": "50000.00"}, {"2025-06": current})
        )
        assert again.status_code == 302
        assert stored(fund) == {"2025-03": Decimal("10000.00"), "2025-06": Decimal("50000.00")}

    def test_a_month_entered_by_someone_else_meanwhile_is_a_conflict(self, client_as, users, fund):
        client = client_as("daxing_official")
        services.fund_plan_save(
            user=users["daxing_official"],
            fund=fund,
            months=[(datetime.date(2025, 6, 1), Decimal("40000"), None)],
        )
        response = client.post(plan_url(fund), body({"2025-06": "50000.00"}))  # read before June existed
        assert response.status_code == 200
        assert "该月计划已由他人录入" in response.content.decode()
        assert stored(fund) == {"2025-06": Decimal("40000.00")}

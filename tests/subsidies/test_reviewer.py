"""The reviewer sees the registry: the decision page puts each claimed figure beside what the registry and
the latest monthly enrolment report say (area, approved slots, enrolled, inclusive status, open findings),
flags each claim above them, and a reduction takes the registry figure with one button."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from facilities.models import ClassTypeRule
from reporting import services as reporting_services
from reporting.services import LineInput
from subsidies import selectors
from subsidies.models import Application
from tests.factories import ApplicationFactory, ProgramFactory

pytestmark = pytest.mark.django_db
NOVEMBER = datetime.date(2026, 11, 1)


@pytest.fixture
def inflated(users, facility_a, rent_program):
    """Facility A (300 ㎡ registered) claims 5,000 ㎡ for 12 months: 600,000 proposed."""
    return ApplicationFactory(
        user=users["operator_a"], facility=facility_a, program=rent_program, area_m2=Decimal("5000")
    )


@pytest.fixture
def needy(users, facility_a, daxing, fund):
    """999 children claimed by facility A (25 enrolled) for November 2026 under a per-child program of
    100 元/人/月."""
    program = ProgramFactory(
        district=daxing,
        fund=fund,
        year=2026,
        kind="needy_infants",
        name="困难婴幼儿补助（测试）",
        basis="per_child_month",
        rate=Decimal("100.00"),
    )
    return ApplicationFactory(
        user=users["superuser"],
        facility=facility_a,
        program=program,
        area_m2=None,
        children=999,
        months=1,
        period_start=NOVEMBER,
        period_end=datetime.date(2026, 11, 30),
    )


def lines(check):
    return {line.key: line for line in check.lines}


class TestRegistryCheck:
    def test_an_area_above_the_registry_is_flagged_with_the_registry_amount(self, inflated):
        check = selectors.registry_check(inflated)
        area = lines(check)["area_m2"]
        assert inflated.proposed_amount == Decimal("600000.00")
        assert (area.claimed, area.registry, area.above) == ("5,000", "300", True)
        assert area.suggested == Decimal("36000.00")  # 10 元 × 300 ㎡ × 12 个月
        assert check.flagged == 1

    def test_a_claim_within_the_registry_is_not_flagged(self, approved):
        check = selectors.registry_check(approved)
        assert check.flagged == 0
        assert lines(check)["inclusive"].registry == "是"

    def test_children_are_compared_with_the_registry_without_a_report(self, needy):
        children = lines(selectors.registry_check(needy))["children"]
        assert (children.claimed, children.registry, children.above) == ("999", "25", True)
        assert "无月报" in children.source
        assert children.suggested == Decimal("2500.00")  # 100 元 × 25 人 × 1 个月

    def test_children_are_compared_with_the_latest_enrolment_report(self, users, needy, facility_a):
        reporting_services.enrolment_report_save(
            user=users["operator_a"],
            facility=facility_a,
            month=NOVEMBER,
            lines=[LineInput(ClassTypeRule.objects.get(code="toddler"), 18, Decimal("16"), 12)],
        )
        children = lines(selectors.registry_check(needy))["children"]
        assert (children.registry, children.above) == ("18", True)
        assert "2026-11" in children.source
        assert children.suggested == Decimal("1800.00")

    def test_open_findings_are_counted(self, inflated):
        from supervision.models import Finding

        check = selectors.registry_check(inflated)
        assert check.open_findings == Finding.objects.filter(facility=inflated.facility).unresolved().count()


class TestDecisionPage:
    def test_the_page_flags_the_claim_and_offers_the_registry_figure(self, client_as, inflated):
        client = client_as("daxing_official")
        page = client.get(reverse("subsidies:decide", args=[inflated.pk])).content.decode()
        assert 'id="registry-check"' in page
        assert 'id="check-area_m2" class="table-danger"' in page
        assert 'name="use_registry" value="area_m2"' in page
        assert "36,000.00" in page

    def test_one_click_fills_a_reduction_and_saves_nothing(self, client_as, inflated):
        client = client_as("daxing_official")
        url = reverse("subsidies:decide", args=[inflated.pk])
        response = client.post(url, {"use_registry": "area_m2"})
        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial["decision"] == "reduce"
        assert form.initial["amount"] == Decimal("36000.00")
        assert "300" in form.initial["reason"] and "5,000" in form.initial["reason"]
        inflated.refresh_from_db()
        assert inflated.status == Application.Status.SUBMITTED
        # the reviewer then saves the filled form
        body = {"decision": "reduce", "amount": "36000.00", "reason": form.initial["reason"]}
        assert client.post(url, body).status_code == 302
        inflated.refresh_from_db()
        assert (inflated.status, inflated.approved_amount) == (
            Application.Status.REDUCED,
            Decimal("36000.00"),
        )

    def test_an_unknown_figure_is_not_offered(self, client_as, inflated):
        client = client_as("daxing_official")
        url = reverse("subsidies:decide", args=[inflated.pk])
        response = client.post(url, {"use_registry": "slots"})  # no slots claimed: the ordinary form
        assert response.status_code == 200
        assert response.context["form"].is_bound
        inflated.refresh_from_db()
        assert inflated.status == Application.Status.SUBMITTED

    def test_others_cannot_open_the_decision_page(self, client_as, inflated):
        for role in ("operator_a", "town1_official", "yubei_official"):
            assert client_as(role).get(reverse("subsidies:decide", args=[inflated.pk])).status_code == 404

"""Applications: an operator applies only for their own facility with the figures the rule needs; district
officials of the facility's district approve (optionally with another amount and a written reason), reduce
or reject with a reason; operators never decide, not even on their own application."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from subsidies import services
from subsidies.models import Application
from tests.factories import grant
from tests.subsidies.conftest import NOT_DAXING_OFFICIALS, Role, approve, submit

pytestmark = pytest.mark.django_db
Decision = services.Decision


class TestApplying:
    def test_an_operator_applies_for_their_own_facility(self, users, facility_a, rent_program):
        application = submit(users["operator_a"], facility_a, rent_program, note="全年租金")
        assert application.status == Application.Status.SUBMITTED
        assert application.proposed_amount == Decimal("36000.00")
        assert (application.rule_basis, application.rule_rate) == ("per_m2_month", Decimal("10.00"))
        assert application.submitted_by == users["operator_a"]

    def test_figures_the_rule_does_not_use_are_not_stored(self, users, facility_a, rent_program):
        application = submit(users["operator_a"], facility_a, rent_program, slots=20, children=25)
        assert (application.slots, application.children) == (None, None)

    @pytest.mark.parametrize("role", ["operator_b", "town1_official", "daxing_official", "api_client"])
    def test_nobody_else_applies_for_facility_a(self, users, facility_a, rent_program, role):
        with pytest.raises(services.NotAllowed):
            submit(users[role], facility_a, rent_program)
        assert not Application.objects.filter(facility=facility_a).exists()

    def test_an_ineligible_facility_is_refused_with_the_reasons(self, users, facility_a, rent_program):
        facility_a.__class__.objects.filter(pk=facility_a.pk).update(is_inclusive=False, inclusive_slots=0)
        with pytest.raises(services.SubsidyError) as caught:
            submit(users["operator_a"], facility_a, rent_program)
        assert caught.value.errors["program"] == ["该项目仅限普惠托育机构；本机构未登记为普惠机构。"]

    def test_missing_figures_are_named_per_field(self, users, facility_a, rent_program):
        with pytest.raises(services.SubsidyError) as caught:
            submit(users["operator_a"], facility_a, rent_program, area_m2=None)
        assert list(caught.value.errors) == ["area_m2"]

    def test_overlapping_periods_are_refused(self, users, facility_a, rent_program):
        submit(users["operator_a"], facility_a, rent_program)
        with pytest.raises(services.SubsidyError, match="期间不能重叠"):
            submit(
                users["operator_a"],
                facility_a,
                rent_program,
                period_start=datetime.date(2025, 6, 1),
                period_end=datetime.date(2025, 6, 30),
                months=1,
            )

    def test_a_withdrawn_or_rejected_application_frees_the_period(self, users, facility_a, rent_program):
        first = submit(users["operator_a"], facility_a, rent_program)
        services.application_withdraw(user=users["operator_a"], application=first)
        second = submit(users["operator_a"], facility_a, rent_program)
        assert second.pk != first.pk

    def test_only_the_operator_withdraws_and_only_while_submitted(self, users, facility_a, rent_program):
        application = submit(users["operator_a"], facility_a, rent_program)
        with pytest.raises(services.NotAllowed):
            services.application_withdraw(user=users["daxing_official"], application=application)
        approve(users["daxing_official"], application)
        with pytest.raises(services.SubsidyError, match="只能撤回待审核的申请"):
            services.application_withdraw(user=users["operator_a"], application=application)


class TestDeciding:
    @pytest.fixture
    def application(self, users, facility_a, rent_program):
        return submit(users["operator_a"], facility_a, rent_program)

    def test_approve_at_the_proposed_amount(self, users, application):
        decided = approve(users["daxing_official"], application)
        assert decided.status == Application.Status.APPROVED
        assert decided.approved_amount == Decimal("36000.00") and not decided.is_overridden
        assert decided.decided_by == users["daxing_official"] and decided.decided_at

    def test_a_different_amount_needs_a_written_reason(self, users, application):
        with pytest.raises(services.SubsidyError) as caught:
            approve(users["daxing_official"], application, amount=Decimal("40000.00"))
        assert "须写明理由" in caught.value.errors["reason"][0]
        application.refresh_from_db()
        assert application.status == Application.Status.SUBMITTED

    def test_an_override_is_kept_with_its_reason(self, users, application):
        decided = approve(
            users["daxing_official"],
            application,
            amount=Decimal("40000.00"),
            reason="实测面积333㎡，按实测核定",
        )
        assert decided.status == Application.Status.APPROVED and decided.is_overridden
        assert decided.proposed_amount == Decimal("36000.00")
        assert decided.decision_reason == "实测面积333㎡，按实测核定"

    def test_approving_lower_than_proposed_is_a_reduction(self, users, application):
        decided = approve(
            users["daxing_official"], application, amount=Decimal("30000"), reason="扣除空置月份"
        )
        assert decided.status == Application.Status.REDUCED and decided.approved_amount == Decimal("30000.00")

    def test_reduce_needs_a_lower_amount_and_a_reason(self, users, application):
        official = users["daxing_official"]
        with pytest.raises(services.SubsidyError, match="核减须填写核定金额"):
            services.application_decide(user=official, application=application, decision=Decision.REDUCE)
        with pytest.raises(services.SubsidyError, match="须低于按规则测算"):
            services.application_decide(
                user=official, application=application, decision=Decision.REDUCE, amount="36000", reason="x"
            )
        with pytest.raises(services.SubsidyError, match="须写明理由"):
            services.application_decide(
                user=official, application=application, decision=Decision.REDUCE, amount="1000"
            )
        decided = services.application_decide(
            user=official,
            application=application,
            decision=Decision.REDUCE,
            amount="1000",
            reason="部分月份停业",
        )
        assert decided.status == Application.Status.REDUCED

    def test_reject_needs_a_reason(self, users, application):
        with pytest.raises(services.SubsidyError, match="驳回须写明理由"):
            services.application_decide(
                user=users["daxing_official"], application=application, decision="reject"
            )
        decided = services.application_decide(
            user=users["daxing_official"], application=application, decision="reject", reason="租赁合同未备案"
        )
        assert decided.status == Application.Status.REJECTED and decided.approved_amount is None

    def test_amounts_with_more_than_two_decimals_are_refused(self, users, application):
        with pytest.raises(services.SubsidyError, match="两位小数"):
            approve(users["daxing_official"], application, amount="100.005", reason="x")

    def test_a_decision_is_final(self, users, application):
        approve(users["daxing_official"], application)
        with pytest.raises(services.SubsidyError, match="不能再次审核"):
            approve(users["daxing_official"], application)

    @pytest.mark.parametrize("role", NOT_DAXING_OFFICIALS)
    def test_only_officials_of_the_facilitys_district_decide(self, users, application, role):
        with pytest.raises(services.NotAllowed):
            approve(users[role], application)
        application.refresh_from_db()
        assert application.status == Application.Status.SUBMITTED

    def test_an_operator_who_is_also_an_official_cannot_approve_their_own(self, users, application, daxing):
        operator = grant(users["operator_a"], Role.DISTRICT_OFFICIAL, region=daxing)
        with pytest.raises(services.NotAllowed):
            approve(operator, application)

    def test_a_superuser_decides(self, users, application):
        assert approve(users["superuser"], application).status == Application.Status.APPROVED


class TestDatabaseRules:
    """The constraints hold even for writes that skip the services."""

    def test_an_override_without_a_reason_is_refused_by_the_database(self, users, facility_a, rent_program):
        application = submit(users["operator_a"], facility_a, rent_program)
        with pytest.raises(IntegrityError, match="application_override_has_reason"), transaction.atomic():
            Application.objects.filter(pk=application.pk).update(
                status="approved", approved_amount=Decimal("99999.00")
            )

    def test_a_rejection_without_a_reason_is_refused_by_the_database(self, users, facility_a, rent_program):
        application = submit(users["operator_a"], facility_a, rent_program)
        with pytest.raises(IntegrityError, match="application_rejection_has_reason"), transaction.atomic():
            Application.objects.filter(pk=application.pk).update(status="rejected")

    def test_decisions_are_recorded_in_the_history(self, users, facility_a, rent_program):
        application = submit(users["operator_a"], facility_a, rent_program)
        approve(users["daxing_official"], application, amount=Decimal("30000"), reason="核减")
        events = application.__class__.pgh_event_model.objects.filter(pgh_obj=application).order_by("pgh_id")
        assert [e.status for e in events] == ["submitted", "reduced"]

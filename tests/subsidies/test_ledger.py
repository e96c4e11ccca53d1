"""The ledger: approved amounts are paid (in part or whole) through it, never beyond what is owed or beyond
the fund's balance (read under a row lock); it is append-only in the model and in the database; corrections
are reversals; holds stop new payments; fund execution reconciles with the ledger to the cent."""

import sys
import types
from decimal import Decimal

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext

import supervision
from facilities.models import Facility
from subsidies import selectors, services
from subsidies.models import AggregateDisbursement, AppendOnlyError, Application, Fund, LedgerEntry, Program
from targets.models import SourceDocument
from tests.factories import FundFactory, ProgramFactory
from tests.subsidies.conftest import NOT_DAXING_OFFICIALS, approve, make_facility, pay, submit

pytestmark = pytest.mark.django_db


def disburse_in_aggregate(fund, amount, program_kind, subject):
    """An aggregate disbursement from `fund`, as the seed records them: no application, no ledger entry."""
    return AggregateDisbursement.objects.create(
        district=fund.district,
        program_kind=program_kind,
        subject=subject,
        fund=fund,
        amount=Decimal(amount),
        source=fund.district.documents.first() or SourceDocument.objects.first(),
    )


# Ways past the append-only model (a plain queryset has no append-only manager); the trigger must stop each.
def orm_update(pk):
    models.QuerySet(model=LedgerEntry).filter(pk=pk).update(amount=Decimal("1.00"))


def orm_delete(pk):
    models.QuerySet(model=LedgerEntry).filter(pk=pk).delete()


def sql_update(pk):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subsidies_ledgerentry SET amount = 1 WHERE id = %s", [pk])


def sql_delete(pk):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM subsidies_ledgerentry WHERE id = %s", [pk])


class TestPaying:
    def test_pay_the_whole_approved_amount(self, users, approved):
        entry = pay(users["daxing_official"], approved)
        assert entry.amount == Decimal("36000.00") and entry.kind == LedgerEntry.Kind.PAYMENT
        assert (entry.facility, entry.program, entry.fund) == (
            approved.facility,
            approved.program,
            approved.program.fund,
        )
        assert entry.created_by == users["daxing_official"]
        state = selectors.payment_state(approved)
        assert state.paid == Decimal("36000.00") and state.outstanding == 0 and state.fully_paid

    def test_pay_in_parts(self, users, approved):
        official = users["daxing_official"]
        pay(official, approved, Decimal("10000.00"), "PZ-1")
        pay(official, approved, Decimal("20000.00"), "PZ-2")
        assert selectors.payment_state(approved).outstanding == Decimal("6000.00")
        last = pay(official, approved, reference="PZ-3")  # no amount: the rest
        assert last.amount == Decimal("6000.00")
        with pytest.raises(services.SubsidyError, match="已全部支付"):
            pay(official, approved, reference="PZ-4")

    def test_never_more_than_is_owed(self, users, approved):
        with pytest.raises(services.SubsidyError, match="超过尚未支付的核定金额"):
            pay(users["daxing_official"], approved, Decimal("36000.01"))
        assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_only_approved_applications_are_paid(self, users, facility_a, rent_program):
        application = submit(users["operator_a"], facility_a, rent_program)
        with pytest.raises(services.SubsidyError, match="只有已批准的申请可以支付"):
            pay(users["daxing_official"], application)

    def test_a_program_without_a_fund_cannot_pay(self, users, approved):
        Program.objects.filter(pk=approved.program_id).update(fund=None)
        with pytest.raises(services.SubsidyError, match="尚未指定资金来源"):
            pay(users["daxing_official"], approved)

    def test_a_reference_is_required(self, users, approved):
        with pytest.raises(services.SubsidyError, match="凭证号"):
            pay(users["daxing_official"], approved, reference="  ")


class TestBalance:
    def test_the_fund_is_committed_at_approval_so_payments_never_exceed_it(
        self, users, fund, facility_a, facility_b, rent_program
    ):
        official = users["daxing_official"]
        fund.amount_allocated = Decimal("50000.00")
        fund.save()
        first = approve(official, submit(users["operator_a"], facility_a, rent_program))  # commits 36,000
        with pytest.raises(services.InsufficientBalance) as caught:
            approve(official, submit(users["operator_b"], facility_b, rent_program))  # 36,000 > 14,000 left
        assert "尚可承诺 14,000.00 元，本次核定 36,000.00 元" in caught.value.message
        second = Application.objects.get(facility=facility_b, program=rent_program)
        second = approve(official, second, amount="14000.00", reason="资金余额")  # exactly the rest
        pay(official, first, reference="PZ-1")
        assert pay(official, second, reference="PZ-2").amount == Decimal("14000.00")
        assert selectors.fund_execution([fund])[0].remaining == 0

    def test_aggregates_tied_to_the_fund_count_against_it(self, users, fund, approved, daxing):
        disburse_in_aggregate(fund, "64000.00", "rent", "往年汇总拨付")  # 36,000 + 64,000 = the allocation
        with pytest.raises(IntegrityError, match="exceed the allocation"), transaction.atomic():
            disburse_in_aggregate(fund, "0.01", "rent", "再多一分")
        assert pay(users["daxing_official"], approved).amount == Decimal("36000.00")

    def test_the_fund_row_is_locked_while_paying(self, users, approved):
        with CaptureQueriesContext(connection) as queries:
            pay(users["daxing_official"], approved)
        locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and '"subsidies_fund"' in q["sql"]]
        assert locks, "the fund's balance must be read under SELECT … FOR UPDATE"

    def test_a_concurrent_payment_waits_for_the_lock(self, users, facility_a):
        """A second database connection cannot take the fund's row lock while a payment holds it, so it
        cannot read the balance and pay past it at the same time."""
        central = Fund.objects.get(seed_key="yubei-central-demonstration-2024")  # committed by the seed
        program = ProgramFactory(district=central.district, fund=central, unconditional=True)
        facility = make_facility(facility_a.town, "并发测试园")
        Facility.objects.filter(pk=facility.pk).update(district=central.district, town=None)
        facility.refresh_from_db()
        application = submit(users["superuser"], facility, program)

        other = connection.get_new_connection(connection.get_connection_params())
        try:
            other.autocommit = False
            lock = "SELECT id FROM subsidies_fund WHERE id = %s FOR UPDATE NOWAIT"
            other.execute(lock, [central.pk])  # free before the approval and payment…
            other.rollback()
            application = approve(users["superuser"], application)  # (an approval commits: it locks too)
            pay(users["superuser"], application)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(lock, [central.pk])  # …held by the paying transaction until it ends
            other.rollback()
        finally:
            other.close()


class TestAppendOnly:
    @pytest.fixture
    def entry(self, users, approved):
        return pay(users["daxing_official"], approved)

    def test_the_model_refuses_to_change_or_delete_a_row(self, entry):
        entry.amount = Decimal("1.00")
        with pytest.raises(AppendOnlyError):
            entry.save()
        with pytest.raises(AppendOnlyError):
            entry.delete()

    def test_the_queryset_refuses_update_and_delete(self, entry):
        with pytest.raises(AppendOnlyError):
            LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1.00"))
        with pytest.raises(AppendOnlyError):
            LedgerEntry.objects.filter(pk=entry.pk).delete()
        with pytest.raises(AppendOnlyError):
            LedgerEntry.objects.bulk_update([entry], ["amount"])

    @pytest.mark.parametrize("bypass", [orm_update, orm_delete, sql_update, sql_delete])
    def test_the_database_refuses_what_bypasses_the_model(self, entry, bypass):
        with (
            pytest.raises(DatabaseError, match="pgtrigger: Cannot update or delete rows"),
            transaction.atomic(),
        ):
            bypass(entry.pk)

    def test_nothing_changed(self, entry):
        for attempt in (
            lambda: models.QuerySet(model=LedgerEntry).filter(pk=entry.pk).update(reference="X"),
            lambda: connection.cursor().execute("DELETE FROM subsidies_ledgerentry"),
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                attempt()
        entry_again = LedgerEntry.objects.get(pk=entry.pk)
        assert (entry_again.amount, entry_again.reference) == (Decimal("36000.00"), "PZ-001")


class TestReversals:
    def test_a_reversal_is_a_new_negative_entry_and_the_payment_stays(self, users, approved):
        official = users["daxing_official"]
        payment = pay(official, approved)
        reversal = services.payment_reverse(user=official, entry=payment, reason="凭证号录错")
        assert reversal.kind == LedgerEntry.Kind.REVERSAL and reversal.amount == Decimal("-36000.00")
        assert reversal.reversal_of == payment and reversal.note == "凭证号录错"
        assert reversal.reference == "冲销 PZ-001"
        assert LedgerEntry.objects.filter(pk=payment.pk).exists()
        assert selectors.application_paid(approved) == 0
        # the amount is owed again and can be paid correctly
        assert pay(official, approved, reference="PZ-001-正").amount == Decimal("36000.00")

    def test_a_reason_is_required_and_a_payment_is_reversed_once(self, users, approved):
        official = users["daxing_official"]
        payment = pay(official, approved)
        with pytest.raises(services.SubsidyError, match="冲销须写明原因"):
            services.payment_reverse(user=official, entry=payment, reason=" ")
        reversal = services.payment_reverse(user=official, entry=payment, reason="重复支付")
        with pytest.raises(services.SubsidyError, match="已被冲销"):
            services.payment_reverse(user=official, entry=payment, reason="again")
        with pytest.raises(services.SubsidyError, match="只能冲销支付记录"):
            services.payment_reverse(user=official, entry=reversal, reason="x")

    @pytest.mark.parametrize("role", NOT_DAXING_OFFICIALS)
    def test_only_the_districts_officials_pay_or_reverse(self, users, approved, role):
        with pytest.raises(services.NotAllowed):
            pay(users[role], approved)
        payment = pay(users["daxing_official"], approved)
        with pytest.raises(services.NotAllowed):
            services.payment_reverse(user=users[role], entry=payment, reason="x")
        assert list(LedgerEntry.objects.filter(application=approved)) == [payment]  # the official's alone

    @staticmethod
    def unchecked_entry(payment, **fields):
        """A ledger row beside `payment`, made without the services: only the database's checks stand."""
        return LedgerEntry(
            entry_date=payment.entry_date,
            facility=payment.facility,
            program=payment.program,
            fund=payment.fund,
            application=payment.application,
            reference="X",
            created_by=payment.created_by,
            **fields,
        )

    def test_the_database_checks_that_a_reversal_mirrors_its_payment(self, users, approved):
        payment = pay(users["daxing_official"], approved)
        bad = self.unchecked_entry(
            payment,
            amount=Decimal("-1.00"),  # not the payment's amount
            kind=LedgerEntry.Kind.REVERSAL,
            reversal_of=payment,
            note="x",
        )
        with pytest.raises(IntegrityError, match="must mirror payment"), transaction.atomic():
            bad.save()

    def test_the_database_checks_signs(self, users, approved):
        payment = pay(users["daxing_official"], approved)
        negative_payment = self.unchecked_entry(
            payment, amount=Decimal("-5.00"), kind=LedgerEntry.Kind.PAYMENT
        )
        with pytest.raises(IntegrityError, match="ledger_kind_sign_and_link"), transaction.atomic():
            negative_payment.save()


class TestReconciliation:
    def test_ledger_sums_per_fund_equal_fund_execution(self, users, daxing, fund, facility_a, facility_b):
        official = users["daxing_official"]
        second_fund = FundFactory(
            source_level=Fund.SourceLevel.CITY,
            name="市级社区普惠托育建设资金（测试）",
            district=daxing,
            amount_allocated=Decimal("80000.00"),
            purpose="建设补助",
        )
        rent = ProgramFactory(name="租金（对账）", fund=fund, unconditional=True)  # Daxing's, 10 元/㎡/月
        slots = ProgramFactory(
            district=daxing,
            kind=Program.Kind.OPERATING,
            name="运营（对账）",
            fund=second_fund,
            basis=Program.Basis.PER_SLOT,
            rate=Decimal("333.33"),
            unconditional=True,
        )
        a_rent = approve(official, submit(users["operator_a"], facility_a, rent, months=7))
        b_rent = approve(official, submit(users["operator_b"], facility_b, rent, area_m2=Decimal("123.45")))
        a_slots = approve(
            official,
            submit(users["operator_a"], facility_a, slots, slots=20),
            amount="6000.01",
            reason="按实际托位",
        )
        p1 = pay(official, a_rent, Decimal("1234.56"), "R-1")
        pay(official, a_rent, reference="R-2")
        pay(official, b_rent, Decimal("0.01"), "R-3")
        p4 = pay(official, a_slots, reference="S-1")
        services.payment_reverse(user=official, entry=p1, reason="错账")
        services.payment_reverse(user=official, entry=p4, reason="错账")
        pay(official, a_slots, Decimal("3000.00"), "S-2")
        disburse_in_aggregate(second_fund, "500.50", "operating", "汇总（对账）")

        for execution in selectors.fund_execution(Fund.objects.filter(pk__in=[fund.pk, second_fund.pk])):
            entries = LedgerEntry.objects.filter(fund=execution.fund)
            ledger_sum = sum((e.amount for e in entries), Decimal("0"))
            aggregates = sum(
                (a.amount for a in AggregateDisbursement.objects.filter(fund=execution.fund)), Decimal("0")
            )
            assert execution.ledger_net == ledger_sum
            assert execution.disbursed == ledger_sum + aggregates == selectors.fund_disbursed(execution.fund)
            assert execution.remaining == execution.fund.amount_allocated - execution.disbursed
            months = selectors.fund_by_month(execution.fund)
            assert months[-1].cumulative == execution.disbursed
            by_program = selectors.fund_by_program(execution.fund)
            assert sum((line.total for line in by_program), Decimal("0")) == execution.disbursed

        rent_execution = selectors.fund_execution([fund])[0]
        # payments 1,234.56 + 19,765.44 (the rest of 21,000) + 0.01; one reversal of 1,234.56
        assert rent_execution.paid == Decimal("21000.01")
        assert rent_execution.reversed == Decimal("1234.56")
        assert rent_execution.ledger_net == Decimal("19765.45")
        per_facility = selectors.facility_paid_totals(LedgerEntry.objects.all())
        assert per_facility[facility_a.pk] == Decimal("19765.44") + Decimal("3000.00")
        assert per_facility[facility_b.pk] == Decimal("0.01")


class TestHolds:
    @pytest.mark.parametrize(
        ("status", "reason"), [("suspended", "机构已暂停运营"), ("closed", "机构已关停")]
    )
    def test_suspended_or_closed_facilities_have_payments_held(self, users, approved, status, reason):
        Facility.objects.filter(pk=approved.facility_id).update(operating_status=status)
        approved.facility.refresh_from_db()
        with pytest.raises(services.PaymentHeld) as caught:
            pay(users["daxing_official"], approved)
        assert caught.value.reasons[0].startswith(reason)
        assert caught.value.message.startswith("暂缓支付：" + reason)
        assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_the_hold_names_the_date_when_known(self, users, approved):
        import datetime

        Facility.objects.filter(pk=approved.facility_id).update(
            operating_status="suspended", status_since=datetime.date(2025, 9, 1)
        )
        approved.facility.refresh_from_db()
        assert selectors.payment_holds(approved.facility) == ["机构已暂停运营（自 2025-09-01）"]

    def test_payments_resume_when_the_facility_operates_again(self, users, approved):
        Facility.objects.filter(pk=approved.facility_id).update(operating_status="suspended")
        approved.facility.refresh_from_db()
        with pytest.raises(services.PaymentHeld):
            pay(users["daxing_official"], approved)
        Facility.objects.filter(pk=approved.facility_id).update(operating_status="operating")
        assert pay(users["daxing_official"], approved).amount == Decimal("36000.00")

    def test_overdue_serious_findings_from_supervision_hold_payments(self, users, approved, monkeypatch):
        fake = types.ModuleType("supervision.selectors")
        fake.payment_hold_reasons = lambda facility: [f"{facility.name}有逾期未整改的严重问题"]
        monkeypatch.setitem(sys.modules, "supervision.selectors", fake)
        monkeypatch.setattr(supervision, "selectors", fake, raising=False)
        with pytest.raises(services.PaymentHeld, match="甲托育园有逾期未整改的严重问题"):
            pay(users["daxing_official"], approved)

    def test_a_supervision_app_without_the_hook_holds_nothing(self, users, approved, monkeypatch):
        fake = types.ModuleType("supervision.selectors")
        monkeypatch.setitem(sys.modules, "supervision.selectors", fake)
        monkeypatch.setattr(supervision, "selectors", fake, raising=False)
        assert selectors.payment_holds(approved.facility) == []
        assert pay(users["daxing_official"], approved)

"""Money controls (issue 17): the ledger refuses to be rewritten even by the portal's own database role, each
entry is hash-chained and `verify_ledger` finds a tampered row, a voucher is recorded once per fund (a double
post writes one entry), payments stay within the approval and after it, approvals commit money within the
fund, allocations never drop below commitments, maker-checker separates approver, payer and reverser, and
the fund page shows the plan against what was committed and paid."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from subsidies import selectors, services
from subsidies.models import Application, Fund, FundPlanMonth, LedgerEntry, PaymentControls
from tests.subsidies.conftest import approve, pay, submit
from tuoyu_portal.db_roles import grant_app_role

pytestmark = pytest.mark.django_db


def raw_insert(payment, **overrides):
    """INSERT a ledger row in SQL beside `payment`, as a script with the portal's credentials could."""
    row = {
        "entry_date": payment.entry_date,
        "facility_id": payment.facility_id,
        "program_id": payment.program_id,
        "fund_id": payment.fund_id,
        "application_id": payment.application_id,
        "amount": Decimal("1.00"),
        "kind": "payment",
        "reference": "RAW-1",
        "note": "",
        "created_by_id": payment.created_by_id,
    } | overrides
    columns = ", ".join(row)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO subsidies_ledgerentry ({columns}, created_at, prev_hash, entry_hash) "
            f"VALUES ({', '.join(['%s'] * len(row))}, now(), '', '')",
            list(row.values()),
        )


class TestThePortalsDatabaseRole:
    """A role set up as the portal's (tuoyu_portal.db_roles) on this test database, tried with SET ROLE:
    it owns nothing, so it cannot empty, edit or unprotect the ledger, whatever SQL it sends."""

    @pytest.fixture
    def app_role(self, settings):
        role = settings.DATABASE_APP_ROLE or f"{connection.settings_dict['NAME']}_portal_probe"[:63]
        with connection.cursor() as cursor:
            if not settings.DATABASE_APP_ROLE:  # one-role setup: a role of our own, gone at rollback
                cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
            grant_app_role(cursor, role)
        return role

    def as_role(self, role, sql, params=()):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{role}"')
            cursor.execute(sql, params)

    @pytest.mark.parametrize(
        "sql",
        [
            "TRUNCATE subsidies_ledgerentry",
            "TRUNCATE subsidies_ledgerentry CASCADE",
            "UPDATE subsidies_ledgerentry SET amount = 999999 WHERE id = %s",
            "DELETE FROM subsidies_ledgerentry WHERE id = %s",
            "ALTER TABLE subsidies_ledgerentry DISABLE TRIGGER ALL",
            "ALTER TABLE subsidies_ledgerentry DISABLE TRIGGER USER",
            "ALTER TABLE subsidies_ledgerentry DROP CONSTRAINT ledger_voucher_unique_per_fund",
        ],
    )
    def test_is_refused(self, users, approved, app_role, sql):
        entry = pay(users["daxing_official"], approved)
        params = [entry.pk] if "%s" in sql else []
        with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
            self.as_role(app_role, sql, params)
        assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("36000.00")

    def test_appends_and_reads(self, users, approved, app_role):
        entry = pay(users["daxing_official"], approved, Decimal("100.00"))
        self.as_role(app_role, "SELECT count(*) FROM subsidies_ledgerentry")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{app_role}"')
            raw_insert(entry, reference="APP-ROLE-1")
        assert LedgerEntry.objects.get(reference="APP-ROLE-1").seq == 2


class TestTheLedgerCannotBeRewritten:
    def test_truncate_is_refused_even_for_the_owner(self, users, approved):
        pay(users["daxing_official"], approved)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
            with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
                cursor.execute("TRUNCATE subsidies_ledgerentry")
        assert LedgerEntry.objects.count() == 1

    def test_each_entry_is_chained_to_the_previous_one_of_its_fund(self, users, approved):
        official = users["daxing_official"]
        first = pay(official, approved, Decimal("100.00"), "C-1")
        second = pay(official, approved, Decimal("200.00"), "C-2")
        assert (first.seq, second.seq) == (1, 2)
        assert first.prev_hash == "" and second.prev_hash == first.entry_hash
        assert second.entry_hash == second.chain_hash(first.entry_hash)  # the trigger's hash, recomputed

    def test_verify_ledger_passes_an_intact_ledger(self, users, approved):
        entry = pay(users["daxing_official"], approved)
        services.payment_reverse(user=users["superuser"], entry=entry, reason="错账")
        out = StringIO()
        call_command("verify_ledger", stdout=out)
        assert "哈希链均完整" in out.getvalue()

    def test_verify_ledger_names_the_first_tampered_entry(self, users, approved):
        official = users["daxing_official"]
        pay(official, approved, Decimal("100.00"), "T-1")
        tampered = pay(official, approved, Decimal("200.00"), "T-2")
        pay(official, approved, Decimal("300.00"), "T-3")
        # Tampering needs the owner: switch the guard off, edit, switch it on (rolled back with the test).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute("ALTER TABLE subsidies_ledgerentry DISABLE TRIGGER USER")
            cursor.execute("UPDATE subsidies_ledgerentry SET amount = 20 WHERE id = %s", [tampered.pk])
            cursor.execute("ALTER TABLE subsidies_ledgerentry ENABLE TRIGGER USER")
        err = StringIO()
        with pytest.raises(SystemExit) as exited:
            call_command("verify_ledger", stdout=StringIO(), stderr=err)
        assert exited.value.code == 1
        assert f"#{tampered.pk}（序号 2，凭证号 T-2" in err.getvalue()
        assert "内容与哈希不符" in err.getvalue()

    def test_the_database_refuses_a_payment_beyond_the_approval(self, users, approved):
        entry = pay(users["daxing_official"], approved, Decimal("1000.00"))
        with pytest.raises(IntegrityError, match="exceed the approved amount"), transaction.atomic():
            raw_insert(entry, amount=Decimal("999999.00"))

    def test_the_database_refuses_a_payment_dated_before_the_approval(self, users, approved):
        entry = pay(users["daxing_official"], approved, Decimal("1000.00"))
        with pytest.raises(IntegrityError, match="before the approval"), transaction.atomic():
            raw_insert(entry, entry_date=datetime.date(2019, 1, 1))


class TestVouchers:
    def test_a_double_posted_payment_writes_one_entry(self, users, approved):
        official = users["daxing_official"]
        pay(official, approved, Decimal("1000.00"), "PZ-2026-002")
        with pytest.raises(services.DuplicateVoucher, match=r"PZ-2026-002.*未重复记账"):
            pay(official, approved, Decimal("1000.00"), "PZ-2026-002")
        assert LedgerEntry.objects.filter(reference="PZ-2026-002").count() == 1

    def test_three_quick_posts_of_the_form_write_one_entry(self, client_as, approved):
        client = client_as("daxing_official")
        url = reverse("subsidies:pay", args=[approved.pk])
        data = {
            "amount": "1000.00",
            "entry_date": timezone.localdate().isoformat(),
            "reference": "PZ-2026-002",
        }
        responses = [client.post(url, data, follow=True) for _ in range(3)]
        assert LedgerEntry.objects.filter(application=approved).count() == 1
        assert "未重复记账" in responses[-1].content.decode()

    def test_a_voucher_is_unique_per_fund(self, users, approved, facility_b, rent_program):
        official = users["daxing_official"]
        other = approve(official, submit(users["operator_b"], facility_b, rent_program))
        entry = pay(official, approved, Decimal("1000.00"), "PZ-7")
        with pytest.raises(services.DuplicateVoucher):
            pay(official, other, Decimal("1000.00"), "PZ-7")
        with pytest.raises(IntegrityError, match="ledger_voucher_unique_per_fund"), transaction.atomic():
            raw_insert(entry, reference="PZ-7")

    def test_the_payment_date_lies_between_approval_and_today(self, users, approved):
        official = users["daxing_official"]
        with pytest.raises(services.SubsidyError, match="不能早于批准日期"):
            pay(official, approved, entry_date=datetime.date(2019, 1, 1))
        with pytest.raises(services.SubsidyError, match="不能晚于今天"):
            pay(official, approved, entry_date=timezone.localdate() + datetime.timedelta(days=1))
        assert not LedgerEntry.objects.filter(application=approved).exists()


class TestCommitments:
    def test_an_approval_over_the_fund_is_refused(self, users, fund, facility_a, facility_b, rent_program):
        official = users["daxing_official"]
        Fund.objects.filter(pk=fund.pk).update(amount_allocated=Decimal("50000.00"))
        approve(official, submit(users["operator_a"], facility_a, rent_program))  # commits 36,000
        second = submit(users["operator_b"], facility_b, rent_program)
        with pytest.raises(
            services.InsufficientBalance, match=r"尚可承诺 14,000\.00 元，本次核定 36,000\.00 元"
        ):
            approve(official, second)
        second.refresh_from_db()
        assert second.status == Application.Status.SUBMITTED
        # a reduction within what is left is fine
        assert approve(official, second, amount="14000.00", reason="资金余额").approved_amount == Decimal(
            "14000"
        )

    def test_the_database_refuses_an_approval_over_the_fund(self, users, fund, facility_a, rent_program):
        Fund.objects.filter(pk=fund.pk).update(amount_allocated=Decimal("1000.00"))
        application = submit(users["operator_a"], facility_a, rent_program)
        with pytest.raises(IntegrityError, match="exceed the allocation"), transaction.atomic():
            Application.objects.filter(pk=application.pk).update(
                status="approved", approved_amount=application.proposed_amount
            )

    def test_an_allocation_cannot_go_below_what_is_committed(self, users, fund, approved):
        fund.refresh_from_db()
        fund.amount_allocated = Decimal("35999.99")  # 36,000 committed, nothing paid yet
        with pytest.raises(ValidationError, match=r"不能低于已承诺和已拨付的 36,000\.00 元"):
            fund.full_clean()
        with pytest.raises(IntegrityError, match="exceed the allocation"), transaction.atomic():
            Fund.objects.filter(pk=fund.pk).update(amount_allocated=Decimal("-1") + Decimal("36000"))
        assert selectors.fund_execution([fund])[0].committed == Decimal("36000.00")

    def test_an_allocation_cannot_go_below_its_spending_plan(self, users, fund):
        month = timezone.localdate().replace(day=1)
        Fund.objects.filter(pk=fund.pk).update(amount_allocated=Decimal("100000.00"))
        FundPlanMonth.objects.create(fund=fund, month=month, planned_cumulative=Decimal("80000.00"))
        fund.refresh_from_db()
        with pytest.raises(services.SubsidyError) as refused:
            services.fund_save(user=users["daxing_official"], fund=fund, amount_allocated=Decimal("79999.99"))
        message = refused.value.errors["amount_allocated"][0]
        assert "不能低于支出计划累计的 80,000.00 元" in message and month.strftime("%Y-%m") in message
        assert Fund.objects.get(pk=fund.pk).amount_allocated == Decimal("100000.00")
        # the database holds both sides for any writer
        with pytest.raises(IntegrityError, match="exceeds the allocation"), transaction.atomic():
            Fund.objects.filter(pk=fund.pk).update(amount_allocated=Decimal("50000.00"))
        with pytest.raises(IntegrityError, match="exceeds the allocation"), transaction.atomic():
            FundPlanMonth.objects.create(
                fund=fund, month=month + datetime.timedelta(days=31), planned_cumulative=Decimal("100000.01")
            )
        saved = services.fund_save(
            user=users["daxing_official"], fund=fund, amount_allocated=Decimal("80000.00")
        )
        assert saved.amount_allocated == Decimal("80000.00")

    def test_the_fund_page_shows_plan_committed_paid_and_shortfall(self, users, client_as, fund, approved):
        this_month = timezone.localdate().replace(day=1)
        Fund.objects.filter(pk=fund.pk).update(spend_by=this_month + datetime.timedelta(days=200))
        FundPlanMonth.objects.create(fund=fund, month=this_month, planned_cumulative=Decimal("50000.00"))
        pay(users["superuser"], approved, Decimal("10000.00"))
        plan = selectors.fund_plan(fund)
        current = plan.current
        assert (current.planned, current.committed, current.paid) == (
            Decimal("50000.00"),
            Decimal("36000.00"),
            Decimal("10000.00"),
        )
        assert current.shortfall == Decimal("40000.00")
        page = client_as("daxing_official").get(reverse("subsidies:fund", args=[fund.pk])).content.decode()
        assert "计划支出" in page and "40,000.00" in page


class TestMakerChecker:
    @pytest.fixture
    def controls(self, daxing):
        return PaymentControls.objects.create(district=daxing, maker_checker=True)

    def test_the_approver_cannot_pay(self, users, approved, controls):
        with pytest.raises(services.MakerChecker, match="审核该申请的人不能支付"):
            pay(users["daxing_official"], approved)
        assert pay(users["superuser"], approved).created_by == users["superuser"]

    def test_the_payer_cannot_reverse(self, users, approved, controls):
        payment = pay(users["superuser"], approved)
        with pytest.raises(services.MakerChecker, match="支付人不能冲销自己的支付"):
            services.payment_reverse(user=users["superuser"], entry=payment, reason="错账")
        assert services.payment_reverse(user=users["daxing_official"], entry=payment, reason="错账")

    def test_the_pay_page_sends_the_approver_back_with_the_reason(self, client_as, approved, controls):
        client = client_as("daxing_official")
        data = {"entry_date": timezone.localdate().isoformat(), "reference": "MC-1"}
        response = client.post(reverse("subsidies:pay", args=[approved.pk]), data, follow=True)
        assert "审核该申请的人不能支付" in response.content.decode()
        assert not LedgerEntry.objects.filter(application=approved).exists()

    @pytest.mark.parametrize(
        ("role", "may_pay"),
        [
            ("operator_a", False),
            ("operator_b", False),
            ("town1_official", False),
            ("yubei_official", False),
            ("daxing_official", False),  # the approver
            ("superuser", True),
        ],
    )
    def test_who_may_pay_an_application_the_district_official_approved(
        self, users, approved, controls, role, may_pay
    ):
        if may_pay:
            assert pay(users[role], approved).amount == Decimal("36000.00")
        else:
            with pytest.raises(services.NotAllowed):
                pay(users[role], approved)
            assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_the_command_sets_it_per_district(self, daxing, yubei):
        out = StringIO()
        call_command("payment_controls", daxing.code, "--maker-checker", "on", stdout=out)
        assert "审批与支付分离：开启" in out.getvalue()
        assert PaymentControls.maker_checker_on(daxing.pk)
        assert not PaymentControls.maker_checker_on(yubei.pk)
        call_command("payment_controls", daxing.code, "--maker-checker", "off", stdout=StringIO())
        assert not PaymentControls.maker_checker_on(daxing.pk)

    def test_off_by_default(self, users, approved):
        assert pay(users["daxing_official"], approved)  # one person may approve and pay

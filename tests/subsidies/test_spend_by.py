"""A fund's spending deadline (支出期限, `Fund.spend_by`) closes its payments: a payment dated after it is
refused by the service with the reason, and by the database (trigger `ledger_entry_dates`, which also
refuses any entry dated after today) for any INSERT, the portal's own database role included. A reversal
returns money to the fund, so it stays possible after the deadline. The fund page counts the days left
and, once past, says payments are closed."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from subsidies import selectors, services
from subsidies.models import Fund, LedgerEntry
from tests.subsidies.conftest import pay
from tuoyu_portal.db_roles import grant_app_role

pytestmark = pytest.mark.django_db


def set_deadline(fund, days_from_today: int):
    """Set the deadline in SQL, as a document's date entered after the fact would be."""
    deadline = timezone.localdate() + datetime.timedelta(days=days_from_today)
    Fund.objects.filter(pk=fund.pk).update(spend_by=deadline)
    fund.refresh_from_db()
    return deadline


def insert_payment(application, reference, entry_date=None):
    """A payment INSERTed in SQL, around every service check."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subsidies_ledgerentry (entry_date, facility_id, program_id, fund_id, "
            "application_id, amount, kind, reference, note, created_by_id, created_at, prev_hash, "
            "entry_hash) "
            "VALUES (%s, %s, %s, %s, %s, 100, 'payment', %s, '', %s, now(), '', '')",
            [
                entry_date or timezone.localdate(),
                application.facility_id,
                application.program_id,
                application.program.fund_id,
                application.pk,
                reference,
                application.decided_by_id,
            ],
        )


class TestAPaymentAfterTheFundsDeadline:
    def test_is_refused_by_the_service_with_the_deadline(self, users, approved, fund):
        deadline = set_deadline(fund, -1)
        with pytest.raises(services.SubsidyError) as refused:
            pay(users["superuser"], approved, Decimal("100.00"), "PZ-AFTER")
        assert deadline.isoformat() in refused.value.message
        assert "支出期限" in refused.value.message
        assert deadline.isoformat() in str(refused.value.errors["entry_date"])
        assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_on_the_deadline_itself_is_still_paid(self, users, approved, fund):
        set_deadline(fund, 0)
        assert pay(users["superuser"], approved, Decimal("100.00")).amount == Decimal("100.00")

    def test_a_direct_insert_is_refused_by_the_database(self, approved, fund):
        set_deadline(fund, -1)
        with pytest.raises(IntegrityError, match="after the fund's spend-by date"), transaction.atomic():
            insert_payment(approved, "RAW-AFTER")
        assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_no_entry_is_dated_after_today_in_the_database_either(self, approved):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with pytest.raises(IntegrityError, match="after today"), transaction.atomic():
            insert_payment(approved, "RAW-TOMORROW", entry_date=tomorrow)
        assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_the_portals_database_role_cannot_get_round_it(self, settings, approved, fund):
        role = settings.DATABASE_APP_ROLE or f"{connection.settings_dict['NAME']}_portal_probe"[:63]
        with connection.cursor() as cursor:
            if not settings.DATABASE_APP_ROLE:  # one-role setup: a role of our own, gone at rollback
                cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
            grant_app_role(cursor, role)
        set_deadline(fund, -1)
        with pytest.raises(IntegrityError, match="spend-by date"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f'SET LOCAL ROLE "{role}"')
            insert_payment(approved, "APP-ROLE-AFTER")
        for sql in (
            "ALTER TABLE subsidies_ledgerentry DISABLE TRIGGER USER",
            "DROP TRIGGER pgtrigger_ledger_entry_dates_1a1e0 ON subsidies_ledgerentry",
        ):
            refused = pytest.raises(Exception, match=r"permission denied|must be owner")
            with refused, transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'SET LOCAL ROLE "{role}"')
                cursor.execute(sql)
        assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_the_pay_page_says_payments_are_closed(self, client_as, approved, fund):
        set_deadline(fund, -1)
        client = client_as("daxing_official")
        page = client.get(reverse("subsidies:pay", args=[approved.pk])).content.decode()
        assert 'id="payments-closed"' in page
        data = {"entry_date": timezone.localdate().isoformat(), "reference": "PAGE-AFTER"}
        response = client.post(reverse("subsidies:pay", args=[approved.pk]), data, follow=True)
        assert "此后不能再从该资金支付" in response.content.decode()
        assert not LedgerEntry.objects.filter(application=approved).exists()


class TestAReversalAfterTheDeadline:
    def test_is_allowed_and_returns_the_money(self, users, approved, fund):
        payment = pay(users["daxing_official"], approved, Decimal("1000.00"))
        set_deadline(fund, -1)  # the deadline passes after the payment was made
        reversal = services.payment_reverse(user=users["superuser"], entry=payment, reason="重复支付，退回")
        assert reversal.amount == Decimal("-1000.00")
        assert LedgerEntry.objects.filter(fund=fund).net() == Decimal("0.00")
        # …and the money is not paid out again once the deadline has passed
        with pytest.raises(services.SubsidyError, match="支出期限"):
            pay(users["superuser"], approved, Decimal("1000.00"), "PZ-AGAIN")


class TestTheFundPage:
    def test_counts_the_days_left(self, client_as, fund):
        set_deadline(fund, 10)
        assert selectors.fund_plan(fund).days_left == 10
        page = client_as("daxing_official").get(reverse("subsidies:fund", args=[fund.pk])).content.decode()
        assert "剩 10 天" in page
        assert 'id="payments-closed"' not in page

    def test_says_payments_are_closed_once_past(self, client_as, fund):
        deadline = set_deadline(fund, -3)
        plan = selectors.fund_plan(fund)
        assert plan.payments_closed and plan.days_left == -3
        page = client_as("daxing_official").get(reverse("subsidies:fund", args=[fund.pk])).content.decode()
        assert "已过期，停止支付" in page
        assert 'id="payments-closed"' in page and deadline.isoformat() in page

    def test_shows_payments_booked_before_a_deadline_was_entered(self, users, client_as, approved, fund):
        pay(users["daxing_official"], approved, Decimal("500.00"))
        set_deadline(fund, -1)  # entered afterwards, earlier than the booked payment: shown, not hidden
        assert selectors.fund_plan(fund).late_payments == 1
        page = client_as("daxing_official").get(reverse("subsidies:fund", args=[fund.pk])).content.decode()
        assert 'id="late-payments"' in page

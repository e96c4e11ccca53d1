"""Rules with effective dates, on pages: a district official creates and edits programs, rate changes and
funds (not the admin), with history; an application is computed with the rule in force on its period's
first day; a rule changed after a decision leaves the decided amount alone; the program year and the
pay-by date are enforced; choice fields hold only their choices in the database; grading weights change
from a date on a page of their own."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from subsidies import selectors, services
from subsidies.models import Application, Fund, LedgerEntry, Program, ProgramRule
from supervision import grading
from supervision.models import GradeMatrixCell, GradingWeight
from tests.factories import ApplicationFactory
from tests.subsidies.conftest import approve, pay, submit

pytestmark = pytest.mark.django_db

JULY = datetime.date(2025, 7, 1)


def rate_change(official, program, rate="12.00", start=JULY, end=None):
    return services.program_rule_save(
        user=official,
        program=program,
        basis=Program.Basis.PER_M2_MONTH,
        rate=Decimal(rate),
        effective_from=start,
        effective_to=end,
        note="区卫健委会议纪要（测试）",
    )


def half(user, facility, program, first=True):
    start, end = (
        (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
        if first
        else (datetime.date(2025, 7, 1), datetime.date(2025, 12, 31))
    )
    return ApplicationFactory(
        user=user, facility=facility, program=program, period_start=start, period_end=end, months=6
    )


class TestRuleInForce:
    def test_an_application_is_computed_with_the_rule_in_force_on_its_first_day(
        self, users, facility_a, rent_program
    ):
        rule = rate_change(users["daxing_official"], rent_program)
        spring = half(users["operator_a"], facility_a, rent_program, first=True)
        autumn = half(users["operator_a"], facility_a, rent_program, first=False)
        # 10 元 × 300 ㎡ × 6 before July; 12 元 × 300 ㎡ × 6 from July (the adjustment in force then)
        assert (spring.rule_id, spring.rule_rate, spring.proposed_amount) == (
            None,
            Decimal("10.00"),
            Decimal("18000.00"),
        )
        assert (autumn.rule_id, autumn.rule_rate, autumn.proposed_amount) == (
            rule.pk,
            Decimal("12.00"),
            Decimal("21600.00"),
        )
        assert autumn.program_version == rent_program.version

    def test_a_period_across_a_change_of_rate_is_refused(self, users, facility_a, rent_program):
        rate_change(users["daxing_official"], rent_program)
        with pytest.raises(services.SubsidyError) as refused:
            submit(users["operator_a"], facility_a, rent_program)  # the whole of 2025
        assert "2025-07-01" in str(refused.value.errors["period_end"])
        assert not Application.objects.filter(program=rent_program).exists()

    def test_a_period_outside_the_program_year_is_refused(self, users, facility_a, rent_program):
        with pytest.raises(services.SubsidyError) as refused:
            ApplicationFactory(
                user=users["operator_a"],
                facility=facility_a,
                program=rent_program,
                period_start=datetime.date(2026, 1, 1),
                period_end=datetime.date(2026, 6, 30),
                months=6,
            )
        assert "2025" in str(refused.value.errors["period_start"])

    def test_a_period_outside_the_programs_effective_dates_is_refused(self, users, facility_a, rent_program):
        services.program_save(
            user=users["daxing_official"], program=rent_program, effective_from=datetime.date(2025, 4, 1)
        )
        with pytest.raises(services.SubsidyError) as refused:
            half(users["operator_a"], facility_a, rent_program, first=True)
        assert "2025-04-01" in str(refused.value.errors["period_start"])

    def test_rate_changes_of_one_program_never_overlap(self, users, rent_program):
        official = users["daxing_official"]
        rate_change(official, rent_program, start=JULY)
        with pytest.raises(services.SubsidyError) as refused:
            rate_change(official, rent_program, "11.00", start=datetime.date(2025, 9, 1))
        assert "重叠" in str(refused.value.errors["effective_from"])
        # and the database refuses it too, whatever writes it
        with pytest.raises(IntegrityError), transaction.atomic():
            ProgramRule.objects.create(
                program=rent_program,
                basis="per_m2_month",
                rate=Decimal("11.00"),
                effective_from=datetime.date(2025, 9, 1),
                note="绕过服务",
            )

    def test_rule_in_force_reads_the_base_rule_between_changes(self, users, rent_program):
        rate_change(users["daxing_official"], rent_program, start=JULY, end=datetime.date(2025, 9, 30))
        assert selectors.rule_in_force(rent_program, datetime.date(2025, 6, 30)).rate == Decimal("10.00")
        assert selectors.rule_in_force(rent_program, datetime.date(2025, 8, 1)).rate == Decimal("12.00")
        after = selectors.rule_in_force(rent_program, datetime.date(2025, 10, 1))
        assert (after.rate, after.starts, after.ends) == (
            Decimal("10.00"),
            datetime.date(2025, 10, 1),
            datetime.date(2025, 12, 31),
        )
        assert selectors.rule_in_force(rent_program, datetime.date(2026, 1, 1)) is None


class TestDecisionsAreFinal:
    def test_a_rule_changed_after_a_decision_leaves_the_decided_amount_unchanged(
        self, users, facility_a, facility_b, rent_program
    ):
        official = users["daxing_official"]
        decided = approve(official, half(users["operator_a"], facility_a, rent_program, first=False))
        assert decided.approved_amount == Decimal("18000.00")
        # the rate for the same months goes up afterwards, from a date the decision covers
        rate_change(official, rent_program, "15.00", start=JULY)
        decided.refresh_from_db()
        assert (decided.rule_rate, decided.proposed_amount, decided.approved_amount) == (
            Decimal("10.00"),
            Decimal("18000.00"),
            Decimal("18000.00"),
        )
        assert selectors.proposal_of(decided).amount == Decimal("18000.00")
        # another facility's application for the same months is computed with the new rate
        other = half(users["operator_b"], facility_b, rent_program, first=False)
        assert other.proposed_amount == Decimal("27000.00")

    def test_the_database_refuses_to_rewrite_a_decided_application(self, users, approved):
        with pytest.raises(IntegrityError), transaction.atomic():
            Application.objects.filter(pk=approved.pk).update(approved_amount=Decimal("99999.00"))
        with pytest.raises(IntegrityError), transaction.atomic():
            Application.objects.filter(pk=approved.pk).update(rule_rate=Decimal("20.00"))
        approved.refresh_from_db()
        assert approved.approved_amount == Decimal("36000.00")

    def test_the_program_rate_cannot_be_edited_in_place_once_applied_for(self, users, approved):
        program = approved.program
        with pytest.raises(services.SubsidyError) as refused:
            services.program_save(user=users["daxing_official"], program=program, rate=Decimal("20.00"))
        assert "标准调整" in str(refused.value.errors["rate"])
        program.refresh_from_db()
        assert program.rate == Decimal("10.00")

    def test_a_used_rate_change_keeps_its_rate(self, users, facility_a, rent_program):
        official = users["daxing_official"]
        rule = rate_change(official, rent_program)
        half(users["operator_a"], facility_a, rent_program, first=False)
        with pytest.raises(services.SubsidyError):
            services.program_rule_save(
                user=official,
                program=rent_program,
                rule=rule,
                basis=rule.basis,
                rate=Decimal("13.00"),
                effective_from=rule.effective_from,
                note=rule.note,
            )
        rule.refresh_from_db()
        assert rule.rate == Decimal("12.00")


class TestPayBy:
    def test_a_payment_after_the_pay_by_date_is_refused(self, users, approved):
        Program.objects.filter(pk=approved.program_id).update(payable_by=datetime.date(2026, 6, 30))
        approved.program.refresh_from_db()
        with pytest.raises(services.SubsidyError) as refused:
            pay(users["superuser"], approved, Decimal("100.00"), "PZ-LATE")
        assert "2026-06-30" in refused.value.message
        assert not LedgerEntry.objects.filter(application=approved).exists()

    def test_the_database_refuses_it_too(self, users, approved):
        Program.objects.filter(pk=approved.program_id).update(payable_by=datetime.date(2026, 6, 30))
        entry = LedgerEntry(
            entry_date=timezone.localdate(),
            facility=approved.facility,
            program=approved.program,
            fund=approved.program.fund,
            application=approved,
            amount=Decimal("100.00"),
            kind="payment",
            reference="PZ-RAW",
            created_by=users["superuser"],
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            entry.save()


class TestChoices:
    @pytest.mark.parametrize(
        ("model", "field"),
        [
            (Program, "kind"),
            (Program, "basis"),
            (Fund, "source_level"),
            (Application, "status"),
        ],
    )
    def test_a_value_outside_the_choices_is_refused_by_the_database(self, approved, model, field):
        row = {Program: approved.program, Fund: approved.program.fund, Application: approved}[model]
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=row.pk).update(**{field: "Z"})

    def test_the_grading_subject_field_refuses_z(self, daxing):
        with pytest.raises(IntegrityError), transaction.atomic():
            GradingWeight.objects.create(
                district=daxing, key="interval_months", subject="Z", value=Decimal("6")
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            GradingWeight.objects.create(district=daxing, key="credit_start", subject="A", value=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            GradeMatrixCell.objects.create(district=daxing, risk_level="low", credit_level="good", grade="Z")
        # a subject from the key's own choices is fine
        GradingWeight.objects.create(district=daxing, key="interval_months", subject="B", value=Decimal("6"))


class TestPages:
    def program_body(self, district, fund, **changes):
        body = {
            "district": district.pk,
            "year": 2025,
            "kind": "operating",
            "name": "普惠托育机构运营补助（页面测试）",
            "fund": fund.pk,
            "basis": "per_child_month",
            "rate": "200.00",
            "effective_from": "2025-01-01",
            "effective_to": "2025-12-31",
            "payable_by": "2026-03-31",
            "accepting_applications": "on",
            "requires_filed": "on",
            "allowed_kinds": ["private", "public"],
            "notes": "",
        }
        body.update(changes)
        return body

    def test_a_district_official_creates_and_edits_a_program_with_history(self, client_as, daxing, fund):
        client = client_as("daxing_official")
        response = client.post(reverse("subsidies:program_new"), self.program_body(daxing, fund))
        program = Program.objects.get(name="普惠托育机构运营补助（页面测试）")
        assert response.status_code == 302 and response.url == reverse("subsidies:program", args=[program.pk])
        assert program.allowed_kinds == ["private", "public"]
        assert program.payable_by == datetime.date(2026, 3, 31)
        body = self.program_body(daxing, fund, rate="250.00", version=program.version)
        client.post(reverse("subsidies:program_edit", args=[program.pk]), body)
        program.refresh_from_db()
        assert program.rate == Decimal("250.00")
        page = client.get(reverse("subsidies:program", args=[program.pk])).content.decode()
        assert "250.00" in page and 'id="history"' in page
        assert program.events.count() >= 2

    def test_a_stale_edit_is_refused(self, client_as, daxing, fund, rent_program):
        client = client_as("daxing_official")
        stale = rent_program.version
        Program.objects.filter(pk=rent_program.pk).update(version=stale + 1)
        body = self.program_body(daxing, fund, name=rent_program.name, version=stale)
        response = client.post(reverse("subsidies:program_edit", args=[rent_program.pk]), body)
        assert response.status_code == 200
        rent_program.refresh_from_db()
        assert rent_program.kind == Program.Kind.RENT

    def test_other_districts_and_other_roles_get_404(self, client_as, rent_program, fund, daxing):
        for role in ("yubei_official", "town1_official", "operator_a"):
            client = client_as(role)
            for url in (
                reverse("subsidies:program_edit", args=[rent_program.pk]),
                reverse("subsidies:program_rules", args=[rent_program.pk]),
                reverse("subsidies:fund_edit", args=[fund.pk]),
                reverse("subsidies:controls", args=[daxing.code]),
                reverse("supervision:weights", args=[daxing.code]),
            ):
                assert client.get(url).status_code == 404, (role, url)
        assert client_as("town1_official").get(reverse("subsidies:program_new")).status_code == 404

    def test_a_rate_change_on_the_page(self, client_as, rent_program):
        client = client_as("daxing_official")
        url = reverse("subsidies:program_rules", args=[rent_program.pk])
        body = {"basis": "per_m2_month", "rate": "12.00", "effective_from": "2025-07-01", "note": "纪要"}
        response = client.post(url, body)
        assert response.status_code == 302
        rule = ProgramRule.objects.get(program=rent_program)
        # outside the program year: refused with a message, nothing written
        response = client.post(url, {**body, "effective_from": "2026-02-01", "note": "越界"})
        assert response.status_code == 200 and "项目有效期" in response.content.decode()
        assert ProgramRule.objects.filter(program=rent_program).count() == 1
        # an edit closes it
        edit = {**body, "rule": rule.pk, "effective_to": "2025-09-30", "version": rule.version}
        assert client.post(url, edit).status_code == 302
        rule.refresh_from_db()
        assert rule.effective_to == datetime.date(2025, 9, 30)

    def test_a_fund_cannot_be_cut_below_its_commitments_on_the_page(self, client_as, approved, daxing):
        fund = approved.program.fund
        client = client_as("daxing_official")
        body = {
            "district": daxing.pk,
            "source_level": fund.source_level,
            "name": fund.name,
            "year": fund.year,
            "amount_allocated": "1000.00",
            "purpose": fund.purpose,
            "version": fund.version,
        }
        response = client.post(reverse("subsidies:fund_edit", args=[fund.pk]), body)
        assert response.status_code == 200 and "36,000.00" in response.content.decode()
        fund.refresh_from_db()
        assert fund.amount_allocated == Decimal("100000.00")
        body["amount_allocated"] = "150000.00"
        assert client.post(reverse("subsidies:fund_edit", args=[fund.pk]), body).status_code == 302
        fund.refresh_from_db()
        assert fund.amount_allocated == Decimal("150000.00")

    def test_a_fund_is_created_on_the_page(self, client_as, daxing):
        client = client_as("daxing_official")
        body = {
            "district": daxing.pk,
            "source_level": "district",
            "name": "大兴区托育运营补助资金（页面测试）",
            "year": 2026,
            "amount_allocated": "500000.00",
            "purpose": "运营补助",
            "spend_by": "2026-12-31",
        }
        assert client.post(reverse("subsidies:fund_new"), body).status_code == 302
        assert Fund.objects.filter(name=body["name"], district=daxing).exists()


class TestGradingWeights:
    def test_a_weight_changed_from_a_date_grades_earlier_periods_with_the_old_value(self, client_as, daxing):
        client = client_as("daxing_official")
        url = reverse("supervision:weights", args=[daxing.code])
        response = client.post(
            url, {"key": "credit_complaint", "value": "15", "effective_from": "2026-01-01", "note": "会议"}
        )
        assert response.status_code == 302
        before = grading.load_rules(daxing.pk, datetime.date(2025, 12, 31))
        after = grading.load_rules(daxing.pk, datetime.date(2026, 1, 1))
        assert before.points("credit_complaint") == Decimal("10")  # the project's proposal
        assert after.points("credit_complaint") == Decimal("15")
        # a later change closes the earlier row the day before
        client.post(url, {"key": "credit_complaint", "value": "20", "effective_from": "2026-07-01"})
        rows = list(
            GradingWeight.objects.filter(district=daxing, key="credit_complaint").order_by("effective_from")
        )
        assert [(r.value, r.effective_from, r.effective_to) for r in rows] == [
            (Decimal("15.00"), datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)),
            (Decimal("20.00"), datetime.date(2026, 7, 1), None),
        ]
        page = client.get(url).content.decode()
        assert "weights-own" in page

    def test_a_subject_outside_the_keys_choices_is_refused_on_the_page(self, client_as, daxing):
        client = client_as("daxing_official")
        url = reverse("supervision:weights", args=[daxing.code])
        response = client.post(url, {"key": "interval_months", "subject": "serious", "value": "6"})
        assert response.status_code == 200
        assert not GradingWeight.objects.filter(district=daxing, key="interval_months").exists()

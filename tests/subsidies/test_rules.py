"""The rule as data: every basis computes in Decimal, rounded half-up to two places; eligibility says what
the program requires and what the facility record says."""

import datetime
from decimal import Decimal

import pytest

from facilities.models import Facility
from subsidies import selectors
from subsidies.models import Program
from subsidies.selectors import Figures, propose

pytestmark = pytest.mark.django_db
Basis = Program.Basis


class TestCalculation:
    def test_yubei_rent_rule_10_yuan_per_m2_per_month(self, seeded):
        program = Program.objects.get(seed_key="yubei-rent-2025")
        proposal = selectors.propose_for_program(program, Figures(area_m2=Decimal("300"), months=12))
        assert proposal.amount == Decimal("36000.00")
        assert proposal.formula == "10.00 元/㎡/月 × 300 ㎡ × 12 个月 = 36,000.00 元"

    def test_per_m2_month_with_a_fractional_area(self):
        proposal = propose(Basis.PER_M2_MONTH, Decimal("10.00"), Figures(area_m2=Decimal("250.55"), months=3))
        assert proposal.amount == Decimal("7516.50")

    def test_per_slot(self):
        proposal = propose(Basis.PER_SLOT, Decimal("1200.00"), Figures(slots=45))
        assert proposal.amount == Decimal("54000.00")
        assert "1,200.00 元/托位 × 45 个托位" in proposal.formula

    def test_per_enrolled_child_per_month(self):
        proposal = propose(Basis.PER_CHILD_MONTH, Decimal("200.00"), Figures(children=25, months=6))
        assert proposal.amount == Decimal("30000.00")
        assert "200.00 元/人/月 × 25 人 × 6 个月" in proposal.formula

    def test_fixed_grant_ignores_figures(self):
        proposal = propose(Basis.FIXED, Decimal("500000.00"), Figures(slots=99))
        assert proposal.amount == Decimal("500000.00")
        assert proposal.formula.startswith("定额 500,000.00 元")

    def test_rounding_is_half_up_to_cents(self):
        # 0.01 × 0.50 × 1 = 0.005: half-up gives 0.01 (banker's rounding would give 0.00)
        assert propose(Basis.PER_M2_MONTH, Decimal("0.01"), Figures(Decimal("0.50"), 1)).amount == Decimal(
            "0.01"
        )
        # 10.05 × 33.33 × 1 = 334.9665 → 334.97
        assert propose(Basis.PER_M2_MONTH, Decimal("10.05"), Figures(Decimal("33.33"), 1)).amount == Decimal(
            "334.97"
        )

    def test_results_are_decimals_never_floats(self):
        amount = propose(Basis.PER_CHILD_MONTH, Decimal("33.33"), Figures(children=3, months=7)).amount
        assert isinstance(amount, Decimal) and amount == Decimal("699.93")

    @pytest.mark.parametrize(
        ("basis", "figures", "missing"),
        [
            (Basis.PER_M2_MONTH, Figures(months=12), ["面积（㎡）"]),
            (Basis.PER_M2_MONTH, Figures(), ["面积（㎡）", "月数"]),
            (Basis.PER_SLOT, Figures(area_m2=Decimal(1)), ["托位数"]),
            (Basis.PER_CHILD_MONTH, Figures(children=3, months=0), ["月数"]),
        ],
    )
    def test_missing_figures_give_no_amount_and_say_what_is_missing(self, basis, figures, missing):
        proposal = propose(basis, Decimal("10"), figures)
        assert proposal.amount is None and proposal.missing == missing

    @pytest.mark.parametrize(
        ("start", "end", "months"),
        [
            (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), 12),
            (datetime.date(2025, 3, 15), datetime.date(2025, 4, 10), 2),
            (datetime.date(2024, 11, 1), datetime.date(2025, 2, 28), 4),
            (datetime.date(2025, 5, 1), datetime.date(2025, 5, 1), 1),
        ],
    )
    def test_months_spanned(self, start, end, months):
        assert selectors.months_spanned(start, end) == months


class TestPrefill:
    def test_figures_come_from_the_facility_record(self, facility_a, rent_program):
        initial = selectors.prefill(
            rent_program, facility_a, datetime.date(2025, 1, 1), datetime.date(2025, 6, 30)
        )
        # an inclusive-only program prefills the inclusive slots, not the total
        assert initial == {"area_m2": Decimal("300.00"), "slots": 20, "children": 25, "months": 6}

    def test_unknown_figures_are_not_invented(self, town1):
        facility = Facility.objects.create(name="空白园", kind="private", district=town1.parent, town=town1)
        assert selectors.prefill(None, facility) == {}


class TestEligibility:
    def test_an_eligible_facility_has_no_problems(self, facility_a, rent_program):
        assert selectors.eligibility_problems(rent_program, facility_a) == []

    def test_each_requirement_says_what_is_required_and_what_the_record_says(self, facility_a, rent_program):
        Facility.objects.filter(pk=facility_a.pk).update(
            filing_status="submitted",
            operating_status="under_construction",
            is_inclusive=False,
            inclusive_slots=0,
        )
        facility_a.refresh_from_db()
        rent_program.allowed_kinds = [Facility.Kind.PUBLIC, Facility.Kind.COMMUNITY_POINT]
        problems = selectors.eligibility_problems(rent_program, facility_a)
        assert problems == [
            "该项目要求机构已备案；本机构备案状态为“已提交待审”。",
            "该项目要求机构正在运营；本机构运营状态为“在建”。",
            "该项目仅限普惠托育机构；本机构未登记为普惠机构。",
            "该项目仅限以下机构类型：公办、社区托育点；本机构为“社会力量办托”。",
        ]

    def test_another_districts_program_and_closed_programs(self, facility_y, rent_program):
        rent_program.accepting_applications = False
        problems = selectors.eligibility_problems(rent_program, facility_y)
        assert problems[0] == "该补助项目属于大兴区，本机构不在该区县。"
        assert "该补助项目目前不受理申请。" in problems

    def test_synthetic_facilities_never_apply(self, facility_a, rent_program):
        facility_a.is_synthetic = True
        assert "合成（演示）数据机构不能申请补助。" in selectors.eligibility_problems(
            rent_program, facility_a
        )

    def test_the_seeded_yubei_rent_rule_admits_only_inclusive_institutions(self, facility_y):
        program = Program.objects.get(seed_key="yubei-rent-2025")
        assert selectors.eligibility_problems(program, facility_y) == []
        facility_y.is_inclusive = False
        assert selectors.eligibility_problems(program, facility_y) == [
            "该项目仅限普惠托育机构；本机构未登记为普惠机构。"
        ]

    def test_figures_are_checked_against_the_rule_and_the_record(self, facility_a, rent_program):
        errors = selectors.figure_problems(
            rent_program,
            facility_a,
            datetime.date(2025, 1, 1),
            datetime.date(2025, 3, 31),
            Figures(area_m2=None, months=5),
        )
        assert errors["area_m2"] == ["“按面积和月数（元/㎡/月）”须填写面积（㎡）（大于0）。"]
        assert errors["months"] == ["月数（5）不能超过补助期间所跨的月数（3）。"]

    def test_slots_above_the_register_are_refused(self, facility_a, rent_program):
        rent_program.basis = Basis.PER_SLOT
        errors = selectors.figure_problems(
            rent_program, facility_a, datetime.date(2025, 1, 1), datetime.date(2025, 1, 31), Figures(slots=25)
        )
        assert errors["slots"] == ["申请托位数（25）不能超过机构普惠托位数（20）。"]

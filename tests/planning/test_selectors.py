"""The one computation of progress and indicators, against the seeded documents and hand-made registries."""

import datetime
from decimal import Decimal

import pytest

from facilities import services
from facilities.models import Facility
from planning import selectors
from planning.models import DemandAssumption
from targets.models import Region
from tests.factories import FacilityFactory, UserFactory, add_unit, grant

pytestmark = pytest.mark.django_db


def filed(town, name, units, inclusive=0, filed_on=datetime.date(2025, 1, 10), **extra):
    return FacilityFactory(
        town=town,
        name=name,
        filed=True,
        filed_on=filed_on,
        inclusive=bool(inclusive),
        units=units,
        inclusive_slots=inclusive,
        **extra,
    )


class TestDistrictProgress:
    def test_targets_come_from_the_annex_and_sum_to_the_district_totals(self, daxing):
        for year, level, total, inclusive in [
            (2024, "baseline", 4700, 1410),
            (2025, "high_quality", 4700, 2820),
            (2025, "plan", 8600, 5160),
        ]:
            progress = selectors.district_progress(daxing, year, level)
            assert (progress.totals.target_slots, progress.totals.target_inclusive) == (total, inclusive)
            assert len(progress.rows) == 22

    def test_actual_slots_count_filed_operating_real_facilities_only(self, daxing):
        town = Region.objects.get(code="110115001")  # 兴丰街道 2025 plan: 370 / 225
        filed(town, "甲", [("toddler", 4, 15), ("older", 5, 20)], inclusive=100)  # 160 slots
        filed(town, "乙", [("older", 2, 20)])  # 40 slots
        filed(town, "合成", [("older", 2, 20)], is_synthetic=True)
        FacilityFactory(town=town, name="草稿", filing_status="draft")
        filed(town, "暂停", [("older", 1, 20)], operating_status="suspended")
        FacilityFactory(town=town, name="在建", operating_status="under_construction")
        add_unit(Facility.objects.get(name="在建"), "older", 3, 20)

        row = selectors.district_progress(daxing, 2025, "plan").rows[0]
        assert row.name == "兴丰街道"
        assert (row.actual_slots, row.actual_inclusive, row.facilities) == (200, 100, 2)
        assert row.pipeline_slots == 60
        assert row.completion_rate == Decimal(200) / Decimal(370)
        assert row.inclusive_share == Decimal("0.5")
        assert row.gap == 170 and row.inclusive_gap == 125
        assert row.has_inclusive_service

    def test_as_of_a_date_uses_filing_dates_and_status_history(self, daxing):
        town = Region.objects.get(code="110115002")
        official = grant(UserFactory(), "district_official", region=daxing)
        facility = filed(town, "丙", [("older", 1, 20)], filed_on=datetime.date(2025, 3, 1))
        services.operating_status_change(
            user=official,
            facility=facility,
            to_status="closed",
            effective_on=datetime.date(2025, 9, 1),
            reason="停办",
            children_placement="转入他园",
        )

        def slots(on):
            return selectors.district_progress(daxing, 2025, "plan", on).rows[1].actual_slots

        assert slots(datetime.date(2025, 2, 1)) == 0  # not yet filed
        assert slots(datetime.date(2025, 6, 30)) == 20  # filed and operating
        assert slots(datetime.date(2025, 9, 1)) == 0  # closed from that date

    def test_pending_changes_do_not_count_until_approved(self, daxing):
        town = Region.objects.get(code="110115003")
        facility = filed(town, "丁", [("older", 1, 20)])
        operator = grant(UserFactory(), "operator", facility=facility)
        data = {f: getattr(facility, f) for f in services.EDITABLE_FIELDS}
        older = facility.units.get().class_type_id
        services.facility_update(
            user=operator,
            facility=facility,
            data=data,
            units=[services.UnitInput(older, 3, 20)],
            expected_version=facility.version,
        )
        assert selectors.district_progress(daxing, 2025, "plan").rows[2].actual_slots == 20

    def test_facilities_without_a_town_count_for_the_district(self, yubei):
        facility = Facility.objects.get(seed_key="yubei-mch-hospital-park")
        Facility.objects.filter(pk=facility.pk).update(
            filing_status="filed", filing_number="Y-1", filed_on=datetime.date(2025, 3, 15)
        )
        add_unit(facility, "toddler", 2, 15)
        progress = selectors.district_progress(yubei, 2025, "plan")
        assert progress.rows[-1].code == selectors.UNASSIGNED
        assert progress.totals.actual_slots == 30


class TestFlags:
    def test_rows_of_the_annex_below_the_district_goal_are_flagged(self, daxing):
        progress = selectors.district_progress(daxing, 2024, "baseline")
        flagged = {
            row.name
            for row in progress.rows
            if ("target_below_goal", "目标中的普惠比例低于区目标") in row.flags
        }
        # 69/240, 24/90, 140/470 and 80/270 are below 30%; the other rows are at or above it
        assert flagged == {"天宫院街道", "安定镇", "西红门镇", "瀛海镇"}

    def test_every_town_without_inclusive_service_is_flagged(self, daxing):
        town = Region.objects.get(code="110115001")
        filed(town, "普惠园", [("older", 1, 20)], inclusive=20)
        progress = selectors.district_progress(daxing, 2025, "plan")
        without = [
            row.name for row in progress.rows if any(c == "no_inclusive_service" for c, _ in row.flags)
        ]
        assert len(without) == 21 and "兴丰街道" not in without

    def test_a_town_below_the_years_goal_is_flagged(self, daxing):
        town = Region.objects.get(code="110115001")
        filed(town, "甲", [("older", 5, 20)], inclusive=50)  # 50%: above 2024's 30%, below 2025's 60%
        codes_2024 = {c for c, _ in selectors.district_progress(daxing, 2024, "baseline").rows[0].flags}
        codes_2025 = {c for c, _ in selectors.district_progress(daxing, 2025, "plan").rows[0].flags}
        assert "below_goal" not in codes_2024 and "below_goal" in codes_2025

    def test_operating_facilities_without_a_finished_filing_are_flagged(self, daxing):
        town = Region.objects.get(code="110115009")
        FacilityFactory(town=town, name="未备案", filing_status="draft")
        row = selectors.district_progress(daxing, 2025, "plan").rows[3]
        assert row.filing_gaps == 1 and "filing_gap" in {c for c, _ in row.flags}

    def test_goals_are_data(self, daxing):
        from planning.models import InclusiveShareGoal

        InclusiveShareGoal.objects.filter(district=daxing, year=2024).update(share_percent=20)
        progress = selectors.district_progress(daxing, 2024, "baseline")
        assert not any(c == "target_below_goal" for row in progress.rows for c, _ in row.flags)


class TestIndicators:
    def test_yubei_document_check_gives_452_beside_the_reported_453(self, yubei):
        result = selectors.indicators(yubei, 2025)
        assert result.residents == 1_567_000
        assert result.document_slots_per_1000.quantize(Decimal("0.01")) == Decimal("4.52")
        check = result.comparisons()[1]
        assert check.reported.value == Decimal("4.53")
        assert check.agrees is False
        assert result.mismatched_reports == [check]

    def test_registry_based_indicators_and_completeness(self, yubei):
        town = Region.objects.get(code="500112023")
        filed(town, "仙桃园", [("older", 10, 20)], inclusive=180)  # 200 slots
        result = selectors.indicators(yubei, 2025)
        assert result.registry_slots == 200
        assert result.slots_per_1000 == Decimal(200) * 1000 / 1_567_000
        assert result.slots_per_100_infants == Decimal(200) * 100 / 34_000
        assert result.inclusive_share == Decimal("0.9")
        registry_vs_reported = {
            label: (value, reported.value) for label, value, reported, _ in result.completeness()
        }
        assert registry_vs_reported == {"备案机构数": (1, 144), "托位数": (200, 7076)}
        inclusive = result.comparisons()[2]
        assert inclusive.reported.display_value == "≥ 80%" and inclusive.agrees is True

    def test_demand_uses_the_districts_own_rate_or_the_editable_default(self, yubei):
        result = selectors.indicators(yubei, 2025)
        assert result.demand_is_default and result.slots_needed == 11_220  # 34,000 × 33%
        DemandAssumption.objects.create(district=yubei, enrolment_wish_percent=Decimal("25"))
        result = selectors.indicators(yubei, 2025)
        assert not result.demand_is_default and result.slots_needed == 8_500
        assert result.shortfall == 8_500

    def test_unknown_population_stays_unknown(self, daxing):
        result = selectors.indicators(daxing, 2025)
        assert result.population is None
        assert result.slots_per_1000 is None and result.slots_needed is None


class TestRollup:
    def test_one_row_per_district_with_the_same_totals(self, daxing, yubei):
        town = Region.objects.get(code="110115001")
        filed(town, "甲", [("older", 2, 20)], inclusive=20)
        progress = selectors.rollup(Region.objects.all(), 2025, "plan")
        rows = {row.code: row for row in progress.rows}
        assert rows["110115"].target_slots == 8600 and rows["110115"].actual_slots == 40
        assert rows["500112"].target_slots is None
        assert progress.totals.actual_slots == 40

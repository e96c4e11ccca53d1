"""The rules that matter are database constraints, not only form validation."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget
from tests.factories import (
    DistrictFactory,
    PopulationStatFactory,
    ReportedFigureFactory,
    SlotTargetFactory,
    SourceDocumentFactory,
    TownFactory,
)

pytestmark = pytest.mark.django_db


def update_in_database(model, pk, **values):
    """Write straight through the ORM's UPDATE, bypassing model validation, to reach the constraint."""
    model.objects.filter(pk=pk).update(**values)


class TestSlotTargetConstraints:
    def test_a_valid_target_saves(self):
        target = SlotTargetFactory(total_slots=240, inclusive_slots=69)
        assert target.inclusive_ratio == Decimal("0.2875")

    @pytest.mark.parametrize(
        "values",
        [{"total_slots": -1, "inclusive_slots": 0}, {"total_slots": 10, "inclusive_slots": -1}],
        ids=["negative total", "negative inclusive"],
    )
    def test_negative_slots_are_refused_by_the_database(self, values):
        target = SlotTargetFactory()
        with pytest.raises(IntegrityError):
            update_in_database(SlotTarget, target.pk, **values)

    def test_inclusive_above_total_is_refused_by_the_database(self):
        target = SlotTargetFactory(total_slots=100, inclusive_slots=30)
        with pytest.raises(IntegrityError, match="slot_target_inclusive_within_total"):
            update_in_database(SlotTarget, target.pk, inclusive_slots=101)

    def test_inclusive_above_total_gets_a_chinese_message_in_validation(self):
        target = SlotTargetFactory.build(
            town=TownFactory(), source=SourceDocumentFactory(), total_slots=10, inclusive_slots=11
        )
        with pytest.raises(ValidationError) as exc:
            target.full_clean()
        assert "普惠托位数不能大于托位总数。" in exc.value.messages

    def test_one_row_per_town_year_and_level(self):
        first = SlotTargetFactory()
        with pytest.raises(IntegrityError):
            SlotTargetFactory(town=first.town, year=first.year, level=first.level)

    def test_the_same_town_may_have_other_years_and_levels(self):
        first = SlotTargetFactory(year=2025, level=SlotTarget.Level.BASELINE)
        SlotTargetFactory(town=first.town, year=2025, level=SlotTarget.Level.PLAN)
        SlotTargetFactory(town=first.town, year=2024, level=SlotTarget.Level.BASELINE)
        assert first.town.slot_targets.count() == 3

    def test_targets_belong_to_towns_not_districts(self):
        target = SlotTargetFactory.build(town=DistrictFactory(), source=SourceDocumentFactory())
        with pytest.raises(ValidationError) as exc:
            target.full_clean()
        assert "托位目标只能分解到镇街。" in exc.value.message_dict["town"]

    def test_a_zero_total_has_no_ratio_rather_than_a_false_zero(self):
        assert SlotTargetFactory(total_slots=0, inclusive_slots=0).inclusive_ratio is None


class TestRegionRules:
    def test_a_district_needs_a_parent(self):
        district = DistrictFactory()
        with pytest.raises(IntegrityError, match="region_parent_by_level"):
            update_in_database(Region, district.pk, parent=None)

    def test_a_city_has_no_parent(self):
        city = DistrictFactory().parent
        other = DistrictFactory()
        with pytest.raises(IntegrityError, match="region_parent_by_level"):
            update_in_database(Region, city.pk, parent=other.pk)

    def test_names_are_unique_within_a_parent(self):
        town = TownFactory(name="黄村镇")
        with pytest.raises(IntegrityError), transaction.atomic():
            TownFactory(name="黄村镇", parent=town.parent)
        assert TownFactory(name="黄村镇").parent != town.parent

    def test_a_town_must_sit_under_a_district(self):
        town = TownFactory.build(parent=TownFactory())
        with pytest.raises(ValidationError) as exc:
            town.full_clean()
        assert "镇街的上级必须是区县级地区。" in exc.value.message_dict["parent"]

    def test_a_kind_must_fit_its_level(self):
        town = TownFactory.build(parent=DistrictFactory(), kind=Region.Kind.MUNICIPALITY)
        with pytest.raises(ValidationError) as exc:
            town.full_clean()
        assert "kind" in exc.value.message_dict


class TestPopulationStat:
    @pytest.mark.parametrize(
        "field",
        [*PopulationStat.COUNT_FIELDS, "avg_monthly_household_disposable_income"],
    )
    def test_negative_figures_are_refused_by_the_database(self, field):
        stat = PopulationStatFactory()
        with pytest.raises(IntegrityError):
            update_in_database(PopulationStat, stat.pk, **{field: -1})

    def test_unknown_figures_stay_empty(self):
        stat = PopulationStatFactory(births=None, avg_monthly_household_disposable_income=None)
        stat.refresh_from_db()
        assert stat.births is None
        assert stat.avg_monthly_household_disposable_income is None

    def test_one_row_per_region_and_year(self):
        stat = PopulationStatFactory()
        with pytest.raises(IntegrityError):
            PopulationStatFactory(region=stat.region, year=stat.year)


class TestReportedFigure:
    @pytest.mark.parametrize(
        ("comparator", "value", "unit", "expected"),
        [
            (ReportedFigure.Comparator.GT, "80", ReportedFigure.Unit.PERCENT, "> 80%"),
            (ReportedFigure.Comparator.EQ, "4.53", ReportedFigure.Unit.SLOTS_PER_1000, "4.53 个/千人"),
            (ReportedFigure.Comparator.GTE, "30", ReportedFigure.Unit.PERSONS, "≥ 30 人"),
            (ReportedFigure.Comparator.APPROX, "40000000", ReportedFigure.Unit.YUAN, "≈ 40,000,000 元"),
        ],
    )
    def test_display_keeps_the_comparator_the_document_used(self, comparator, value, unit, expected):
        figure = ReportedFigureFactory(comparator=comparator, value=Decimal(value), unit=unit)
        figure.refresh_from_db()
        assert figure.display_value == expected

    def test_a_period_cannot_end_before_it_starts(self):
        figure = ReportedFigureFactory()
        with pytest.raises(IntegrityError):
            update_in_database(ReportedFigure, figure.pk, period_start="2025-01-01", period_end="2024-12-31")

"""What comparators mean (targets.comparators): “以上” includes the number (民法典 第1259条)."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from targets import comparators
from targets.models import ReportedFigure
from tests.factories import ReportedFigureFactory

C = ReportedFigure.Comparator


@pytest.mark.parametrize(
    ("wording", "comparator"),
    [
        ("90%以上", C.GTE),
        ("不少于30人", C.GTE),
        ("至少1家", C.GTE),
        ("不超过20%", C.LTE),
        ("不高于本区上一年度家庭月均可支配收入的20%", C.LTE),
        ("超过100家", C.GT),
        ("130余家", C.GT),
        ("不足10人", C.LT),
        ("约3800平米", C.APPROX),
        ("4.53个", C.EQ),
    ],
)
def test_the_documents_words_map_to_comparators(wording, comparator):
    assert comparators.from_wording(wording) == comparator


class TestSatisfies:
    def test_ninety_point_zero_meets_ninety_or_more(self):
        assert comparators.satisfies(Decimal("90.0"), C.GTE, Decimal(90)) is True
        assert comparators.satisfies(Decimal(9) / 10 * 100, comparators.from_wording("90%以上"), Decimal(90))

    def test_only_the_strict_wordings_leave_the_number_out(self):
        assert comparators.satisfies(Decimal(90), C.GT, Decimal(90)) is False
        assert comparators.satisfies(Decimal(20), C.LTE, Decimal(20)) is True
        assert comparators.satisfies(Decimal(20), C.LT, Decimal(20)) is False

    def test_a_reported_number_agrees_within_its_printed_precision(self):
        assert comparators.satisfies(Decimal(7076) / 1567, C.EQ, Decimal("4.52")) is True
        assert comparators.satisfies(Decimal(7076) / 1567, C.EQ, Decimal("4.53")) is False

    def test_a_bare_goal_is_reached_at_its_number(self):
        assert comparators.satisfies(Decimal(100), C.EQ, Decimal(100), goal=True) is True
        assert comparators.satisfies(Decimal(101), C.EQ, Decimal(100), goal=True) is True
        assert comparators.satisfies(Decimal(99), C.EQ, Decimal(100), goal=True) is False


@pytest.mark.django_db
def test_a_goal_figure_of_ninety_or_more_is_met_by_nine_of_ten():
    goal = ReportedFigureFactory(
        comparator=C.GTE,
        value=Decimal(90),
        unit=ReportedFigure.Unit.PERCENT,
        nature=ReportedFigure.Nature.GOAL,
    )
    assert comparators.figure_satisfied(Decimal(9) / 10 * 100, goal) is True
    assert comparators.figure_satisfied(None, goal) is None


@pytest.mark.django_db
def test_the_data_migration_turns_stored_yishang_into_at_least_and_leaves_yu_strict():
    migration = importlib.import_module("targets.migrations.0007_yishang_includes_the_number")
    share = ReportedFigureFactory(
        comparator=C.GT, value=Decimal(80), unit=ReportedFigure.Unit.PERCENT, quote="普惠托位占比80%以上"
    )
    more_than = ReportedFigureFactory(
        comparator=C.GT, value=Decimal(130), quote="130余家民办幼儿园已开办托班"
    )
    migration.to_at_least(apps, None)
    share.refresh_from_db()
    more_than.refresh_from_db()
    assert (share.comparator, more_than.comparator) == (C.GTE, C.GT)
    assert share.display_value == "≥ 80%"
    migration.to_strict(apps, None)
    share.refresh_from_db()
    assert share.comparator == C.GT

"""`python manage.py seed`: exact figures from both documents, sums, idempotency and every bad-row case."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ops.seed import seed_all as seed
from targets import selectors
from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument
from targets.seeding import DEFAULT_FIXTURES_DIR, SeedError
from tests.core.seed_files import count_rows, edit_cell, line_of

pytestmark = pytest.mark.django_db

MODELS = [SourceDocument, Region, PopulationStat, ReportedFigure, SlotTarget]


def row_counts():
    return count_rows(*MODELS)


def daxing():
    return Region.objects.get(code="110115")


class TestDaxingAnnex:
    def test_all_22_towns_with_both_special_areas(self, seeded):
        towns = Region.objects.filter(parent=daxing(), level=Region.Level.TOWN)
        assert towns.count() == 22
        specials = set(towns.filter(kind=Region.Kind.SPECIAL_AREA).values_list("name", flat=True))
        assert specials == {"生物医药基地", "大兴经开区"}
        assert not towns.filter(official_code=False).exists()  # NBS 2023 codes (test_divisions.py)

    def test_22_rows_at_each_of_the_three_levels(self, seeded):
        for year, level in [(2024, "baseline"), (2025, "high_quality"), (2025, "plan")]:
            assert SlotTarget.objects.filter(town__parent=daxing(), year=year, level=level).count() == 22

    @pytest.mark.parametrize(
        ("town", "year", "level", "total", "inclusive"),
        [
            ("兴丰街道", 2024, "baseline", 210, 63),
            ("天宫院街道", 2024, "baseline", 240, 69),
            ("安定镇", 2025, "high_quality", 90, 48),
            ("庞各庄镇", 2025, "plan", 350, 210),
            ("旧宫镇", 2025, "plan", 880, 530),
            ("大兴经开区", 2025, "high_quality", 20, 20),
        ],
    )
    def test_rows_exactly_as_printed(self, seeded, town, year, level, total, inclusive):
        target = SlotTarget.objects.get(town__parent=daxing(), town__name=town, year=year, level=level)
        assert (target.total_slots, target.inclusive_slots) == (total, inclusive)
        assert target.source.key == "daxing-plan-2024-2025"

    def test_district_totals_come_out_of_the_22_rows(self, seeded):
        totals = {
            (t.year, t.level): (t.total_slots, t.inclusive_slots, t.towns)
            for t in selectors.target_totals(daxing())
        }
        assert totals == {
            (2024, "baseline"): (4700, 1410, 22),
            (2025, "high_quality"): (4700, 2820, 22),
            (2025, "plan"): (8600, 5160, 22),
        }

    def test_rows_below_the_district_ratio_are_kept_as_printed(self, seeded):
        tiangongyuan = SlotTarget.objects.get(town__name="天宫院街道", year=2024, level="baseline")
        assert tiangongyuan.inclusive_ratio == Decimal("0.2875")


REPORTED_FIGURES = {
    # key: (comparator, value, unit), as the documents state them
    "yubei-filed-facilities-2025q1": ("eq", "144", "facilities"),
    "yubei-slots-2025q1": ("eq", "7076", "slots"),
    "yubei-slots-per-1000-2025q1": ("eq", "4.53", "slots_per_1000"),
    "yubei-inclusive-share-2025q1": ("gte", "80", "percent"),  # 80%以上: 以上 includes the number
    "yubei-kindergarten-classes-2025": ("gt", "130", "facilities"),  # 130余家: more than 130
    "yubei-operating-subsidy-2024": ("eq", "859000", "yuan"),
    "yubei-incentive-grants-first-batch": ("eq", "10473200", "yuan"),
    "yubei-rent-subsidy-rate-2025": ("eq", "10", "yuan_per_m2_month"),
    "yubei-joint-inspections-2024-2025": ("eq", "8", "times"),
    "yubei-problems-rectified-2024-2025": ("eq", "64", "items"),
    "yubei-health-record-coverage": ("eq", "100", "percent"),
    "yubei-trainees-per-year": ("eq", "1000", "persons"),
    "daxing-inclusive-share-goal-2024": ("gte", "30", "percent"),
    "daxing-inclusive-share-goal-2025": ("gte", "60", "percent"),
    "daxing-certificate-rate-goal-2025": ("gte", "90", "percent"),
    "daxing-fee-cap-income-share": ("lte", "20", "percent"),
}


class TestYubei:
    def test_2024_population(self, seeded):
        stat = PopulationStat.objects.get(region__code="500112", year=2024)
        assert stat.resident_population == 1_567_000
        assert stat.births == 12_000
        assert stat.infants_under_3 == 34_000
        assert stat.women_childbearing_age == 376_000
        assert stat.avg_monthly_household_disposable_income is None  # the document does not say
        assert stat.scope_note == "不含两江新区"
        assert stat.source.doc_number == "渝北卫健函〔2025〕90号"

    @pytest.mark.parametrize("key", REPORTED_FIGURES)
    def test_reported_figures_as_the_documents_state_them(self, seeded, key):
        comparator, value, unit = REPORTED_FIGURES[key]
        figure = ReportedFigure.objects.get(key=key)
        assert (figure.comparator, figure.value, figure.unit) == (comparator, Decimal(value), unit)
        assert figure.quote  # the sentence it came from is kept

    def test_the_inclusive_share_is_80_or_more(self, seeded):
        assert ReportedFigure.objects.get(key="yubei-inclusive-share-2025q1").display_value == "≥ 80%"

    def test_every_yishang_in_a_quote_is_stored_as_at_least(self, seeded):
        for figure in ReportedFigure.objects.filter(quote__contains="以上").exclude(quote__contains="余"):
            assert figure.comparator == "gte", figure.key

    def test_as_of_dates_are_dates(self, seeded):
        slots = ReportedFigure.objects.get(key="yubei-slots-2025q1")
        assert slots.period_end.isoformat() == "2025-03-31"
        assert slots.period_text == "截止2025年一季度"


class TestSources:
    def test_both_documents_with_what_they_state_and_nothing_more(self, seeded):
        yubei = SourceDocument.objects.get(key="yubei-2025-90")
        assert (yubei.issuer, yubei.issued_on.isoformat(), yubei.status) == (
            "重庆市渝北区卫生健康委员会",
            "2025-04-30",
            "final",
        )
        daxing_plan = SourceDocument.objects.get(key="daxing-plan-2024-2025")
        assert daxing_plan.status == SourceDocument.Status.DRAFT_FOR_COMMENT
        # The draft names neither issuer, number nor date: they stay empty instead of being guessed.
        assert (daxing_plan.issuer, daxing_plan.doc_number, daxing_plan.issued_on) == ("", "", None)

    def test_seed_files_exist_beside_the_project(self, seeded):
        seeds = Path(DEFAULT_FIXTURES_DIR).parent.parent / "shared" / "seeds"
        if not seeds.exists():
            pytest.skip("shared/seeds is not beside this checkout")
        for name in SourceDocument.objects.values_list("seed_file", flat=True):
            assert (seeds / name).exists(), name

    def test_every_seeded_row_below_city_level_points_to_a_source(self, seeded):
        assert not Region.objects.exclude(level=Region.Level.CITY).filter(source__isnull=True).exists()
        for model in (PopulationStat, ReportedFigure, SlotTarget):
            assert not model.objects.filter(source__isnull=True).exists()

    def test_district_codes_are_gb_t_2260(self, seeded):
        assert Region.objects.get(name="渝北区").code == "500112"
        assert Region.objects.get(name="大兴区").code == "110115"
        assert Region.objects.get(code="500112").parent.name == "重庆市"
        assert Region.objects.get(code="110115").parent.name == "北京市"


class TestIdempotency:
    def test_a_second_run_changes_nothing(self, seeded):
        before = row_counts()
        stamps = dict(SlotTarget.objects.values_list("pk", "updated_at"))
        report = seed()
        assert report.changed == 0
        assert row_counts() == before
        assert dict(SlotTarget.objects.values_list("pk", "updated_at")) == stamps

    def test_an_edited_fixture_updates_in_place(self, seeded, fixtures):
        path = fixtures / "slot_targets.csv"
        line = line_of(path, town="兴丰街道", year="2025", level="plan")
        original = SlotTarget.objects.get(town__name="兴丰街道", year=2025, level="plan")
        edit_cell(path, line, "total_slots", "400")
        report = seed(fixtures)
        assert report.updated == {"托位建设目标": 1}
        updated = SlotTarget.objects.get(pk=original.pk)
        assert updated.total_slots == 400
        assert SlotTarget.objects.count() == 66

    def test_the_command_reports_counts(self, db, capsys):
        call_command("seed")
        out = capsys.readouterr().out
        assert "未变：来源文件 9，地区 56" in out
        assert "种子数据已是最新。" in out


def bad_slot_target(town, level, column, value, message, id):
    """A case for TestBadFixtures: `column` of a town's slot target set to `value`, refused with `message`."""
    return pytest.param("slot_targets.csv", {"town": town, "level": level}, column, value, message, id=id)


def bad_slots_figure(column, value, message, id):
    """As bad_slot_target, in Yubei's reported number of slots."""
    return pytest.param("reported_figures.csv", {"key": "yubei-slots-2025q1"}, column, value, message, id=id)


BAD_ROWS = [
    bad_slot_target("兴丰街道", "baseline", "total_slots", "-5", "不能为负数", id="negative number"),
    bad_slot_target(
        "天宫院街道",
        "baseline",
        "inclusive_slots",
        "300",
        "普惠托位数（300）不能大于托位总数（240）",
        id="inclusive above total",
    ),
    bad_slot_target("安定镇", "plan", "town", "安定乡", "区县“110115”下没有镇街“安定乡”", id="unknown town"),
    bad_slot_target("礼贤镇", "plan", "total_slots", "一百九十", "“一百九十”不是整数", id="non-number"),
    bad_slots_figure("value", "abc", "“abc”不是数字", id="non-number in a figure"),
    bad_slots_figure("comparator", "以上", "“以上”不在可选值中", id="unknown comparator"),
    bad_slots_figure("period_end", "2025年3月", "不是 YYYY-MM-DD 格式的日期", id="date as text"),
    bad_slots_figure("source", "no-such-doc", "未知来源文件“no-such-doc”", id="unknown source"),
    pytest.param(
        "population.csv",
        {"region": "500112"},
        "births",
        "1.2万",
        "“1.2万”不是整数",
        id="non-number in population",
    ),
    pytest.param(
        "regions.csv", {"code": "110115010"}, "parent", "110115009", "此处应为区县", id="town under a town"
    ),
    pytest.param(
        "regions.csv",
        {"code": "110115001"},
        "code",
        "110115099",
        "“110115099”不在国家统计局2023年统计用区划代码中",
        id="official code NBS does not know",
    ),
    pytest.param(
        "regions.csv",
        {"code": "110115005"},
        "official_name",
        "黄村镇",
        "统计用区划代码“110115005”的名称是“黄村地区”",
        id="NBS name that is not NBS's",
    ),
    pytest.param(
        "regions.csv",
        {"code": "500112023"},
        "parent",
        "110115",
        "统计用区划代码“500112023”不属于“110115”",
        id="official code under another district",
    ),
]


class TestBadFixtures:
    @pytest.mark.parametrize(("file", "match", "column", "value", "message"), BAD_ROWS)
    def test_a_bad_row_is_named_and_nothing_is_loaded(
        self, db, fixtures, file, match, column, value, message
    ):
        before = row_counts()
        path = fixtures / file
        line = line_of(path, **match)
        edit_cell(path, line, column, value)
        with pytest.raises(SeedError) as exc:
            seed(fixtures)
        text = str(exc.value)
        assert f"{file}，第 {line} 行，字段 {column}：" in text
        assert message in text
        assert row_counts() == before

    def test_a_bad_row_leaves_an_earlier_seed_untouched(self, seeded, fixtures):
        before = row_counts()
        good_edit = fixtures / "reported_figures.csv"
        edit_cell(good_edit, line_of(good_edit, key="yubei-slots-2025q1"), "value", "9999")
        bad = fixtures / "slot_targets.csv"
        edit_cell(bad, line_of(bad, town="采育镇", level="plan"), "inclusive_slots", "999")
        with pytest.raises(SeedError):
            seed(fixtures)
        assert row_counts() == before
        assert ReportedFigure.objects.get(key="yubei-slots-2025q1").value == 7076

    def test_a_duplicate_row_is_named_with_its_twin(self, db, fixtures):
        before = row_counts()
        path = fixtures / "slot_targets.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        twin = line_of(path, town="瀛海镇", level="high_quality")
        path.write_text("\n".join([*lines, lines[twin - 1]]) + "\n", encoding="utf-8")
        with pytest.raises(SeedError) as exc:
            seed(fixtures)
        assert f"slot_targets.csv，第 {len(lines) + 1} 行：与第 {twin} 行重复" in str(exc.value)
        assert row_counts() == before

    def test_every_problem_is_listed_not_only_the_first(self, db, fixtures):
        path = fixtures / "slot_targets.csv"
        edit_cell(path, line_of(path, town="兴丰街道", level="baseline"), "total_slots", "-1")
        edit_cell(path, line_of(path, town="黄村镇", level="plan"), "inclusive_slots", "x")
        with pytest.raises(SeedError) as exc:
            seed(fixtures)
        assert len(exc.value.problems) == 2

    def test_a_missing_column_is_reported_with_the_file(self, db, fixtures):
        path = fixtures / "population.csv"
        text = path.read_text(encoding="utf-8").replace("births,", "births_total,", 1)
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SeedError) as exc:
            seed(fixtures)
        assert "population.csv，第 1 行：缺少列 births；未知列 births_total" in str(exc.value)

    def test_the_command_fails_with_the_message_and_writes_nothing(self, db, fixtures):
        before = row_counts()
        path = fixtures / "slot_targets.csv"
        line = line_of(path, town="兴丰街道", level="baseline")
        edit_cell(path, line, "inclusive_slots", "211")
        with pytest.raises(CommandError) as exc:
            call_command("seed", fixtures=str(fixtures))
        assert "种子数据有 1 处错误，本次未写入任何数据" in str(exc.value)
        assert f"slot_targets.csv，第 {line} 行，字段 inclusive_slots" in str(exc.value)
        assert row_counts() == before

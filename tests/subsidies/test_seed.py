"""The subsidies seed: exactly what Yubei's reply says (and nothing it does not), aggregates that can never
be read as per-facility payments, idempotent runs, and bad rows that name file, line and field and load
nothing."""

import datetime
from decimal import Decimal

import pytest

from facilities.models import Facility
from subsidies import selectors
from subsidies.models import (
    AggregateDisbursement,
    Application,
    Fund,
    LedgerEntry,
    Milestone,
    Program,
    Project,
)
from subsidies.seeding import SeedError, seed_subsidies
from tests.core.seed_files import count_rows, edit_cell

pytestmark = pytest.mark.django_db
SOURCE = "yubei-2025-90"


def counts():
    return count_rows(Fund, Program, AggregateDisbursement, Project, Milestone)


class TestWhatTheDocumentSays:
    def test_the_central_fund(self, seeded):
        fund = Fund.objects.get(seed_key="yubei-central-demonstration-2024")
        assert fund.source_level == Fund.SourceLevel.CENTRAL
        assert fund.amount_allocated == Decimal("100000000.00")
        assert (fund.year, fund.district.code, fund.purpose) == (2024, "500112", "普惠托育服务发展示范项目")
        assert fund.source.key == SOURCE
        assert "资金使用较为缓慢" in fund.notes

    def test_nothing_is_recorded_as_spent_from_it(self, seeded):
        execution = selectors.fund_execution(
            Fund.objects.filter(seed_key="yubei-central-demonstration-2024")
        )[0]
        assert (execution.disbursed, execution.remaining, execution.rate) == (
            Decimal("0"),
            Decimal("100000000.00"),
            Decimal("0"),
        )

    def test_the_rent_rule(self, seeded):
        program = Program.objects.get(seed_key="yubei-rent-2025")
        assert (program.kind, program.basis, program.rate) == ("rent", "per_m2_month", Decimal("10.00"))
        assert program.requires_inclusive and not program.requires_filed and not program.requires_operating
        assert program.allowed_kinds == []
        assert (program.year, program.payable_text, program.payable_by) == (
            2025,
            "2025年底兑现",
            datetime.date(2025, 12, 31),
        )
        assert program.fund is None  # the document names no fund

    def test_the_2024_operating_subsidies_are_one_aggregate(self, seeded):
        aggregate = AggregateDisbursement.objects.get(seed_key="yubei-operating-2024-aggregate")
        assert (aggregate.amount, aggregate.recipients, aggregate.year) == (Decimal("859000.00"), 100, 2024)
        assert aggregate.program_kind == "operating" and aggregate.paid_text == "2025年初"
        assert aggregate.paid_on is None  # “early 2025”: no date invented
        assert aggregate.fund is None and aggregate.program is None  # the document does not say which fund

    def test_the_first_batch_incentive_grants_are_one_aggregate(self, seeded):
        aggregate = AggregateDisbursement.objects.get(seed_key="yubei-incentive-first-batch-aggregate")
        assert (aggregate.amount, aggregate.recipients) == (Decimal("10473200.00"), 6)
        assert aggregate.program_kind == "incentive" and aggregate.fund is None and aggregate.year is None

    def test_aggregates_never_count_per_facility(self, seeded, yubei):
        assert not LedgerEntry.objects.exists() and not Application.objects.exists()
        assert selectors.facility_paid_totals(LedgerEntry.objects.all()) == {}
        assert selectors.by_town(LedgerEntry.objects.all()) == []
        lines = selectors.by_program_year(LedgerEntry.objects.all(), AggregateDisbursement.objects.all())
        by_subject = {line.program: line for line in lines}
        operating = by_subject["2024年度运营补助（汇总拨付，文件报告）"]
        assert (operating.aggregate, operating.ledger_net, operating.facilities) == (
            Decimal("859000.00"),
            0,
            0,
        )
        assert operating.aggregate_recipients == 100
        assert not hasattr(AggregateDisbursement, "facility")

    def test_the_projects_with_the_sizes_and_dates_the_document_gives(self, seeded):
        projects = {p.seed_key: p for p in Project.objects.select_related("facility")}
        assert len(projects) == 9
        centre = projects["yubei-service-centre-project"]
        assert (centre.investment, centre.investment_comparator) == (Decimal("40000000.00"), "approx")
        assert (centre.area_m2, centre.area_comparator) == (Decimal("3800.00"), "approx")
        assert centre.investment_display == "≈ 40,000,000 元" and centre.area_display == "≈ 3,800 ㎡"
        assert centre.facility.seed_key == "yubei-service-centre"
        site = projects["yubei-vocational-school-site-project"]
        assert (site.investment, site.investment_comparator, site.area_m2, site.area_comparator) == (
            Decimal("7000000.00"),
            "gt",
            Decimal("2500.00"),
            "gte",  # "2500平方米以上": 以上 includes the number
        )
        assert site.facility is None and site.kind == "vocational_school_site"
        for key in (
            "yubei-mch-hospital-park",
            "yubei-peoples-hospital-park",
            "yubei-tcm-hospital-park",
            "yubei-shuanglonghu-chc-park",
            "yubei-baoshenghu-park",
            "yubei-longta-park",
            "yubei-shuanglonghu-park",
        ):
            p = projects[f"{key}-project"]
            assert p.facility.seed_key == key
            assert p.investment is None and p.area_m2 is None and p.planned_slots is None  # not stated
            assert not p.funds.exists()
        assert all(p.source.key == SOURCE and p.town is None for p in projects.values())

    def test_milestones(self, seeded):
        def stages(key):
            return {
                m.stage: (m.done, m.planned_date, m.actual_date)
                for m in Milestone.objects.filter(project__seed_key=key)
            }

        assert stages("yubei-service-centre-project") == {
            "approval": (True, None, None),
            "design_tender": (True, None, None),
            "in_service": (None, datetime.date(2025, 11, 30), None),
        }
        for key in ("peoples", "tcm", "shuanglonghu-chc"):
            assert stages(
                f"yubei-{key}-hospital-park-project"
                if key != "shuanglonghu-chc"
                else "yubei-shuanglonghu-chc-park-project"
            ) == {
                "design_tender": (True, None, None),
                "construction_tender": (True, None, None),
                "in_service": (None, datetime.date(2025, 10, 31), None),
            }
        for key in ("baoshenghu", "longta", "shuanglonghu"):
            assert stages(f"yubei-{key}-park-project") == {
                "in_service": (None, datetime.date(2025, 8, 31), None)
            }
        assert stages("yubei-mch-hospital-park-project") == {"in_service": (True, None, None)}
        assert stages("yubei-vocational-school-site-project") == {}
        assert Facility.objects.get(seed_key="yubei-mch-hospital-park").operating_status == "operating"


class TestLoading:
    def test_a_second_run_changes_nothing(self, seeded):
        before = counts()
        report = seed_subsidies(None)
        assert report.changed == 0
        assert counts() == before

    def test_the_whole_seed_stays_idempotent(self, seeded):
        from ops.seed import seed_all

        seed_all()
        assert seed_subsidies(None).changed == 0

    def test_an_edited_fixture_updates_in_place(self, seeded, fixtures):
        edit_cell(fixtures / "subsidies_funds.csv", 2, "amount_allocated", "120000000.00")
        edit_cell(fixtures / "subsidies_projects.csv", 2, "planned_slots", "150")
        report = seed_subsidies(fixtures)
        assert report.updated == {"资金": 1, "托育园建设项目": 1}
        assert Fund.objects.get(seed_key="yubei-central-demonstration-2024").amount_allocated == Decimal(
            "120000000.00"
        )
        assert Fund.objects.count() == 1

    @pytest.mark.parametrize(
        ("file", "line", "column", "value", "message"),
        [
            ("subsidies_funds.csv", 2, "amount_allocated", "-5", "不能为负数"),
            ("subsidies_funds.csv", 2, "amount_allocated", "1.005", "最多两位小数"),
            ("subsidies_funds.csv", 2, "source_level", "province", "不在可选值中"),
            ("subsidies_funds.csv", 2, "district", "999999", "未知区县代码"),
            ("subsidies_programs.csv", 2, "fund", "no-such-fund", "未知资金"),
            ("subsidies_programs.csv", 2, "rate", "十元", "不是数字"),
            ("subsidies_programs.csv", 2, "allowed_kinds", "nursery", "未知机构类型"),
            ("subsidies_programs.csv", 2, "payable_by", "2025/12/31", "YYYY-MM-DD"),
            ("subsidies_aggregates.csv", 2, "source", "no-such-doc", "未知来源文件"),
            ("subsidies_aggregates.csv", 3, "recipients", "六", "不是整数"),
            ("subsidies_projects.csv", 2, "facility", "no-such-facility", "未知机构种子标识"),
            ("subsidies_projects.csv", 3, "investment_comparator", "approx", "为空时不能填写比较符"),
            ("subsidies_projects.csv", 2, "town", "110115001", "下没有镇街代码"),
            ("subsidies_milestones.csv", 2, "project", "no-such-project", "未知建设项目"),
            ("subsidies_milestones.csv", 4, "actual_date", "2025-11-30", "须标记为已完成"),
            ("subsidies_milestones.csv", 2, "done", "maybe", "不是 是/否"),
        ],
    )
    def test_a_bad_row_names_file_line_and_field_and_loads_nothing(
        self, seeded, fixtures, file, line, column, value, message
    ):
        # a valid change in an earlier file must not be written either
        edit_cell(fixtures / "subsidies_funds.csv", 2, "purpose", "已修改的用途")
        edit_cell(fixtures / file, line, column, value)
        before = counts()
        with pytest.raises(SeedError) as caught:
            seed_subsidies(fixtures)
        problem = next(p for p in caught.value.problems if p.file == file)
        assert (problem.line, problem.field) == (line, column)
        assert message in problem.message
        assert f"{file}，第 {line} 行，字段 {column}" in str(caught.value)
        assert counts() == before
        assert (
            Fund.objects.get(seed_key="yubei-central-demonstration-2024").purpose
            == "普惠托育服务发展示范项目"
        )

    def test_a_duplicate_key_is_named(self, seeded, fixtures):
        path = fixtures / "subsidies_milestones.csv"
        with path.open("a", encoding="utf-8") as handle:
            handle.write("yubei-longta-park-project,in_service,,2025-09-30,,重复,yubei-2025-90\n")
        with pytest.raises(SeedError, match="与第 16 行重复"):
            seed_subsidies(fixtures)

    def test_a_missing_file_is_named(self, seeded, fixtures):
        (fixtures / "subsidies_projects.csv").unlink()
        with pytest.raises(SeedError, match=r"subsidies_projects\.csv：文件不存在"):
            seed_subsidies(fixtures)

"""Seed for planning: the inclusive-share goals the documents set (Daxing: 30% in 2024, 60% in 2025)."""

from __future__ import annotations

from pathlib import Path

from core.seeding import FixtureFile, FixtureLoader, SeedReport, required_decimal, required_text, year
from planning.models import InclusiveShareGoal
from targets.models import Region, SourceDocument

GOALS = FixtureFile(
    "inclusive_goals.csv",
    {"district": required_text, "year": year, "share_percent": required_decimal, "source": required_text},
)


class GoalLoader(FixtureLoader):
    def run(self) -> SeedReport:
        rows = GOALS.read(self.directory, self.problems)
        rows = self.unique(GOALS, rows, lambda r: (r.values["district"], r.values["year"]), "区县+年份")
        districts = {r.code: r for r in Region.objects.filter(level=Region.Level.DISTRICT)}
        sources = {s.key: s for s in SourceDocument.objects.all()}
        for row in rows:
            v = row.values
            if v["district"] not in districts:
                self.problem(GOALS, row, "district", f"未知区县代码“{v['district']}”")
            if v["source"] not in sources:
                self.problem(GOALS, row, "source", f"未知来源文件“{v['source']}”")
            if v["share_percent"] > 100:
                self.problem(GOALS, row, "share_percent", f"占比不能超过100（{v['share_percent']}）")
        self.stop_on_problems()
        for row in rows:
            v = row.values
            self.upsert(
                GOALS,
                row,
                InclusiveShareGoal,
                {"district": districts[v["district"]], "year": v["year"]},
                {"share_percent": v["share_percent"], "source": sources[v["source"]]},
            )
        self.stop_on_problems()
        return self.report


def seed_goals(directory: Path, report: SeedReport) -> SeedReport:
    return GoalLoader(directory, report).run()

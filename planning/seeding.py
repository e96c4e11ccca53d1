"""Seed for planning: the inclusive-share goals the documents set (Daxing: 30% in 2024, 60% in 2025)."""

from __future__ import annotations

from pathlib import Path

from core.seeding import FixtureFile, SeedReport, required_decimal, required_text, year
from planning.models import InclusiveShareGoal
from targets.seeding import SourcedLoader

GOALS = FixtureFile(
    "inclusive_goals.csv",
    {"district": required_text, "year": year, "share_percent": required_decimal, "source": required_text},
)


class GoalLoader(SourcedLoader):
    files = {GOALS: {"区县+年份": ("district", "year")}}

    def check(self, goals):
        for row in goals:
            self.check_district(GOALS, row)
            self.check_source(GOALS, row)
            if row.values["share_percent"] > 100:
                self.problem(GOALS, row, "share_percent", f"占比不能超过100（{row.values['share_percent']}）")

    def write(self, goals):
        for row in goals:
            v = row.values
            self.upsert(
                GOALS,
                row,
                InclusiveShareGoal,
                {"district": self.regions[v["district"]], "year": v["year"]},
                {"share_percent": v["share_percent"], "source": self.sources[v["source"]]},
            )


def seed_goals(directory: Path, report: SeedReport) -> SeedReport:
    return GoalLoader(directory, report).run()

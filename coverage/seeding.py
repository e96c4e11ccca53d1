"""The service circle's seed: the communities (社区/村) of the seeded districts from the vendored NBS 2023
code list, and the goals the documents state about the circle (fixtures/coverage_goals.csv).

Only codes, names and towns come from the code list: population, infants and points are not in it and stay
empty until a district imports or enters them (never invented). The seed sets name and town only, so a
second run leaves what officials entered untouched. A village whose town (its first 9 digits) is not a
seeded town of the portal (e.g. 110115012, 110115403: units the district's plan does not list) is left
out: it is loaded once its town is seeded.
"""

from __future__ import annotations

from pathlib import Path

from core.seeding import FixtureFile, SeedReport, required_text, text
from coverage.models import Community, CoverageGoal
from targets.models import Region
from targets.seeding import SourcedLoader

VILLAGES = FixtureFile(
    "nbs/villages_110115_500112.csv",
    {
        "code": required_text,
        "name": required_text,
        "streetCode": required_text,
        "provinceCode": text,
        "cityCode": text,
        "areaCode": text,
    },
)
GOALS = FixtureFile(
    "coverage_goals.csv",
    {
        "key": required_text,
        "district": required_text,
        "text": required_text,
        "period_text": text,
        "quote": text,
        "source": required_text,
    },
)


class CoverageLoader(SourcedLoader):
    files = {VILLAGES: {"code": ("code",)}, GOALS: {"key": ("key",)}}

    def check(self, villages, goals):
        for row in villages:
            code = row.values["code"]
            if len(code) != 12 or not code.isdigit() or not code.startswith(row.values["streetCode"]):
                self.problem(VILLAGES, row, "code", f"“{code}”不是12位社区代码或与镇街代码不符")
        for row in goals:
            self.check_source(GOALS, row)
            self.check_district(GOALS, row)

    def write(self, villages, goals):
        for row in villages:
            v = row.values
            town = self.regions.get(v["streetCode"])
            if town is None or town.level != Region.Level.TOWN:
                continue
            self.upsert(VILLAGES, row, Community, {"code": v["code"]}, {"name": v["name"], "town": town})
        for row in goals:
            v = row.values
            self.upsert(
                GOALS,
                row,
                CoverageGoal,
                {"key": v["key"]},
                {
                    "district": self.regions[v["district"]],
                    "text": v["text"],
                    "period_text": v["period_text"],
                    "quote": v["quote"],
                    "source": self.sources[v["source"]],
                },
            )


def seed_coverage(directory: Path, report: SeedReport) -> SeedReport:
    return CoverageLoader(directory, report).run()


__all__ = ["seed_coverage"]

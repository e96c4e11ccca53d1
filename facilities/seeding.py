"""Seed for the registry: national rules as data, and the facilities the source documents name.

Uses core.seeding's file/row/problem machinery, as targets.seeding does, and runs inside the same transaction
(ops.seed.seed_all), after places and sources exist. Seeded facilities carry only what the document
says: name, kind, inclusive status where stated, district, operating status and a note quoting the document.
"""

from __future__ import annotations

from pathlib import Path

from core.seeding import (
    FixtureFile,
    FixtureLoader,
    SeedError,
    SeedReport,
    boolean,
    choice,
    integer,
    required_decimal,
    required_integer,
    required_text,
    text,
)
from facilities.models import ClassTypeRule, Facility, RuleSetting
from targets.models import Region, SourceDocument

CLASS_TYPES = FixtureFile(
    "class_types.csv",
    {
        "code": required_text,
        "name": required_text,
        "min_age_months": required_integer,
        "max_age_months": required_integer,
        "max_children": required_integer,
        "children_per_caregiver": integer,
        "sort_order": integer,
        "source": required_text,
    },
)
RULE_SETTINGS = FixtureFile(
    "rule_settings.csv",
    {"key": choice(RuleSetting.Key), "value": required_decimal, "note": text, "source": required_text},
)
FACILITIES = FixtureFile(
    "facilities.csv",
    {
        "key": required_text,
        "name": required_text,
        "kind": choice(Facility.Kind),
        "ownership": choice(Facility.Ownership, required=False),
        "is_inclusive": boolean,
        "district": required_text,
        "town": text,
        "operating_status": choice(Facility.OperatingStatus),
        "notes": text,
        "source": required_text,
    },
)


class RegistryLoader(FixtureLoader):
    def run(self) -> SeedReport:
        class_types = CLASS_TYPES.read(self.directory, self.problems)
        settings = RULE_SETTINGS.read(self.directory, self.problems)
        facilities = FACILITIES.read(self.directory, self.problems)
        class_types = self.unique(CLASS_TYPES, class_types, lambda r: r.values["code"], "code")
        settings = self.unique(RULE_SETTINGS, settings, lambda r: r.values["key"], "key")
        facilities = self.unique(FACILITIES, facilities, lambda r: r.values["key"], "key")

        sources = {s.key: s for s in SourceDocument.objects.all()}
        regions = {r.code: r for r in Region.objects.select_related("parent")}
        for file, rows in ((CLASS_TYPES, class_types), (RULE_SETTINGS, settings), (FACILITIES, facilities)):
            for row in rows:
                if row.values["source"] not in sources:
                    self.problem(file, row, "source", f"未知来源文件“{row.values['source']}”")
        for row in class_types:
            v = row.values
            if v["min_age_months"] > v["max_age_months"]:
                self.problem(CLASS_TYPES, row, "min_age_months", "最小月龄不能大于最大月龄")
            if v["max_children"] == 0:
                self.problem(CLASS_TYPES, row, "max_children", "每班人数上限必须大于0")
        for row in facilities:
            v = row.values
            district = regions.get(v["district"])
            if district is None or district.level != Region.Level.DISTRICT:
                self.problem(FACILITIES, row, "district", f"未知区县代码“{v['district']}”")
            if v["town"]:
                town = regions.get(v["town"])
                if (
                    town is None
                    or town.level != Region.Level.TOWN
                    or town.parent_id != getattr(district, "pk", None)
                ):
                    self.problem(FACILITIES, row, "town", f"区县“{v['district']}”下没有镇街代码“{v['town']}”")
        self.stop_on_problems()

        for row in class_types:
            v = row.values
            self.upsert(
                CLASS_TYPES,
                row,
                ClassTypeRule,
                {"code": v["code"]},
                {
                    "name": v["name"],
                    "min_age_months": v["min_age_months"],
                    "max_age_months": v["max_age_months"],
                    "max_children": v["max_children"],
                    "children_per_caregiver": v["children_per_caregiver"],
                    "sort_order": v["sort_order"] or 0,
                    "source": sources[v["source"]],
                },
            )
        for row in settings:
            v = row.values
            self.upsert(
                RULE_SETTINGS,
                row,
                RuleSetting,
                {"key": v["key"]},
                {"value": v["value"], "note": v["note"], "source": sources[v["source"]]},
            )
        for row in facilities:
            v = row.values
            self.upsert(
                FACILITIES,
                row,
                Facility,
                {"seed_key": v["key"]},
                {
                    "name": v["name"],
                    "kind": v["kind"],
                    "ownership": v["ownership"],
                    "is_inclusive": v["is_inclusive"],
                    "district": regions[v["district"]],
                    "town": regions[v["town"]] if v["town"] else None,
                    "operating_status": v["operating_status"],
                    "notes": v["notes"],
                    "source": sources[v["source"]],
                },
            )
        self.stop_on_problems()
        return self.report


def seed_registry(directory: Path, report: SeedReport) -> SeedReport:
    return RegistryLoader(directory, report).run()


__all__ = ["SeedError", "seed_registry"]

"""Seed for the registry: national rules as data, and the facilities the source documents name.

Uses core.seeding's file/row/problem machinery, as targets.seeding does, and runs inside the same transaction
(ops.seed.seed_all), after places and sources exist. Seeded facilities carry only what the document
says: name, kind, inclusive status where stated, district, operating status and a note quoting the document.
"""

from __future__ import annotations

from pathlib import Path

from core.seeding import (
    FixtureFile,
    SeedError,
    SeedReport,
    boolean,
    choice,
    integer,
    pick,
    required_decimal,
    required_integer,
    required_text,
    text,
)
from facilities.models import ClassTypeRule, Facility, RuleSetting
from targets.models import Region
from targets.seeding import SourcedLoader

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


class RegistryLoader(SourcedLoader):
    files = {
        CLASS_TYPES: {"code": ("code",)},
        RULE_SETTINGS: {"key": ("key",)},
        FACILITIES: {"key": ("key",)},
    }

    def check(self, class_types, settings, facilities):
        for file, rows in zip(self.files, (class_types, settings, facilities), strict=True):
            for row in rows:
                self.check_source(file, row)
        for row in class_types:
            v = row.values
            if v["min_age_months"] > v["max_age_months"]:
                self.problem(CLASS_TYPES, row, "min_age_months", "最小月龄不能大于最大月龄")
            if v["max_children"] == 0:
                self.problem(CLASS_TYPES, row, "max_children", "每班人数上限必须大于0")
        for row in facilities:
            v = row.values
            district = self.check_district(FACILITIES, row)
            if v["town"]:
                town = self.regions.get(v["town"])
                if (
                    town is None
                    or town.level != Region.Level.TOWN
                    or town.parent_id != getattr(district, "pk", None)
                ):
                    self.problem(FACILITIES, row, "town", f"区县“{v['district']}”下没有镇街代码“{v['town']}”")

    def write(self, class_types, settings, facilities):
        for row in class_types:
            v = row.values
            self.upsert(
                CLASS_TYPES,
                row,
                ClassTypeRule,
                {"code": v["code"]},
                {
                    **pick(v, "name", "min_age_months", "max_age_months"),
                    **pick(v, "max_children", "children_per_caregiver"),
                    "sort_order": v["sort_order"] or 0,
                    "source": self.sources[v["source"]],
                },
            )
        for row in settings:
            v = row.values
            self.upsert(
                RULE_SETTINGS,
                row,
                RuleSetting,
                {"key": v["key"]},
                {**pick(v, "value", "note"), "source": self.sources[v["source"]]},
            )
        for row in facilities:
            v = row.values
            self.upsert(
                FACILITIES,
                row,
                Facility,
                {"seed_key": v["key"]},
                {
                    **pick(v, "name", "kind", "ownership", "is_inclusive", "operating_status", "notes"),
                    "district": self.regions[v["district"]],
                    "town": self.regions[v["town"]] if v["town"] else None,
                    "source": self.sources[v["source"]],
                },
            )


def seed_registry(directory: Path, report: SeedReport) -> SeedReport:
    return RegistryLoader(directory, report).run()


__all__ = ["SeedError", "seed_registry"]

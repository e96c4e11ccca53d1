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
    date,
    integer,
    pick,
    required,
    required_decimal,
    required_integer,
    required_text,
    text,
)
from facilities.calendar_services import NOTE_MAX, calendar_note
from facilities.models import CalendarDay, ClassTypeRule, Facility, RuleSetting
from targets.models import Region
from targets.seeding import SourcedLoader

CLASS_TYPES = FixtureFile(
    "class_types.csv",
    {
        "code": required_text,
        "name": required_text,
        "name_en": text,
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
    # A district-level key's starting value may have no source (no document sets it; districts set their own).
    {"key": choice(RuleSetting.Key), "value": required_decimal, "note": text, "source": text},
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
                district_key = file is RULE_SETTINGS and row.values["key"] in RuleSetting.DISTRICT_KEYS
                self.check_source(file, row, required=not district_key)
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
                    **pick(v, "name", "name_en", "min_age_months", "max_age_months"),
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
                {"key": v["key"], "district": None},  # the national rows; districts' own are not fixtures
                {**pick(v, "value", "note"), "source": self.sources[v["source"]] if v["source"] else None},
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


CALENDAR_DAYS = FixtureFile(
    "calendar_days.csv",
    {"date": required(date), "is_working_day": boolean, "note": required_text, "source": required_text},
)


class CalendarLoader(SourcedLoader):
    """The working-day calendar: each row a day of a State Council notice, with the notice's number written
    into its note (CalendarDay has no source column; see facilities.calendar_services)."""

    files = {CALENDAR_DAYS: {"date": ("date",)}}

    def check(self, days):
        for row in days:
            self.check_source(CALENDAR_DAYS, row)
            v = row.values
            if v["is_working_day"] and v["date"].weekday() < 5:
                self.problem(CALENDAR_DAYS, row, "is_working_day", "调休上班日应是周六或周日")
            if v["source"] in self.sources and len(self.note(v)) > NOTE_MAX:
                self.problem(CALENDAR_DAYS, row, "note", f"说明加文号超过{NOTE_MAX}个字")

    def note(self, v) -> str:
        return calendar_note(
            v["note"], working=v["is_working_day"], doc_number=self.sources[v["source"]].doc_number
        )

    def write(self, days):
        for row in days:
            v = row.values
            self.upsert(
                CALENDAR_DAYS,
                row,
                CalendarDay,
                {"date": v["date"]},
                {"is_working_day": v["is_working_day"], "note": self.note(v)},
            )
        # Years added on the calendar page are not in the fixtures: left untouched, and reported.
        self.not_in_fixtures(CalendarDay, CalendarDay.objects.count() - len(days))


def seed_registry(directory: Path, report: SeedReport) -> SeedReport:
    return RegistryLoader(directory, report).run()


def seed_calendar(directory: Path, report: SeedReport) -> SeedReport:
    return CalendarLoader(directory, report).run()


__all__ = ["SeedError", "seed_calendar", "seed_registry"]

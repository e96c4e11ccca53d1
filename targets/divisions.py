"""The National Bureau of Statistics' 2023 division codes (统计用区划代码), read from the files vendored in
fixtures/nbs/ (see the README there for source, version and licence).

The codes are reference data, not portal records: the seed does not copy 41,000 towns into the Region
table.
The portal's own regions (the districts and towns it plans for) carry NBS codes, and this module answers
"what does NBS call this code, and what lies under it" for the seed's checks, the region tree page and the
synthetic national benchmark. Files are read once per process.

Code lengths: province 2 digits, prefecture ("city") 4, county/district 6, town/street 9, village 12.
The portal writes a province or municipality as its 6-digit GB/T 2260 form (北京市 110000); `nbs_code()` maps
that to the 2-digit NBS form.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

NBS_DIR = Path(settings.BASE_DIR) / "fixtures" / "nbs"
VINTAGE = "2023"
PACKAGE = "china-division 2.7.0"

PROVINCE, CITY, DISTRICT, TOWN, VILLAGE = "province", "city", "district", "town", "village"
LEVEL_LABELS = {
    PROVINCE: _("省级"),
    CITY: _("地级"),
    DISTRICT: _("县级"),
    TOWN: _("乡级（镇街）"),
    VILLAGE: _("村级（社区、村）"),
}
_LENGTHS = {2: PROVINCE, 4: CITY, 6: DISTRICT, 9: TOWN, 12: VILLAGE}
_PARENT_LENGTH = {4: 2, 6: 4, 9: 6, 12: 9}
# file name → its parent column (None for provinces)
_FILES = (
    ("provinces.csv", None),
    ("cities.csv", "provinceCode"),
    ("areas.csv", "cityCode"),
    ("streets.csv", "areaCode"),
    ("villages_110115_500112.csv", "streetCode"),
)
# Districts whose villages and communities are vendored (the file is filtered to them).
VILLAGES_OF = ("110115", "500112")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    @property
    def parent_code(self) -> str | None:
        length = _PARENT_LENGTH.get(len(self.code))
        return self.code[:length] if length else None


@dataclass(frozen=True)
class _Table:
    by_code: dict[str, Division]
    children: dict[str | None, list[str]]


@cache
def _table() -> _Table:
    by_code: dict[str, Division] = {}
    children: dict[str | None, list[str]] = {}
    for name, parent_column in _FILES:
        with open(NBS_DIR / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code = row["code"].strip()
                by_code[code] = Division(code, row["name"].strip(), _LENGTHS[len(code)])
                parent = row[parent_column].strip() if parent_column else None
                children.setdefault(parent, []).append(code)
    for codes in children.values():
        codes.sort()
    return _Table(by_code, children)


def nbs_code(code: str) -> str:
    """The NBS form of a portal region code: GB/T 2260 writes a province or municipality as 110000 and a
    prefecture-level city as 330100; NBS as 11 and 3301."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def get(code: str) -> Division | None:
    return _table().by_code.get(nbs_code(code))


def exists(code: str) -> bool:
    return get(code) is not None


def children(code: str | None) -> list[Division]:
    """The divisions directly under `code` (the provinces for None), in code order."""
    table = _table()
    return [table.by_code[c] for c in table.children.get(nbs_code(code) if code else None, [])]


def ancestors(code: str) -> list[Division]:
    """From the province down to the division's parent."""
    result = []
    division = get(code)
    while division is not None and division.parent_code:
        division = get(division.parent_code)
        if division is not None:
            result.append(division)
    return result[::-1]


def count(level: str) -> int:
    return sum(1 for d in _table().by_code.values() if d.level == level)


def towns_of(district_code: str) -> list[Division]:
    """The towns of a county-level division, by its exact code: the one county-level division of a city
    without districts (中山市 442000, 东莞市 441900) has a code nbs_code() would read as the prefecture."""
    table = _table()
    if district_code in table.by_code and table.by_code[district_code].level == "district":
        return [table.by_code[c] for c in table.children.get(district_code, [])]
    return children(district_code)

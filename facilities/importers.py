"""The roster import: a district's facility roster from a spreadsheet. It reads through core.spreadsheets (the
one safe reader), validates every row with the registry's own rules and writes through facilities.services
only (facility_create, facility_update). It is all-or-nothing: every problem is reported at once (row,
column, value, reason) and nothing is written if there is any. The import job that runs it (planning.tasks)
has checked that the user may manage the district; which registered facilities the user may change is asked
of core.access, batch by batch.

The roster, which may hold 100,000 rows, is streamed (`spreadsheets.open_table`): each row is checked as it
is read and forgotten once its batch of ROSTER_BATCH rows has been checked against the registry and, for a
confirmed import, written — inside the one transaction opened before the first row, which any problem in a
later row rolls back. What is kept across rows is small: a 12-byte slot per name for the duplicate check, the
registry's facility ids by name, at most about DEFAULT_MAX_PROBLEMS problems and MAX_CHANGES_LISTED changes.

A dry run computes what would change (created / updated / unchanged, and the changes themselves) without
writing anything. Running the same file twice changes nothing the second time.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from core import geo, spreadsheets
from core.access import Action
from core.formatting import listing
from core.spreadsheets import (
    FORMULA_PREFIXES,
    Column,
    ImportProgress,
    ImportResult,
    Problem,
    ProgressCallback,
    SheetSpec,
    WorkbookError,
    boolean,
    canon,
    choice,
    decimal,
    integer,
    raise_problems,
    text,
    write_workbook,
)
from facilities.models import ClassTypeRule, Facility
from facilities.rules import load_rules
from facilities.services import RegistryError, UnitInput, facility_create, facility_update, validate_facility
from targets.importers import TOWN, town_lookup, unknown_town
from targets.models import Region

ROSTER_SHEET = "机构名册"
_ROSTER_FIELDS = [
    # key, header, how to fill it in (the 说明 sheet)
    ("name", "机构名称", "必填。本区内机构名称唯一：名称与已登记机构相同时更新该机构，否则新建。"),
    ("town", "镇街", "选填。须为本区的镇街名称。"),
    ("kind", "机构类型", "必填。可填：%(kinds)s。"),
    ("ownership", "举办性质", "选填。可填：%(ownerships)s。"),
    ("is_inclusive", "普惠机构", "填“是”或“否”，留空为“否”。填写了普惠托位数的机构须为“是”。"),
    ("address", "地址", "选填。"),
    ("public_phone", "对外咨询电话", "选填。请把单元格设为文本格式，以免丢失开头的0。"),
    ("monthly_fee", "托育费（元/月）", "选填。每人每月，不含膳食费；最多两位小数。"),
    ("meal_fee", "膳食费（元/月）", "选填。每人每月；最多两位小数。"),
    ("inclusive_slots", "普惠托位数", "选填，整数，不能大于各班型合计的托位总数。"),
    ("enrolled_children", "在托人数", "选填，整数。"),
]
# The point on the map, after the class columns; a roster without these columns leaves the points as they are.
_COORDINATE_FIELDS = [
    ("longitude", "经度", "选填。与纬度同时填写或同时留空；留空即清空该项。"),
    ("latitude", "纬度", "选填。须在本区范围内。"),
    (
        "coord_system",
        "坐标系",
        "选填。经纬度取自哪种地图：WGS-84（GPS）、GCJ-02（高德/腾讯）或 BD-09（百度）；留空按 WGS-84"
        "（命令行导入可用 --coord-system 指定默认值）。导入时统一换算为 WGS-84。",
    ),
]
_COORDINATE_KEYS = frozenset(key for key, _header, _help in _COORDINATE_FIELDS)
# what the 坐标系 column accepts: the labels, the codes, and the names people use for them
_COORD_SYSTEM_WORDS = [
    *geo.CoordSystem.choices,
    (geo.CoordSystem.WGS84, "WGS-84"),
    (geo.CoordSystem.WGS84, "GPS"),
    (geo.CoordSystem.GCJ02, "GCJ-02"),
    (geo.CoordSystem.GCJ02, "高德"),
    (geo.CoordSystem.GCJ02, "腾讯"),
    (geo.CoordSystem.BD09, "BD-09"),
    (geo.CoordSystem.BD09, "百度"),
]


def _roster_text(max_length: int):
    """Text, with the quote our own exports put before formula-like text taken off again, so an exported
    roster imports back unchanged."""
    parse = text(max_length)

    def parse_unquoted(value: Any) -> str:
        string = parse(value)
        if string.startswith("'") and string[1:].startswith(FORMULA_PREFIXES):
            string = string[1:]
        return string

    return parse_unquoted


def _class_types() -> list[ClassTypeRule]:
    return list(ClassTypeRule.objects.order_by("sort_order", "pk"))


def roster_columns(
    class_types: Sequence[ClassTypeRule], coordinates: Iterable[str] = _COORDINATE_KEYS
) -> list[Column]:
    """The roster's columns; `coordinates` the coordinate columns included (all by default, as in the
    template; an import reads those the file has)."""
    parsers = {
        "name": (_roster_text(128), True),
        "town": (_roster_text(64), False),
        "kind": (choice(Facility.Kind.choices), True),
        "ownership": (choice(Facility.Ownership.choices), False),
        "is_inclusive": (boolean(), False),
        "address": (_roster_text(255), False),
        "public_phone": (_roster_text(32), False),
        "monthly_fee": (decimal(2, max_value=Decimal("99999999.99")), False),
        "meal_fee": (decimal(2, max_value=Decimal("99999999.99")), False),
        "inclusive_slots": (integer(), False),
        "enrolled_children": (integer(), False),
    }
    columns = [
        Column(key, header, parsers[key][0], required=parsers[key][1])
        for key, header, _help in _ROSTER_FIELDS
    ]
    for rule in class_types:
        columns.append(Column(f"classes_{rule.pk}", f"{rule.name}班数", integer(max_value=999)))
        columns.append(Column(f"size_{rule.pk}", f"{rule.name}每班人数", integer(max_value=999)))
    coordinate_parsers = {
        "longitude": decimal(10, min_value=-180, max_value=180),
        "latitude": decimal(10, min_value=-90, max_value=90),
        "coord_system": choice(_COORD_SYSTEM_WORDS),
    }
    for key, header, _help in _COORDINATE_FIELDS:
        if key in coordinates:
            columns.append(Column(key, header, coordinate_parsers[key]))
    return columns


def _roster_help(class_types: Sequence[ClassTypeRule]) -> list[tuple[str, str]]:
    with translation.override("zh-hans"):
        kinds = listing(str(label) for _code, label in Facility.Kind.choices)
        ownerships = listing(str(label) for _code, label in Facility.Ownership.choices)
    rows = [
        (header, help % {"kinds": kinds, "ownerships": ownerships}) for _key, header, help in _ROSTER_FIELDS
    ]
    for rule in class_types:
        rows.append(
            (
                f"{rule.name}班数 / {rule.name}每班人数",
                f"{rule.min_age_months}—{rule.max_age_months}月龄；每班不超过{rule.max_children}人（国家标准）。"
                "两项同时填写；不设该班型则两项都留空。",
            )
        )
    rows += [(header, help) for _key, header, help in _COORDINATE_FIELDS]
    rows += [
        ("托位总数", "不用填写：由各班型的“班数 × 每班人数”合计得出。"),
        (
            "更新已有机构",
            "表中各列的内容覆盖该机构的原记录（留空即清空该项，班型都留空即删除班级设置）；"
            "表中没有的内容（人员、备案材料等）不变。已关停的机构不能通过导入修改。",
        ),
        (
            "导入规则",
            "先检查全部行：任何一行有问题，整个文件都不导入；可先勾选“仅预览，不写入”查看将发生的变化。",
        ),
        (
            "文件要求",
            f"只接受 .xlsx 工作簿；不超过 {spreadsheets.DEFAULT_MAX_BYTES // spreadsheets.MB} MB、"
            f"{spreadsheets.DEFAULT_MAX_ROWS:,} 行；不要使用公式和合并单元格；表头不要改动。",
        ),
    ]
    return rows


def roster_workbook(district: Region, facilities: Iterable[Facility] = ()) -> bytes:
    """The roster template (headers only) or, with `facilities`, the current roster to edit and import back;
    plus a 说明 sheet explaining every column and the class caps."""
    class_types = _class_types()
    columns = roster_columns(class_types)

    def rows():
        for facility in facilities:
            units = {u.class_type_id: u for u in facility.units.all()}
            row = [
                facility.name,
                facility.town.name if facility.town else None,
                facility.get_kind_display(),
                facility.get_ownership_display() if facility.ownership else None,
                "是" if facility.is_inclusive else "否",
                facility.address or None,
                facility.public_phone or None,
                facility.monthly_fee,
                facility.meal_fee,
                facility.inclusive_slots,
                facility.enrolled_children,
            ]
            for rule in class_types:
                unit = units.get(rule.pk)
                row += [unit.classes, unit.children_per_class] if unit else [None, None]
            located = facility.longitude is not None and facility.latitude is not None
            row += (
                [facility.longitude, facility.latitude, str(geo.CoordSystem.WGS84.label)]
                if located
                else [None, None, None]
            )
            yield row

    with translation.override("zh-hans"):
        sheet = SheetSpec(
            title=ROSTER_SHEET,
            columns=[
                (column.header, 24 if column.key in ("name", "address") else None) for column in columns
            ],
            rows=rows(),
        )
        notes = SheetSpec(
            title="说明", columns=[("列", 30), ("填写说明", 90)], rows=_roster_help(class_types)
        )
        return write_workbook([sheet, notes])


@dataclass
class _RosterRow:
    number: int
    name: str
    data: dict
    units: list[UnitInput]
    values: dict  # the row's parsed cells, for problem reports
    facility_id: int | None  # the registry's facility of that name, if any
    problems: list[Problem]  # found in the row itself
    facility: Facility | None = None


def _display(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Region):
        return value.name
    if value == "":
        return None
    return value


_FACILITY_FIELDS = (
    "name",
    "town",
    "kind",
    "ownership",
    "is_inclusive",
    "address",
    "public_phone",
    "monthly_fee",
    "meal_fee",
    "inclusive_slots",
    "enrolled_children",
    "longitude",
    "latitude",
)


def _field_label(name: str) -> str:
    return str(Facility._meta.get_field(name).verbose_name)


def _facility_value(name: str, value: Any) -> Any:
    if name == "kind" and value:
        return str(Facility.Kind(value).label)
    if name == "ownership" and value:
        return str(Facility.Ownership(value).label)
    return _display(value)


def _units_text(units: dict[int, tuple[int, int]], class_types: dict[int, ClassTypeRule]) -> str | None:
    parts = [
        f"{class_types[type_id].name} {classes}×{size}"
        for type_id, (classes, size) in sorted(
            units.items(), key=lambda item: class_types[item[0]].sort_order
        )
    ]
    return listing(parts) or None


def _same(old: Any, new: Any) -> bool:
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return old == new


def _facility_diff(
    facility: Facility, data: dict, units: list[UnitInput], class_types: dict[int, ClassTypeRule]
) -> list[dict]:
    fields = []
    for name in _FACILITY_FIELDS:
        if name not in data:  # a column the file does not have (coordinates): left as it is
            continue
        old, new = getattr(facility, name), data.get(name)
        same = facility.town_id == (new.pk if new else None) if name == "town" else _same(old, new)
        if not same:
            fields.append(
                {
                    "field": _field_label(name),
                    "old": _facility_value(name, old),
                    "new": _facility_value(name, new),
                }
            )
    old_units = {u.class_type_id: (u.classes, u.children_per_class) for u in facility.units.all()}
    new_units = {u.class_type_id: (u.classes, u.children_per_class) for u in units}
    if old_units != new_units:
        fields.append(
            {
                "field": _("班级设置"),
                "old": _units_text(old_units, class_types),
                "new": _units_text(new_units, class_types),
            }
        )
    return fields


def _error_column(field_name: str, message: str, class_types: Sequence[ClassTypeRule]) -> tuple:
    """The column a validate_facility message belongs to: (column key, header) or (None, None)."""
    if field_name == "units":
        for rule in class_types:
            if rule.name in message:
                if "每班" in message:
                    return f"size_{rule.pk}", f"{rule.name}每班人数"
                return f"classes_{rule.pk}", f"{rule.name}班数"
        return None, None
    headers = {key: header for key, header, _help in [*_ROSTER_FIELDS, *_COORDINATE_FIELDS]}
    if field_name in headers:
        return field_name, headers[field_name]
    return None, None


ROSTER_BATCH = 500  # rows checked against the registry, and written, together


class _SeenNames:
    """The first row of every facility name in the file, for the duplicate check, kept compact: a 64-bit
    digest of the name's canonical form and the row number in an open-addressing table of two arrays (12 bytes
    a slot, at most half full), so a 100,000-row file costs 3 MB rather than a dictionary of its names. Two
    different names share a digest with a probability of about 10⁻⁹ per 100,000-row file."""

    def __init__(self, expected: int = 0):
        capacity = 1024
        while capacity < 2 * min(expected, spreadsheets.DEFAULT_MAX_ROWS):  # sized once for the file's rows
            capacity *= 2
        self._size = 0
        self._digests = array.array("Q", bytes(8 * capacity))  # 0 = empty slot
        self._rows = array.array("I", bytes(4 * capacity))

    @staticmethod
    def _digest(key: str) -> int:
        return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") or 1

    def _slot(self, digest: int) -> int:
        digests, mask = self._digests, len(self._digests) - 1
        slot = digest & mask
        while digests[slot] and digests[slot] != digest:
            slot = (slot + 1) & mask
        return slot

    def first(self, key: str, number: int) -> int | None:
        """The row where `key` was first seen, or None (and `number` is remembered as its row)."""
        digest = self._digest(key)
        slot = self._slot(digest)
        if self._digests[slot]:
            return self._rows[slot]
        self._digests[slot], self._rows[slot] = digest, number
        self._size += 1
        if 2 * self._size > len(self._digests):
            old = zip(self._digests, self._rows, strict=True)
            capacity = 2 * len(self._digests)
            self._digests = array.array("Q", bytes(8 * capacity))
            self._rows = array.array("I", bytes(4 * capacity))
            for old_digest, row in old:
                if old_digest:
                    slot = self._slot(old_digest)
                    self._digests[slot], self._rows[slot] = old_digest, row
        return None


class _RosterImport:
    """Checks roster rows as they are read and keeps only what later rows need: the digests of the names seen,
    the registry's facility ids by name, the problems (at most about DEFAULT_MAX_PROBLEMS) and the result
    (counts and the first MAX_CHANGES_LISTED changes). Rows are checked against the registry and — when
    `write` and the file has no problem so far — written in batches of ROSTER_BATCH."""

    def __init__(
        self,
        *,
        district: Region,
        user,
        class_types: Sequence[ClassTypeRule],
        letters,
        write: bool,
        expected_rows: int = 0,
        coord_system: str = geo.CoordSystem.WGS84,
    ):
        self.district, self.user, self.write = district, user, write
        self.coord_system = coord_system
        self.box = geo.check_box(district)
        self.class_types = class_types
        self.by_pk = {rule.pk: rule for rule in class_types}
        self.letters = letters
        towns = town_lookup(district)
        self.towns = towns
        self.town_names = [town.name for town in towns.values()]
        self.existing = {
            canon(name): pk
            for pk, name in Facility.objects.filter(district=district, is_synthetic=False).values_list(
                "pk", "name"
            )
        }
        self.rules = load_rules()
        self.editable: set[int] = set()  # of the batch's registered facilities, see _scope
        self.reviewable: set[int] = set()
        self.problems: list[Problem] = []
        self.seen = _SeenNames(expected_rows)
        self.batch: list[_RosterRow] = []
        self.result = ImportResult(total_rows=0)
        self.labels = {name: _field_label(name) for name in _FACILITY_FIELDS}
        self.writable = write  # False once any problem is found: nothing more is written

    # -------------------------------------------------------------------- per row, as read

    def add(self, row: spreadsheets.Row) -> None:
        """Check what one row says on its own (name not repeated, town, class pairs) and queue it."""
        if len(self.problems) >= spreadsheets.DEFAULT_MAX_PROBLEMS:
            return
        values, letters = row.values, self.letters
        name = values.get("name")
        if not name:
            return  # the reader has reported the empty required cell
        key = canon(name)
        first = self.seen.first(key, row.number)
        if first is not None:
            self.problems.append(
                Problem(
                    row.number,
                    letters["name"],
                    name,
                    _("机构“%(name)s”在第%(row)d行已出现；同一机构只填一行") % {"name": name, "row": first},
                    "机构名称",
                )
            )
            return
        row_problems: list[Problem] = []
        town = None
        if values.get("town"):
            town = self.towns.get(canon(values["town"]))
            if town is None:
                row_problems.append(
                    Problem(
                        row.number,
                        letters["town"],
                        values["town"],
                        unknown_town(values["town"], self.district, self.town_names),
                        TOWN,
                    )
                )
        units = []
        for rule in self.class_types:
            classes, size = values.get(f"classes_{rule.pk}"), values.get(f"size_{rule.pk}")
            if classes in (None, 0) and size in (None, 0):
                continue
            if classes is None or size is None:
                missing = f"classes_{rule.pk}" if classes is None else f"size_{rule.pk}"
                row_problems.append(
                    Problem(
                        row.number,
                        letters[missing],
                        None,
                        _("%(type)s的班数和每班人数须同时填写（不设该班型则两项都留空）")
                        % {"type": rule.name},
                        f"{rule.name}{'班数' if classes is None else '每班人数'}",
                    )
                )
                continue
            units.append(UnitInput(class_type_id=rule.pk, classes=classes, children_per_class=size))
        data = {
            "name": name,
            "district": self.district,
            "town": town,
            "kind": values.get("kind"),
            "ownership": values.get("ownership") or "",
            "is_inclusive": bool(values.get("is_inclusive")),
            "address": values.get("address") or "",
            "public_phone": values.get("public_phone") or "",
            "monthly_fee": values.get("monthly_fee"),
            "meal_fee": values.get("meal_fee"),
            "inclusive_slots": values.get("inclusive_slots") or 0,
            "enrolled_children": values.get("enrolled_children"),
        }
        if "longitude" in letters and "latitude" in letters:
            data["longitude"], data["latitude"] = self._point(row, row_problems)
        # a known facility's refusal (closed, no right) is reported instead of the row's own problems
        self.batch.append(
            _RosterRow(row.number, name, data, units, values, self.existing.get(key), row_problems)
        )
        if len(self.batch) >= ROSTER_BATCH:
            self.flush()

    def _point(self, row: spreadsheets.Row, row_problems: list[Problem]) -> tuple:
        """The row's point in WGS-84 (converted from the 坐标系 column's system, or the import's), or
        (None, None) when both cells are empty or the point is refused (a problem is added)."""
        values, letters = row.values, self.letters
        lon, lat = values.get("longitude"), values.get("latitude")
        if lon is None and lat is None:
            return None, None
        if lon is None or lat is None:
            key, header = ("longitude", "经度") if lon is None else ("latitude", "纬度")
            row_problems.append(
                Problem(row.number, letters[key], None, _("经度和纬度须同时填写，或同时留空"), header)
            )
            return None, None
        system = values.get("coord_system") or self.coord_system
        lon, lat = geo.to_wgs84(lon, lat, system)
        if not geo.in_box(lon, lat, self.box):
            min_lon, min_lat, max_lon, max_lat = self.box
            row_problems.append(
                Problem(
                    row.number,
                    letters["longitude"],
                    f"{lon}, {lat}",
                    _(
                        "坐标不在本区范围内（经度 %(a)s–%(c)s，纬度 %(b)s–%(d)s）；"
                        "请检查经纬度是否填反、坐标系是否选对"
                    )
                    % {"a": min_lon, "b": min_lat, "c": max_lon, "d": max_lat},
                    "经度",
                )
            )
            return None, None
        return lon, lat

    # -------------------------------------------------------------------- per batch

    def flush(self) -> None:
        """Check the queued rows against the registry, record what they change and, while the file is clean so
        far, write them."""
        batch, self.batch = self.batch, []
        if not batch:
            return
        ids = [item.facility_id for item in batch if item.facility_id is not None]
        if ids:
            facilities = Facility.objects.filter(pk__in=ids).prefetch_related("units").in_bulk()
            for item in batch:
                if item.facility_id is not None:
                    item.facility = facilities.get(item.facility_id)
            self._scope(list(facilities.values()))
        to_write: list[_RosterRow] = []
        for item in batch:
            row_problems = item.problems
            if item.facility is not None:
                refusal = self._refusal(item.facility)
                if refusal:
                    self.problems.append(
                        Problem(item.number, self.letters["name"], item.name, refusal, "机构名称")
                    )
                    continue
            if not row_problems:
                for field_name, messages in validate_facility(item.data, item.units, self.rules).items():
                    for message in messages:
                        key, header = _error_column(field_name, message, self.class_types)
                        value = (
                            item.data.get(key) if key in item.data else item.values.get(key) if key else None
                        )
                        row_problems.append(
                            Problem(item.number, self.letters.get(key), value, message, header)
                        )
            if row_problems:
                self.problems += row_problems
                continue
            if self._record(item):
                to_write.append(item)
        if self.problems:
            self.writable = False
        if self.writable and to_write:
            self._write(to_write)

    def _scope(self, facilities: list[Facility]) -> None:
        """Which of a batch's registered facilities the user may edit, and whose filing under review they may
        change: the one scoping rule (core.access), asked once per batch."""

        def allowed(action: Action, ids: list[int]) -> set[int]:
            scoped = Facility.objects.filter(pk__in=ids).for_user(self.user, action)
            return set(scoped.values_list("pk", flat=True))

        self.editable = allowed(Action.EDIT, [f.pk for f in facilities])
        submitted = [f.pk for f in facilities if f.filing_status == Facility.FilingStatus.SUBMITTED]
        self.reviewable = allowed(Action.REVIEW, submitted) if submitted else set()

    def _refusal(self, facility: Facility) -> str | None:
        if facility.operating_status == Facility.OperatingStatus.CLOSED:
            return _("机构“%(name)s”已关停，记录不能再通过导入修改") % {"name": facility.name}
        if facility.pk not in self.editable:
            return _("您无权修改机构“%(name)s”") % {"name": facility.name}
        if facility.filing_status == Facility.FilingStatus.SUBMITTED and facility.pk not in self.reviewable:
            return _("机构“%(name)s”的备案正在审核，不能修改") % {"name": facility.name}
        return None

    def _record(self, item: _RosterRow) -> bool:
        """Count the row as created, updated or unchanged; list its change while the list is not full. True
        when it is to be written."""
        result = self.result
        listed = result.listing
        if item.facility is None:
            fields = []
            if listed:
                for name in _FACILITY_FIELDS:
                    shown = _facility_value(name, item.data.get(name))
                    if shown not in (None, 0, "否"):
                        fields.append({"field": self.labels[name], "old": None, "new": shown})
                new_units = {u.class_type_id: (u.classes, u.children_per_class) for u in item.units}
                if new_units:
                    fields.append(
                        {"field": _("班级设置"), "old": None, "new": _units_text(new_units, self.by_pk)}
                    )
            result.record({"row": item.number, "item": item.name, "action": "created", "fields": fields})
            return True
        fields = _facility_diff(item.facility, item.data, item.units, self.by_pk)
        if not fields:
            result.unchanged += 1
            return False
        result.record({"row": item.number, "item": item.name, "action": "updated", "fields": fields})
        return True

    def _write(self, items: list[_RosterRow]) -> None:
        for item in items:
            try:
                if item.facility is None:
                    facility_create(user=self.user, data=item.data, units=item.units)
                else:
                    facility_update(
                        user=self.user,
                        facility=item.facility,
                        data=item.data,
                        units=item.units,
                        expected_version=item.facility.version,
                    )
            except (RegistryError, DatabaseError) as exc:
                if isinstance(exc, RegistryError):
                    details = [m for messages in exc.errors.values() for m in messages]
                    reason = "；".join([exc.message, *details]) if details else exc.message
                else:
                    reason = _("保存失败：%(detail)s") % {
                        "detail": str(exc).splitlines()[0] if str(exc) else exc
                    }
                raise WorkbookError(
                    [
                        Problem(
                            item.number,
                            self.letters["name"],
                            item.name,
                            _("写入时失败，整个文件均未导入：%(reason)s") % {"reason": reason},
                            "机构名称",
                        )
                    ]
                ) from exc


def _coordinate_columns(content: bytes, class_types: Sequence[ClassTypeRule]) -> frozenset[str]:
    """The optional coordinate columns a roster has (its header read once): 坐标系 when present, and 经度 and
    纬度 when either is (a file with one of them is told the other is missing)."""
    columns = roster_columns(class_types)
    with spreadsheets.open_table(content, columns=columns, header_rows=1, collect_problems=True) as reader:
        present = _COORDINATE_KEYS & set(reader.letters)
    if present & {"longitude", "latitude"}:
        present |= {"longitude", "latitude"}
    return frozenset(present)


def import_facility_roster(
    content: bytes,
    *,
    district: Region,
    user,
    dry_run: bool = True,
    progress: ProgressCallback | None = None,
    coord_system: str = geo.CoordSystem.WGS84,
) -> ImportResult:
    """Read a facility roster of `district`: new names are created (facility_create), names already in the
    registry are updated (facility_update, as the importing official), every row validated with the
    registry's own rules; nothing is written if any row has a problem.

    The file is streamed: each row is checked as it is read and forgotten once its batch is checked (and, for
    a confirmed import, written), so memory does not grow with the rows. A confirmed import writes inside one
    transaction opened before the first row is read; a problem found in any later row rolls back everything
    written before it. A cell that cannot be read makes the file's report list only such cells (the other
    checks need readable cells).

    The coordinate columns (经度, 纬度, 坐标系) are optional: a roster without them leaves the facilities'
    points as they are. `coord_system` is the system of a row whose 坐标系 cell is empty.

    Everything is reported in one pass: the header's problems, the unreadable cells and what the readable
    rows break (a row with an unreadable cell is not checked further: its other checks need that cell)."""
    class_types = _class_types()
    columns = roster_columns(class_types, coordinates=_coordinate_columns(content, class_types))
    with spreadsheets.open_table(content, columns=columns, header_rows=1, collect_problems=True) as reader:
        meter = ImportProgress(progress, reader.estimated_rows)
        # a missing column: the rows cannot be checked, only read (its header problem says which)
        complete = len(reader.letters) == len(columns)
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            roster = _RosterImport(
                district=district,
                user=user,
                class_types=class_types,
                letters=reader.letters,
                write=not dry_run and complete,
                expected_rows=reader.estimated_rows,
                coord_system=coord_system,
            )
            for row in reader:
                if reader.problems or reader.header_problems:
                    roster.writable = False  # the file will be refused: check on, write nothing more
                if complete and row.valid:
                    roster.add(row)
                meter.step(reader.count)
            if complete:
                roster.flush()
            raise_problems(reader.all_problems() + roster.problems)
    meter.end(reader.count)
    roster.result.total_rows = reader.count
    return roster.result

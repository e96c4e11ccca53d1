"""A synthetic nation for the benchmark: ~2,978 districts, 41,000 towns, 150,000 facilities with class units,
~1.5 million staff, five years of targets for every town at every level, ~1 million ledger entries and
~500,000 findings (at ``scale=1``; every count is multiplied by the scale).

Where it goes. Only into the benchmark database (see ``database.py``): the command creates and migrates it,
loads the official seed there (the national rules the registry checks: class types, ratios, calendar) and
then this data. The portal's own database never receives a synthetic row, so nothing here can count in
official statistics; dropping the benchmark database removes all of it.

How every row is marked, so it stays distinguishable inside that database too:
- places: the real NBS 2023 skeleton (targets.divisions, fixtures/nbs: 342 prefectures, 2,978 county-level
  divisions, 41,352 towns and streets; at a smaller scale an evenly spread selection of the county-level
  ones, each with all its real towns), but every code is the NBS code prefixed with ``S`` (``S110101`` a
  district, ``S110101001`` its first street) and every name starts with 【合成】, so none can be taken for
  (or collide with) a real region of the seed;
- facilities: ``is_synthetic = true``, names start with 【合成】, filing numbers ``SYN-…``, staff identity
  numbers ``SYN…`` (never a valid 居民身份证号);
- targets, population, funds and programs name the source document ``synthetic-national`` (【合成】…);
- ledger references start with ``SYN-L``, inspections and findings say 【合成】 in their title/description;
- every user-facing actor is the inactive user ``synthetic-bench``.

How it loads. Rows are produced batch by batch from a seeded ``random.Random`` as tab-separated text and
streamed with PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy``); each batch is one transaction and is dropped
after writing, so memory stays flat in the row count. Primary keys are assigned here (after the seed's rows)
and the sequences are moved past them at the end. The user triggers of the loaded tables (django-pghistory
events, the total_slots trigger, the ledger's append-only guard, which only refuses UPDATE/DELETE) are
disabled for the load — this is a database of our own — and the rows are written consistent with what the
triggers would compute: ``total_slots`` is the sum of the class units, which ``verify()`` checks in SQL
afterwards, as it checks the other invariants (towns in their districts, reversals mirroring payments).
CHECK, UNIQUE and foreign-key constraints stay on and judge every row.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from core import data_version
from facilities import synthetic as registry_synthetic
from facilities.models import Authorization, ClassTypeRule, ClassUnit, Facility, StaffMember
from planning import summary
from subsidies.models import Application, Fund, LedgerEntry, Program
from supervision.models import Finding, Inspection
from targets import divisions
from targets.models import PopulationStat, Region, SlotTarget, SourceDocument

# Counts at scale 1 (the whole country).
NATIONAL = {
    "cities": 330,
    "districts": 2_900,
    "towns": 40_000,
    "facilities": 150_000,
}
APPLICATIONS_PER_FACILITY = 10 / 3  # × 2 payments (plus ~1% reversals) ≈ 1,000,000 ledger entries
FINDINGS_PER_FACILITY = 10 / 3  # ≈ 500,000 findings
TARGET_YEARS = (2021, 2022, 2023, 2024, 2025)
LEVELS = tuple(SlotTarget.Level.values)  # baseline, high_quality, plan
SOURCE_KEY = "synthetic-national"
USER_NAME = "synthetic-bench"
NAME_PREFIX = registry_synthetic.NAME_PREFIX
REFERENCE_DATE = registry_synthetic.REFERENCE_DATE  # fixed, so a run does not depend on the day
NOW = "2025-06-30 10:00:00+08"
BATCH = 5_000  # facilities per transaction


class NationalDataError(Exception):
    """Bad input or a database that is not ready; the message is Chinese. Nothing has been written."""


@dataclass
class LoadResult:
    scale: float
    seed: int
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def planned_counts(scale: float) -> dict:
    if not (0 < scale <= 1):
        raise NationalDataError(f"--scale 须大于 0 且不超过 1（收到 {scale}）。")
    cities = max(1, round(NATIONAL["cities"] * scale))
    districts = max(cities, round(NATIONAL["districts"] * scale))
    towns = max(districts, round(NATIONAL["towns"] * scale))
    facilities = max(1, round(NATIONAL["facilities"] * scale))
    return {"cities": cities, "districts": districts, "towns": towns, "facilities": facilities}


# ---------------------------------------------------------------- COPY plumbing


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | tuple):
        return "{" + ",".join(str(v) for v in value) + "}"
    return str(value)


class Table:
    """COPY into one model's table: the columns we write, then every other column at its default."""

    def __init__(self, model: type[models.Model], columns: list[str]):
        self.model = model
        self.name = model._meta.db_table
        given = set(columns)
        rest, defaults = [], []
        for f in model._meta.concrete_fields:
            if f.column in given:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = NOW
            elif f.has_default():
                value = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                value = None
            elif isinstance(f, models.CharField | models.TextField):
                value = ""
            else:  # pragma: no cover - a new required column the generator does not know yet
                raise NationalDataError(f"{self.name}.{f.column} 没有默认值，生成器须提供该列。")
            rest.append(f.column)
            defaults.append(_text(value))
        self.columns = list(columns) + rest
        self.suffix = ("\t" + "\t".join(defaults) if defaults else "") + "\n"
        quoted = ", ".join(f'"{c}"' for c in self.columns)
        self.sql = f'COPY "{self.name}" ({quoted}) FROM STDIN'
        self.lines: list[str] = []
        self.count = 0

    def add(self, *values) -> None:
        self.lines.append("\t".join(_text(v) for v in values) + self.suffix)

    def flush(self) -> None:
        if not self.lines:
            return
        with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
            for start in range(0, len(self.lines), 20_000):
                copy.write("".join(self.lines[start : start + 20_000]))
        self.count += len(self.lines)
        self.lines = []


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0]


def _reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM \"{table}\"), 1))",  # noqa: E501
            [table],
        )


# The registry tables one batch of facilities fills, ids taken ahead of the COPY (see `_facilities`).
FACILITY_MODELS = (
    Facility,
    Authorization,
    ClassUnit,
    StaffMember,
    Fund,
    Program,
    Application,
    LedgerEntry,
    Inspection,
    Inspection.facilities.through,
    Finding,
)
LOADED_MODELS = (Region, PopulationStat, SlotTarget, *FACILITY_MODELS)


def _user_triggers(enable: bool) -> None:
    verb = "ENABLE" if enable else "DISABLE"
    with connection.cursor() as cursor:
        for model in LOADED_MODELS:
            cursor.execute(f'ALTER TABLE "{model._meta.db_table}" {verb} TRIGGER USER')


# ---------------------------------------------------------------- the generator


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _money(value: float) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def has_national_data() -> bool:
    return Region.objects.filter(code__startswith="S", name__startswith=NAME_PREFIX).exists()


def generate(
    scale: float = 1.0, *, seed: int = 2025, progress: Callable[[str], None] | None = None
) -> LoadResult:
    """Load the synthetic nation into the current (benchmark) database, which must hold the seed and no
    synthetic nation yet."""
    counts = planned_counts(scale)
    class_types = list(
        ClassTypeRule.objects.filter(code__in=registry_synthetic.CLASS_TYPE_CODES).order_by("sort_order")
    )
    if not class_types:
        raise NationalDataError("没有班型标准，请先载入种子数据（python manage.py seed）。")
    if has_national_data():
        raise NationalDataError("该数据库已有合成全国数据；请用 --replace 重建压测数据库。")
    all_types = list(ClassTypeRule.objects.all())
    ratios = {t.pk: t.effective_ratio(all_types)[0] or t.max_children for t in class_types}
    rng = random.Random(seed)
    result = LoadResult(scale=scale, seed=seed)
    started = time.monotonic()
    say = progress or (lambda message: None)

    user, _ = get_user_model().objects.get_or_create(
        username=USER_NAME, defaults={"is_active": False, "first_name": "【合成】压测"}
    )
    source, _ = SourceDocument.objects.get_or_create(
        key=SOURCE_KEY,
        defaults={
            "title": f"{NAME_PREFIX}全国压测数据（非真实数据）",
            "status": SourceDocument.Status.FINAL,
            "notes": "由 python manage.py generate_national 生成，仅存在于压测数据库。",
        },
    )

    _user_triggers(False)
    try:
        with transaction.atomic():
            towns_by_district = _places(rng, counts, source, result)
        say(
            f"  地区：{result.counts['cities']:,} 个市，{result.counts['districts']:,} 个区县，"
            f"{result.counts['towns']:,} 个镇街（{time.monotonic() - started:.1f} 秒）"
        )
        town_slots = _facilities(
            rng,
            counts["facilities"],
            towns_by_district,
            class_types,
            ratios,
            user,
            source,
            result,
            say,
            started,
        )
        with transaction.atomic():
            _targets(rng, towns_by_district, town_slots, source, result)
        say(f"  目标：{result.counts['targets']:,} 行（{time.monotonic() - started:.1f} 秒）")
        for model in LOADED_MODELS:
            _reset_sequence(model)
    finally:
        _user_triggers(True)
    # The load ran without the statistics triggers: the summary must be recomputed from scratch, and every
    # cache keyed by a data version must see new data.
    summary.invalidate_all()
    data_version.bump()
    with connection.cursor() as cursor:
        for model in LOADED_MODELS:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    result.seconds = time.monotonic() - started
    return result


MUNICIPAL_UNITS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def skeleton(districts: int) -> list[tuple[divisions.Division, divisions.Division, list[divisions.Division]]]:
    """(prefecture, county-level division, its towns) from the NBS 2023 codes: every county-level division
    that has towns, or `districts` of them spread evenly over the code order (so over the provinces)."""
    areas = [
        area
        for province in divisions.children(None)
        for city in divisions.children(province.code)
        for area in divisions.children(city.code)
    ]
    areas = [area for area in areas if divisions.towns_of(area.code)]
    if not areas:
        raise NationalDataError("fixtures/nbs 中没有区划代码，无法生成合成全国数据。")
    n = min(districts, len(areas))
    picked = [areas[i * len(areas) // n] for i in range(n)]
    return [(divisions.get(a.parent_code), a, divisions.towns_of(a.code)) for a in picked]


def _town_kind(name: str) -> str:
    if name.endswith("街道"):
        return Region.Kind.STREET
    if name.endswith("镇"):
        return Region.Kind.TOWN
    if name.endswith("乡"):
        return Region.Kind.TOWNSHIP
    return Region.Kind.SPECIAL_AREA


def _places(rng, counts, source, result) -> dict:
    """Cities, districts and towns on the real NBS skeleton (codes S + NBS code, names 【合成】…), plus each
    district's population. Returns {district id: (district code, [town ids])}."""
    regions = Table(
        Region, ["id", "code", "name", "level", "kind", "parent_id", "sort_order", "official_code"]
    )
    population = Table(
        PopulationStat,
        ["id", "region_id", "year", "resident_population", "births", "infants_under_3", "source_id"],
    )
    next_id = _next_id(Region)
    next_population = _next_id(PopulationStat)
    city_ids = {}
    towns_by_district = {}
    for d, (prefecture, area, towns) in enumerate(skeleton(counts["districts"]), start=1):
        if prefecture.code not in city_ids:
            city_ids[prefecture.code] = next_id
            label = prefecture.name
            if label in MUNICIPAL_UNITS:
                label = divisions.get(prefecture.parent_code).name + label
            regions.add(
                next_id,
                f"S{prefecture.code}",
                f"{NAME_PREFIX}{label}",
                "city",
                "city",
                None,
                len(city_ids),
                False,
            )
            next_id += 1
        district_id = next_id
        next_id += 1
        code = f"S{area.code}"
        kind = Region.Kind.DISTRICT if area.name.endswith("区") else Region.Kind.COUNTY
        regions.add(
            district_id,
            code,
            f"{NAME_PREFIX}{area.name}",
            "district",
            kind,
            city_ids[prefecture.code],
            d,
            False,
        )
        residents = rng.randint(150_000, 1_500_000)
        for year in (2023, 2024):
            births = int(residents * rng.uniform(0.005, 0.009))
            population.add(next_population, district_id, year, residents, births, births * 3, source.pk)
            next_population += 1
        town_ids = []
        for t, town in enumerate(towns, start=1):
            regions.add(
                next_id,
                f"S{town.code}",
                f"{NAME_PREFIX}{town.name}",
                "town",
                _town_kind(town.name),
                district_id,
                t,
                False,
            )
            town_ids.append(next_id)
            next_id += 1
        towns_by_district[district_id] = (code, town_ids)
    regions.flush()
    population.flush()
    result.counts.update(
        cities=len(city_ids),
        districts=len(towns_by_district),
        towns=sum(len(t) for _c, t in towns_by_district.values()),
        population=population.count,
    )
    return towns_by_district


def _facilities(rng, n, towns_by_district, class_types, ratios, user, source, result, say, started) -> dict:
    """Facilities with units, staff, subsidies (funds, programs, applications, ledger) and supervision
    (inspections, findings), BATCH facilities per transaction. Returns {town id: counted slots}."""
    F = Facility
    facilities = Table(
        Facility,
        [
            "id", "name", "kind", "ownership", "is_inclusive", "district_id", "town_id", "address",
            "indoor_area_m2", "opening_date", "serves_meals", "monthly_fee", "meal_fee", "total_slots",
            "inclusive_slots", "operating_status", "status_since", "filing_status", "filing_number",
            "filed_on", "submitted_at", "return_reason", "is_synthetic",
        ],
    )  # fmt: skip
    # A filed facility's record in force, as approving a filing writes it (services.filing_approve).
    authorizations = Table(
        Authorization, ["id", "facility_id", "regime", "number", "authority_id", "granted_on"]
    )
    units = Table(ClassUnit, ["id", "facility_id", "class_type_id", "classes", "children_per_class"])
    staff = Table(StaffMember, ["id", "facility_id", "name", "id_number", "role", "employment", "hired_on"])
    funds = Table(
        Fund,
        ["id", "source_level", "name", "district_id", "year", "amount_allocated", "purpose", "source_id"],
    )
    programs = Table(
        Program,
        [
            "id",
            "district_id",
            "kind",
            "name",
            "fund_id",
            "basis",
            "rate",
            "requires_filed",
            "source_id",
            "year",
        ],
    )
    applications = Table(
        Application,
        [
            "id", "program_id", "facility_id", "period_start", "period_end", "slots", "rule_basis", "rule_rate",  # noqa: E501
            "proposed_amount", "approved_amount", "status", "submitted_by_id", "decided_by_id", "decided_at",
        ],
    )  # fmt: skip
    ledger = Table(
        LedgerEntry,
        [
            "id", "entry_date", "facility_id", "program_id", "fund_id", "application_id", "amount", "kind",
            "reversal_of_id", "reference", "note", "created_by_id",
        ],
    )  # fmt: skip
    inspections = Table(Inspection, ["id", "district_id", "inspected_on", "kind", "title", "created_by_id"])
    through = Inspection.facilities.through
    inspected = Table(through, ["id", "inspection_id", "facility_id"])
    findings = Table(
        Finding,
        [
            "id", "inspection_id", "facility_id", "category", "severity", "description", "deadline", "status",
            "submitted_on", "verified_on", "verified_by_id", "created_by_id",
        ],
    )  # fmt: skip
    ids = {model: _next_id(model) for model in FACILITY_MODELS}

    def take(model):
        value = ids[model]
        ids[model] += 1
        return value

    # One fund and one operating-subsidy program per district (per slot, 1,000 元 a year).
    fund_of, program_of = {}, {}
    rate = Decimal("1000.00")
    with transaction.atomic():
        for district_id, (code, _towns) in towns_by_district.items():
            fund_of[district_id] = take(Fund)
            funds.add(
                fund_of[district_id], "central", f"{NAME_PREFIX}{code}托育运营补助资金", district_id, 2025,
                "100000000.00", f"{NAME_PREFIX}运营补助", source.pk,
            )  # fmt: skip
            program_of[district_id] = take(Program)
            programs.add(
                program_of[district_id], district_id, "operating", f"{NAME_PREFIX}{code}运营补助",
                fund_of[district_id], "per_slot", rate, True, source.pk, 2025,
            )  # fmt: skip
        funds.flush()
        programs.flush()

    districts = list(towns_by_district)
    filing_seq = dict.fromkeys(districts, 0)
    town_slots: dict[int, int] = {}
    categories = Finding.Category.values
    severities = (("minor", 5), ("general", 4), ("serious", 1))
    finding_status = (("verified", 6), ("open", 2), ("submitted", 1), ("reopened", 1))
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        with transaction.atomic():
            for _ in range(size):
                fid = take(Facility)
                district_id = districts[rng.randrange(len(districts))]
                code, town_ids = towns_by_district[district_id]
                town_id = town_ids[rng.randrange(len(town_ids))]
                kind = _weighted(rng, registry_synthetic.KIND_WEIGHTS)
                ownership = _weighted(rng, registry_synthetic.OWNERSHIP_WEIGHTS[kind])
                inclusive = rng.randrange(100) < registry_synthetic.INCLUSIVE_PERCENT[kind]
                small = kind in (F.Kind.COMMUNITY_POINT, F.Kind.KINDERGARTEN_CLASS, F.Kind.EMPLOYER)
                chosen = rng.sample(
                    class_types, rng.choices((1, 2, 3), weights=(5, 4, 2) if not small else (8, 2, 0))[0]
                )
                total = 0
                caregivers = 0
                for class_type in chosen:
                    classes = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
                    children = rng.randint(
                        max(1, math.ceil(class_type.max_children * 0.6)), class_type.max_children
                    )
                    units.add(take(ClassUnit), fid, class_type.pk, classes, children)
                    total += classes * children
                    caregivers += classes * math.ceil(children / ratios[class_type.pk])
                inclusive_slots = (
                    (total if rng.random() < 0.5 else math.ceil(total * rng.uniform(0.5, 1)))
                    if inclusive
                    else 0
                )
                opening = _day(rng, registry_synthetic.EARLIEST_OPENING, date(2025, 3, 31))
                status = _weighted(rng, registry_synthetic.OPERATING_WEIGHTS)
                filing = _weighted(rng, registry_synthetic.FILING_WEIGHTS)
                number, filed_on, submitted_at, reason = "", None, None, ""
                if filing == F.FilingStatus.FILED:
                    filing_seq[district_id] += 1
                    number = f"SYN-{code}-{filing_seq[district_id]:07d}"
                    filed_on = min(opening + timedelta(days=rng.randint(10, 120)), REFERENCE_DATE)
                elif filing == F.FilingStatus.SUBMITTED:
                    submitted_at = f"{_day(rng, date(2025, 1, 1), REFERENCE_DATE)} 10:00:00+08"
                elif filing == F.FilingStatus.RETURNED:
                    reason = rng.choice(registry_synthetic.RETURN_REASONS)
                meals = rng.random() < 0.7
                facilities.add(
                    fid,
                    f"{NAME_PREFIX}{rng.choice(registry_synthetic.BRANDS)}"
                    f"{rng.choice(registry_synthetic.NAME_SUFFIXES[kind])}{fid}",
                    kind, ownership, inclusive, district_id, town_id, f"{NAME_PREFIX}{code}某路{fid % 997 + 1}号",  # noqa: E501
                    _money(total * rng.uniform(3.0, 6.0)), opening, meals, _money(rng.randrange(800, 6000, 10)),  # noqa: E501
                    _money(rng.randrange(300, 900, 10)) if meals else None, total, inclusive_slots, status,
                    opening, filing, number, filed_on, submitted_at, reason, True,
                )  # fmt: skip
                if filing == F.FilingStatus.FILED:
                    authorizations.add(take(Authorization), fid, "filing", number, district_id, filed_on)
                if filing == F.FilingStatus.FILED and status == F.OperatingStatus.OPERATING:
                    town_slots[town_id] = town_slots.get(town_id, 0) + total

                # staff: a head, the caregivers the units need, health care, security, a cook with meals
                roles = (
                    ["head"]
                    + ["caregiver"] * caregivers
                    + ["health_care", "security"]
                    + (["cook"] if meals else [])
                )
                for role in roles:
                    sid = take(StaffMember)
                    staff.add(
                        sid, fid, registry_synthetic._person_name(rng), f"SYN{sid:015d}", role,
                        "full_time" if role != "security" or rng.random() < 0.5 else "part_time",
                        _day(rng, opening - timedelta(days=60), REFERENCE_DATE),
                    )  # fmt: skip

                # subsidies: yearly operating subsidy, paid in two instalments; ~1% of second ones reversed
                k = int(APPLICATIONS_PER_FACILITY) + (rng.random() < APPLICATIONS_PER_FACILITY % 1)
                for year in range(2025 - k + 1, 2026):
                    aid = take(Application)
                    amount = rate * total
                    applications.add(
                        aid, program_of[district_id], fid, date(year, 1, 1), date(year, 12, 31), total, "per_slot",  # noqa: E501
                        rate, amount, amount, "approved", user.pk, user.pk, f"{year}-03-01 10:00:00+08",
                    )  # fmt: skip
                    half = (amount / 2).quantize(Decimal("0.01"))
                    first = take(LedgerEntry)
                    ledger.add(
                        first, date(year, 4, 15), fid, program_of[district_id], fund_of[district_id], aid, half,  # noqa: E501
                        "payment", None, f"SYN-L{first:010d}", "", user.pk,
                    )  # fmt: skip
                    second = take(LedgerEntry)
                    ledger.add(
                        second, date(year, 10, 15), fid, program_of[district_id], fund_of[district_id], aid,
                        amount - half, "payment", None, f"SYN-L{second:010d}", "", user.pk,
                    )  # fmt: skip
                    if rng.random() < 0.01:
                        reversal = take(LedgerEntry)
                        ledger.add(
                            reversal, date(year, 11, 1), fid, program_of[district_id], fund_of[district_id], aid,  # noqa: E501
                            -(amount - half), "reversal", second, f"SYN-L{reversal:010d}",
                            f"{NAME_PREFIX}重复支付冲销", user.pk,
                        )  # fmt: skip

                # supervision: one or two inspections, the findings spread over them
                k = int(FINDINGS_PER_FACILITY) + (rng.random() < FINDINGS_PER_FACILITY % 1)
                visits = []
                for _visit in range(1 + (rng.random() < 0.5)):
                    iid = take(Inspection)
                    day = _day(rng, date(2023, 1, 1), REFERENCE_DATE)
                    inspections.add(iid, district_id, day, "routine", f"{NAME_PREFIX}日常检查", user.pk)
                    inspected.add(take(through), iid, fid)
                    visits.append((iid, day))
                for i in range(k):
                    iid, day = visits[i % len(visits)]
                    state = _weighted(rng, finding_status)
                    deadline = day + timedelta(days=30)
                    submitted_on = (
                        day + timedelta(days=rng.randint(5, 40))
                        if state in ("verified", "submitted")
                        else None
                    )
                    verified_on = submitted_on + timedelta(days=3) if state == "verified" else None
                    findings.add(
                        take(Finding), iid, fid, rng.choice(categories), _weighted(rng, severities),
                        f"{NAME_PREFIX}检查发现的问题", deadline, state, submitted_on, verified_on,
                        user.pk if verified_on else None, user.pk,
                    )  # fmt: skip
            written = (facilities, authorizations, units, staff, applications, ledger, inspections, inspected)
            for table in (*written, findings):
                table.flush()
        done += size
        say(
            f"  机构 {done:,}/{n:,}：人员 {staff.count:,}，台账 {ledger.count:,}，问题 {findings.count:,}"
            f"（{time.monotonic() - started:.1f} 秒）"
        )
    result.counts.update(
        facilities=facilities.count,
        authorizations=authorizations.count,
        class_units=units.count,
        staff=staff.count,
        funds=funds.count,
        programs=programs.count,
        applications=applications.count,
        ledger_entries=ledger.count,
        inspections=inspections.count,
        findings=findings.count,
    )
    return town_slots


def _targets(rng, towns_by_district, town_slots, source, result) -> None:
    """Five years × three levels for every town, growing towards 2025 around what the town has."""
    targets = Table(
        SlotTarget, ["id", "town_id", "year", "level", "total_slots", "inclusive_slots", "source_id"]
    )
    next_id = _next_id(SlotTarget)
    factor = {"baseline": 0.8, "high_quality": 1.0, "plan": 1.2}
    for _code, town_ids in towns_by_district.values():
        for town_id in town_ids:
            base = town_slots.get(town_id, 0) or rng.randint(20, 120)
            for year in TARGET_YEARS:
                growth = 0.7 + 0.1 * (year - TARGET_YEARS[0])
                for level in LEVELS:
                    total = int(base * growth * factor[level] * rng.uniform(0.9, 1.1))
                    targets.add(next_id, town_id, year, level, total, int(total * 0.6), source.pk)
                    next_id += 1
        if len(targets.lines) >= 100_000:
            targets.flush()
    targets.flush()
    result.counts["targets"] = targets.count


# ---------------------------------------------------------------- checks


CHECKS = {
    "total_slots_is_sum_of_units": """
        SELECT COUNT(*) FROM facilities_facility f
        WHERE f.is_synthetic AND f.total_slots <> COALESCE(
            (SELECT SUM(u.classes * u.children_per_class) FROM facilities_classunit u
             WHERE u.facility_id = f.id), 0)
    """,
    "town_in_district": """
        SELECT COUNT(*) FROM facilities_facility f JOIN targets_region t ON t.id = f.town_id
        WHERE f.is_synthetic AND t.parent_id <> f.district_id
    """,
    "synthetic_facility_outside_synthetic_place": """
        SELECT COUNT(*) FROM facilities_facility f JOIN targets_region d ON d.id = f.district_id
        WHERE f.is_synthetic <> (d.code LIKE 'S%%')
    """,
    "reversal_not_mirroring_payment": """
        SELECT COUNT(*) FROM subsidies_ledgerentry r JOIN subsidies_ledgerentry p ON p.id = r.reversal_of_id
        WHERE r.kind = 'reversal' AND (p.kind <> 'payment' OR r.amount <> -p.amount
            OR r.facility_id <> p.facility_id OR r.application_id <> p.application_id)
    """,
    "filed_without_its_record": """
        SELECT COUNT(*) FROM facilities_facility f WHERE f.filing_status = 'filed' AND NOT EXISTS (
            SELECT 1 FROM facilities_authorization a WHERE a.facility_id = f.id AND a.cancelled_on IS NULL
            AND a.number = f.filing_number AND a.granted_on = f.filed_on AND a.authority_id = f.district_id)
    """,
    "finding_facility_not_inspected": """
        SELECT COUNT(*) FROM supervision_finding x WHERE NOT EXISTS (
            SELECT 1 FROM supervision_inspection_facilities l
            WHERE l.inspection_id = x.inspection_id AND l.facility_id = x.facility_id)
    """,
}


def verify() -> dict[str, int]:
    """Each invariant the disabled triggers would have kept, as a count of rows breaking it (all 0)."""
    out = {}
    with connection.cursor() as cursor:
        for name, sql in CHECKS.items():
            cursor.execute(sql)
            out[name] = cursor.fetchone()[0]
    return out

"""A clearly marked synthetic registry for demos and benchmarks (`python manage.py generate_synthetic`).

Every row written here hangs off a facility with ``is_synthetic=True`` whose name starts with “【合成】”;
staff identity numbers start with “SYN”, filing numbers with “SYN-<区县代码>-”. Nothing here reads or writes
a non-synthetic facility, and the official seed (``python manage.py seed``) never calls this module.

Large runs (the benchmark loads 150,000 facilities and about 1.5 million staff) are built batch by batch: each
batch is planned in memory, written with ``bulk_create`` in its own transaction and then dropped, so memory
stays bounded whatever N is. A seeded ``random.Random`` makes a run reproducible: the same seed, districts and
N give the same rows (numbering continues after any synthetic rows already present).

Capacity follows the registry's rules: class units are inserted first, the database trigger computes each
facility's total_slots from them, and only then is inclusive_slots raised with one bulk UPDATE that reads the
computed total (the CHECK inclusive_slots ≤ total_slots holds at every step).

History: the django-pghistory triggers on the synthetic models are ignored while loading (and while deleting)
unless ``keep_history`` is set — a million event rows describing fake data help nobody. Only the pghistory
event triggers of the models written here are ignored, and only inside this module's writes; the total_slots
triggers always run.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal

import pghistory.trigger
import pgtrigger
from django.db import connection, reset_queries, transaction
from django.db.models import Max
from django.utils import timezone

from facilities.models import (
    Authorization,
    Certificate,
    ClassTypeRule,
    ClassUnit,
    Facility,
    StaffMember,
    TrainingRecord,
)
from targets.models import Region

NAME_PREFIX = "【合成】"
ID_PREFIX = "SYN"
ID_DIGITS = 15  # "SYN" + 15 digits = 18 characters, the field's length; never a valid 居民身份证号
FILING_DIGITS = 7
DEFAULT_BATCH_SIZE = 2000
CLASS_TYPE_CODES = ("infant", "toddler", "older", "mixed")
# Fixed, so that a run does not depend on the day it is made.
REFERENCE_DATE = date(2025, 6, 30)
EARLIEST_OPENING = date(2016, 1, 1)
# Relative weights when picking a facility's class types (乳儿班 are the rarest in practice).
CLASS_TYPE_WEIGHTS = {"infant": 1, "toddler": 4, "older": 4, "mixed": 3}

# The models this module writes; their pghistory event triggers are ignored during a load or a delete.
SYNTHETIC_MODELS = (Facility, Authorization, ClassUnit, StaffMember, Certificate, TrainingRecord)
# Triggers that must never be ignored: they keep total_slots equal to the sum of the class units.
SLOT_TRIGGER_URIS = (
    "facilities.Facility:facility_total_slots_from_units",
    "facilities.ClassUnit:class_unit_refresh_facility_slots",
)


class SyntheticDataError(Exception):
    """Bad input; the message is Chinese and meant for the command line. Nothing has been written."""


@dataclass
class GenerateResult:
    seed: int
    facilities: int = 0
    units: int = 0
    staff: int = 0
    certificates: int = 0
    trainings: int = 0
    seconds: float = 0.0
    by_district: Counter = field(default_factory=Counter)


# ---------------------------------------------------------------- vocabulary

KIND_WEIGHTS = (
    (Facility.Kind.PRIVATE, 42),
    (Facility.Kind.KINDERGARTEN_CLASS, 20),
    (Facility.Kind.COMMUNITY_POINT, 10),
    (Facility.Kind.PUBLIC, 7),
    (Facility.Kind.PUBLIC_PRIVATE, 7),
    (Facility.Kind.EMPLOYER, 6),
    (Facility.Kind.TOWN_INCLUSIVE_PARK, 5),
    (Facility.Kind.MEDICAL_CHILDCARE, 3),
)
OWNERSHIP_WEIGHTS = {
    Facility.Kind.PRIVATE: (
        (Facility.Ownership.PRIVATE_FOR_PROFIT, 7),
        (Facility.Ownership.PRIVATE_NON_PROFIT, 3),
    ),
    Facility.Kind.KINDERGARTEN_CLASS: (
        (Facility.Ownership.PUBLIC, 5),
        (Facility.Ownership.PRIVATE_NON_PROFIT, 2),
        (Facility.Ownership.PRIVATE_FOR_PROFIT, 3),
    ),
    Facility.Kind.COMMUNITY_POINT: (
        (Facility.Ownership.PUBLIC, 4),
        (Facility.Ownership.PRIVATE_NON_PROFIT, 6),
    ),
    Facility.Kind.PUBLIC: ((Facility.Ownership.PUBLIC, 1),),
    Facility.Kind.PUBLIC_PRIVATE: (
        (Facility.Ownership.PRIVATE_NON_PROFIT, 7),
        (Facility.Ownership.PRIVATE_FOR_PROFIT, 3),
    ),
    Facility.Kind.EMPLOYER: ((Facility.Ownership.PUBLIC, 3), (Facility.Ownership.PRIVATE_NON_PROFIT, 7)),
    Facility.Kind.TOWN_INCLUSIVE_PARK: (
        (Facility.Ownership.PUBLIC, 8),
        (Facility.Ownership.PRIVATE_NON_PROFIT, 2),
    ),
    Facility.Kind.MEDICAL_CHILDCARE: ((Facility.Ownership.PUBLIC, 1),),
}
# Share of inclusive (普惠) facilities per kind, in percent.
INCLUSIVE_PERCENT = {
    Facility.Kind.PRIVATE: 30,
    Facility.Kind.KINDERGARTEN_CLASS: 60,
    Facility.Kind.COMMUNITY_POINT: 85,
    Facility.Kind.PUBLIC: 95,
    Facility.Kind.PUBLIC_PRIVATE: 80,
    Facility.Kind.EMPLOYER: 50,
    Facility.Kind.TOWN_INCLUSIVE_PARK: 100,
    Facility.Kind.MEDICAL_CHILDCARE: 90,
}
NAME_SUFFIXES = {
    Facility.Kind.PRIVATE: ("托育中心", "托育园", "婴幼儿照护中心", "早期发展托育中心"),
    Facility.Kind.KINDERGARTEN_CLASS: ("幼儿园托班",),
    Facility.Kind.COMMUNITY_POINT: ("社区托育点", "嵌入式托育点"),
    Facility.Kind.PUBLIC: ("公办托育园",),
    Facility.Kind.PUBLIC_PRIVATE: ("公建民营托育园",),
    Facility.Kind.EMPLOYER: ("职工托育室", "单位托育点"),
    Facility.Kind.TOWN_INCLUSIVE_PARK: ("普惠托育园",),
    Facility.Kind.MEDICAL_CHILDCARE: ("医育结合托育园",),
}
BRANDS = (
    "小星星", "彩虹", "童心", "贝贝", "启明", "阳光", "向日葵", "小橡树", "萌芽", "乐育",
    "爱心", "七彩", "蒲公英", "小海豚", "暖阳", "春苗", "知了", "好时光", "小太阳", "金色童年",
)  # fmt: skip
OPERATING_WEIGHTS = (
    (Facility.OperatingStatus.OPERATING, 86),
    (Facility.OperatingStatus.SUSPENDED, 4),
    (Facility.OperatingStatus.CLOSED, 2),
    (Facility.OperatingStatus.UNDER_CONSTRUCTION, 4),
    (Facility.OperatingStatus.PLANNED, 4),
)
FILING_WEIGHTS = (
    (Facility.FilingStatus.FILED, 82),
    (Facility.FilingStatus.SUBMITTED, 9),
    (Facility.FilingStatus.DRAFT, 6),
    (Facility.FilingStatus.RETURNED, 3),
)
RETURN_REASONS = (
    "【合成】消防验收材料不全，请补充后重新提交。",
    "【合成】卫生评价报告已过期，请更新。",
    "【合成】场地租赁合同租期不足，请补充说明。",
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "静丽敏燕艳娟霞芳娜秀英华慧巧美雪琳晶婷颖玲倩莉红梅洁琴云莲真环雅芬萍玉兰凤佳嘉欣悦宁怡彤"
TRAININGS = (
    ("婴幼儿照护服务人员岗前培训", Decimal("40.0")),
    ("婴幼儿伤害预防与急救培训", Decimal("8.0")),
    ("托育机构卫生保健培训", Decimal("16.0")),
    ("托育机构负责人培训", Decimal("24.0")),
    ("婴幼儿回应性照护专题培训", Decimal("12.0")),
)


# ---------------------------------------------------------------- history triggers


def history_trigger_uris() -> list[str]:
    """URIs of the django-pghistory event triggers on the models this module writes (never the slot ones)."""
    uris = [
        trigger.get_uri(model)
        for model, trigger in pgtrigger.registered()
        if model in SYNTHETIC_MODELS and isinstance(trigger, pghistory.trigger.Event)
    ]
    if set(uris) & set(SLOT_TRIGGER_URIS):  # pragma: no cover - a guard against a future refactor
        raise RuntimeError("the total_slots triggers must never be ignored")
    return sorted(uris)


def _history_off(keep_history: bool):
    if keep_history:
        return contextlib.nullcontext()
    return pgtrigger.ignore(*history_trigger_uris())


# ---------------------------------------------------------------- input


def resolve_towns(district_codes: Sequence[str] | None) -> list[Region]:
    """The seeded towns of the chosen districts (default: every district that has towns), in a stable order.
    Raises SyntheticDataError (Chinese message) for unknown codes or districts without towns."""
    towns = Region.objects.filter(level=Region.Level.TOWN).select_related("parent")
    if district_codes:
        codes = list(dict.fromkeys(district_codes))
        known = {r.code: r for r in Region.objects.filter(code__in=codes, level=Region.Level.DISTRICT)}
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise SyntheticDataError(
                f"未知区县代码：{'、'.join(unknown)}（请使用已载入的区县行政区划代码）。"
            )
        towns = list(towns.filter(parent__in=known.values()).order_by("parent__code", "sort_order", "code"))
        with_towns = {t.parent.code for t in towns}
        empty = [f"{known[c].name}（{c}）" for c in codes if c not in with_towns]
        if empty:
            raise SyntheticDataError(
                f"区县{'、'.join(empty)}没有已载入的镇街，无法生成合成机构；请先运行 python manage.py seed。"
            )
        return towns
    towns = list(
        towns.filter(parent__level=Region.Level.DISTRICT).order_by("parent__code", "sort_order", "code")
    )
    if not towns:
        raise SyntheticDataError("数据库中没有镇街数据，无法生成合成机构；请先运行 python manage.py seed。")
    return towns


def load_class_types() -> list[ClassTypeRule]:
    types = list(ClassTypeRule.objects.filter(code__in=CLASS_TYPE_CODES).order_by("sort_order", "code"))
    if not types:
        raise SyntheticDataError(
            "没有班型标准（乳儿班、托小班、托大班、混合班），请先运行 python manage.py seed。"
        )
    return types


# ---------------------------------------------------------------- planning (pure Python, seeded)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _money(rng: random.Random, low: int, high: int, step: int = 10) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step)).quantize(Decimal("0.01"))


def _area(rng: random.Random, slots: int, low: float, high: float) -> Decimal:
    return Decimal(str(round(slots * rng.uniform(low, high), 2))).quantize(Decimal("0.01"))


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, dt_time(hour, 0)))


@dataclass
class _Plan:
    """One facility's rows before they have primary keys."""

    facility: Facility
    units: list[tuple[ClassTypeRule, int, int]]  # class type, classes, children per class
    inclusive_percent: int
    staff: list[tuple[StaffMember, list[Certificate], list[TrainingRecord]]]


class _Planner:
    def __init__(self, rng: random.Random, seed: int, towns: list[Region], class_types: list[ClassTypeRule]):
        self.rng = rng
        self.seed = seed
        self.towns = towns
        self.class_types = class_types
        all_types = list(ClassTypeRule.objects.all())
        # A type without any known ratio falls back to one caregiver per class.
        self.ratios = {t.pk: t.effective_ratio(all_types)[0] or t.max_children for t in class_types}
        self.names = Counter()
        self.filing_seq = {}  # district code -> last sequence number used
        self.next_id = self._last_id_number() + 1
        self.next_certificate = self._last_certificate_number() + 1

    # numbering continues after the synthetic rows already in the database
    @staticmethod
    def _last_id_number() -> int:
        last = StaffMember.objects.filter(
            facility__is_synthetic=True, id_number__startswith=ID_PREFIX, id_number__regex=r"^SYN[0-9]{15}$"
        ).aggregate(m=Max("id_number"))["m"]
        return int(last[len(ID_PREFIX) :]) if last else 0

    @staticmethod
    def _last_certificate_number() -> int:
        last = Certificate.objects.filter(
            staff__facility__is_synthetic=True, number__regex=r"^SYN-C[0-9]{10}$"
        ).aggregate(m=Max("number"))["m"]
        return int(last[5:]) if last else 0

    def _next_filing_number(self, district: Region) -> str:
        code = district.code
        if code not in self.filing_seq:
            prefix = f"{ID_PREFIX}-{code}-"
            last = Facility.objects.filter(
                is_synthetic=True, filing_number__regex=rf"^{re.escape(prefix)}[0-9]{{{FILING_DIGITS}}}$"
            ).aggregate(m=Max("filing_number"))["m"]
            self.filing_seq[code] = int(last[len(prefix) :]) if last else 0
        self.filing_seq[code] += 1
        return f"{ID_PREFIX}-{code}-{self.filing_seq[code]:0{FILING_DIGITS}d}"

    def _units(self, kind: str) -> list[tuple[ClassTypeRule, int, int]]:
        rng = self.rng
        small = kind in (
            Facility.Kind.COMMUNITY_POINT,
            Facility.Kind.KINDERGARTEN_CLASS,
            Facility.Kind.EMPLOYER,
        )
        if small:
            count = rng.choices((1, 2), weights=(7, 3))[0]
        else:
            count = rng.choices((1, 2, 3, 4), weights=(4, 4, 2, 1))[0]
        pool = list(self.class_types)
        chosen = []
        while pool and len(chosen) < count:  # weighted sampling without replacement: 乳儿班 are rarer
            pick = rng.choices(pool, weights=[CLASS_TYPE_WEIGHTS.get(t.code, 3) for t in pool])[0]
            pool.remove(pick)
            chosen.append(pick)
        chosen.sort(key=lambda t: (t.sort_order, t.code))
        units = []
        for class_type in chosen:
            cap = class_type.max_children
            classes = rng.choices((1, 2, 3), weights=(8, 2, 0) if small else (6, 3, 1))[0]
            children = rng.randint(max(1, math.ceil(cap * 0.6)), cap)
            units.append((class_type, classes, children))
        return units

    def _staff(self, facility: Facility, units, total: int) -> list:
        rng = self.rng
        hire_from = facility.opening_date or (REFERENCE_DATE - timedelta(days=180))
        hire_from -= timedelta(days=60)
        people = []

        def person(role, employment=StaffMember.Employment.FULL_TIME):
            number = self.next_id
            self.next_id += 1
            hired = _day_between(rng, hire_from, REFERENCE_DATE)
            member = StaffMember(
                facility=facility,
                name=_person_name(rng),
                id_number=f"{ID_PREFIX}{number:0{ID_DIGITS}d}",
                role=role,
                employment=employment,
                hired_on=hired,
            )
            entry = (member, [], [])
            people.append(entry)
            return entry

        def certificate(entry, kind):
            number = self.next_certificate
            self.next_certificate += 1
            entry[1].append(
                Certificate(
                    staff=entry[0],
                    kind=kind,
                    number=f"SYN-C{number:010d}",
                    issuer="【合成】职业技能等级认定机构",
                    issued_on=_day_between(rng, date(2012, 1, 1), entry[0].hired_on),
                )
            )

        def training(entry, title=None):
            title, hours = (title, Decimal("24.0")) if title else rng.choice(TRAININGS)
            entry[2].append(
                TrainingRecord(
                    staff=entry[0],
                    title=title,
                    provider="【合成】区托育综合服务指导中心",
                    completed_on=_day_between(rng, entry[0].hired_on, REFERENCE_DATE),
                    hours=hours,
                )
            )

        head = person(StaffMember.Role.HEAD)
        if rng.random() < 0.5:
            training(head, "托育机构负责人培训")

        required = sum(classes * math.ceil(children / self.ratios[t.pk]) for t, classes, children in units)
        roll = rng.random()
        if roll < 0.07:  # short of caregivers: exercises the staffing flags
            caregivers = max(0, required - rng.randint(1, max(1, required // 3)))
        elif roll < 0.25:
            caregivers = required + rng.randint(1, 2)
        else:
            caregivers = required
        for _i in range(caregivers):
            entry = person(StaffMember.Role.CAREGIVER)
            if rng.random() < 0.88:  # most caregivers hold a qualifying certificate
                certificate(entry, rng.choice(Certificate.CAREGIVER_QUALIFYING))
                if rng.random() < 0.08:
                    certificate(entry, Certificate.Kind.HEALTH)
            if rng.random() < 0.3:
                training(entry)
        if rng.random() < 0.04 and people:  # a former caregiver who has left
            member, _certs, _trainings = person(StaffMember.Role.CAREGIVER)
            member.left_on = _day_between(rng, member.hired_on, REFERENCE_DATE)

        if rng.random() < 0.96:  # a few facilities lack health-care staff
            full_time = total >= 80 or rng.random() < 0.5
            entry = person(
                StaffMember.Role.HEALTH_CARE,
                StaffMember.Employment.FULL_TIME if full_time else StaffMember.Employment.PART_TIME,
            )
            if rng.random() < 0.9:
                certificate(entry, Certificate.Kind.HEALTH_CARE_TRAINING)
            if rng.random() < 0.4:
                training(entry, "托育机构卫生保健培训")
        if facility.serves_meals:
            for _i in range(1 if total < 80 else 2):
                person(StaffMember.Role.COOK)
        part_time = rng.random() < 0.3
        person(
            StaffMember.Role.SECURITY,
            StaffMember.Employment.PART_TIME if part_time else StaffMember.Employment.FULL_TIME,
        )
        return people

    def plan(self) -> _Plan:
        rng = self.rng
        town = rng.choice(self.towns)
        district = town.parent
        kind = _weighted(rng, KIND_WEIGHTS)
        ownership = _weighted(rng, OWNERSHIP_WEIGHTS[kind])
        is_inclusive = rng.randrange(100) < INCLUSIVE_PERCENT[kind]
        operating = _weighted(rng, OPERATING_WEIGHTS)
        not_open = operating in (
            Facility.OperatingStatus.PLANNED,
            Facility.OperatingStatus.UNDER_CONSTRUCTION,
        )
        if not_open:
            filing = rng.choice((Facility.FilingStatus.DRAFT, Facility.FilingStatus.SUBMITTED))
        else:
            filing = _weighted(rng, FILING_WEIGHTS)

        units = self._units(kind)
        total = sum(classes * children for _t, classes, children in units)

        base = f"{NAME_PREFIX}{town.name}{rng.choice(BRANDS)}{rng.choice(NAME_SUFFIXES[kind])}"
        self.names[base] += 1
        name = base if self.names[base] == 1 else f"{base}（{self.names[base]}）"

        opening = (
            None if not_open else _day_between(rng, EARLIEST_OPENING, REFERENCE_DATE - timedelta(days=30))
        )
        premises = _weighted(
            rng,
            ((Facility.Premises.LEASED, 6), (Facility.Premises.OWNED, 2), (Facility.Premises.PROVIDED, 2)),
        )
        lease_start = lease_end = None
        if premises == Facility.Premises.LEASED:
            lease_start = (opening or REFERENCE_DATE) - timedelta(days=rng.randint(30, 240))
            lease_end = lease_start + timedelta(days=365 * rng.randint(3, 10))
        serves_meals = rng.random() < 0.8
        monthly_fee = _money(rng, 1000, 2800) if is_inclusive else _money(rng, 2500, 7500)

        facility = Facility(
            name=name,
            kind=kind,
            ownership=ownership,
            is_inclusive=is_inclusive,
            district=district,
            town=town,
            address=f"{district.name}{town.name}合成路{rng.randint(1, 999)}号",
            indoor_area_m2=_area(rng, total, 8.0, 14.0),
            outdoor_area_m2=_area(rng, total, 2.0, 5.0) if rng.random() < 0.85 else Decimal("0.00"),
            premises=premises,
            lease_start=lease_start,
            lease_end=lease_end,
            opening_date=opening,
            contact_person=_person_name(rng),
            contact_phone=f"000-{rng.randrange(10**8):08d}",
            public_phone=f"000-{rng.randrange(10**8):08d}",
            serves_meals=serves_meals,
            monthly_fee=monthly_fee,
            meal_fee=_money(rng, 300, 900) if serves_meals else None,
            enrolled_children=(
                round(total * rng.uniform(0.4, 1.0)) if operating == Facility.OperatingStatus.OPERATING else 0
            ),
            operating_status=operating,
            status_since=(
                _day_between(rng, opening, REFERENCE_DATE) if opening else REFERENCE_DATE - timedelta(days=90)
            ),
            filing_status=filing,
            notes=f"合成数据（generate_synthetic，随机种子 {self.seed}），仅供演示和压测，不是真实机构。",
            is_synthetic=True,
        )
        if filing != Facility.FilingStatus.DRAFT:
            submitted = (opening or REFERENCE_DATE) - timedelta(days=rng.randint(-60, 20))
            submitted = min(submitted, REFERENCE_DATE)
            facility.submitted_at = _aware(submitted)
            if filing == Facility.FilingStatus.FILED:
                filed_on = min(submitted + timedelta(days=rng.randint(3, 20)), REFERENCE_DATE)
                facility.filing_number = self._next_filing_number(district)
                facility.filed_on = filed_on
                facility.acknowledged_at = _aware(filed_on, 15)
            elif filing == Facility.FilingStatus.RETURNED:
                facility.return_reason = rng.choice(RETURN_REASONS)

        inclusive_percent = rng.randint(50, 100) if is_inclusive else 0
        return _Plan(facility, units, inclusive_percent, self._staff(facility, units, total))


# ---------------------------------------------------------------- writing


def _write_batch(plans: list[_Plan]) -> tuple[int, int, int, int]:
    facilities = [p.facility for p in plans]
    Facility.objects.bulk_create(facilities, batch_size=1000)
    # A filed facility's record in force, as approving a filing writes it (services.filing_approve).
    Authorization.objects.bulk_create(
        [
            Authorization(
                facility=f, number=f.filing_number, authority_id=f.district_id, granted_on=f.filed_on
            )
            for f in facilities
            if f.filing_status == Facility.FilingStatus.FILED
        ],
        batch_size=1000,
    )

    units = [
        ClassUnit(facility=p.facility, class_type=t, classes=classes, children_per_class=children)
        for p in plans
        for t, classes, children in p.units
    ]
    # Each insert fires class_unit_refresh_facility_slots: the database recomputes total_slots.
    ClassUnit.objects.bulk_create(units, batch_size=5000)

    staff = [entry[0] for p in plans for entry in p.staff]
    StaffMember.objects.bulk_create(staff, batch_size=5000)
    certificates = []
    trainings = []
    for p in plans:
        for member, member_certificates, member_trainings in p.staff:
            for row in member_certificates:
                row.staff = member  # re-bind now that the member has a primary key
                certificates.append(row)
            for row in member_trainings:
                row.staff = member
                trainings.append(row)
    Certificate.objects.bulk_create(certificates, batch_size=5000)
    TrainingRecord.objects.bulk_create(trainings, batch_size=5000)

    # Inclusive slots as a share of the total the database computed, in one UPDATE (after the units exist,
    # so the CHECK inclusive_slots ≤ total_slots holds).
    raised = [(p.facility.pk, p.inclusive_percent) for p in plans if p.inclusive_percent]
    if raised:
        ids, percents = zip(*raised, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Facility._meta.db_table} AS f "
                "SET inclusive_slots = (f.total_slots * v.pct) / 100 "
                "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, pct) "
                "WHERE f.id = v.id AND f.is_synthetic",
                [list(ids), list(percents)],
            )
    return len(units), len(staff), len(certificates), len(trainings)


def generate(
    count: int,
    *,
    seed: int | None = None,
    district_codes: Sequence[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_history: bool = False,
    progress: Callable[[GenerateResult], None] | None = None,
) -> GenerateResult:
    """Create `count` synthetic facilities with their class units, staff, certificates and trainings.

    Input is checked before anything is written (SyntheticDataError otherwise). Each batch is its own
    transaction; if a later batch fails, the earlier ones stay and can be removed with delete_synthetic()."""
    if not isinstance(count, int) or count <= 0:
        raise SyntheticDataError(f"机构数量必须是正整数（收到 {count}）。")
    if batch_size <= 0:
        raise SyntheticDataError(f"批大小必须是正整数（收到 {batch_size}）。")
    towns = resolve_towns(district_codes)
    class_types = load_class_types()
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)
    planner = _Planner(rng, seed, towns, class_types)

    result = GenerateResult(seed=seed)
    started = time.perf_counter()
    with _history_off(keep_history):
        done = 0
        while done < count:
            size = min(batch_size, count - done)
            plans = [planner.plan() for _i in range(size)]
            with transaction.atomic():
                units, staff, certificates, trainings = _write_batch(plans)
            done += size
            result.facilities = done
            result.units += units
            result.staff += staff
            result.certificates += certificates
            result.trainings += trainings
            result.by_district.update(p.facility.district.code for p in plans)
            result.seconds = time.perf_counter() - started
            del plans
            reset_queries()  # with DEBUG on, Django keeps every (huge) INSERT's SQL otherwise
            if progress:
                progress(result)
    return result


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def delete_synthetic(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    keep_history: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Delete every synthetic facility (its units, staff, certificates, trainings and any other rows that
    cascade from it), batch by batch. Non-synthetic rows are never selected. Returns the facility count."""
    ids = list(Facility.objects.filter(is_synthetic=True).order_by("pk").values_list("pk", flat=True))
    deleted = 0
    with _history_off(keep_history):
        for chunk in _chunks(ids, batch_size):
            with transaction.atomic():
                batch = Facility.objects.filter(pk__in=chunk, is_synthetic=True)
                # Removing the units recomputes total_slots to 0 before the facility row goes; lower
                # inclusive_slots first so the CHECK inclusive_slots ≤ total_slots holds throughout.
                batch.exclude(inclusive_slots=0).update(inclusive_slots=0)
                _count, per_model = batch.delete()
                deleted += per_model.get(Facility._meta.label, 0)
            reset_queries()
            if progress:
                progress(deleted, len(ids))
    return deleted

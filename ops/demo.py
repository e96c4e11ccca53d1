"""The demo database for newcomers (`python3 dev.py demo`, `python manage.py demo_data`).

A demo database is a separate database on the portal's server whose name ends in ``_demo``; every function
here refuses any other database, so the portal's own data can never receive a demo row. It holds the real
seed (``manage.py seed``) plus:

- a synthetic registry for Daxing (110115) and Yubei (500112) from facilities.synthetic (names start
  with 【合成】, ``is_synthetic = true``), in every filing state: filed, submitted (pending), draft, returned;
- monthly enrolment reports (reporting.EnrolmentReport) of the operating synthetic facilities for the last
  months, filed through reporting.services, some late and some missing;
- inspections with findings through supervision.services: open ones (some already past their deadline),
  and historic ones entered after the fact, answered or verified;
- one account per role (city, district and town official, operator, API client with a read-only token).
  Passwords and the token are generated on every run, printed once and never stored in clear.

Only in a demo database do statistics count synthetic facilities (settings.STATISTICS_COUNT_SYNTHETIC,
facilities.selectors.counts_synthetic) and every page carries a banner (ops.context_processors).
"""

from __future__ import annotations

import datetime
import random
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken, PasswordChangeRequired
from core.access import Role
from core.formatting import listing
from core.months import month_start
from facilities import synthetic
from facilities.models import ClassUnit, Facility, RoleAssignment
from reporting import services as reporting_services
from reporting.models import EnrolmentReport, due_date
from reporting.selectors import due_day_for
from supervision import services as supervision_services
from supervision.models import Department, Finding, Inspection
from targets.models import Region

SUFFIX = "_demo"
DISTRICTS = ("110115", "500112")  # 大兴区, 渝北区
DEFAULT_FACILITIES = 80
DEFAULT_MONTHS = 6
MARK = synthetic.NAME_PREFIX  # 【合成】
TOKEN_DAYS = 90


class DemoError(Exception):
    """Refused or impossible; the message is Chinese and meant for the command line. Nothing was written."""


# ---------------------------------------------------------------- the database


def database_name() -> str:
    return connection.settings_dict["NAME"]


def check_database(name: str | None = None) -> str:
    """The demo database's name, or DemoError when the current database is not one (name ending _demo)."""
    name = database_name() if name is None else name
    if not (name.endswith(SUFFIX) and re.fullmatch(r"[A-Za-z0-9_]+", name)):
        raise DemoError(
            f"拒绝运行：当前数据库 {name!r} 不是演示数据库（名称须以 {SUFFIX} 结尾），"
            "以免把合成数据写进门户数据库。"
            "请用 python3 dev.py demo，或设置 DEMO=1。"
        )
    return name


def create_database() -> bool:
    """Create the demo database on the current server if it is missing (connected to the server's
    maintenance database). True when it was created."""
    name = check_database()
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            return False
        cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return True


# ---------------------------------------------------------------- accounts


@dataclass
class DemoAccount:
    role: str
    username: str
    scope: str
    secret: str  # the password, or the API token for the API client


ACCOUNT_NAMES = {
    "city": "demo-city",
    "district": "demo-district",
    "town": "demo-town",
    "operator": "demo-operator",
    "api": "demo-api",
}


def _districts() -> list[Region]:
    found = {r.code: r for r in Region.objects.filter(code__in=DISTRICTS, level=Region.Level.DISTRICT)}
    missing = [code for code in DISTRICTS if code not in found]
    if missing:
        raise DemoError(f"演示数据库中没有区县 {'、'.join(missing)}：请先运行 python manage.py seed。")
    return [found[code] for code in DISTRICTS]


def _user(username: str, label: str, *, password: str | None):
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.first_name = label
    user.is_active = True
    user.is_staff = False
    user.is_superuser = False
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    RoleAssignment.objects.filter(user=user).delete()
    PasswordChangeRequired.objects.filter(user=user).delete()
    return user


def _operator_facility(district: Region) -> Facility:
    facility = (
        Facility.objects.filter(
            district=district,
            is_synthetic=True,
            filing_status=Facility.FilingStatus.FILED,
            operating_status=Facility.OperatingStatus.OPERATING,
        )
        .order_by("pk")
        .first()
    )
    if facility is None:
        raise DemoError(
            f"{district.name}没有已备案、运营中的合成机构，无法开设演示填报账户；请增加 --facilities。"
        )
    return facility


@transaction.atomic
def ensure_accounts() -> list[DemoAccount]:
    """Create (or reset) one account per role with fresh passwords; return them with the secrets."""
    check_database()
    districts = _districts()
    cities = list(Region.objects.filter(pk__in=[d.parent_id for d in districts]).order_by("code"))
    facility = _operator_facility(districts[0])
    town = facility.town

    def password() -> str:
        return secrets.token_urlsafe(12)

    accounts = []
    rows = [
        ("city", Role.DISTRICT_OFFICIAL, cities, "市级管理员（演示）", listing(c.name for c in cities)),
        (
            "district",
            Role.DISTRICT_OFFICIAL,
            districts,
            "区级管理员（演示）",
            listing(d.name for d in districts),
        ),
        ("town", Role.TOWN_OFFICIAL, [town], "镇街管理员（演示）", f"{town.parent.name}{town.name}"),
    ]
    district_user = None
    for key, role, regions, label, scope in rows:
        secret = password()
        user = _user(ACCOUNT_NAMES[key], label, password=secret)
        RoleAssignment.objects.bulk_create(RoleAssignment(user=user, role=role, region=r) for r in regions)
        accounts.append(DemoAccount(label, user.username, scope, secret))
        if key == "district":
            district_user = user

    secret = password()
    operator = _user(ACCOUNT_NAMES["operator"], "机构填报人（演示）", password=secret)
    RoleAssignment.objects.create(
        user=operator, role=Role.OPERATOR, facility=facility, granted_by=district_user
    )
    accounts.append(DemoAccount("机构填报人（演示）", operator.username, facility.name, secret))

    client = _user(ACCOUNT_NAMES["api"], "接口只读用户（演示）", password=None)
    grant = RoleAssignment.objects.create(
        user=client, role=Role.API_CLIENT, region=districts[0], granted_by=district_user
    )
    for token in ApiToken.objects.filter(user=client, revoked_at__isnull=True):
        account_services.token_revoke(token=token)
    _token, token_secret = account_services.token_issue(
        user=client,
        name="演示令牌（统计接口）",
        read_only=True,
        expires_at=timezone.now() + datetime.timedelta(days=TOKEN_DAYS),
        created_by=district_user,
        grant=grant,
    )
    accounts.append(
        DemoAccount("接口只读用户（演示，令牌）", client.username, districts[0].name, token_secret)
    )
    return accounts


# ---------------------------------------------------------------- monthly enrolment reports


def _months_back(today: datetime.date, months: int) -> list[datetime.date]:
    """The last `months` complete months before today's, oldest first."""
    result, month = [], month_start(today)
    for _i in range(months):
        month = month_start(month - datetime.timedelta(days=1))
        result.append(month)
    return result[::-1]


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def enrolment_reports(rng: random.Random, officials: dict[int, object], months: int) -> int:
    """Monthly reports of the operating synthetic facilities, most on time, some late, some months missing.
    Filed through reporting.services by the district's demo official; the first-submission time is then set
    to a day around the due date (the service stamps "now")."""
    today = timezone.localdate()
    wanted = _months_back(today, months)
    facilities = (
        Facility.objects.filter(
            is_synthetic=True, operating_status=Facility.OperatingStatus.OPERATING, district_id__in=officials
        )
        .select_related("district")
        .order_by("pk")
    )
    units = {}
    for unit in ClassUnit.objects.filter(facility__in=facilities).select_related("class_type"):
        units.setdefault(unit.facility_id, []).append(unit)
    due_days = {}
    written = 0
    for facility in facilities:
        if facility.pk not in units:
            continue
        due_day = due_days.setdefault(facility.district_id, due_day_for(facility.district)[0])
        stops_early = rng.random() < 0.15  # has not filed the latest month(s) yet
        for index, month in enumerate(wanted):
            if facility.opening_date and month < month_start(facility.opening_date):
                continue
            if stops_early and index == len(wanted) - 1:
                continue
            lines = []
            for unit in units[facility.pk]:
                capacity = unit.classes * unit.children_per_class
                enrolled = min(capacity, round(capacity * rng.uniform(0.55, 1.0)))
                attendance = Decimal(str(round(enrolled * rng.uniform(0.75, 0.95), 1)))
                lines.append(
                    reporting_services.LineInput(unit.class_type, enrolled, attendance, capacity - enrolled)
                )
            report = reporting_services.enrolment_report_save(
                user=officials[facility.district_id],
                facility=facility,
                month=month,
                lines=lines,
                note=f"{MARK}演示数据",
            )
            due = due_date(month, due_day)
            late = rng.random() < 0.12
            day = (
                due + datetime.timedelta(days=rng.randint(1, 12))
                if late
                else due - datetime.timedelta(days=rng.randint(0, 8))
            )
            submitted = min(_aware(day, rng.randint(9, 17)), timezone.now())
            EnrolmentReport.objects.filter(pk=report.pk).update(submitted_at=submitted)
            written += 1
    return written


# ---------------------------------------------------------------- inspections and findings

FINDING_TEXTS = {
    Finding.Category.FIRE_SAFETY: "疏散通道堆放杂物，灭火器压力不足",
    Finding.Category.FOOD_SAFETY: "食品留样记录不全，留样时间不足48小时",
    Finding.Category.HEALTH_CARE: "晨午检记录缺失，因病缺勤追踪未落实",
    Finding.Category.PERSONAL_SAFETY: "活动室插座未加装防护盖，窗户未装限位器",
    Finding.Category.STAFFING: "托大班保育人员配备不足，存在一人带班情况",
    Finding.Category.RECORDS: "工作人员健康证、培训记录未归档",
    Finding.Category.PREMISES: "户外活动场地地面破损，未设软质铺装",
}


def _finding_args(rng: random.Random) -> dict:
    category = rng.choice(list(FINDING_TEXTS))
    return {
        "category": category,
        "severity": rng.choice([s for s, _label in Finding.Severity.choices]),
        "description": f"{MARK}{FINDING_TEXTS[category]}。",
        "responsible_person": synthetic._person_name(rng),
    }


def inspections(rng: random.Random, officials: dict[int, object]) -> int:
    """Per district: a historic inspection entered after the fact (findings answered, some verified), one
    about two and a half months ago whose findings are past their deadline and not rectified (overdue), and
    a recent joint one with open findings still within their deadline. Returns the number of findings."""
    today = timezone.localdate()
    departments = list(Department.objects.order_by("sort_order", "code")[:2])
    written = 0
    for district_id, official in officials.items():
        district = Region.objects.get(pk=district_id)
        active = list(
            Facility.objects.filter(
                district=district, is_synthetic=True, operating_status=Facility.OperatingStatus.OPERATING
            ).order_by("pk")
        )
        if len(active) < 3:
            continue
        rng.shuffle(active)
        groups = [active[i::3][:4] for i in range(3)]

        # 1. historic, entered from the original record: answered (most verified)
        found = today - datetime.timedelta(days=150)
        inspection = supervision_services.inspection_create(
            user=official,
            district=district,
            inspected_on=found,
            kind=Inspection.Kind.ROUTINE,
            facilities=groups[0],
            title=f"{MARK}{found.year}年日常检查（补录）",
            summary=f"{MARK}演示数据：按原始记录补录的历史检查。",
            backfilled=True,
        )
        for facility in groups[0]:
            answered = found + datetime.timedelta(days=rng.randint(10, 40))
            verified = answered + datetime.timedelta(days=rng.randint(3, 10)) if rng.random() < 0.7 else None
            supervision_services.finding_backfill(
                user=official,
                inspection=inspection,
                facility=facility,
                deadline=found + datetime.timedelta(days=30),
                answered_on=answered,
                verified_on=verified,
                answer_note=f"{MARK}已整改。",
                **_finding_args(rng),
            )
            written += 1

        # 2. ~75 days ago: deadlines passed, nothing rectified → overdue
        found = today - datetime.timedelta(days=75)
        inspection = supervision_services.inspection_create(
            user=official,
            district=district,
            inspected_on=found,
            kind=Inspection.Kind.SPECIAL,
            facilities=groups[1],
            title=f"{MARK}消防安全专项检查",
            summary=f"{MARK}演示数据。",
        )
        for facility in groups[1]:
            supervision_services.finding_create(
                user=official,
                inspection=inspection,
                facility=facility,
                deadline=found + datetime.timedelta(days=rng.randint(15, 45)),
                **_finding_args(rng),
            )
            written += 1

        # 3. recent joint inspection: open findings, deadline still ahead
        found = today - datetime.timedelta(days=10)
        inspection = supervision_services.inspection_create(
            user=official,
            district=district,
            inspected_on=found,
            kind=Inspection.Kind.JOINT,
            facilities=groups[2],
            departments=departments,
            title=f"{MARK}联合检查",
            summary=f"{MARK}演示数据。",
        )
        for facility in groups[2]:
            supervision_services.finding_create(
                user=official,
                inspection=inspection,
                facility=facility,
                deadline=today + datetime.timedelta(days=rng.randint(10, 30)),
                **_finding_args(rng),
            )
            written += 1
    return written


# ---------------------------------------------------------------- the whole demo


@dataclass
class DemoResult:
    seed: int
    facilities: int = 0
    reports: int = 0
    findings: int = 0
    kept: bool = False  # the synthetic data was already there and was kept


def delete_demo_data() -> int:
    """Remove the synthetic registry and everything the demo hung off it (reports, inspections, findings).
    Only in a demo database; real (seeded) rows are never selected."""
    check_database()
    with transaction.atomic():
        Finding.objects.filter(facility__is_synthetic=True).delete()
        Inspection.objects.filter(title__startswith=MARK).delete()
        EnrolmentReport.objects.filter(facility__is_synthetic=True).delete()
    return synthetic.delete_synthetic()


def generate(
    *,
    facilities: int = DEFAULT_FACILITIES,
    months: int = DEFAULT_MONTHS,
    seed: int | None = None,
    reset: bool = False,
) -> DemoResult:
    """Fill the demo database (already migrated and seeded). Without `reset`, synthetic data already present
    is kept (a second `dev.py demo` only renews the accounts)."""
    check_database()
    districts = _districts()
    if facilities <= 0 or months < 0:
        raise DemoError(f"机构数须为正整数、月数不能为负（收到 {facilities}、{months}）。")
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    result = DemoResult(seed=seed)
    if reset:
        delete_demo_data()
    elif Facility.objects.filter(is_synthetic=True).exists():
        result.kept = True
        result.facilities = Facility.objects.filter(is_synthetic=True).count()
        return result
    try:
        generated = synthetic.generate(facilities, seed=seed, district_codes=list(DISTRICTS))
    except synthetic.SyntheticDataError as exc:
        raise DemoError(str(exc)) from exc
    result.facilities = generated.facilities
    accounts_officials = _district_officials(districts)
    rng = random.Random(seed)
    with transaction.atomic():
        result.reports = enrolment_reports(rng, accounts_officials, months)
        result.findings = inspections(rng, accounts_officials)
    return result


def _district_officials(districts: list[Region]) -> dict[int, object]:
    """The demo district official (created without a usable password if the accounts do not exist yet; the
    accounts step sets one) acts for both districts."""
    user, _created = get_user_model().objects.get_or_create(
        username=ACCOUNT_NAMES["district"], defaults={"first_name": "区级管理员（演示）"}
    )
    if _created:
        user.set_unusable_password()
        user.save()
    for district in districts:
        RoleAssignment.objects.get_or_create(user=user, role=Role.DISTRICT_OFFICIAL, region=district)
    return {d.pk: user for d in districts}

"""National rules read from the rule tables, and the working-day calendar for statutory clocks."""

from __future__ import annotations

import datetime
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, router

from facilities.models import CalendarDay, ClassTypeRule, RuleSetting

DEFAULTS_MISSING = "规则表中缺少“%s”，请先运行 python manage.py seed 或在管理后台补充。"


@dataclass(frozen=True)
class Rules:
    """The rules in force for one district (or the national values alone, `district_id=None`): class types,
    and each setting as the district's own value of a district-level key, else the national value."""

    class_types: dict[int, ClassTypeRule]
    settings: dict[str, Decimal]
    district_id: int | None = None
    own: frozenset[str] = frozenset()  # keys whose value is the district's own
    national: dict[str, Decimal] = field(default_factory=dict)

    def setting(self, key: str) -> Decimal:
        try:
            return self.settings[key]
        except KeyError:
            raise LookupError(DEFAULTS_MISSING % RuleSetting.Key(key).label) from None

    def ratio(self, class_type_id: int) -> tuple[int | None, bool]:
        """(children per caregiver, derived from overlapping ages?) for a class type."""
        return self.class_types[class_type_id].effective_ratio(self.class_types.values())

    def is_own(self, key: str) -> bool:
        return key in self.own


def load_rules(district=None) -> Rules:
    """The one reader of the rule tables: national values, with a district's own values of district-level
    keys in their place when `district` (a Region or its id) is given."""
    district_id = getattr(district, "pk", district)
    rows = RuleSetting.objects.filter(district__isnull=True)
    if district_id:
        rows = rows | RuleSetting.objects.filter(district_id=district_id, key__in=RuleSetting.DISTRICT_KEYS)
    national: dict[str, Decimal] = {}
    own: dict[str, Decimal] = {}
    for row in rows:
        (own if row.district_id else national)[row.key] = row.value
    return Rules(
        class_types={t.pk: t for t in ClassTypeRule.objects.all()},
        settings={**national, **own},
        district_id=district_id,
        own=frozenset(own),
        national=national,
    )


class WorkingCalendar:
    """The CalendarDay exceptions of a span of dates, read in one query: a list of filings computes all its
    clocks from one read instead of one per filing."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        self.exceptions = dict(
            CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "is_working_day")
        )

    @staticmethod
    def margin(days: int) -> datetime.timedelta:
        return datetime.timedelta(days=days * 3 + 30)  # far enough past any run of holidays

    def covers(self, first: datetime.date, last: datetime.date) -> bool:
        return self.first <= first and last <= self.last

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        current, counted = start, 0
        while counted < days:
            current += datetime.timedelta(days=1)
            if self.exceptions.get(current, current.weekday() < 5):
                counted += 1
        return current


def add_working_days(
    start: datetime.date, days: int, calendar: WorkingCalendar | None = None
) -> datetime.date:
    """The date `days` working days after `start` (Monday–Friday, corrected by CalendarDay rows)."""
    last = start + WorkingCalendar.margin(days)
    if calendar is not None and calendar.covers(start, last):
        return calendar.add_working_days(start, days)
    exceptions = dict(
        CalendarDay.objects.filter(date__gt=start, date__lte=last).values_list("date", "is_working_day")
    )
    current, counted = start, 0
    while counted < days:
        current += datetime.timedelta(days=1)
        working = exceptions.get(current, current.weekday() < 5)
        if working:
            counted += 1
    return current


def working_days_before(end: datetime.date, days: int) -> datetime.date:
    """The date `days` working days before `end`: a filing submitted before it has a deadline before `end`."""
    exceptions = dict(
        CalendarDay.objects.filter(
            date__lt=end, date__gte=end - datetime.timedelta(days=days * 3 + 30)
        ).values_list("date", "is_working_day")
    )
    current, counted = end, 0
    while counted < days:
        current -= datetime.timedelta(days=1)
        if exceptions.get(current, current.weekday() < 5):
            counted += 1
    return current


# ---------------------------------------------------------------- the rule tables, kept per process

# The content of the three rule tables (every column of every row), hashed by the database in one small
# statement: equal signatures mean equal tables, so what was read under one signature is still what the tables
# hold. Any committed change (and, inside a transaction, any change of that transaction) changes it.
SIGNATURE_SQL = """
SELECT concat_ws('|',
    (SELECT md5(string_agg(r::text, ',' ORDER BY r.id)) FROM {settings} r),
    (SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM {types} c),
    (SELECT md5(string_agg(d::text, ',' ORDER BY d.id)) FROM {calendar} d))
"""
_kept: dict = {"signature": None, "values": {}}


_known = threading.local()


def signature_sql() -> str:
    connection = connections[router.db_for_read(RuleSetting)]
    quote = connection.ops.quote_name
    return SIGNATURE_SQL.format(
        settings=quote(RuleSetting._meta.db_table),
        types=quote(ClassTypeRule._meta.db_table),
        calendar=quote(CalendarDay._meta.db_table),
    )


def _signature() -> str:
    known = getattr(_known, "signature", None)
    if known is not None:
        return known
    connection = connections[router.db_for_read(RuleSetting)]
    with connection.cursor() as cursor:
        cursor.execute(signature_sql())
        return cursor.fetchone()[0] or ""


@contextmanager
def signature_known(signature: str):
    """Inside the block KeptRules uses `signature`, read by the caller in a statement of its own
    (facilities.api.views reads it with the registry's data version) instead of reading it again."""
    _known.signature = signature
    try:
        yield
    finally:
        _known.signature = None


class KeptRules:
    """The national rules and the working-day cut-offs of one request, read from a per-process copy checked
    against the tables' signature: one query instead of the four reads (settings, class types and the
    calendar twice) when the tables have not changed since the copy was made, as for almost every request.
    A change of any rule is seen by the very next request in every process. `get` keeps anything else
    computed from the rules alone (the flags' compiled SQL, facilities.selectors.with_flags)."""

    def __init__(self):
        signature = _signature()
        if _kept["signature"] != signature:
            _kept["signature"], _kept["values"] = signature, {}
        self.values = _kept["values"]

    def get(self, key, compute):
        try:
            return self.values[key]
        except KeyError:
            value = self.values[key] = compute()
            return value

    def rules(self) -> Rules:
        return self.get("national", load_rules)

    def working_days_before(self, end: datetime.date, days: int) -> datetime.date:
        return self.get(("before", end, days), lambda: working_days_before(end, days))

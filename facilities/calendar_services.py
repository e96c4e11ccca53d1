"""The working-day calendar: a year's official schedule (the State Council General Office's notice on
holidays) read, checked and written as CalendarDay rows.

CalendarDay keeps only the exceptions to the Monday–Friday week that facilities.rules counts: the notice's
holidays (不上班, weekend days within a holiday included, so a year reads as the notice does) and its make-up
working days (调休上班, always a Saturday or Sunday). The model has no source column, so the notice travels
two ways: its number in each row's `note` ("春节（国办发明电〔2024〕12号）"), and a SourceDocument per
year under the key `source_key(year)`, which the year page shows. The seed (facilities.seeding) writes
the shipped years the same way through `calendar_note`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from core.access import unrestricted
from core.errors import NotAllowed, ServiceError
from facilities.models import CalendarDay
from targets.models import SourceDocument

NOTE_MAX = CalendarDay._meta.get_field("note").max_length
LONGEST_HOLIDAY = 14  # days; the longest run in the notices is 9 (2026 春节): a longer range is a typo
ISSUER = "国务院办公厅"
RANGE_SEPARATORS = r"(?:\.\.|~|～|至|—|--)"
HOLIDAY_LINE = re.compile(
    rf"^(?P<first>\d{{4}}-\d{{1,2}}-\d{{1,2}})(?:\s*{RANGE_SEPARATORS}\s*(?P<last>\d{{4}}-\d{{1,2}}-\d{{1,2}}))?"
    r"\s+(?P<name>\S.*)$"
)
WORKING_LINE = re.compile(r"^(?P<day>\d{4}-\d{1,2}-\d{1,2})(?:\s+(?P<name>\S.*))?$")
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class CalendarError(ServiceError):
    """A schedule refused: `errors` names the form field (holidays, working_days, year, replace) of each
    message."""


def source_key(year: int) -> str:
    return f"state-council-holidays-{year}"


def calendar_note(name: str, *, working: bool, doc_number: str = "") -> str:
    """What a row's `note` says: the holiday's name, 调休上班 for a make-up day, and the notice's number."""
    text = f"{name}调休上班" if working else name
    return f"{text}（{doc_number}）" if doc_number else text


def weekday_name(day: datetime.date) -> str:
    return _(WEEKDAYS[day.weekday()])


# ---------------------------------------------------------------- reading the form's lines


@dataclass(frozen=True)
class Holiday:
    first: datetime.date
    last: datetime.date
    name: str
    line: int = 0

    @property
    def days(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class MakeUpDay:
    day: datetime.date
    name: str
    line: int = 0


@dataclass
class Schedule:
    year: int
    holidays: list[Holiday] = field(default_factory=list)
    working_days: list[MakeUpDay] = field(default_factory=list)

    def rows(self, doc_number: str) -> dict[datetime.date, tuple[bool, str]]:
        """date → (is_working_day, note), as CalendarDay rows."""
        rows = {}
        for holiday in self.holidays:
            for day in holiday.days:
                rows[day] = (False, calendar_note(holiday.name, working=False, doc_number=doc_number))
        for made_up in self.working_days:
            rows[made_up.day] = (True, calendar_note(made_up.name, working=True, doc_number=doc_number))
        return dict(sorted(rows.items()))


def _date(text: str) -> datetime.date:
    year, month, day = (int(part) for part in text.split("-"))
    return datetime.date(year, month, day)


def _lines(text: str):
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if line:
            yield number, line


def parse_schedule(*, year: int, holidays: str, working_days: str, doc_number: str = "") -> Schedule:
    """The schedule the two text boxes describe, or CalendarError listing every problem (line by line)."""
    problems: dict[str, list[str]] = {}

    def problem(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    schedule = Schedule(year)
    for number, line in _lines(holidays):
        match = HOLIDAY_LINE.match(line)
        try:
            first = _date(match["first"]) if match else None
            last = _date(match["last"]) if match and match["last"] else first
        except ValueError:
            problem(
                "holidays", _("放假第%(line)d行“%(text)s”：日期不存在。") % {"line": number, "text": line}
            )
            continue
        if match is None:
            problem(
                "holidays",
                _("放假第%(line)d行“%(text)s”无法识别，应写作“2027-01-01..2027-01-03 元旦”。")
                % {"line": number, "text": line},
            )
            continue
        holiday = Holiday(first, last, match["name"].strip(), number)
        if last < first:
            problem("holidays", _("放假第%(line)d行：结束日期早于开始日期。") % {"line": number})
        elif first.year != year or last.year != year:
            problem(
                "holidays",
                _("放假第%(line)d行：日期不在%(year)d年内。") % {"line": number, "year": year},
            )
        elif len(holiday.days) > LONGEST_HOLIDAY:
            problem(
                "holidays",
                _("放假第%(line)d行：一段假期长达%(days)d天，超过%(max)d天，请核对日期。")
                % {"line": number, "days": len(holiday.days), "max": LONGEST_HOLIDAY},
            )
        else:
            schedule.holidays.append(holiday)
    for number, line in _lines(working_days):
        match = WORKING_LINE.match(line)
        if match is None:
            problem(
                "working_days",
                _("调休上班第%(line)d行“%(text)s”无法识别，应写作“2027-02-06 春节”（名称可省略）。")
                % {"line": number, "text": line},
            )
            continue
        try:
            day = _date(match["day"])
        except ValueError:
            problem(
                "working_days",
                _("调休上班第%(line)d行“%(text)s”：日期不存在。") % {"line": number, "text": line},
            )
            continue
        if day.year != year:
            problem(
                "working_days",
                _("调休上班第%(line)d行：日期不在%(year)d年内。") % {"line": number, "year": year},
            )
        elif day.weekday() < 5:
            problem(
                "working_days",
                _("调休上班第%(line)d行：%(day)s是%(weekday)s，本来就是工作日。")
                % {"line": number, "day": day.isoformat(), "weekday": weekday_name(day)},
            )
        else:
            schedule.working_days.append(MakeUpDay(day, (match["name"] or "").strip(), number))

    if not schedule.holidays and "holidays" not in problems:
        problem("holidays", _("请至少填写一段放假安排。"))
    seen: dict[datetime.date, int] = {}
    for holiday in schedule.holidays:
        for day in holiday.days:
            if day in seen:
                problem(
                    "holidays",
                    _("放假第%(line)d行与第%(other)d行重叠（%(day)s）。")
                    % {"line": holiday.line, "other": seen[day], "day": day.isoformat()},
                )
                break
            seen[day] = holiday.line
    working_seen: dict[datetime.date, int] = {}
    for made_up in schedule.working_days:
        if made_up.day in working_seen:
            problem(
                "working_days",
                _("调休上班第%(line)d行与第%(other)d行是同一天（%(day)s）。")
                % {"line": made_up.line, "other": working_seen[made_up.day], "day": made_up.day.isoformat()},
            )
        working_seen.setdefault(made_up.day, made_up.line)
        if made_up.day in seen:
            problem(
                "working_days",
                _("%(day)s同时列为放假（第%(holiday)d行）和调休上班（第%(line)d行）。")
                % {"day": made_up.day.isoformat(), "holiday": seen[made_up.day], "line": made_up.line},
            )
    for day, (_working, note) in schedule.rows(doc_number).items():
        if len(note) > NOTE_MAX:
            problem(
                "holidays" if day in seen else "working_days",
                _("%(day)s的说明“%(note)s”超过%(max)d个字，请缩短名称或文号。")
                % {"day": day.isoformat(), "note": note, "max": NOTE_MAX},
            )
            break
    if problems:
        raise CalendarError(_("日历未保存：请更正标出的问题。"), problems)
    return schedule


# ---------------------------------------------------------------- reads


def year_rows(year: int):
    return CalendarDay.objects.filter(date__year=year).order_by("date")


def calendar_years() -> list[int]:
    """The years that have rows, oldest first."""
    return list(
        CalendarDay.objects.annotate(year=ExtractYear("date"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("year")
    )


@dataclass(frozen=True)
class HolidayRun:
    first: datetime.date
    last: datetime.date
    note: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass
class YearSchedule:
    year: int
    holidays: list[HolidayRun]
    working_days: list[CalendarDay]
    source: SourceDocument | None

    @property
    def empty(self) -> bool:
        return not self.holidays and not self.working_days


def year_schedule(year: int) -> YearSchedule:
    """A year as the notice reads: holiday runs (consecutive days with the same note) and make-up days."""
    runs: list[HolidayRun] = []
    working = []
    for day in year_rows(year):
        if day.is_working_day:
            working.append(day)
        elif runs and runs[-1].note == day.note and runs[-1].last + datetime.timedelta(days=1) == day.date:
            runs[-1] = HolidayRun(runs[-1].first, day.date, day.note)
        else:
            runs.append(HolidayRun(day.date, day.date, day.note))
    source = SourceDocument.objects.filter(key=source_key(year)).first()
    return YearSchedule(year, runs, working, source)


# ---------------------------------------------------------------- the write


@dataclass(frozen=True)
class YearWritten:
    year: int
    created: int
    updated: int
    deleted: int
    source: SourceDocument


@transaction.atomic
def calendar_year_set(
    *,
    user,
    year: int,
    title: str,
    holidays: str,
    working_days: str,
    doc_number: str = "",
    issued_on: datetime.date | None = None,
    url: str = "",
    replace: bool = False,
) -> YearWritten:
    """Write a year's schedule from its notice, all or nothing. A year that already has rows is replaced only
    when `replace` is given (rows kept where unchanged, so the history shows what the new notice changed).
    National reference data: superusers only."""
    if not unrestricted(user):
        raise NotAllowed(_("只有系统管理员可以维护工作日日历。"))
    doc_number = (doc_number or "").strip()
    schedule = parse_schedule(year=year, holidays=holidays, working_days=working_days, doc_number=doc_number)
    existing = {day.date: day for day in year_rows(year).select_for_update()}
    if existing and not replace:
        message = _(
            "%(year)d年已有%(count)d条日历记录；确认以本次填写的安排替换时，请勾选“替换该年已有安排”。"
        ) % {"year": year, "count": len(existing)}
        raise CalendarError(message, {"replace": [message]})
    source = _source_save(
        year=year, title=title.strip(), doc_number=doc_number, issued_on=issued_on, url=url.strip()
    )
    created = updated = 0
    for day, (working, note) in schedule.rows(doc_number).items():
        row = existing.pop(day, None)
        if row is None:
            CalendarDay(date=day, is_working_day=working, note=note).save()
            created += 1
        elif (row.is_working_day, row.note) != (working, note):
            row.is_working_day, row.note = working, note
            row.save()
            updated += 1
    deleted = len(existing)
    for row in existing.values():
        row.delete()
    return YearWritten(year, created, updated, deleted, source)


def _source_save(*, year: int, title: str, doc_number: str, issued_on, url: str) -> SourceDocument:
    source = SourceDocument.objects.select_for_update().filter(key=source_key(year)).first()
    # Stored data, in the notices' language whatever the page's.
    notes = f"{year}年工作日日历（放假与调休上班）的来源。"
    if url:
        notes = f"{notes}原文见 {url}"
    values = {
        "issuer": ISSUER,
        "title": title,
        "doc_number": doc_number,
        "issued_on": issued_on,
        "status": SourceDocument.Status.FINAL,
        "notes": notes,
    }
    if source is None:
        source = SourceDocument(key=source_key(year), **values)
    else:
        for name, value in values.items():
            setattr(source, name, value)
    source.full_clean(exclude=["region"])
    source.save()
    return source


__all__ = [
    "CalendarError",
    "calendar_note",
    "calendar_year_set",
    "calendar_years",
    "parse_schedule",
    "source_key",
    "year_schedule",
]

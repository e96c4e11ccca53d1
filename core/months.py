"""Calendar months, as the portal counts them: a month is named by its first day."""

from __future__ import annotations

import calendar
import datetime


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of `day`'s month."""
    return next_month(day) - datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months (negative goes back), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

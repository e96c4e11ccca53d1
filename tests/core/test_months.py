"""Months as the portal counts them (core.months): named by their first day; moving by months keeps the day
where the month has it and otherwise takes the month's last day."""

import datetime

from core.months import add_months, month_end, month_start, next_month

D = datetime.date


def test_a_month_is_named_by_its_first_day_and_ends_on_its_last():
    assert month_start(D(2026, 2, 17)) == D(2026, 2, 1)
    assert month_end(D(2026, 2, 17)) == D(2026, 2, 28) and month_end(D(2028, 2, 1)) == D(2028, 2, 29)
    assert next_month(D(2026, 12, 31)) == D(2027, 1, 1) and next_month(D(2026, 1, 31)) == D(2026, 2, 1)


def test_moving_by_months_clamps_to_the_last_day():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 3, 31), -13) == D(2025, 2, 28)
    assert add_months(D(2026, 11, 15), 2) == D(2027, 1, 15)

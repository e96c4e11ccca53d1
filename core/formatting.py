"""Small helpers the apps share: a ratio that knows when it is unknown, a fraction as a chart's percentage,
and a list of names in a sentence."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import pgettext


def ratio(part, whole) -> Decimal | None:
    """part / whole as a fraction, or None when the whole is zero or unknown, or the part unknown."""
    if part is None or not whole:
        return None
    return Decimal(part) / Decimal(whole)


def percent_number(value) -> float | None:
    """A fraction (0–1) as a percentage rounded to one place, a float for charts; unknown stays None."""
    return None if value is None else round(float(value) * 100, 1)


def listing(items) -> str:
    """Names in a sentence: 甲、乙、丙 in Chinese, "a, b, c" in English (the separator is translated)."""
    return pgettext("list separator", "、").join(str(item) for item in items)

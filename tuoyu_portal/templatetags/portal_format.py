from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(value, digits=1):
    """A fraction (0–1) as a percentage; an unknown value shows as an em dash, never as 0."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) * 100:.{int(digits)}f}%"


@register.filter
def number(value):
    """Thousands separators for a count; unknown shows as an em dash."""
    if value is None or value == "":
        return "—"
    # The same grouping in every language (Django's zh-hans format has none), as statistical tables print it.
    return f"{value:,}"

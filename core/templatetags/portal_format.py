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


@register.filter
def cell(value, kind):
    """A table cell by column kind (planning.tables.Col.kind); unknown shows as an em dash."""
    if value is None or value == "":
        return "—"
    if kind == "int":
        return number(value)
    if kind == "percent":
        return percent(value)
    if kind == "decimal":
        return f"{Decimal(value):,.2f}"
    if kind == "date":
        return value.isoformat()
    return value


@register.filter
def zip_columns(row, columns):
    """Pairs (column, value) so a template can format each cell by its column kind."""
    return zip(columns, row, strict=False)

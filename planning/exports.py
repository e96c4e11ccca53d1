"""Dashboard tables as .xlsx, through the project's one safe spreadsheet writer (tuoyu_portal.excel):
numbers stay numbers, rates are written as percentages with "(%)" in the header, text is neutralised
against formula injection."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tuoyu_portal.excel import SheetSpec, write_workbook, xlsx_response


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\ , unique in the workbook.
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        suffix = f"({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _value(value, kind):
    if value is None:
        return None
    if kind == "percent":
        return (Decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if kind == "decimal":
        return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return value


def tables_workbook(tables) -> bytes:
    used: set[str] = set()
    sheets = []
    for table in tables:
        columns = [
            (f"{col.header}（%）" if col.kind == "percent" else col.header, col.width)
            for col in table.columns
        ]
        rows = [
            tuple(_value(value, col.kind) for col, value in zip(table.columns, row, strict=False))
            for row in table.all_rows()
        ]
        sheets.append(SheetSpec(title=_sheet_title(table.title, used), columns=columns, rows=rows))
    return write_workbook(sheets)


def tables_response(tables, filename: str):
    return xlsx_response(tables_workbook(tables), filename)

"""The one table of the portal: columns declared once, rendered by templates/core/_table.html and downloaded
as .xlsx by `tables_response` — the page and its export show the same rows.

Two ways to fill one:
- a `Table` built by hand from a selector's results (dashboards, fund execution, grading), rows as lists;
- an `ObjectTable` subclass that declares `Column`s over a queryset's rows: each column names the fields it
  reads (ORM paths such as "district__name") and how they become the cell. It renders model instances for the
  page, and for a large export reads the same fields as tuples in chunks (`export_rows`), no instances built.

Cells stay typed: `kind` is int | number | percent | decimal | year | date | text. In the workbook a
percent (a fraction) is written ×100 with "（%）" in its header and a decimal with two places; numbers stay
numbers and text is neutralised against formula injection by the spreadsheet writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any

from django.db.models import QuerySet

from core import spreadsheets

# ------------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "int"  # int | number | percent | decimal | year | date | text
    width: int | None = 12


@dataclass
class Table:
    """Rows (lists, one value per column) under a title; `links[i]` is where row i's first cell links to and
    `row_classes[i]` its css class (both optional); `footer` is a totals line."""

    key: str
    title: str
    columns: list[Col]
    rows: list[list]
    footer: list | None = None
    links: list = field(default_factory=list)
    row_classes: list = field(default_factory=list)

    def all_rows(self):
        return [*self.rows, self.footer] if self.footer else self.rows

    def decorated(self):
        """(cells as (column, value) pairs, link or None, css class) per row, for the template."""
        for index, row in enumerate(self.rows):
            link = self.links[index] if index < len(self.links) else None
            css = self.row_classes[index] if index < len(self.row_classes) else ""
            yield list(zip(self.columns, row, strict=False)), link, css

    def footer_cells(self):
        return list(zip(self.columns, self.footer, strict=False)) if self.footer else []


# The name subsidies' pages used for a table with links; every Table links now.
LinkedTable = Table


# ------------------------------------------------------------------------------------------ object tables


def _read(obj: Any, path: str) -> Any:
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


@dataclass(frozen=True)
class Column(Col):
    """A column of an ObjectTable. `fields` are the ORM paths it reads from a row; `value` turns them into the
    cell (the single field's value is the cell when there is no `value`). A column without fields gets the
    row's object itself and can only be filled from instances."""

    fields: tuple[str, ...] = ()
    value: Callable[..., Any] | None = None

    def from_values(self, values: Sequence[Any]) -> Any:
        if self.value is None:
            return values[0] if values else None
        return self.value(*values)

    def from_object(self, obj: Any) -> Any:
        if not self.fields:
            return self.value(obj) if self.value else obj
        return self.from_values([_read(obj, path) for path in self.fields])


def choice_labels(choices) -> Callable[[Any], Any]:
    """A `value` showing a choice field's label, translated once (when the table is built), not per row."""
    labels = {code: str(label) for code, label in choices}
    return lambda code: labels.get(code, code)


def yes_no(yes: str, no: str) -> Callable[[Any], str]:
    return lambda on: yes if on else no


def or_none(value: Any) -> Any:
    """An empty string as an empty cell."""
    return value or None


def _cell_getter(column: Column, start: int, stop: int, for_sheet: bool) -> Callable[[tuple], Any]:
    fn, kind = column.value, column.kind
    converts = for_sheet and kind in ("percent", "decimal")
    if fn is None and stop - start == 1 and not converts:
        return itemgetter(start)
    if stop - start == 1:
        single = (lambda v: v[start]) if fn is None else (lambda v: fn(v[start]))
    else:
        single = lambda v: fn(*v[start:stop])  # noqa: E731
    return (lambda v: _value(single(v), kind)) if converts else single


class ObjectTable:
    """Columns over the rows of a queryset, declared once for the page and its export.

    Subclasses set `key` and `title` and return their columns from `get_columns()`: it runs once per table
    object, in the request's language, so labels are translated once per page or export. `link(obj)` and
    `row_class(obj)` decorate the page's rows."""

    key: str = "rows"
    title: str = ""
    chunk_size = 2000

    def __init__(self):
        self.columns: list[Column] = self.get_columns()

    def get_columns(self) -> list[Column]:
        raise NotImplementedError

    def get_title(self) -> str:
        return str(self.title)

    def link(self, obj) -> str | None:
        return None

    def row_class(self, obj) -> str:
        return ""

    def footer(self, objects: list) -> list | None:
        return None

    def row(self, obj) -> list:
        return [column.from_object(obj) for column in self.columns]

    def build(self, objects: Iterable) -> Table:
        """The Table of these objects (a page, or every row of a small list)."""
        objects = list(objects)
        return Table(
            self.key,
            self.get_title(),
            list(self.columns),
            [self.row(obj) for obj in objects],
            self.footer(objects),
            links=[self.link(obj) for obj in objects],
            row_classes=[self.row_class(obj) for obj in objects],
        )

    # ---------------------------------------------------------------- export

    @property
    def streams(self) -> bool:
        """Can every cell be computed from fields read as tuples (no model instances)?"""
        return all(column.fields for column in self.columns)

    def export_rows(self, queryset: QuerySet, *, for_sheet: bool = False) -> Iterator[tuple]:
        """Every row of the queryset as cells: read as tuples in chunks by a helper thread that stays ahead of
        the spreadsheet writer when the table streams, else from instances. `for_sheet` writes percentages
        and amounts as the workbook shows them (`_value`)."""
        if not self.streams:
            for obj in queryset.iterator(chunk_size=self.chunk_size):
                row = self.row(obj)
                yield (
                    tuple(_value(v, c.kind) for v, c in zip(row, self.columns, strict=True))
                    if for_sheet
                    else tuple(row)
                )
            return
        cells = []  # one getter per column over the fetched tuple (C-level itemgetter where possible)
        paths: list[str] = []
        for column in self.columns:
            start, stop = len(paths), len(paths) + len(column.fields)
            paths.extend(column.fields)
            cells.append(_cell_getter(column, start, stop, for_sheet))
        fetched = queryset.values_list(*paths).iterator(chunk_size=self.chunk_size)
        for values in spreadsheets.read_ahead(fetched, batch=self.chunk_size // 2, depth=6):
            yield tuple(cell(values) for cell in cells)

    def sheet(self, queryset: QuerySet):
        """Every row of the queryset as one sheet, in the same cell conventions as `table_sheet`."""
        return spreadsheets.SheetSpec(
            title=self.get_title(),
            columns=_sheet_columns(self.columns),
            rows=self.export_rows(queryset, for_sheet=True),
        )


# ------------------------------------------------------------------------------------------------- export


def _value(value, kind):
    if value is None:
        return None
    if kind == "percent":
        return (Decimal(value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if kind == "decimal":
        return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return value


def _sheet_columns(columns: Sequence[Col]) -> list[tuple[str, int | None]]:
    return [(f"{c.header}（%）" if c.kind == "percent" else str(c.header), c.width) for c in columns]


def table_sheet(table: Table):
    """A Table as a sheet: percent columns ×100 with "（%）" in the header, decimals with two places."""
    columns = _sheet_columns(table.columns)
    rows = [
        tuple(_value(value, col.kind) for col, value in zip(table.columns, row, strict=False))
        for row in table.all_rows()
    ]
    return spreadsheets.SheetSpec(title=str(table.title), columns=columns, rows=rows)


def tables_workbook(tables: Iterable[Table]) -> bytes:
    """One sheet per table (the writer makes sheet names valid and unique)."""
    return spreadsheets.write_workbook([table_sheet(table) for table in tables])


def tables_response(tables: Iterable[Table], filename: str):
    return spreadsheets.xlsx_response(tables_workbook(tables), filename)


__all__ = [
    "Col",
    "Column",
    "LinkedTable",
    "ObjectTable",
    "Table",
    "choice_labels",
    "or_none",
    "table_sheet",
    "tables_response",
    "tables_workbook",
    "yes_no",
]

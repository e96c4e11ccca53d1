"""core.tables: one table, two ways to fill it (instances for the page, tuples for a streamed export), and
the same cells either way."""

from decimal import Decimal

import pytest

from core.tables import Col, Column, ObjectTable, Table, choice_labels, or_none, table_sheet
from facilities import selectors
from facilities.models import Facility
from facilities.tables import FacilityTable


class _Town:
    name = "黄村镇"


class _Row:
    kind = "a"
    town = _Town()
    note = ""


class _Table(ObjectTable):
    key = "rows"
    title = "行"

    def get_columns(self):
        return [
            Column("类型", "text", 8, ("kind",), choice_labels([("a", "甲"), ("b", "乙")])),
            Column("镇街", "text", 8, ("town__name",)),
            Column("说明", "text", 8, ("note",), or_none),
            Column("对象", "text", 8, (), lambda row: type(row).__name__),
        ]

    def link(self, obj):
        return "/x/"


def test_a_column_reads_its_fields_through_relations_and_turns_them_into_the_cell():
    table = _Table()
    assert table.row(_Row()) == ["甲", "黄村镇", None, "_Row"]
    assert not table.streams  # the last column needs the object itself
    built = table.build([_Row()])
    assert built.links == ["/x/"] and built.row_classes == [""]
    assert next(cells for cells, _link, _css in built.decorated())[0] == (table.columns[0], "甲")


def test_a_sheet_writes_percentages_and_two_decimal_places():
    table = Table("t", "标题", [Col("比例", "percent"), Col("金额", "decimal")], [[Decimal("0.1234"), 3]])
    sheet = table_sheet(table)
    assert [title for title, _width in sheet.columns] == ["比例（%）", "金额"]
    assert sheet.rows == [(Decimal("12.3"), Decimal("3.00"))]


@pytest.mark.django_db
def test_the_registry_table_gives_the_same_cells_from_tuples_as_from_instances(facility_a, facility_b):
    queryset = selectors.with_flags(Facility.objects.select_related("district", "town")).order_by("name")
    table = FacilityTable()
    assert table.streams
    from_instances = [tuple(table.row(facility)) for facility in queryset]
    assert list(table.export_rows(queryset)) == from_instances
    assert len(from_instances) == Facility.objects.count()

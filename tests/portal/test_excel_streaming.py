"""core.spreadsheets for large files: `open_table` hands rows over one at a time with the checks of
`read_table`, and `read_ahead` reads database rows in a helper thread for a large export."""

import threading

import pytest
from django.db import connection

from core.spreadsheets import WorkbookError, open_table, read_ahead, read_table
from targets.models import Region
from tests.portal.test_excel import HEADER, TOWN_COLUMNS, problems_of, xlsx

# ---------------------------------------------------------------------------------------------- open_table


def test_rows_come_one_at_a_time_with_an_estimate_of_how_many():
    content = xlsx([HEADER, ["黄村镇", 120, 36], [None, None, None], ["西红门镇", 80, 24]])
    with open_table(content, columns=TOWN_COLUMNS) as reader:
        assert reader.estimated_rows == 3  # the blank row is in the sheet, so in the estimate
        rows = iter(reader)
        first = next(rows)
        assert (first.number, first.values, first.valid, reader.count) == (
            2,
            {"town": "黄村镇", "slots": 120, "inclusive": 36},
            True,
            1,
        )
        assert [row.number for row in rows] == [4]
        reader.finish()  # nothing to report
    assert reader.count == 2


def test_a_row_with_a_bad_cell_is_handed_over_and_finish_reports_what_read_table_reports():
    content = xlsx([HEADER, ["黄村镇", "一百", 36], ["西红门镇", 80, "=B3*0.3"], ["旧宫镇", 10, 3]])
    with open_table(content, columns=TOWN_COLUMNS) as reader:
        rows = list(reader)
        assert [(row.number, row.valid, row.values["slots"]) for row in rows] == [
            (2, False, None),
            (3, False, 80),
            (4, True, 10),
        ]
        with pytest.raises(WorkbookError) as caught:
            reader.finish()
    assert caught.value.problems == problems_of(content, columns=TOWN_COLUMNS)


def test_merged_data_cells_are_found_while_streaming():
    content = xlsx([HEADER, ["黄村镇", 120, 36], ["西红门镇", 80, 24], ["旧宫镇", 10, 3]], merges=["C3:C4"])
    with open_table(content, columns=TOWN_COLUMNS) as reader:
        list(reader)
        with pytest.raises(WorkbookError) as caught:
            reader.finish()
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(3, "C", "C3:C4")]


def test_too_many_rows_stop_the_stream():
    content = xlsx([HEADER] + [["镇", 1, 0]] * 6)
    with (
        open_table(content, columns=TOWN_COLUMNS, max_rows=5) as reader,
        pytest.raises(WorkbookError) as caught,
    ):
        list(reader)
    assert "超过 5 行的上限（从第7行起超出）" in caught.value.problems[0].reason
    assert len(read_table(xlsx([HEADER] + [["镇", 1, 0]] * 5), columns=TOWN_COLUMNS, max_rows=5)) == 5


# ---------------------------------------------------------------------------------------------- read_ahead


@pytest.mark.django_db
def test_read_ahead_yields_the_querysets_rows_in_order_through_the_callers_connection(seeded):
    Region.objects.filter(code="110115").update(
        name="大兴区（未提交的改动）"
    )  # only this transaction sees it
    query = Region.objects.order_by("code").values_list("code", "name")
    rows = list(read_ahead(query.iterator(chunk_size=7), batch=5, depth=2))
    assert rows == list(query)
    assert ("110115", "大兴区（未提交的改动）") in rows
    assert connection.allow_thread_sharing is False


@pytest.mark.django_db
def test_read_ahead_raises_the_readers_error_in_the_caller(seeded):
    def failing():
        yield from Region.objects.values_list("code", flat=True)[:3]
        raise ValueError("broken source")

    with pytest.raises(ValueError, match="broken source"):
        list(read_ahead(failing(), batch=2))


@pytest.mark.django_db
def test_closing_read_ahead_early_stops_its_thread_and_leaves_the_connection_usable(seeded):
    before = threading.active_count()
    rows = read_ahead(
        Region.objects.values_list("code", flat=True).iterator(chunk_size=10), batch=10, depth=1
    )
    assert next(rows)
    rows.close()
    assert threading.active_count() == before
    assert Region.objects.filter(code="110115").exists()

"""The statistics summary: the registry's figures per town "as of today", kept so that a national rollup
reads ~40,000 summary rows instead of every facility, its status history and every slot target.

It is an implementation detail of planning.selectors (the one computation of progress): only the
selectors read it, and the rows are computed by the selectors' own querysets (counted_facilities,
pipeline_facilities, filing_gap_facilities, the slot targets), never by a second copy of the rules.

Why it is never stale:

- Database triggers (migration 0003) insert a mark into planning_summarydirty in the same transaction as
  every write that can change a figure: the districts of the facilities, status changes and slot targets
  written, or "everything" (a null mark) for regions, rule settings, the working-day calendar and TRUNCATE.
  A write that commits has committed its mark; a write that rolls back leaves none.
- The summary is computed for one date (SummaryState.valid_on). It serves a request only for that date,
  only when it is today, and only when no mark is pending; otherwise the request first recomputes the
  marked districts (everything when the day changed: dated status changes and filing deadlines move with
  the date), under a transaction-scoped advisory lock so that refreshes never interleave, and deletes
  exactly the marks it read. A write that commits while a refresh runs leaves its own (new) mark behind.
- Dates other than today never use it (the selectors take the exact path).
- A statistics read on a replica only reads the summary there when it is current there; otherwise the
  refresh runs on the primary and the summary is read from the primary.
"""

from __future__ import annotations

import contextlib
import datetime
import threading

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Count, Q, QuerySet, Sum

from planning.models import SlotSummary, SummaryDirty, TargetSummary

LOCK_KEY = 7_412_001  # pg_advisory_xact_lock: one refresh at a time
Measure = SlotSummary.Measure


def enabled() -> bool:
    return bool(getattr(settings, "STATISTICS_SUMMARY", True))


_known = threading.local()


@contextlib.contextmanager
def state_known(using: str, valid_on: datetime.date | None, dirty: bool):
    """Within the block, the summary's state as just read by the caller in the same request (with the
    statistics version, planning.stats_cache): ensure() uses it instead of reading it again. Nothing is
    kept after the block."""
    _known.state = (using, valid_on, dirty)
    try:
        yield
    finally:
        _known.state = None


def _current(using: str, today: datetime.date) -> bool:
    known = getattr(_known, "state", None)
    if known is not None and known[0] == using:
        _known.state = None  # once: a refresh or a later read within the block reads the table again
        return known[1] == today and not known[2]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT valid_on, EXISTS (SELECT 1 FROM planning_summarydirty) "
            "FROM planning_summarystate WHERE id = 1"
        )
        row = cursor.fetchone()
    return row is not None and row[0] == today and not row[1]


def ensure(today: datetime.date) -> str | None:
    """The database alias to read a summary current for `today` from (refreshing it first when needed),
    or None when the summary is switched off."""
    if not enabled():
        return None
    read = router.db_for_read(SlotSummary)
    if _current(read, today):
        return read
    write = router.db_for_write(SlotSummary)
    refresh(today, using=write)
    return write


def invalidate_all(using: str = "default") -> None:
    """Mark everything for recomputation (after a load with the triggers switched off)."""
    SummaryDirty.objects.using(using).create(district_id=None)


def _insert(using: str, table: str, columns: tuple[str, ...], queryset: QuerySet, constants=()) -> None:
    sql, params = queryset.query.get_compiler(using).as_sql()
    names = ", ".join(columns)
    selected = ", ".join(["%s"] * len(constants) + [f"q.{c}" for c in columns[len(constants) :]])
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {selected} FROM ({sql}) AS q", [*constants, *params]
        )


SLOT_COLUMNS = (
    "measure", "whole_district", "district_id", "town_id", "is_synthetic", "slots", "inclusive", "facilities",
    "inclusive_facilities",
)  # fmt: skip


def _slot_rows(queryset: QuerySet) -> QuerySet:
    return (
        queryset.order_by()
        .values("district_id", "town_id", "is_synthetic")
        .annotate(
            slots=Sum("total_slots"),
            inclusive=Sum("inclusive_slots"),
            facilities=Count("pk"),
            inclusive_facilities=Count("pk", filter=Q(inclusive_slots__gt=0)),
        )
    )


def refresh(today: datetime.date, using: str = "default") -> None:
    """Recompute the marked districts (everything when the summary is not for `today`)."""
    from planning import selectors
    from targets.models import SlotTarget

    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute("SELECT valid_on FROM planning_summarystate WHERE id = 1")
        row = cursor.fetchone()
        cursor.execute("SELECT id, district_id FROM planning_summarydirty")
        marks = cursor.fetchall()
        full = row is None or row[0] != today or any(district is None for _id, district in marks)
        if not full and not marks:
            return
        districts = None if full else sorted({district for _id, district in marks})

        def scoped(queryset, field="district_id"):
            return queryset if districts is None else queryset.filter(**{f"{field}__in": districts})

        table = SlotSummary._meta.db_table
        for name in (table, TargetSummary._meta.db_table):
            if districts is None:
                cursor.execute(f"DELETE FROM {name}")
            else:
                cursor.execute(f"DELETE FROM {name} WHERE district_id = ANY(%s)", [districts])
        for measure, facilities in (
            (Measure.ACTUAL, selectors.counted_facilities(today, include_synthetic=True)),
            (Measure.PIPELINE, selectors.pipeline_facilities(include_synthetic=True)),
            (Measure.FILING_GAPS, selectors.filing_gap_facilities(today, include_synthetic=True)),
        ):
            _insert(using, table, SLOT_COLUMNS, _slot_rows(scoped(facilities)), constants=(measure, False))
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(SLOT_COLUMNS)}) "
            "SELECT measure, true, district_id, NULL, is_synthetic, SUM(slots), SUM(inclusive), "
            f"SUM(facilities), SUM(inclusive_facilities) FROM {table} "
            "WHERE NOT whole_district AND (%s::bigint[] IS NULL OR district_id = ANY(%s::bigint[])) "
            "GROUP BY measure, district_id, is_synthetic",
            [districts, districts],
        )
        targets = (
            scoped(SlotTarget.objects.filter(town__parent__isnull=False), "town__parent_id")
            .order_by()
            .values("town__parent_id", "year", "level")
            .annotate(total=Sum("total_slots"), inclusive=Sum("inclusive_slots"))
        )
        sql, params = targets.query.get_compiler(using).as_sql()
        cursor.execute(
            f"INSERT INTO {TargetSummary._meta.db_table} "
            "(district_id, year, level, total_slots, inclusive_slots) "
            f"SELECT q.town__parent_id, q.year, q.level, q.total, q.inclusive FROM ({sql}) AS q",
            params,
        )
        cursor.execute("DELETE FROM planning_summarydirty WHERE id = ANY(%s)", [[i for i, _d in marks]])
        cursor.execute(
            "INSERT INTO planning_summarystate (id, valid_on) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET valid_on = EXCLUDED.valid_on",
            [today],
        )


def figures(
    using: str, key: str, *, district=None, districts: QuerySet | None = None, include_synthetic: bool
) -> tuple[dict, dict, dict]:
    """(actual, pipeline, filing gaps) per `key` (town_id or district_id), in the shapes the selectors'
    exact path returns: {key: {"slots", "inclusive", "n", "n_inclusive"}}, {key: {"slots"}}, {key: n}."""
    rows = SlotSummary.objects.using(using).filter(whole_district=key == "district_id")
    if district is not None:
        rows = rows.filter(district_id=district.pk)
    else:
        rows = rows.filter(district_id__in=districts)
    if not include_synthetic:
        rows = rows.filter(is_synthetic=False)
    actual_rows, pipeline_rows, gap_rows = (
        Q(measure=m) for m in (Measure.ACTUAL, Measure.PIPELINE, Measure.FILING_GAPS)
    )
    grouped = (  # one row per town or district, the measures side by side
        rows.order_by()
        .values_list(key)
        .annotate(
            sum_has_actual=Count("pk", filter=actual_rows),
            sum_slots=Sum("slots", filter=actual_rows),
            sum_inclusive=Sum("inclusive", filter=actual_rows),
            sum_n=Sum("facilities", filter=actual_rows),
            sum_n_inclusive=Sum("inclusive_facilities", filter=actual_rows),
            sum_has_pipeline=Count("pk", filter=pipeline_rows),
            sum_pipeline=Sum("slots", filter=pipeline_rows),
            sum_has_gaps=Count("pk", filter=gap_rows),
            sum_gaps=Sum("facilities", filter=gap_rows),
        )
    )
    actual, pipeline, gaps = {}, {}, {}
    for group, has_actual, slots, inclusive, n, n_inclusive, has_pipeline, pipe, has_gaps, n_gaps in grouped:
        if has_actual:
            actual[group] = {"slots": slots, "inclusive": inclusive, "n": n, "n_inclusive": n_inclusive}
        if has_pipeline:
            pipeline[group] = {"slots": pipe}
        if has_gaps:
            gaps[group] = n_gaps
    return actual, pipeline, gaps


def targets(using: str, districts: QuerySet, year: int, level: str) -> dict:
    """{district id: {"total", "inclusive"}} of the slot targets of (year, level)."""
    rows = TargetSummary.objects.using(using).filter(year=year, level=level, district_id__in=districts)
    return {
        district: {"total": total, "inclusive": inclusive}
        for district, total, inclusive in rows.values_list("district_id", "total_slots", "inclusive_slots")
    }

"""A cache of the published statistics whose invalidation is the database's job.

The key of every entry holds the statistics version (planning.models.StatisticsVersion), which a
statement-level trigger sets to a fresh, never reused sequence number in the same transaction as any write
to a table the statistics read (a rolled-back transaction's number is never handed out again). A
request reads the version first and the data after it, so an entry is never filed under a version newer
than its data, and once a write commits every later request asks for a new key: a stale figure can never
be served, in this process or any other, without any message between processes. The day is in the key too
(the default `as_of` and the filing clocks move with the date), and so is the language (labels).

Entries live in each process's memory (bounded LRU); `clear()` empties this process's entries (the
benchmark's “cold” runs call it).
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.db import connection
from django.utils import timezone, translation

from planning import summary
from planning.selectors import counts_synthetic

MAX_ENTRIES = 128
# Plain objects, not pickled (a national rollup is thousands of rows); callers never mutate what they get.
_cache: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


def version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM planning_statisticsversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else -1


# The statistics version and the summary's state (planning.summary) as one text "version|valid on|dirty", so
# that one read serves both; a view may select it beside its region (`STATE_SQL` as a RawSQL annotation).
STATE_SQL = (
    "SELECT concat(COALESCE((SELECT value FROM planning_statisticsversion WHERE id = 1), -1), '|', "
    "(SELECT to_char(valid_on, 'YYYY-MM-DD') FROM planning_summarystate WHERE id = 1), '|', "
    "EXISTS (SELECT 1 FROM planning_summarydirty))"
)


def read_state() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


def cached(name: str, params: dict, compute: Callable[[], object], state: str | None = ""):
    """`compute()` for this endpoint and these parameters, or its cached result for the current version.
    `state`: STATE_SQL's answer, when the caller read it already (None: no version row)."""
    if state == "":
        state = read_state()
    current, valid_on, dirty = _parse_state(state)
    with summary.state_known(connection.alias, valid_on, dirty):
        if current < 0:  # no version row (a database migrated without it): never cache
            return compute()
        return _cached(name, params, compute, current)


def _parse_state(state: str | None):
    """(version, summary valid on, marks pending) of STATE_SQL's text; (-1, None, True) when unknown."""
    parts = (state or "").split("|")
    if len(parts) != 3:
        return -1, None, True
    valid_on = datetime.date.fromisoformat(parts[1]) if parts[1] else None
    return int(parts[0]), valid_on, parts[2] in ("t", "true")


def _cached(name: str, params: dict, compute: Callable[[], object], current: int):
    raw = repr(sorted((k, str(v)) for k, v in params.items()))
    key = "|".join(
        (
            name,
            str(current),
            timezone.localdate().isoformat(),
            translation.get_language() or "",
            str(counts_synthetic()),
            raw,
        )
    )
    key = hashlib.sha256(key.encode()).hexdigest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _cache.clear()

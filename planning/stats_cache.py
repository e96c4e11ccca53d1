"""A cache of the published statistics whose invalidation is the database's job.

The key of every entry holds the statistics' data version (core.data_version, planning.models.STATISTICS):
the database sets it to a fresh, never reused number when a transaction that wrote a table the statistics
read commits. A request reads the version first and the data after it, so an entry is never filed under a
version newer than its data, and once a write commits every later request asks for a new key: a stale
figure can never be served, in this process or any other, without any message between processes. A request
whose transaction has written something gets no version and computes live. The day is in the key too (the
default `as_of` and the filing clocks move with the date), and so is the language (labels).

Entries live in each process's memory (bounded LRU); `clear()` empties this process's entries (the
benchmark's “cold” runs call it).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable

from django.db import connection
from django.utils import timezone, translation

from core import data_version
from core.data_version import VersionedCache
from planning import summary
from planning.models import STATISTICS
from planning.selectors import counts_synthetic

MAX_ENTRIES = 128
# Plain objects, not pickled (a national rollup is thousands of rows); callers never mutate what they get.
_cache = VersionedCache(MAX_ENTRIES)
_MISSING = object()


def version() -> int:
    """The statistics' data version; -1 when there is none to cache under."""
    current = data_version.read(STATISTICS)
    return -1 if current is None else current


# The statistics version and the summary's state (planning.summary) as one text "version|valid on|dirty", so
# that one read serves both; a view may select it beside its region (`STATE_SQL` as a RawSQL annotation).
STATE_SQL = (
    f"SELECT concat(COALESCE(({data_version.read_sql(STATISTICS)}), -1), '|', "
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
        if current < 0:  # no version to cache under (this transaction wrote, or the data has none yet)
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
    value = _cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        _cache.put(key, value)
    return value


def clear() -> None:
    _cache.clear()

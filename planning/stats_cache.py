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

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.db import connection
from django.utils import timezone, translation

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


def cached(name: str, params: dict, compute: Callable[[], object]):
    """`compute()` for this endpoint and these parameters, or its cached result for the current version."""
    current = version()
    if current < 0:  # no version row (a database migrated without it): never cache
        return compute()
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

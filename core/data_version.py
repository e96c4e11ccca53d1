"""Data versions: one number per named body of data (the registry, …), set by the database whenever a
transaction that wrote any of its tables commits, and a per-process cache keyed by it.

An app declares which tables a body of data is read from (`register("registry", tables)`, in its AppConfig);
after every `migrate` each of those tables gets a constraint trigger, deferred to the commit, that sets the
version row (core.models.DataVersion) to a fresh number of a sequence, once per transaction. So:

- a stale entry is never served: a reader reads the version first and the data after it, so an entry is never
  filed under a version older than its data, and once a write commits every later reader asks for a new key,
  in this process or any other, with no message between processes;
- a number is never handed out twice (nextval() is not rolled back), so a rolled-back write cannot make an old
  entry current again;
- the version row is locked only while a writing transaction commits, not from its first write: a long import
  does not hold up every other writer (an immediate trigger would), and two writers cannot deadlock on it in
  the middle of their work;
- a reader whose own transaction has written (a test, a service reading back what it wrote) gets no version:
  the deferred trigger has not fired yet, so it reads live data, uncached.

TRUNCATE fires no row trigger: a statement trigger bumps the version then. The per-process `VersionedCache` is
a bounded LRU of plain objects (callers never mutate what they get)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from django.db import connections

TABLE = "core_dataversion"
TRIGGER = "core_data_version"

FUNCTIONS = """
CREATE SEQUENCE IF NOT EXISTS core_data_version_seq;
CREATE OR REPLACE FUNCTION core_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'tuoyu.data_version_' || TG_ARGV[0];
BEGIN
    -- once per transaction and version: the first of a bulk write's deferred row events does it
    IF current_setting(flag, true) = 'bumped' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config(flag, 'bumped', true);
    INSERT INTO core_dataversion (name, value) VALUES (TG_ARGV[0], nextval('core_data_version_seq'))
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END $$;
"""

NAME = re.compile(r"^[a-z_]{1,40}$")

_registered: dict[str, tuple[str, ...]] = {}


def register(name: str, tables) -> None:
    """Declare that `name`'s data is read from `tables` (database table names); repeated calls add tables."""
    if not NAME.match(name):
        raise ValueError(f"a data version's name is lower-case letters and _: {name!r}")
    _registered[name] = tuple(sorted({*_registered.get(name, ()), *tables}))


def read_sql(name: str) -> str:
    """One statement reading `name`'s version — NULL when this transaction has written anything (its writes
    are not versioned yet) or when no version row exists (a database just flushed: nothing is cached until
    the next write). A caller may put it beside what else it reads (a scalar sub-query)."""
    if not NAME.match(name):
        raise ValueError(name)
    return (
        "SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN "
        f"(SELECT value FROM {TABLE} WHERE name = '{name}') END"
    )


def tables_of(name: str) -> tuple[str, ...]:
    return _registered.get(name, ())


def read(name: str, using: str = "default") -> int | None:
    """The current version of `name`'s data, or None when it must not be served from a cache."""
    with connections[using].cursor() as cursor:
        cursor.execute(read_sql(name))
        row = cursor.fetchone()
    return row[0] if row else None


def bump(*names: str, using: str = "default") -> None:
    """Give `names` (every registered one when none are named) a new version: after a load that ran with the
    tables' triggers off (the benchmark's bulk loader)."""
    with connections[using].cursor() as cursor:
        for name in names or sorted(_registered):
            cursor.execute(
                f"INSERT INTO {TABLE} (name, value) VALUES (%s, nextval('core_data_version_seq')) "
                "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                [name],
            )


def install(using: str = "default") -> dict[str, list[str]]:
    """Create the function and the triggers a registered table that exists does not have yet; returns
    {name: tables}. Runs after every migrate (and every test flush): a table that has its triggers is left
    alone, so no table is locked to replace a trigger with itself. (A changed trigger definition would need a
    migration dropping the old ones.)"""
    connection = connections[using]
    tables_here = set(connection.introspection.table_names())
    if TABLE not in tables_here:  # core migrated backwards
        return {}
    installed: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE %s AND NOT t.tgisinternal",
            [f"{TRIGGER}%"],
        )
        present = set(cursor.fetchall())
        for name, tables in sorted(_registered.items()):
            # one pair of triggers per table and version name (a table may feed several)
            trigger, truncate = f"{TRIGGER}_{name}", f"{TRIGGER}_{name}_truncate"
            for table in tables:
                if table not in tables_here:
                    continue
                quoted = connection.ops.quote_name(table)
                if (table, trigger) not in present:
                    cursor.execute(
                        f"CREATE CONSTRAINT TRIGGER {connection.ops.quote_name(trigger)} "
                        f"AFTER INSERT OR UPDATE OR DELETE ON {quoted} DEFERRABLE INITIALLY DEFERRED "
                        f"FOR EACH ROW EXECUTE FUNCTION core_bump_data_version('{name}')"
                    )
                if (table, truncate) not in present:
                    cursor.execute(
                        f"CREATE TRIGGER {connection.ops.quote_name(truncate)} AFTER TRUNCATE ON {quoted} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION core_bump_data_version('{name}')"
                    )
                installed.setdefault(name, []).append(table)
    return installed


def on_post_migrate(sender, using="default", **kwargs) -> None:
    install(using)


class VersionedCache:
    """A bounded, thread-safe LRU of one process: at most `max_entries` entries and, when `max_bytes` is
    given, at most that many bytes of the sizes `put` was told. Keys carry the data version, so entries are
    never invalidated, only pushed out."""

    def __init__(self, max_entries: int, max_bytes: int | None = None):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str, default=None):
        with self._lock:
            if key not in self._entries:
                return default
            self._entries.move_to_end(key)
            return self._entries[key][0]

    def put(self, key: str, value, size: int = 0) -> None:
        if self.max_bytes is not None and size > self.max_bytes:
            return  # larger than the whole budget: not kept
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

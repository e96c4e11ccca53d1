"""`version` and `updated_at` kept by the database: a row that changes gets a new version and a new time
whatever wrote it — a service's `save()`, a workflow's `QuerySet.update()`, another trigger (a facility's slot
totals follow its class units), the admin or an SQL console — so a client syncing by `updated_after` or by
version never misses a change.

One BEFORE UPDATE trigger per table that has either column (`zz_touch_row`, the last to fire), installed
after every `migrate` (so a model added later gets it without a migration of its own). It touches a row once
per transaction:

- a row that did not change keeps its version and time;
- where the writer set the version itself (the optimistic lock of core.models.Versioned and core.versioning.
  claim write `expected + 1`), the trigger leaves it, and likewise a time the writer set;
- a figure derived from other records and written inside `derived_write()` (a facility's 在托人数 from its
  monthly reports) moves `updated_at` but not `version`: the version is the token an edit form, an API client
  or a pending change holds, and a report filed meanwhile is no edit of the record they are working on;
- a row already written earlier in the same transaction (its current tuple was created by this transaction,
  a savepoint included) is not touched again: a service that claims the version and then saves, or saves a
  facility and then its units, gives one version per change, as the API answered it.

The benchmark's bulk loader disables user triggers while it copies rows in, as it does for the others."""

from __future__ import annotations

from contextlib import contextmanager

from django.apps import apps
from django.db import connections, transaction
from pghistory.models import Event

# PostgreSQL fires a table's BEFORE triggers in the order of their names: this one must see the row as the
# others leave it (the facility's slot totals are set by a BEFORE trigger of its own).
TRIGGER = "zz_touch_row"

FUNCTIONS = """
CREATE OR REPLACE FUNCTION core_written_in_this_transaction(tuple_xmin xid) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    -- xmin is the 32-bit id of the transaction (or savepoint) that wrote the tuple; pg_xact_status wants the
    -- 64-bit id. Read the 32 bits as PostgreSQL compares ids, a signed distance from our own id (a
    -- savepoint's id is above it; a tuple older than 2^31 ids is frozen).
    own bigint := pg_current_xact_id()::text::bigint;
    raw bigint := tuple_xmin::text::bigint;
    distance bigint;
    full_id bigint;
BEGIN
    IF raw < 3 THEN  -- invalid, bootstrap, frozen
        RETURN false;
    END IF;
    distance := (raw - (own & 4294967295)) & 4294967295;
    IF distance >= 2147483648 THEN
        distance := distance - 4294967296;
    END IF;
    full_id := own + distance;
    IF full_id < 3 THEN
        RETURN false;
    END IF;
    -- The tuple an UPDATE replaces is committed or our own: another transaction's uncommitted write would
    -- have made us wait. So "in progress" means this transaction (or one of its savepoints) wrote it.
    RETURN COALESCE(pg_xact_status(full_id::text::xid8) = 'in progress', false);
END $$;

CREATE OR REPLACE FUNCTION core_touch_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS NOT DISTINCT FROM OLD OR core_written_in_this_transaction(OLD.xmin) THEN
        RETURN NEW;
    END IF;
    -- TG_ARGV[0]: which of the two columns the table has ('version', 'updated_at' or 'both'); the nested
    -- IFs keep PL/pgSQL from preparing a reference to a column the table does not have.
    IF TG_ARGV[0] IN ('version', 'both') THEN
        IF NEW.version = OLD.version
           AND current_setting('tuoyu.derived_write', true) IS DISTINCT FROM 'on' THEN
            NEW.version := OLD.version + 1;
        END IF;
    END IF;
    IF TG_ARGV[0] IN ('updated_at', 'both') THEN
        IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
            NEW.updated_at := clock_timestamp();
        END IF;
    END IF;
    RETURN NEW;
END $$;
"""


@contextmanager
def derived_write(using: str = "default"):
    """The writes inside the block store figures derived from other records: they keep the rows' versions.
    (A transaction-local setting the trigger reads; an error inside rolls the block back, and the setting
    with it.)"""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('tuoyu.derived_write', 'on', true)")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('tuoyu.derived_write', 'off', true)")


def touched_tables() -> dict[str, str]:
    """{table: which columns} for every concrete model with a `version` or an `updated_at` column; not the
    history's own tables (its events copy the columns, and are never updated)."""
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label == "pghistory" or issubclass(model, Event):
            continue
        columns = {field.column for field in meta.concrete_fields}
        kind = {
            (True, True): "both",
            (True, False): "version",
            (False, True): "updated_at",
        }.get(("version" in columns, "updated_at" in columns))
        if kind:
            tables[meta.db_table] = kind
    return tables


def install(using: str = "default") -> list[str]:
    """Create the functions, and the trigger on every table that exists and lacks it (or has it for other
    columns: a model that gained `version`); returns the tables that have it. Runs after every migrate and
    every test flush: a table whose trigger is right is left alone, so no table is locked to replace a trigger
    with itself."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    installed = []
    with connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        cursor.execute(
            "SELECT c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s AND NOT t.tgisinternal",
            [TRIGGER],
        )
        present = dict(cursor.fetchall())
        for table, kind in sorted(touched_tables().items()):
            if table not in existing:  # migrated backwards, or the app's migrations have not run here
                continue
            call = f"core_touch_row('{kind}')"
            if not present.get(table, "").endswith(f"EXECUTE FUNCTION {call}"):
                quoted = connection.ops.quote_name(table)
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRIGGER} BEFORE UPDATE ON {quoted} "
                    f"FOR EACH ROW EXECUTE FUNCTION {call}"
                )
            installed.append(table)
    return installed


def on_post_migrate(sender, using="default", **kwargs) -> None:
    install(using)

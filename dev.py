#!/usr/bin/env python3
"""One entry point for a fresh machine (Python 3.11, no database installed).

    python3 dev.py serve    # virtualenv + install + migrate + seed + initial admin + background worker,
                            # then http://127.0.0.1:8000
    python3 dev.py demo     # the same on a separate demo database (<name>_demo): the seed plus a marked
                            # synthetic registry, one account per role, passwords printed (or: serve --demo)
    python3 dev.py test     # the whole test suite (extra arguments go to pytest)
    python3 dev.py lint     # ruff check, format check and the import order (lint-imports), as CI runs them
    python3 dev.py lock     # re-pin requirements.lock from pyproject.toml in a scratch virtualenv

Uses only the standard library, so it runs before anything is installed. The virtualenv is .venv/; it is
(re)installed from requirements.lock whenever that file changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".requirements.sha256"
PYTHON = VENV / "bin" / "python"


def run(*args: str | os.PathLike, **kwargs) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"需要 Python 3.11（当前 {sys.version.split()[0]}）。Python 3.11 is required.")
    if not PYTHON.exists():
        print("创建虚拟环境 .venv …", flush=True)
        run(sys.executable, "-m", "venv", VENV)
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != digest:
        print("安装依赖（requirements.lock）…", flush=True)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK)
        STAMP.write_text(digest)


def manage(*args: str) -> None:
    run(PYTHON, "manage.py", *args)


def serve(args: list[str]) -> None:
    if "--demo" in args:
        demo([a for a in args if a != "--demo"])
        return
    ensure_venv()
    os.environ.setdefault("DEBUG", "1")  # runserver is a local server, also against an existing PostgreSQL
    manage("migrate", "--no-input")
    manage("createcachetable")
    manage("seed")
    manage("ensure_admin")
    run_server(args[0] if args else "127.0.0.1:8000")


def demo(args: list[str]) -> None:
    """A separate demo database on the same server (embedded, or DATABASE_URL's): its name is the portal's
    with _demo appended (DEMO=1, read by the settings), so the portal's own data is never touched. Migrated,
    seeded with the real seed, then filled by `manage.py demo_data` (a marked synthetic registry, reports,
    findings, one account per role; it refuses any database not ending in _demo). Options starting with --
    go to demo_data (e.g. --reset, --facilities=200); another argument is the address to serve on."""
    ensure_venv()
    os.environ["DEMO"] = "1"
    os.environ.setdefault("DEBUG", "1")
    options = [a for a in args if a.startswith("--")]
    addresses = [a for a in args if not a.startswith("--")]
    manage("demo_data", "--create-database")
    manage("migrate", "--no-input")
    manage("createcachetable")
    manage("seed")
    manage("demo_data", *options)
    run_server(addresses[0] if addresses else "127.0.0.1:8000")


def run_server(address: str) -> None:
    # SIGTERM (a service manager, `timeout`) stops the web server and the worker too, not only this script:
    # the exit unwinds subprocess.run, which kills runserver, and the finally below stops the worker.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # The background worker runs spreadsheet imports; it stops with the server, and is started again if it
    # dies before (a crash, an out-of-memory kill), after a pause that grows while it keeps dying.
    worker = WorkerSupervisor([str(PYTHON), "manage.py", "db_worker", "--no-reload", "--interval", "1"])
    worker.start()
    print(
        f"\n门户运行于 http://{address}/  （管理后台 /admin/；后台任务进程已启动；Ctrl+C 停止）\n", flush=True
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            manage("runserver", address)
    finally:
        worker.stop()


class WorkerSupervisor:
    """Runs a command in a thread of its own and restarts it whenever it exits, until `stop`."""

    def __init__(self, command: list[str]):
        self.command = command
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _loop(self) -> None:
        pause = 0.5  # doubled before the first wait: 1 s
        while not self.stopping.is_set():
            self.process = subprocess.Popen(self.command, cwd=ROOT)
            started = time.monotonic()
            code = self.process.wait()
            if self.stopping.is_set():
                return
            pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 60.0)
            print(f"后台任务进程已退出（代码 {code}），{pause:.0f} 秒后重新启动", file=sys.stderr, flush=True)
            self.stopping.wait(pause)

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)


def test(args: list[str]) -> None:
    ensure_venv()
    # A DATABASE_URL run defaults to production settings, which require a strong key: a throw-away one. The
    # servers and commands the suite starts inherit it (settings refuse a weak key with DEBUG off).
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if not args and (os.cpu_count() or 1) > 1:
        # The whole suite runs in two processes (pytest-xdist), each on a test database of its own; a
        # file's tests stay in one process (tests of a file share fixtures such as a scratch database).
        # A selection (any argument) runs in this process alone: two workers would both migrate first.
        args = ["-n", "2", "--dist", "loadfile"]
    run(PYTHON, "-m", "pytest", *args)


def lint(args: list[str]) -> None:
    ensure_venv()
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    # The apps' import order (pyproject.toml [tool.importlinter]): a lower layer never imports a higher one.
    run(VENV / "bin" / "lint-imports")


def lock(args: list[str]) -> None:
    """Pin every dependency (and theirs) declared in pyproject.toml, resolved fresh."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    with tempfile.TemporaryDirectory() as scratch:
        python = Path(scratch) / "bin" / "python"
        run(sys.executable, "-m", "venv", scratch)
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted)
        frozen = subprocess.run(
            [python, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True, text=True, check=True
        ).stdout
    header = "# Exact versions for a reproducible install. Regenerate with: python3 dev.py lock\n"
    LOCK.write_text(header + frozen)
    print(f"已更新 {LOCK.name}")


COMMANDS = {"serve": serve, "demo": demo, "test": test, "lint": lint, "lock": lock}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])

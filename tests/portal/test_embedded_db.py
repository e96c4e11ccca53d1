"""PostgreSQL only: the project's own embedded server when DATABASE_URL is unset, the given one otherwise."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tuoyu_portal import embedded_db

ROOT = Path(settings.BASE_DIR)


def manage(*args, env_extra=None, check=True):
    # The owner URL (CI's second pass) belongs to the server being left out, so it goes too.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_OWNER_URL")}
    env.update(env_extra or {})
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="DATABASE_URL is set: the configured server is used"
)
@pytest.mark.django_db
def test_without_database_url_the_embedded_server_is_used():
    assert settings.DATABASES["default"]["ENGINE"] == "tuoyu_portal.embedded_backend"
    state = embedded_db.status()
    assert state["running"]
    assert Path(state["data_dir"]).is_relative_to(ROOT)
    ignored = subprocess.run(["git", "check-ignore", "-q", state["data_dir"]], cwd=ROOT)
    assert ignored.returncode == 0, "the embedded data folder must be git-ignored"


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="only when DATABASE_URL is set")
def test_with_database_url_that_server_is_used():
    # Django's PostgreSQL backend with a client-side time-out (tuoyu_portal/postgres_backend)
    assert settings.DATABASES["default"]["ENGINE"] == "tuoyu_portal.postgres_backend"


def test_sqlite_is_refused():
    env = {**os.environ, "DATABASE_URL": "sqlite" + ":///db.sqlite3"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tuoyu_portal.settings'; django.setup()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_a_fresh_embedded_server_starts_keeps_data_across_a_clean_stop_and_is_reused(tmp_path):
    """Same code path as runserver and every command: first use initialises, data survives a stop."""
    env = {"EMBEDDED_PG_DIR": str(tmp_path / "pg")}
    try:
        manage("migrate", "--no-input", env_extra=env)
        manage("seed", env_extra=env)
        first = manage("embedded_db", "status", env_extra=env).stdout
        assert "running: True" in first
        pid = next(line for line in first.splitlines() if line.startswith("pid:"))

        # A second start finds the running server instead of starting another one.
        manage("seed", env_extra=env)
        assert pid in manage("embedded_db", "status", env_extra=env).stdout

        assert "已停止" in manage("embedded_db", "stop", env_extra=env).stdout
        assert "running: False" in manage("embedded_db", "status", env_extra=env).stdout

        # The next command starts it again and finds every row.
        count = manage(
            "shell",
            "-c",
            "from targets.models import SlotTarget; print(SlotTarget.objects.count())",
            env_extra=env,
        )
        assert count.stdout.strip().splitlines()[-1] == "66"
    finally:
        manage("embedded_db", "stop", env_extra=env, check=False)

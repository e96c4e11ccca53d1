"""Helpers of the fault tests: a subprocess (db_worker, gunicorn) pointed at this test run's database."""

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from ops.seed import seed_all

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """DATABASE_URL of the database this test process uses (the embedded server's socket, or CI's TCP
    server), so a subprocess sees what a transactional test commits."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "postgres", safe="")
    password = params.get("password")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host, port = params.get("host") or "127.0.0.1", params.get("port") or 5432
    if str(host).startswith("/"):
        return f"postgres://{auth}@/{params['dbname']}?host={quote(str(host))}&port={port}"
    return f"postgres://{auth}@{host}:{port}/{params['dbname']}"


def subprocess_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "PYTEST", "DJANGO_SETTINGS"))
    }
    env.update(
        DATABASE_URL=database_url(),
        SECRET_KEY=secrets.token_urlsafe(50),  # settings refuse a weak key (DEBUG off)
        DJANGO_SETTINGS_MODULE="tuoyu_portal.settings",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage_command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


@pytest.fixture
def committed_seed(transactional_db):
    """The seed, committed (a subprocess must see it). Transactional tests end with a flush, so an earlier
    one may have removed the session's seed: load it again then."""
    from targets.models import Region

    if not Region.objects.filter(code="110115").exists():
        seed_all()

"""Production settings: `check --deploy` is clean, the security headers are sent, static files are hashed."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    # the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for themselves; a deployment never does
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tuoyu.example.org",
        **extra,
    }
    return env


def manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_any_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_hold_the_promised_values():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER, s.STORAGES['staticfiles']['BACKEND'], s.AUTH_PASSWORD_VALIDATORS[1])"
    )
    result = manage("shell", "-c", code, SECURE_PROXY_SSL_HEADER="1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')" in out
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in out
    assert "'min_length': 10" in out


def test_a_production_start_without_a_secret_key_is_refused():
    result = manage("check", SECRET_KEY="")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_every_page_sends_the_security_headers(client, seeded):
    response = client.get(reverse("targets:home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_no_inline_script_or_style_without_the_nonce(client, seeded):
    """Templates keep code in static files; json_script data blocks are not code."""
    import re

    for name in ("targets:home", "login"):
        response = client.get(reverse(name))
        html = response.content.decode()
        assert not re.search(r"\son[a-z]+=", html), name  # no onclick=, onchange=…
        assert " style=" not in html, name
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag or "nonce=" in tag, tag


def test_templates_have_no_inline_handlers_or_style_attributes():
    import re

    offenders = []
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"\son[a-z]+=\"|\sstyle=\"|<style>|<script>", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_gunicorn_configuration_loads():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", "gunicorn.conf.py", "tuoyu_portal.wsgi"],
        cwd=ROOT,
        env=production_env(GUNICORN_WORKERS="3"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def settings_env(**extra) -> dict:
    """production_env without pytest's marker: a subprocess started by the suite is checked like a server."""
    env = production_env(**extra)
    env.pop("PYTEST_VERSION", None)
    return env


def load_settings(code: str, argv: tuple = ("manage.py", "check"), **extra) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter as `argv` would, then run `code` with them as `s`."""
    script = f"import sys; sys.argv = {list(argv)!r}; from tuoyu_portal import settings as s; {code}"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=settings_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "weak_key",
    [
        "short-but-random-Zq8#x",  # fewer than 50 characters
        "ab" * 40,  # long, but only 2 different characters
        # Django's startproject placeholder (a fixed random tail: test ids must be the same in every
        # pytest-xdist worker)
        "django-insecure-vaZSeJyKtJYsQQIkU7b2LQ1sUoEhFiJUdbKUztqyv22G4egD0dO_qfcIdDtHmLD3iDI",
        "insecure-local-development-key-do-not-use-in-production-" + "x" * 10,  # the project's dev key
    ],
)
def test_a_production_start_with_a_weak_secret_key_is_refused_with_advice(weak_key):
    result = load_settings("print('started')", SECRET_KEY=weak_key)
    assert result.returncode != 0 and "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is too weak" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_a_strong_key_starts_and_debug_keeps_its_local_key():
    assert load_settings("print('started')").stdout.strip() == "started"
    local = load_settings("print(s.SECRET_KEY)", DEBUG="1", SECRET_KEY="")
    assert local.returncode == 0 and local.stdout.startswith("insecure-")


def database_options(argv=("manage.py", "check"), **extra) -> dict:
    import json

    code = "import json; d = s.DATABASES['default']; print(json.dumps({k: d.get(k) for k in d}, default=str))"
    extra.setdefault("DATABASE_URL", "postgres://tuoyu@db.example.org:5432/tuoyu")
    result = load_settings(code, argv, **extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_database_time_outs_come_from_the_environment_with_safe_defaults():
    web = database_options(("gunicorn",))
    assert web["OPTIONS"]["connect_timeout"] == 5
    assert web["OPTIONS"]["options"] == "-c statement_timeout=30000"
    assert web["CLIENT_TIMEOUT"] == 35 and web["OPTIONS"]["tcp_user_timeout"] == 35000
    assert web["CONN_MAX_AGE"] == 60 and web["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in web["OPTIONS"]
    tuned = database_options(
        ("gunicorn",),
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_STATEMENT_TIMEOUT="3",
        DATABASE_CLIENT_TIMEOUT="4",
    )
    assert tuned["OPTIONS"]["connect_timeout"] == 2 and tuned["CLIENT_TIMEOUT"] == 4
    assert tuned["OPTIONS"]["options"] == "-c statement_timeout=3000"


LONG_COMMANDS = ["migrate", "backup", "restore", "db_worker", "generate_national", "seed"]


@pytest.mark.parametrize("command", LONG_COMMANDS)
def test_long_running_commands_get_no_statement_or_client_timeout(command):
    options = database_options(("manage.py", command))
    assert "options" not in options["OPTIONS"] and not options["CLIENT_TIMEOUT"]
    assert options["OPTIONS"]["connect_timeout"] == 5


def test_runserver_does_not_keep_a_connection_per_request_thread():
    """runserver starts a thread per request: a persistent connection per thread was never reused and stayed
    open until garbage collection (17 held after 200 requests, growing)."""
    assert database_options(("manage.py", "runserver"), DEBUG="1")["CONN_MAX_AGE"] == 0


def test_the_connection_pool_is_opt_in_and_bounded():
    pooled = database_options(("gunicorn",), DATABASE_POOL="1", DATABASE_POOL_MAX_SIZE="8")
    assert pooled["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 5}
    assert pooled["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections


def test_behind_pgbouncer_no_session_state_and_the_worker_connects_directly():
    bouncer = {"DATABASE_PGBOUNCER": "1", "DATABASE_URL": "postgres://tuoyu@pgbouncer:6432/tuoyu"}
    web = database_options(("gunicorn",), **bouncer)
    assert web["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in web["OPTIONS"]  # pgbouncer refuses it; statement_timeout is set on the role
    assert "prepare_threshold" not in web["OPTIONS"]  # Django then prepares nothing on the server
    refused = load_settings("print('started')", ("manage.py", "db_worker"), **bouncer)
    assert refused.returncode != 0 and "DATABASE_DIRECT_URL" in refused.stderr
    bouncer["DATABASE_DIRECT_URL"] = "postgres://tuoyu@db.example.org:5432/tuoyu"
    direct = database_options(("manage.py", "db_worker"), **bouncer)
    assert direct["HOST"] == "db.example.org" and direct["PORT"] == 5432


def test_dev_py_test_hands_the_suite_a_key_that_production_settings_accept(monkeypatch):
    """Servers and commands the suite starts inherit the key, and they check it like production."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(dev, "ensure_venv", lambda: None)
    monkeypatch.setattr(dev, "run", lambda *args, **kwargs: None)
    dev.test([])
    key = os.environ["SECRET_KEY"]
    assert load_settings("print('started')", SECRET_KEY=key).stdout.strip() == "started"

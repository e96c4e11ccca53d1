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

"""Stateless app servers: two gunicorn instances (production settings, gunicorn.conf.py) on different loopback
ports share one PostgreSQL (the test database) and one Redis (cache, sessions, throttle counters). A person
signs in through the real login form on one and carries on — reading and posting with CSRF — on the other.

Skipped when Redis does not answer at 127.0.0.1:6379 (REDIS_TEST_URL to use another)."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import requests
from django.db import connections

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "pw-for-tests-only"

pytestmark = pytest.mark.django_db(transaction=True)


def redis_answers(url: str) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The test database as a DATABASE_URL for the app servers (the embedded server: through its socket)."""
    from ops.backup import target

    env = target("default").env
    host = env["PGHOST"]
    host = quote(host, safe="") if host.startswith("/") else host
    password = f":{quote(env['PGPASSWORD'], safe='')}" if env.get("PGPASSWORD") else ""
    user = env.get("PGUSER", "postgres")
    return f"postgres://{user}{password}@{host}:{env.get('PGPORT', 5432)}/{env['PGDATABASE']}"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic once, as a deployment does: production settings serve hashed, compressed files."""
    root = tmp_path_factory.mktemp("static")
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "STATIC_ROOT": str(root)}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    return root


@pytest.fixture(scope="module")
def servers(django_db_setup, static_root, tmp_path_factory):
    """Both servers, started once for this module's tests, on the test database."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    assert connections["default"].settings_dict["NAME"].startswith("test_")
    if not redis_answers(REDIS_URL):
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    connections["default"].close()
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": "two-servers-test-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "CACHE_URL": REDIS_URL,
        "STATIC_ROOT": str(static_root),
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; behind nginx these stay on
        "SECURE_COOKIES": "0",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_TIMEOUT": "30",
        # as behind one proxy: a test may send X-Forwarded-For to sign in from many addresses
        "TRUSTED_PROXY_COUNT": "1",
    }
    processes, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        log = open(tmp_path / f"gunicorn-{name}.log", "w")  # noqa: SIM115 (open while the server runs)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env={
                    **env,
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "GUNICORN_CONTROL_SOCKET": str(tmp_path / f"gunicorn-{name}.ctl"),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"{url}/accounts/login/", timeout=5).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):  # still booting (a loaded machine)
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        "gunicorn did not start:\n" + "".join(p.read_text() for p in tmp_path.glob("*.log"))
                    )
                time.sleep(0.3)
        yield urls
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def user(username: str, **extra):
    """A user whose password the servers can check: the suite's fast test hasher is not theirs."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    account = UserFactory(username=username, **extra)
    hasher = PBKDF2PasswordHasher()
    account.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    account.save(update_fields=["password"])
    return account


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_sign_in_on_one_server_and_continue_on_the_other(servers):
    server_a, server_b = servers
    user("two_servers", is_superuser=True, is_staff=True)
    browser = requests.Session()  # cookies are per host, not per port: both servers see the same jar

    login = browser.get(f"{server_a}/accounts/login/")
    assert "Content-Security-Policy" in login.headers
    signed_in = browser.post(
        f"{server_a}/accounts/login/",
        data={"username": "two_servers", "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(login.text)},
        headers={"Referer": f"{server_a}/accounts/login/"},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]

    # server B knows the session: a signed-in page, with the user's name in the top bar
    page = browser.get(f"{server_b}/registry/", allow_redirects=False)
    assert page.status_code == 200 and "two_servers" in page.text

    # a form posted to B with the token B rendered: sign out there
    signed_out = browser.post(
        f"{server_b}/accounts/logout/",
        data={"csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": f"{server_b}/registry/"},
        allow_redirects=False,
    )
    assert signed_out.status_code == 302
    # and A no longer knows it
    after = browser.get(f"{server_a}/registry/", allow_redirects=False)
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]

    # static files come from each app server itself (whitenoise), hashed and cacheable for a year
    css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', login.text).group(1)
    static = requests.get(f"{server_b}{css}", headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200 and "max-age=315360000" in static.headers["Cache-Control"]


def test_failed_logins_on_both_servers_add_up_to_one_lockout(servers, settings):
    server_a, server_b = servers
    user("guessed")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        url = (server_a, server_b)[attempt % 2]
        session = requests.Session()
        form = session.get(f"{url}/accounts/login/")
        response = session.post(
            f"{url}/accounts/login/",
            data={"username": "guessed", "password": "wrong", "csrfmiddlewaretoken": csrf_token(form.text)},
            headers={"Referer": f"{url}/accounts/login/"},
            allow_redirects=False,
        )
    assert response.status_code == 429 and "登录失败次数过多" in response.text


def test_failures_for_one_name_from_many_addresses_on_both_servers_lock_the_name(servers, settings):
    server_a, server_b = servers
    user("spread")
    for attempt in range(settings.LOGIN_LOCK_USERNAME_FAILURES):
        url = (server_a, server_b)[attempt % 2]
        session = requests.Session()
        address = {"X-Forwarded-For": f"198.51.100.{attempt + 1}"}
        form = session.get(f"{url}/accounts/login/", headers=address)
        response = session.post(
            f"{url}/accounts/login/",
            data={"username": "spread", "password": "wrong", "csrfmiddlewaretoken": csrf_token(form.text)},
            headers={"Referer": f"{url}/accounts/login/", **address},
            allow_redirects=False,
        )
    assert response.status_code == 429 and "该账户已暂时锁定" in response.text

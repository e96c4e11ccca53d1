"""A hung database (connections accepted and kept open, nothing answered) costs a request a bounded wait, then
the 503 outage answer; when the database answers again, so does the portal, without a restart.

gunicorn (production settings) talks to PostgreSQL through ops/tcp_proxy.py, which stops forwarding on
`hang()`. The time-outs are small: DATABASE_CONNECT_TIMEOUT=2 bounds a new connection,
DATABASE_CLIENT_TIMEOUT=3 a round trip on an open one (the server never sees the query, so statement_timeout
alone could not help)."""

import time

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from ops import soak
from ops.tcp_proxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)

CONNECT_TIMEOUT, CLIENT_TIMEOUT = 2, 3
# The worst case: a persistent connection's health check waits out the client time-out, then the new
# connection waits out the connect time-out. Slack for a busy test machine.
LIMIT = CONNECT_TIMEOUT + CLIENT_TIMEOUT + 2.5
PASSWORD = "hang-test-only-pw"


def upstream_address():
    params = connection.get_connection_params()
    host, port = params.get("host") or "127.0.0.1", int(params.get("port") or 5432)
    if str(host).startswith("/"):
        return f"{host}/.s.PGSQL.{port}", params
    return (host, port), params


@pytest.fixture
def portal_behind_proxy(committed_seed, tmp_path):
    """gunicorn with 1 worker × 2 threads (persistent connections, health checks), through the proxy."""
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "hangsalt")  # gunicorn uses the production hashers
    get_user_model().objects.create(username="hang_official", password=hashed)
    upstream, params = upstream_address()
    with TcpProxy(upstream) as proxy:
        url = f"postgres://{params.get('user') or 'postgres'}@127.0.0.1:{proxy.port}/{params['dbname']}"
        env = soak.app_environment(url, tmp_path)
        env.update(
            DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
            DATABASE_STATEMENT_TIMEOUT="2",
            DATABASE_CLIENT_TIMEOUT=str(CLIENT_TIMEOUT),
        )
        soak.ensure_static(env, tmp_path / "setup.log")
        server = soak.Gunicorn(env, tmp_path, workers=1)
        try:
            server.wait_ready(requests.Session())
            yield proxy, server.base
        finally:
            server.stop()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_hung_database_answers_every_request_with_the_503_in_bounded_time_then_recovers(
    portal_behind_proxy,
):
    proxy, base = portal_behind_proxy
    browser = requests.Session()
    login_page = browser.get(base + "/accounts/login/", timeout=30)
    assert login_page.status_code == 200
    sign_in = {
        "username": "hang_official",
        "password": PASSWORD,
        "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
    }
    referer = {"Referer": base + "/accounts/login/"}

    proxy.hang()
    answers = {
        "page": timed(lambda: browser.get(base + "/directory/", timeout=30)),
        "api": timed(lambda: requests.get(base + "/api/v1/regions/", timeout=30)),
        "sign-in": timed(
            lambda: browser.post(
                base + "/accounts/login/", data=sign_in, headers=referer, timeout=30, allow_redirects=False
            )
        ),
        "page again": timed(lambda: requests.get(base + "/", timeout=30)),
    }
    seen = {name: (response.status_code, round(seconds, 2)) for name, (response, seconds) in answers.items()}
    for name, (response, seconds) in answers.items():
        assert response.status_code == 503, seen
        assert seconds < LIMIT, seen
        assert soak.check_outage_answer("/api/" if name == "api" else "/", response) is None, (name, seen)
    assert answers["api"][0].json()["error"]["code"] == "service_unavailable"

    proxy.resume()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if requests.get(base + "/", timeout=30).status_code == 200:
            break
        time.sleep(0.2)
    assert requests.get(base + "/api/v1/regions/", timeout=30).status_code == 200
    browser.get(base + "/accounts/login/", timeout=30)
    sign_in["csrfmiddlewaretoken"] = browser.cookies.get("csrftoken", "")
    signed_in = browser.post(
        base + "/accounts/login/", data=sign_in, headers=referer, timeout=30, allow_redirects=False
    )
    assert signed_in.status_code == 302, signed_in.text[:300]


def test_a_round_trip_on_an_open_connection_gives_up_after_the_client_timeout_and_closes_it(committed_seed):
    import psycopg

    from tuoyu_portal.postgres_backend.base import guarded_connection_class

    upstream, params = upstream_address()
    with TcpProxy(upstream) as proxy:
        conninfo = dict(host="127.0.0.1", port=proxy.port, dbname=params["dbname"], user=params.get("user"))
        conn = guarded_connection_class(1.0).connect(**conninfo, connect_timeout=5, autocommit=True)
        assert conn.execute("SELECT 1").fetchone() == (1,)
        proxy.hang()
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError, match="did not answer within 1s"):
            conn.execute("SELECT 1")
        assert 0.9 < time.monotonic() - started < 3
        assert conn.closed  # stopped mid-conversation: never handed out again
        proxy.resume()
        with psycopg.connect(**conninfo, connect_timeout=5) as fresh:
            assert fresh.execute("SELECT 2").fetchone() == (2,)

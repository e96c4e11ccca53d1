"""While PostgreSQL is down, requests fail cleanly: a 503 page in Chinese (the API's JSON error body under
/api/), never a 500 with a traceback; the next request after it is back works again.

The outage is simulated by making every SQL statement fail the way a lost server does (psycopg's
OperationalError, wrapped by Django). The real restart under gunicorn is `python manage.py soak`
(tests/faults/test_soak.py runs its short mode)."""

from unittest import mock

import psycopg
import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def database_down():
    """Every query fails as with a PostgreSQL that went away mid-run."""

    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly") from psycopg.OperationalError(
            "server closed the connection unexpectedly"
        )

    return mock.patch.multiple(CursorWrapper, execute=fail, executemany=fail)


@pytest.fixture
def client(client):
    client.raise_request_exception = False
    return client


def assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "10" and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "服务暂时不可用" in body and "数据库暂时无法访问，请稍后重试。" in body
    assert "Traceback" not in body and "OperationalError" not in body and "server closed" not in body


def test_a_public_page_answers_503_in_chinese_while_the_database_is_down_and_works_again_after(
    client, seeded
):
    with database_down():
        assert_outage_page(client.get("/"))
    assert client.get("/").status_code == 200


def test_a_signed_in_page_answers_503_even_when_loading_the_session_fails(client, seeded):
    client.force_login(UserFactory())
    with database_down():
        response = client.get("/registry/")
    assert_outage_page(response)
    assert client.get("/registry/").status_code == 200


def test_the_api_answers_503_with_its_json_error_body(client, seeded):
    with database_down():
        response = client.get("/api/v1/regions/")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "error": {
            "status": 503,
            "code": "service_unavailable",
            "message": "数据库暂时无法访问，请稍后重试。",
            "fields": {},
        }
    }
    assert client.get("/api/v1/regions/").status_code == 200


def test_the_fhir_face_answers_503_with_an_operation_outcome(client, seeded):
    client.force_login(UserFactory())
    with database_down():
        response = client.get("/fhir/Location")
    assert response.status_code == 503 and response["Content-Type"] == "application/fhir+json"
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "transient", "diagnostics": "数据库暂时无法访问，请稍后重试。"}
        ],
    }


class FailingMiddleware:
    """A middleware that needs the database before any view runs (like a session or audit middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("the database system is shutting down")


def test_an_outage_outside_any_view_answers_503_through_handler500(client, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.faults.test_db_outage.FailingMiddleware"]
    assert_outage_page(client.get("/directory/"))
    api = client.get("/api/v1/regions/")
    assert api.status_code == 503 and api.json()["error"]["code"] == "service_unavailable"


class BrokenMiddleware(FailingMiddleware):
    def __call__(self, request):
        raise ValueError("a programming error")


def test_other_errors_still_answer_500(client, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.faults.test_db_outage.BrokenMiddleware"]
    response = client.get("/directory/")
    assert response.status_code == 500 and "Retry-After" not in response


def test_the_outage_page_follows_the_chosen_language(client, seeded, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with database_down():
        response = client.get("/")
    assert response.status_code == 503
    assert '<html lang="en">' in response.content.decode()


def test_persistent_connections_are_health_checked_so_the_next_request_reconnects(settings):
    database = settings.DATABASES["default"]
    assert not database.get("CONN_MAX_AGE") or database.get("CONN_HEALTH_CHECKS")

"""The OpenAPI schema (/api/schema/) is valid and describes the public endpoints as they answer; its docs
are served from the project's own static files (no CDN); a bounded schemathesis run over the public GET
endpoints finds no server error and no response that disagrees with the schema."""

import pytest
import schemathesis
import yaml
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import URLS
from tests.helpers import off_site_assets

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]


@pytest.fixture
def schema_dict(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(api, schema_dict):
    response = api.get("/api/schema/")  # the default rendering, YAML
    assert response.status_code == 200
    from_yaml = yaml.safe_load(response.content)
    assert from_yaml["openapi"].startswith("3.")
    validate_schema(from_yaml)  # raises on an invalid document
    validate_schema(schema_dict)
    assert schemathesis.openapi.from_dict(schema_dict).statistic is not None


def test_schema_describes_the_contract(schema_dict):
    paths = schema_dict["paths"]
    assert {
        "/api/v1/regions/",
        "/api/v1/regions/{code}/",
        "/api/v1/targets/",
        "/api/v1/targets/{id}/",
    } <= set(paths)
    assert "/api/v1/test-write/" not in paths

    def params(path):
        return {p["name"]: p for p in paths[path]["get"]["parameters"]}

    regions = params("/api/v1/regions/")
    assert {"level", "parent", "name", "page", "page_size", "format"} <= set(regions)
    assert regions["level"]["schema"]["enum"] == ["city", "district", "town"]
    targets = params("/api/v1/targets/")
    assert {"district", "town", "year", "level", "page", "page_size", "format"} <= set(targets)
    assert targets["level"]["schema"]["enum"] == ["baseline", "high_quality", "plan"]
    assert targets["year"]["schema"]["type"] == "integer"
    assert set(targets["format"]["schema"]["enum"]) >= {"json", "csv", "xlsx"}

    components = schema_dict["components"]["schemas"]
    assert set(components["Region"]["properties"]) == {"code", "name", "level", "parent"}
    assert components["Region"]["properties"]["parent"]["nullable"] is True
    assert set(components["SlotTarget"]["properties"]) == {
        "id",
        "town",
        "town_name",
        "year",
        "level",
        "total_slots",
        "inclusive_slots",
        "source",
    }
    assert set(components["TargetSource"]["properties"]) == {
        "key",
        "title",
        "doc_number",
        "issued_on",
        "status",
    }
    list_get = paths["/api/v1/targets/"]["get"]
    assert {"200", "400", "401", "404", "429"} <= set(list_get["responses"])
    error_ref = list_get["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert error_ref.endswith("/ErrorResponse")
    assert {} in list_get["security"]  # anonymous may read
    assert "tokenAuth" in schema_dict["components"]["securitySchemes"]


def test_places_and_targets_generate_no_schema_warnings(settings):
    settings.ROOT_URLCONF = URLS
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    mine = ("RegionViewSet", "SlotTargetViewSet", "targets/api")
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    assert [m for m in messages if any(name in m for name in mine)] == []


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_are_served_from_static_files(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode().lower()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "/api/schema/" in html
    assert off_site_assets(response.content.decode()) == []


# ---------------------------------------------------------------- schemathesis


@pytest.fixture
def wsgi_app(settings):
    """The real WSGI application, inside the test's transaction: like Django's test client, keep
    close_old_connections from closing the connection at each request's start and end, and accept the Host
    header the werkzeug client sends."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def run_schemathesis(schema_dict, wsgi_app, path_regex, *, examples, headers=None):
    """Every GET operation whose path matches, `examples` cases each: no server error and no response that
    disagrees with the schema. The paths it ran, for the caller to check the coverage."""
    schema = schemathesis.openapi.from_dict(schema_dict).include(path_regex=path_regex, method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(
                app=wsgi_app, headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        check()
    return {op.path for op in operations}


def test_public_endpoints_conform_to_their_schema(seeded, schema_dict, wsgi_app):
    assert {
        "/api/v1/regions/",
        "/api/v1/regions/{code}/",
        "/api/v1/targets/",
        "/api/v1/targets/{id}/",
        "/api/v1/facilities/",
        "/api/v1/facilities/{id}/",
        "/api/v1/stats/slots/",
        "/api/v1/stats/indicators/",
    } <= run_schemathesis(schema_dict, wsgi_app, r"^/api/v1/", examples=25)

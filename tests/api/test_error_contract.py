"""One JSON error contract under /api/, whatever happens (core.api: exceptions, renderers, filters,
authentication, middleware): every case of the contract has its test here."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.settings import api_settings

from core.api.throttling import AnonymousRateThrottle, ClientRateThrottle
from facilities.models import Facility
from tests.api.test_facilities_api import new_facility
from tests.cast import issue_token
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

LIST = "/api/v1/facilities/"
METHODS = ["get", "post", "put", "patch", "delete", "options"]
# Every list of the API (each has a FilterSet): an unknown parameter is refused on each.
LISTS = [
    "/api/v1/regions/",
    "/api/v1/targets/",
    LIST,
    "/api/v1/subsidies/funds/",
    "/api/v1/subsidies/programs/",
    "/api/v1/subsidies/applications/",
    "/api/v1/subsidies/ledger/",
    "/api/v1/subsidies/projects/",
    "/api/v1/inspections/",
    "/api/v1/inspections/findings/",
    "/api/v1/inspections/complaints/",
    "/api/v1/inspections/grades/",
]


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# ---------------------------------------------------------------- unknown paths and CSRF


@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_api_path_is_a_json_404_for_every_method(method, daxing_official):
    """Even for a signed-in browser session without a CSRF token: a 404, never the HTML CSRF page."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(daxing_official)
    for client in (Client(enforce_csrf_checks=True), browser):
        response = getattr(client, method)("/api/v1/facilitys/1/", {"x": 1}, content_type="application/json")
        assert response["Content-Type"] == "application/json"
        assert error_of(response, 404)["code"] == "not_found"


def test_csrf_never_applies_to_a_token_authenticated_call(daxing_official, town1):
    """A browser that also holds a session cookie sends no CSRF token: the bearer token decides."""
    _token, secret = issue_token(daxing_official, read_only=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(daxing_official)
    body = new_facility(district=town1.parent.code, town=town1.code)
    response = client.post(LIST, body, content_type="application/json", **bearer(secret))
    assert response.status_code == 201, response.content
    # the same request on the session alone is refused by CSRF, in the JSON error body
    assert (
        error_of(client.post(LIST, body, content_type="application/json"), 403)["code"] == "permission_denied"
    )


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize("download", ["csv", "xlsx"])
def test_errors_are_json_whatever_format_was_asked(download, api, seeded):
    cases = [
        (api.get(LIST, {"format": download, "district": "nowhere"}), 400),  # a bad filter
        (api.get("/api/v1/subsidies/ledger/", {"format": download}), 401),  # no credentials
        (api.get(f"{LIST}999999999/", {"format": download}), 404),
    ]
    for response, status in cases:
        assert response["Content-Type"] == "application/json"
        assert not response.has_header("Content-Disposition")
        error_of(response, status)


def test_a_format_the_endpoint_does_not_answer_in_is_a_400_naming_it_and_those_it_has(api, seeded):
    stats = "/api/v1/stats/slots/"
    error = error_of(api.get(stats, {"district": "110115", "format": "csv"}), 400)
    (message,) = error["fields"]["format"]
    assert "csv" in message["message"] and "json" in message["message"]
    assert "/api/v1/stats/slots/table/" in message["message"]  # where the same figures come as a table
    english = api.get(stats, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(english, 400)["fields"]["format"][0]["message"].startswith("Unsupported format “xlsx”")
    indicators = api.get("/api/v1/stats/indicators/", {"format": "pdf"})
    assert error_of(indicators, 400)["fields"].keys() == {"format"}
    # formats an endpoint has still answer, the browsable page included
    assert api.get(LIST, {"format": "csv"})["Content-Type"].startswith("text/csv")
    assert api.get(stats, {"district": "110115", "format": "json"}).status_code == 200
    assert api.get(stats, {"district": "110115", "format": "api"})["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------- field errors


def test_nested_field_errors_are_keyed_by_field_path(client_as, town1):
    units = [
        {"class_type": "toddler", "classes": 1, "children_per_class": 15},
        {"class_type": "castle", "classes": 0, "children_per_class": 15},
    ]
    body = new_facility(district=town1.parent.code, town=town1.code, units=units)
    error = error_of(client_as("daxing_official").post(LIST, body, format="json"), 400)
    assert set(error["fields"]) == {"units[1].class_type", "units[1].classes"}
    assert error["fields"]["units[1].class_type"][0]["code"] == "does_not_exist"


# ---------------------------------------------------------------- filters


def test_an_invalid_filter_value_is_a_400_naming_it(api, seeded):
    error = error_of(api.get(LIST, {"inclusive": "maybe"}), 400)
    assert set(error["fields"]) == {"inclusive"}
    assert error_of(api.get(LIST, {"updated_after": "yesterday"}), 400)["fields"].keys() == {"updated_after"}


def test_yes_no_filters_read_1_and_0(client_as, facility_a, town1):
    Facility.objects.filter(pk=facility_a.pk).update(is_inclusive=False)
    api = client_as("superuser")

    def count(value):
        return api.get(LIST, {"inclusive": value, "town": town1.code}).json()["count"]

    assert count("1") == count("true") and count("0") == count("false")
    assert count("1") + count("0") == count("") and count("0") >= 1 and count("1") < count("")


@pytest.mark.parametrize("url", LISTS)
def test_an_unknown_filter_parameter_is_a_400_naming_it(url, client_as):
    error = error_of(client_as("superuser").get(url, {"modified_since": "2025-01-01"}), 400)
    assert error["code"] == "invalid" and set(error["fields"]) == {"modified_since"}
    assert error["fields"]["modified_since"][0]["code"] == "unknown_parameter"


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    "headers, params",
    [
        ({"HTTP_AUTHORIZATION": "JWT x"}, {}),
        ({"HTTP_AUTHORIZATION": "Basic ZGF4aW5nOnNlY3JldA=="}, {}),
        ({}, {"token": "tyt_secret"}),
        ({}, {"access_token": "tyt_secret"}),
    ],
)
def test_a_wrong_scheme_or_a_token_in_the_url_is_a_401(headers, params, api, seeded):
    """Never answered as an anonymous caller: a sync job would take the public directory for its scope."""
    response = api.get(LIST, params, **headers)
    assert error_of(response, 401)["code"] in ("unsupported_scheme", "credentials_in_query")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_wrong_scheme_is_a_401_even_with_a_valid_token_in_the_url(api, daxing_official):
    _token, secret = issue_token(daxing_official)
    error_of(api.get(LIST, {"token": secret}), 401)


# ---------------------------------------------------------------- language


def test_accept_language_chooses_the_language_of_errors(api, seeded):
    english = api.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert error_of(english, 404)["message"] == "Not found."
    assert english["Content-Language"] == "en"
    chinese = api.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert error_of(chinese, 404)["message"] == "未找到。"
    assert error_of(api.get("/api/v1/nowhere/"), 404)["message"] == "未找到。"  # Chinese first
    invalid = api.get(LIST, {"inclusive": "maybe"}, HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(invalid, 400)["message"].startswith("Invalid request data")
    # the parameters a client may use, listed the way each language lists things
    unknown = api.get(LIST, {"modified_since": "2025-01-01"}, HTTP_ACCEPT_LANGUAGE="en")
    listed = error_of(unknown, 400)["fields"]["modified_since"][0]["message"]
    assert "Available parameters:" in listed and ", town" in listed and "、" not in listed
    chinese = error_of(api.get(LIST, {"modified_since": "2025-01-01"}), 400)["fields"]["modified_since"][0]
    assert "、town" in chinese["message"]


# ---------------------------------------------------------------- rate limits


@pytest.fixture
def tiny_rates(settings, monkeypatch):
    rates = {"client": "3/min", "anonymous": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert rates == api_settings.DEFAULT_THROTTLE_RATES
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield rates
    cache.clear()


def rate_headers(response):
    return tuple(int(response[f"RateLimit-{name}"]) for name in ("Limit", "Remaining", "Reset"))


def test_every_response_carries_ratelimit_headers_and_429_retry_after(api, seeded, tiny_rates):
    first = api.get("/api/v1/regions/")
    assert first.status_code == 200 and rate_headers(first)[:2] == (2, 1)
    second = api.get("/api/v1/nowhere/")  # an error counts and says so too
    error_of(second, 404)
    assert rate_headers(second)[:2] == (2, 0)
    throttled = api.get("/api/v1/regions/")
    assert error_of(throttled, 429)["code"] == "throttled"
    limit, remaining, reset = rate_headers(throttled)
    assert (limit, remaining) == (2, 0) and 0 < reset <= 60
    assert 0 < int(throttled["Retry-After"]) <= 60


def test_a_token_has_its_own_ratelimit(api, daxing_official, tiny_rates):
    _token, secret = issue_token(daxing_official)
    response = api.get("/api/v1/regions/", **bearer(secret))
    assert rate_headers(response)[:2] == (3, 2)
    assert Facility.objects.exists()

"""API fixtures: generous throttles, a bare client, and API client accounts of both districts. Places,
facilities and the cast come from tests/conftest.py; `client_as` here gives DRF's APIClient."""

import pytest
from rest_framework.test import APIClient

from core.api.throttling import AnonymousRateThrottle, ClientRateThrottle
from facilities.models import RoleAssignment
from tests import cast
from tests.cast import issue_token as issue  # noqa: F401  (imported from here by the API tests)

Role = RoleAssignment.Role
URLS = "tests.api.urls_for_tests"


@pytest.fixture(autouse=True)
def generous_throttles(monkeypatch):
    """Tests make many requests from one address within a minute; DRF reads the rates once, into the
    throttle classes, so they are patched there (the throttling test sets its own tiny ones)."""
    rates = {"client": "100000/min", "anonymous": "100000/min"}
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_as(api_as):
    """client_as(role) of tests/conftest.py, with DRF's APIClient."""
    return api_as


def make_client_account(district, username):
    return cast.api_client_account(username, district)


@pytest.fixture
def daxing_client(daxing):
    """A Daxing API client account besides the cast's `api_client`, named as the token tests expect."""
    return make_client_account(daxing, "daxing_stats")


@pytest.fixture
def yubei_client(yubei):
    return make_client_account(yubei, "yubei_stats")

"""FHIR fixtures: clients with a token of a cast member, and validation of every body with the FHIR models
of fhir.resources (its R4B package: R4B changed nothing in Organization, Location, Bundle, OperationOutcome
or CapabilityStatement that our output uses, and the library ships no separate R4 package in version 8)."""

import pytest
from fhir.resources.R4B import get_fhir_model_class
from rest_framework.test import APIClient

from core.api.throttling import AnonymousRateThrottle, ClientRateThrottle
from tests import cast
from tests.helpers import bearer_client

BASE = "/fhir/"


@pytest.fixture(autouse=True)
def generous_throttles(monkeypatch):
    rates = {"client": "100000/min", "anonymous": "100000/min"}
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)


def valid(body: dict) -> dict:
    """`body` checked against the FHIR model of its resourceType (a Bundle's entries each against theirs)."""
    model = get_fhir_model_class(body["resourceType"])
    model.model_validate(body)
    for entry in body.get("entry", []):
        if "resource" in entry:
            valid(entry["resource"])
    return body


def fhir_body(response, status=200) -> dict:
    """The validated FHIR body of a response with this status, sent as application/fhir+json."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    return valid(response.json())


def outcome(response, status) -> dict:
    body = fhir_body(response, status)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"] and all(issue["severity"] == "error" for issue in body["issue"])
    return body


@pytest.fixture
def fhir_as(request):
    """fhir_as(role): an APIClient with a read-only token of the cast member `role` (`reader`: Daxing's API
    client account), or without credentials for `anonymous`."""

    def make(role):
        if role == "anonymous":
            return APIClient()
        user = request.getfixturevalue("api_client" if role == "reader" else role)
        return bearer_client(cast.issue_token(user)[1])

    return make

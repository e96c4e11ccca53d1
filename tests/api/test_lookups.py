"""Exact look-ups by the identifiers an outside system holds: `?filing_number=` and `?credit_code=` on the
facility list (one FilterSet: the API, the registry page and its export alike), scoped as every list is."""

import pytest

from facilities.filtersets import FacilityFilterSet
from facilities.models import Facility
from tests.factories import valid_credit_code
from tests.factories.facilities import filed_facility
from tests.helpers import error_of, ids

pytestmark = pytest.mark.django_db

LIST = "/api/v1/facilities/"


@pytest.fixture
def coded(facility_a, facility_b):
    """Facility A (town 1) and B (town 2), each with a credit code; A's filing number is `T-甲托育园`."""
    for number, facility in enumerate((facility_a, facility_b), start=1):
        facility.credit_code = valid_credit_code(number)
        facility.save(update_fields=["credit_code"])
    return facility_a, facility_b


def test_a_filing_number_finds_exactly_its_facility(client_as, coded):
    facility_a, facility_b = coded
    api = client_as("daxing_official")
    assert ids(api.get(LIST, {"filing_number": facility_a.filing_number})) == {facility_a.pk}
    assert ids(api.get(LIST, {"filing_number": f" {facility_b.filing_number} "})) == {facility_b.pk}
    # exact, not a substring
    assert ids(api.get(LIST, {"filing_number": facility_a.filing_number[:-1]})) == set()
    assert ids(api.get(LIST, {"filing_number": "T-不存在"})) == set()


def test_the_filing_number_is_public_so_anyone_finds_a_listed_facility_by_it(api, coded):
    facility_a, _facility_b = coded
    assert ids(api.get(LIST, {"filing_number": facility_a.filing_number})) == {facility_a.pk}


def test_a_credit_code_finds_its_facility_within_the_scope_only(client_as, coded):
    facility_a, facility_b = coded
    # any case, surrounding spaces ignored
    assert ids(client_as("daxing_official").get(LIST, {"credit_code": facility_b.credit_code.lower()})) == {
        facility_b.pk
    }
    assert ids(client_as("town1_official").get(LIST, {"credit_code": f" {facility_a.credit_code}"})) == {
        facility_a.pk
    }
    # B is in the public directory, but its credit code is internal: a town 1 official learns nothing of it
    assert ids(client_as("town1_official").get(LIST, {"credit_code": facility_b.credit_code})) == set()
    assert ids(client_as("yubei_official").get(LIST, {"credit_code": facility_a.credit_code})) == set()


def test_an_anonymous_client_cannot_look_a_credit_code_up(api, coded):
    facility_a, _facility_b = coded
    assert ids(api.get(LIST, {"credit_code": facility_a.credit_code})) == set()


def test_look_ups_combine_with_the_other_filters(client_as, coded, town1, town2):
    facility_a, _facility_b = coded
    api = client_as("daxing_official")
    assert ids(api.get(LIST, {"filing_number": facility_a.filing_number, "town": town1.code})) == {
        facility_a.pk
    }
    assert ids(api.get(LIST, {"filing_number": facility_a.filing_number, "town": town2.code})) == set()


def test_the_look_ups_are_known_parameters_and_in_the_schema(client_as, coded):
    api = client_as("daxing_official")
    error = error_of(api.get(LIST, {"filing_no": "x"}), 400)
    assert "filing_no" in error["fields"]
    schema = api.get("/api/schema/", {"format": "json"}).json()
    names = {p["name"] for p in schema["paths"]["/api/v1/facilities/"]["get"]["parameters"]}
    assert {"filing_number", "credit_code"} <= names


def test_the_registry_page_filters_by_them_too(client_as, coded, town1):
    facility_a, facility_b = coded
    other = filed_facility(town1, "丙托育园")
    page = client_as("daxing_official").get("/registry/", {"credit_code": facility_b.credit_code})
    assert page.status_code == 200
    shown = {row.pk for row in page.context["view"].queryset_filtered}
    assert shown == {facility_b.pk} and other.pk not in shown
    page = client_as("town1_official").get("/registry/", {"filing_number": facility_a.filing_number})
    assert {row.pk for row in page.context["view"].queryset_filtered} == {facility_a.pk}


def test_the_public_directory_offers_no_credit_code_filter(coded):
    public = FacilityFilterSet({}, queryset=Facility.objects.publicly_listed(), public=True)
    assert "credit_code" not in public.filters and "filing_number" in public.filters

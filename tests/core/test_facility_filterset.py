"""One FilterSet over the registry (facilities.filtersets.FacilityFilterSet) for the registry page, its
export, the API and the public directory: the internal rule flags narrow only to the facilities a user sees
in full."""

import pytest
from django.urls import reverse

from facilities import selectors
from facilities.models import Facility

pytestmark = pytest.mark.django_db


def understaffed(*facilities):
    flagged = selectors.with_flags(Facility.objects.filter(pk__in=[f.pk for f in facilities]))
    return {f.pk for f in flagged if f.flag_understaffed}


def test_the_registry_page_the_api_and_the_export_filter_by_flag_alike(
    client, daxing_official, facility_a, facility_b
):
    expected = understaffed(facility_a, facility_b)
    assert expected  # filed facilities with classes and no caregivers
    client.force_login(daxing_official)
    page = client.get(reverse("registry:list"), {"flag": "understaffed"})
    assert {f.pk for f in page.context["page"]} == expected
    api = client.get("/api/v1/facilities/", {"flag": "understaffed"}).json()
    assert {row["id"] for row in api["results"]} == expected


def test_the_api_flag_filter_leaves_out_public_records_outside_the_scope(client, operator_b, facility_a):
    assert understaffed(facility_a) == {facility_a.pk}
    client.force_login(operator_b)
    everything = {row["id"] for row in client.get("/api/v1/facilities/").json()["results"]}
    assert facility_a.pk in everything  # A is in the public directory
    flagged = client.get("/api/v1/facilities/", {"flag": "understaffed"}).json()["results"]
    assert facility_a.pk not in {row["id"] for row in flagged}


def test_the_public_directory_has_no_flag_filter(client, facility_a, facility_b):
    plain = client.get(reverse("directory:list"))
    flagged = client.get(reverse("directory:list"), {"flag": "understaffed"})
    assert flagged.context["facilities"] == plain.context["facilities"]
    assert len(plain.context["facilities"]) >= 2
    assert 'name="flag"' not in flagged.content.decode()

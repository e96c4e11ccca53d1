"""Grants follow the region tree: a role granted on a city reaches every district and town below it, in
every face (the scoping mechanism, pages, the API), and nothing outside it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core import access
from core.access import Action
from facilities.models import Facility, RoleAssignment
from targets.models import Region
from tests import cast
from tests.factories import DistrictFactory, TownFactory, UserFactory, filed_facility, grant

Role = RoleAssignment.Role


@pytest.fixture
def chongqing(seeded):
    return Region.objects.get(code="500000")


@pytest.fixture
def second_chongqing_district(chongqing):
    """A second district of Chongqing with one filed facility, so that "every district" means two."""
    district = DistrictFactory(code="500105", name="江北区", parent=chongqing)
    town = TownFactory(code="500105-01", name="观音桥街道", parent=district)
    filed_facility(town, "江北测试托育园")
    return district


@pytest.fixture
def chongqing_client(chongqing, second_chongqing_district):
    user = UserFactory(username="cq_platform")
    user.set_unusable_password()
    user.save()
    return grant(user, Role.API_CLIENT, region=chongqing)


@pytest.fixture
def chongqing_official(chongqing, second_chongqing_district):
    return grant(UserFactory(username="cq_official"), Role.DISTRICT_OFFICIAL, region=chongqing)


def test_a_city_grant_reaches_every_district_of_the_city_and_nothing_else(
    chongqing_client, yubei, daxing, second_chongqing_district, facility_a
):
    seen = set(Facility.objects.for_user(chongqing_client, Action.VIEW).values_list("district_id", flat=True))
    assert seen == {yubei.pk, second_chongqing_district.pk}
    assert daxing.pk not in seen
    assert set(access.district_ids(chongqing_client, Role.API_CLIENT)) == {
        yubei.pk,
        second_chongqing_district.pk,
    }
    districts = Region.objects.districts().for_user(chongqing_client, Action.DASHBOARD)
    assert set(districts.values_list("code", flat=True)) == {"500112", "500105"}


def test_a_city_grant_does_not_widen_what_the_role_may_do(chongqing_client, yubei):
    facility = Facility.objects.filter(district=yubei).first()
    assert access.can(chongqing_client, Action.VIEW, facility)
    assert not access.can(chongqing_client, Action.EDIT, facility)


def test_a_city_official_manages_towns_of_every_district_below(chongqing_official, second_chongqing_district):
    towns = Region.objects.towns().for_user(chongqing_official, Action.MANAGE)
    assert towns.filter(parent=second_chongqing_district).exists()
    assert towns.filter(parent__code="500112").exists()
    assert not towns.filter(parent__code="110115").exists()


def test_containment_is_the_region_and_everything_below_it(chongqing_official, yubei, daxing, yubei_town):
    assert access.contains_region(chongqing_official, yubei.pk, Role.DISTRICT_OFFICIAL)
    assert access.contains_region(chongqing_official, yubei_town.pk, Role.DISTRICT_OFFICIAL)
    assert not access.contains_region(chongqing_official, daxing.pk, Role.DISTRICT_OFFICIAL)
    district_only = cast.district_official("yubei_only", yubei)
    assert not access.contains_region(district_only, yubei.parent_id, Role.DISTRICT_OFFICIAL)


def test_a_grant_on_a_city_is_valid_for_district_level_roles_only(chongqing):
    user = UserFactory()
    RoleAssignment(user=user, role=Role.API_CLIENT, region=chongqing).full_clean()
    with pytest.raises(Exception, match="镇街"):
        RoleAssignment(user=user, role=Role.TOWN_OFFICIAL, region=chongqing).full_clean()


def test_the_city_client_reads_the_api_for_the_whole_city(chongqing_client, second_chongqing_district):
    _token, secret = cast.issue_token(chongqing_client)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get(reverse("api-facility-list"), {"page_size": 200})
    assert response.status_code == 200
    # Full records (with contacts and a version) are the scope; other rows are the public directory's.
    full = [row for row in response.json()["results"] if "version" in row]
    assert {row["district"] for row in full} == {"500112", "500105"}
    assert "江北测试托育园" in {row["name"] for row in full}

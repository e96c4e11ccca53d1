"""The service circle's writes: versions, settings, boundary files, scenarios; refusals write nothing."""

import json
from decimal import Decimal

import pytest

from core.errors import NotAllowed, ServiceError
from core.versioning import StaleVersion
from coverage import services
from coverage.models import Boundary, Community, CoverageSetting, Scenario, ScenarioSite
from tests.factories import filed_facility

pytestmark = pytest.mark.django_db

SQUARE = [[[116.3, 39.7], [116.4, 39.7], [116.4, 39.8], [116.3, 39.8], [116.3, 39.7]]]


def boundary_bytes(name="大兴区"):
    feature = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": SQUARE},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def test_a_community_edit_converts_the_point_and_refuses_a_stale_version(daxing_official):
    community = Community.objects.get(code="110115001001")
    read = community.version
    services.community_update(
        user=daxing_official,
        community=community,
        data={"population": 5000, "longitude": Decimal("116.3400"), "latitude": Decimal("39.7300")},
        version=read,
        system="gcj02",
    )
    community.refresh_from_db()
    assert community.population == 5000 and community.longitude != Decimal("116.340000")
    stale = Community.objects.get(pk=community.pk)
    with pytest.raises(StaleVersion):
        services.community_update(user=daxing_official, community=stale, data={"population": 1}, version=read)
    assert Community.objects.get(pk=community.pk).population == 5000


def test_the_setting_box_then_refuses_points_outside(daxing, daxing_official):
    services.coverage_setting_set(
        user=daxing_official,
        district=daxing,
        radius_m=800,
        detour_factor=Decimal("1.20"),
        bbox=(Decimal("116.2"), Decimal("39.4"), Decimal("116.6"), Decimal("39.9")),
    )
    assert CoverageSetting.objects.get(district=daxing).effective_radius_m == Decimal(800) / Decimal("1.2")
    community = Community.objects.get(code="110115001001")
    with pytest.raises(ServiceError, match="不在本区范围"):
        services.community_update(
            user=daxing_official,
            community=community,
            data={"longitude": Decimal("106.6"), "latitude": Decimal("29.7")},
            version=community.version,
        )
    with pytest.raises(ServiceError):
        services.coverage_setting_set(
            user=daxing_official, district=daxing, radius_m=800, detour_factor=Decimal("0.5")
        )


def test_a_boundary_upload_replaces_the_active_one(daxing, daxing_official, town1_official):
    first = services.boundary_upload(user=daxing_official, district=daxing, name="一", data=boundary_bytes())
    second = services.boundary_upload(user=daxing_official, district=daxing, name="二", data=boundary_bytes())
    assert second.feature_count == 1
    assert list(Boundary.objects.filter(district=daxing, active=True)) == [second]
    first.refresh_from_db()
    assert not first.active
    with pytest.raises(ServiceError):
        services.boundary_upload(user=daxing_official, district=daxing, name="坏", data=b"{not json")
    with pytest.raises(NotAllowed):
        services.boundary_upload(user=town1_official, district=daxing, name="三", data=boundary_bytes())
    assert Boundary.objects.filter(district=daxing).count() == 2


def test_scenarios_hold_sites_and_refuse_facilities_of_another_district(
    daxing, yubei, yubei_town, daxing_official
):
    scenario = services.scenario_create(user=daxing_official, district=daxing, name="黄村补点")
    site = services.scenario_site_add(
        user=daxing_official,
        scenario=scenario,
        kind="new",
        name="拟建园",
        longitude=116.34,
        latitude=39.73,
        inclusive_slots=40,
    )
    assert (site.longitude, site.latitude) == (Decimal("116.340000"), Decimal("39.730000"))
    elsewhere = filed_facility(yubei_town, "渝北园")
    with pytest.raises(ServiceError):
        services.scenario_site_add(
            user=daxing_official, scenario=scenario, kind="convert", facility=elsewhere, inclusive_slots=10
        )
    with pytest.raises(ServiceError):
        services.scenario_create(user=daxing_official, district=daxing, name="黄村补点")
    services.scenario_delete(user=daxing_official, scenario=scenario)
    assert not Scenario.objects.exists() and not ScenarioSite.objects.exists()

"""The region tree page (/regions/): the portal's regions with their NBS codes, for officials, scoped."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_district_official_sees_their_district_and_its_towns_with_official_codes(client_as, daxing):
    response = client_as("daxing_official").get(reverse("targets:regions"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "大兴区" in page and "110115005" in page and "黄村地区" in page  # annex name, NBS name beside it
    assert "渝北区" not in page and "500112023" not in page


def test_a_town_official_sees_only_their_town(client_as, town1):
    page = client_as("town1_official").get(reverse("targets:regions")).content.decode()
    assert "兴丰街道" in page and "林校路街道" not in page


def test_the_region_page_lists_the_nbs_units_under_it_and_which_the_plan_splits_out(client_as, daxing):
    response = client_as("daxing_official").get(reverse("targets:region", args=["110115"]))
    rows = {row.division.code: row for row in response.context["rows"]}
    assert len(rows) == 26  # 22 annex units + 荣华街道, 博兴街道, 北京经济技术开发区, 大兴国际机场
    assert rows["110115005"].region.name == "黄村镇"
    assert rows["110115012"].division.name == "荣华街道" and rows["110115012"].region is None
    assert [a.name for a in response.context["ancestors"]] == ["北京市", "市辖区"]


def test_a_town_page_lists_its_communities(client_as, town1):
    response = client_as("town1_official").get(reverse("targets:region", args=["110115001"]))
    assert response.context["rows"] and all(len(r.division.code) == 12 for r in response.context["rows"])


@pytest.mark.parametrize("role", ["operator_a", "nobody"])
def test_not_for_operators_or_users_without_a_role(client_as, role, daxing):
    assert client_as(role).get(reverse("targets:regions")).status_code == 404


def test_a_region_outside_the_officials_scope_is_404(client_as, yubei):
    assert client_as("daxing_official").get(reverse("targets:region", args=["500112"])).status_code == 404

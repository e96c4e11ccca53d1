"""The service circle's pages: who may open them, what they show, and that every write goes through the
services (imports all-or-nothing, scenarios never touching the registry, exports with numeric cells).

The world: Daxing (110115) with its seeded communities (codes and names only). Two of town 1's get a point
and residents; one inclusive facility sits next to the first, so the first is covered and the second (500 m
further east than the radius) is not; a filed, operating facility without a point is 未定位.
"""

import io
import json
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from core import geo
from core.spreadsheets import SheetSpec, write_workbook
from coverage.models import Boundary, Community, CoverageSetting, Scenario, ScenarioSite
from facilities.models import Facility
from targets.models import Region
from tests import cast
from tests.factories import filed_facility

LAT = Decimal("39.730000")
NEAR, FAR = Decimal("116.340000"), Decimal("116.370000")  # 0.03° ≈ 2.6 km apart at 39.7°N
SQUARE = [[[116.2, 39.6], [116.5, 39.6], [116.5, 39.9], [116.2, 39.9], [116.2, 39.6]]]


@pytest.fixture
def daxing(db):
    return Region.objects.get(code="110115")


@pytest.fixture
def town1(daxing):
    return Region.objects.get(code="110115001")


@pytest.fixture
def town2(daxing):
    return Region.objects.get(code="110115002")


@pytest.fixture
def world(daxing, town1, town2):
    first, second = Community.objects.filter(town=town1).order_by("code")[:2]
    Community.objects.filter(pk=first.pk).update(
        population=3000, infants_under_3=90, longitude=NEAR, latitude=LAT, name="近园社区"
    )
    Community.objects.filter(pk=second.pk).update(
        population=5000, infants_under_3=150, longitude=FAR, latitude=LAT, name="远园社区"
    )
    other = Community.objects.filter(town=town2).order_by("code").first()
    Community.objects.filter(pk=other.pk).update(name="二镇社区", population=100)
    near = filed_facility(town1, "近园普惠托育", longitude=NEAR + Decimal("0.002"), latitude=LAT)
    lost = filed_facility(town1, "无坐标托育园")
    return {
        "near": Community.objects.get(pk=first.pk),
        "far": Community.objects.get(pk=second.pk),
        "other": Community.objects.get(pk=other.pk),
        "facility": near,
        "unlocated": lost,
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def official(daxing):
    return client_for(cast.district_official("cov_daxing", daxing))


@pytest.fixture
def town_official(town1):
    return client_for(cast.town_official("cov_town1", town1))


@pytest.fixture
def operator(world):
    return client_for(cast.operator("cov_operator", world["facility"]))


@pytest.fixture
def yubei_official(db):
    return client_for(cast.district_official("cov_yubei", Region.objects.get(code="500112")))


def map_json(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="coverage-map-data" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


# ------------------------------------------------------------------------------------------- who sees what


def test_the_district_page_shows_the_figures_the_radius_and_the_unlocated(official, world):
    response = official.get("/coverage/110115/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "直线1000米是15分钟步行的常用规划近似" in html
    assert "服务半径 1000 米（直线），绕行系数 1.00" in html
    # the uncovered community is listed (ranked by infants), the unlocated facility too
    uncovered = html.split('id="table-uncovered"')[1].split('id="table-unlocated"')[0]
    assert "远园社区" in uncovered and "近园社区" not in uncovered
    assert "无坐标托育园" in html.split('id="table-unlocated"')[1]
    data = map_json(response)
    covered = {c["name"]: c["covered"] for c in data["communities"]}
    assert covered == {"近园社区": True, "远园社区": False}
    assert data["boundary"] is None and data["radiusM"] == 1000.0
    assert any(f["name"] == "近园普惠托育" and f["inclusive"] for f in data["facilities"])
    assert all(f["name"] != "无坐标托育园" for f in data["facilities"])
    assert 'src="/static/js/coverage_map.js"' in html


def test_yubei_states_its_reported_goal_beside_the_measured_figure(db):
    yubei = Region.objects.get(code="500112")
    client = client_for(cast.district_official("cov_yubei_goal", yubei))
    html = client.get("/coverage/500112/").content.decode()
    goals = html.split('id="coverage-goals"')[1].split("</table>")[0]
    assert "实现“15 分钟托育服务圈”" in goals
    measured = html.split('id="coverage-goals"')[1].split('class="card-footer')[1].split("</div>")[0]
    assert "实测" in measured and "婴幼儿普惠覆盖率" in measured  # beside the goals, not as their score


def test_a_town_official_reads_their_town_only_and_changes_nothing(town_official, world):
    response = town_official.get("/coverage/110115/?town=110115002")
    names = {c["name"] for c in map_json(response)["communities"]}
    assert names == {"近园社区", "远园社区"}
    assert response.context["town"].code == "110115001"
    table = town_official.get("/coverage/110115/table/").content.decode()
    assert "远园社区" in table and "二镇社区" not in table
    listing = town_official.get("/coverage/110115/communities/").content.decode()
    assert "近园社区" in listing and "二镇社区" not in listing
    assert f"/coverage/communities/{world['near'].pk}/edit/" not in listing
    for url in [
        "/coverage/110115/import/",
        "/coverage/110115/boundary/",
        "/coverage/110115/settings/",
        "/coverage/110115/scenarios/",
        f"/coverage/communities/{world['near'].pk}/edit/",
    ]:
        assert town_official.get(url).status_code == 404, url


def test_operators_other_districts_and_the_public_get_nothing(operator, yubei_official, world):
    for url in [
        "/coverage/",
        "/coverage/110115/",
        "/coverage/110115/table/",
        "/coverage/110115/communities/",
    ]:
        assert operator.get(url).status_code == 404, url
    assert yubei_official.get("/coverage/110115/").status_code == 404
    assert yubei_official.get(f"/coverage/communities/{world['near'].pk}/edit/").status_code == 404
    response = Client().get("/coverage/110115/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_index_sends_a_one_district_official_to_their_district(official):
    response = official.get("/coverage/")
    assert response.status_code == 302 and response["Location"].endswith("/coverage/110115/")


# ------------------------------------------------------------------------------------------------- export


def test_the_export_opens_with_numbers_as_numbers(official, world, town1):
    response = official.get("/coverage/110115/?export=all")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    towns = next(ws for ws in book.worksheets if ws.title.startswith("各镇街"))
    header = [cell.value for cell in towns[1]]
    assert header[0] == "镇街" and "人口普惠覆盖率（%）" in header
    town1_row = next(row for row in towns.iter_rows(min_row=2, values_only=True) if row[0] == town1.name)
    share = town1_row[header.index("人口普惠覆盖率（%）")]
    population = town1_row[header.index("常住人口")]
    assert isinstance(population, int) and population == 8000
    assert isinstance(share, int | float) and share == pytest.approx(3000 / 8000 * 100)
    uncovered = next(ws for ws in book.worksheets if ws.title.startswith("未被普惠"))
    rows = list(uncovered.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "远园社区" and rows[0][4] == 150
    assert any(ws.title == "说明" for ws in book.worksheets)


def test_an_unknown_export_is_404(official, world):
    assert official.get("/coverage/110115/?export=nothing").status_code == 404


# ------------------------------------------------------------------------------------------------- import


def community_book(rows) -> bytes:
    columns = [
        (title, None) for title in ("社区代码", "社区名称", "常住人口", "3岁以下婴幼儿", "经度", "纬度")
    ]
    return write_workbook([SheetSpec(title="社区", columns=columns, rows=rows)])


def upload(client, content: bytes, **data):
    file = io.BytesIO(content)
    file.name = "社区.xlsx"
    return client.post("/coverage/110115/import/", {"file": file, "system": "wgs84", **data})


def test_the_import_writes_nothing_when_one_row_fails(official, world):
    near, far = world["near"], world["far"]
    content = community_book(
        [
            (near.code, near.name, 3100, 95, None, None),
            (far.code, far.name, 5200, 160, 106.5, 29.7),  # in Chongqing: fine on its own (no box set)
            ("110115999999", "不存在的社区", 10, 1, None, None),
        ]
    )
    response = upload(official, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-problems"' in html and "未导入任何数据" in html
    near.refresh_from_db()
    assert near.population == 3000 and not Community.objects.filter(code="110115999999").exists()


def test_the_import_converts_gcj02_and_reports_each_row(official, world):
    near = world["near"]
    content = community_book([(near.code, near.name, 3100, None, 116.346, 39.731)])
    preview = upload(official, content, system="gcj02", dry_run="on")
    assert "预览（未写入）" in preview.content.decode()
    near.refresh_from_db()
    assert near.population == 3000
    response = upload(official, content, system="gcj02")
    assert "新增 0，修改 1，未变 0" in response.content.decode()
    near.refresh_from_db()
    assert near.population == 3100 and near.infants_under_3 == 90  # an empty cell keeps the value
    assert (near.longitude, near.latitude) == geo.to_wgs84(Decimal("116.346"), Decimal("39.731"), "gcj02")
    assert near.longitude != Decimal("116.346000")


# ------------------------------------------------------------------------------------- community, settings


def test_a_community_is_edited_with_its_point_converted_and_its_version_checked(official, world):
    near = world["near"]
    url = f"/coverage/communities/{near.pk}/edit/"
    assert official.get(url).status_code == 200
    data = {
        "name": "近园社区",
        "population": "3200",
        "infants_under_3": "99",
        "longitude": "116.352",
        "latitude": "39.737",
        "system": "bd09",
        "source_note": "2024年街道统计",
        "version": str(near.version),
    }
    response = official.post(url, data)
    assert response.status_code == 302
    near.refresh_from_db()
    assert near.population == 3200 and near.source_note == "2024年街道统计"
    assert (near.longitude, near.latitude) == geo.to_wgs84(Decimal("116.352"), Decimal("39.737"), "bd09")
    stale = official.post(url, {**data, "population": "1"})  # the version read before the save
    assert stale.status_code == 200
    near.refresh_from_db()
    assert near.population == 3200


def test_the_community_list_filters_with_the_apis_filterset(official, world):
    """Town, located and search: the same CommunityFilterSet as /api/v1/communities/."""
    located = official.get("/coverage/110115/communities/?located=true").content.decode()
    assert "近园社区" in located and "远园社区" in located and "二镇社区" not in located
    found = official.get("/coverage/110115/communities/?search=近园").content.decode()
    assert "近园社区" in found and "远园社区" not in found
    unlocated = official.get("/coverage/110115/communities/?located=false").content.decode()
    assert "二镇社区" in unlocated and "近园社区" not in unlocated


def test_the_settings_change_the_radius_the_page_states(official, world, daxing):
    response = official.post(
        "/coverage/110115/settings/",
        {"radius_m": "3000", "detour_factor": "1.25", "bbox_min_lon": "", "bbox_min_lat": ""},
    )
    assert response.status_code == 302
    setting = CoverageSetting.objects.get(district=daxing)
    assert (setting.radius_m, setting.detour_factor) == (3000, Decimal("1.25"))
    html = official.get("/coverage/110115/").content.decode()
    assert "服务半径 3000 米（直线），绕行系数 1.25，计算用半径 2400.00 米" in html
    assert map_json(official.get("/coverage/110115/"))["radiusM"] == 2400.0
    half_box = official.post(
        "/coverage/110115/settings/", {"radius_m": "1000", "detour_factor": "1", "bbox_min_lon": "116"}
    )
    assert half_box.status_code == 200 and "范围须四项都填或都留空" in half_box.content.decode()


# ----------------------------------------------------------------------------------------------- boundary


def test_a_boundary_is_validated_stored_and_drawn(official, world, daxing):
    bad = io.BytesIO(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature"}]}).encode())
    bad.name = "bad.geojson"
    response = official.post("/coverage/110115/boundary/", {"name": "大兴区", "file": bad})
    assert response.status_code == 200 and "第 1 个要素" in response.content.decode()
    assert not Boundary.objects.filter(district=daxing).exists()

    good = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "黄村镇"},
                "geometry": {"type": "Polygon", "coordinates": SQUARE},
            }
        ],
    }
    file = io.BytesIO(json.dumps(good).encode())
    file.name = "daxing.geojson"
    assert (
        official.post("/coverage/110115/boundary/", {"name": "大兴区镇街", "file": file}).status_code == 302
    )
    boundary = Boundary.objects.get(district=daxing, active=True)
    assert boundary.feature_count == 1
    data = map_json(official.get("/coverage/110115/"))
    assert data["boundary"]["features"][0]["properties"]["name"] == "黄村镇"


# ---------------------------------------------------------------------------------------------- scenarios


def test_a_scenario_is_compared_and_never_changes_the_registry(official, world, daxing):
    facilities_before = list(
        Facility.objects.values_list("pk", "is_inclusive", "inclusive_slots", "longitude")
    )
    communities_before = list(Community.objects.values_list("pk", "population", "longitude", "version"))

    response = official.post("/coverage/110115/scenarios/", {"name": "远园新增"})
    scenario = Scenario.objects.get(district=daxing, name="远园新增")
    assert response["Location"] == f"/coverage/scenarios/{scenario.pk}/"
    url = f"/coverage/scenarios/{scenario.pk}/"
    added = official.post(
        url,
        {
            "kind": "new",
            "new-name": "远园拟建",
            "new-longitude": str(FAR),
            "new-latitude": str(LAT),
            "new-system": "wgs84",
            "new-inclusive_slots": "40",
        },
    )
    assert added.status_code == 302
    private = filed_facility(
        world["near"].town, "私立园", inclusive=False, inclusive_slots=0, longitude=FAR, latitude=LAT
    )
    converted = official.post(
        url, {"kind": "convert", "convert-facility": str(private.pk), "convert-inclusive_slots": "10"}
    )
    assert converted.status_code == 302
    assert scenario.sites.count() == 2

    page = official.get(url)
    html = page.content.decode()
    comparison = html.split('id="table-comparison"')[1].split("</table>")[0]
    assert world["near"].town.name in comparison
    before, after = page.context["before"], page.context["after"]
    town = {t.code: t for t in after.towns}["110115001"]
    old = {t.code: t for t in before.towns}["110115001"]
    assert old.share_population_inclusive == Decimal(3000) / Decimal(8000)
    assert town.share_population_inclusive == Decimal(1)
    assert any(f["hypothetical"] for f in map_json(page)["facilities"])

    private.refresh_from_db()
    assert not private.is_inclusive and private.inclusive_slots == 0
    facilities_after = list(
        Facility.objects.exclude(pk=private.pk).values_list(
            "pk", "is_inclusive", "inclusive_slots", "longitude"
        )
    )
    assert facilities_after == facilities_before
    assert (
        list(Community.objects.values_list("pk", "population", "longitude", "version")) == communities_before
    )

    site = scenario.sites.get(kind=ScenarioSite.Kind.NEW)
    assert official.post(f"/coverage/scenario-sites/{site.pk}/delete/").status_code == 302
    assert official.post(f"/coverage/scenarios/{scenario.pk}/delete/").status_code == 302
    assert not Scenario.objects.filter(pk=scenario.pk).exists()


def test_a_new_site_outside_china_is_refused_on_the_form(official, world, daxing):
    official.post("/coverage/110115/scenarios/", {"name": "错位"})
    scenario = Scenario.objects.get(district=daxing, name="错位")
    response = official.post(
        f"/coverage/scenarios/{scenario.pk}/",
        {
            "kind": "new",
            "new-name": "海上",
            "new-longitude": "10.0",  # Europe: a valid point, outside China's box
            "new-latitude": "50.0",
            "new-system": "wgs84",
            "new-inclusive_slots": "40",
        },
    )
    assert response.status_code == 200
    assert "不在" in response.content.decode() and not scenario.sites.exists()


def test_the_same_scenario_name_twice_is_refused(official, daxing):
    official.post("/coverage/110115/scenarios/", {"name": "甲方案"})
    response = official.post("/coverage/110115/scenarios/", {"name": "甲方案"})
    assert response.status_code == 200 and "同名方案" in response.content.decode()
    assert Scenario.objects.filter(district=daxing, name="甲方案").count() == 1


# ------------------------------------------------------------------------------ facility form and roster


def facility_form(district, **data):
    from facilities.forms import FacilityForm

    base = {"name": "坐标园", "kind": Facility.Kind.PRIVATE, "district": district.pk}
    return FacilityForm({**base, **data}, districts=Region.objects.filter(pk=district.pk))


def test_the_facility_form_converts_coordinates_to_wgs84(daxing):
    form = facility_form(daxing, longitude="116.346", latitude="39.731", coord_system="gcj02")
    form.is_valid()
    assert "longitude" not in form.errors and "coord_system" not in form.cleaned_data
    assert (form.cleaned_data["longitude"], form.cleaned_data["latitude"]) == geo.to_wgs84(
        Decimal("116.346"), Decimal("39.731"), "gcj02"
    )
    blank = facility_form(daxing)
    blank.is_valid()
    assert blank.cleaned_data["longitude"] is None and "longitude" not in blank.errors
    half = facility_form(daxing, longitude="116.346")
    assert not half.is_valid() and "同时填写" in str(half.errors["latitude"])
    swapped = facility_form(daxing, longitude="39.731", latitude="116.346")
    assert not swapped.is_valid() and "不在允许范围内" in str(swapped.errors["longitude"])


def test_the_roster_reads_coordinates_in_the_system_of_each_row(daxing):
    from facilities.importers import _class_types, import_facility_roster, roster_columns

    user = cast.superuser("cov_roster_admin")
    columns = roster_columns(_class_types())
    headers = [column.header for column in columns]

    def row(**cells):
        values = {
            "机构名称": cells.pop("name"),
            "机构类型": "社区托育点",
            "托小班班数": 1,
            "托小班每班人数": 15,
        }
        values.update(cells)
        return [values.get(h) for h in headers]

    content = write_workbook(
        [
            SheetSpec(
                title="机构名册",
                columns=[(h, None) for h in headers],
                rows=[
                    row(name="高德坐标园", 经度=116.346, 纬度=39.731, 坐标系="高德"),
                    row(name="GPS坐标园", 经度=116.35, 纬度=39.74),
                    row(name="无坐标园"),
                ],
            )
        ]
    )
    result = import_facility_roster(content, district=daxing, user=user, dry_run=False)
    assert result.created == 3
    gcj = Facility.objects.get(name="高德坐标园")
    assert (gcj.longitude, gcj.latitude) == geo.to_wgs84(Decimal("116.346"), Decimal("39.731"), "gcj02")
    assert (Facility.objects.get(name="GPS坐标园").longitude) == Decimal("116.350000")
    assert Facility.objects.get(name="无坐标园").longitude is None

    bad = write_workbook(
        [
            SheetSpec(
                title="机构名册",
                columns=[(h, None) for h in headers],
                rows=[row(name="境外园", 经度=100.0, 纬度=60.0), row(name="半填园", 经度=116.34)],
            )
        ]
    )
    from core.spreadsheets import WorkbookError

    with pytest.raises(WorkbookError) as refused:
        import_facility_roster(bad, district=daxing, user=user, dry_run=False)
    reasons = " ".join(p.reason for p in refused.value.problems)
    assert "坐标不在本区范围内" in reasons and "同时填写" in reasons
    assert not Facility.objects.filter(name__in=["境外园", "半填园"]).exists()

"""The community import: a real .xlsx, all-or-nothing, coordinates converted and checked against the box."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from core import geo
from core.errors import NotAllowed
from core.spreadsheets import WorkbookError
from coverage import services
from coverage.models import Community, CoverageSetting

pytestmark = pytest.mark.django_db

HEADER = ["社区代码", "社区名称", "常住人口", "3岁以下婴幼儿", "经度", "纬度"]
# Two seeded Daxing communities (NBS 2023 codes), and points in Daxing's Huangcun (黄村).
ROW_1 = ["110115001001", "富强西里社区居委会", 6200, 140, 116.3302, 39.7401]
ROW_2 = ["110115001002", "富强东里社区居委会", 5100, None, 116.3345, 39.7422]


def xlsx(*rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_seed_holds_the_communities_without_figures(seeded):
    community = Community.objects.get(code="110115001001")
    assert community.town.code == "110115001"
    assert (community.population, community.infants_under_3, community.longitude) == (None, None, None)
    assert Community.objects.filter(town__parent__code="500112").count() > 100


def test_a_good_file_imports_and_a_second_run_changes_nothing(daxing, daxing_official):
    result = services.import_communities(
        xlsx(ROW_1, ROW_2), district=daxing, system="wgs84", user=daxing_official
    )
    assert (result.total_rows, result.updated, result.unchanged) == (2, 2, 0)
    one = Community.objects.get(code="110115001001")
    assert (one.population, one.infants_under_3) == (6200, 140)
    assert (one.longitude, one.latitude) == (Decimal("116.330200"), Decimal("39.740100"))
    two = Community.objects.get(code="110115001002")
    assert two.infants_under_3 is None  # an empty cell stays unknown
    again = services.import_communities(
        xlsx(ROW_1, ROW_2), district=daxing, system="wgs84", user=daxing_official
    )
    assert (again.updated, again.unchanged) == (0, 2)


def test_gcj02_points_are_stored_as_wgs84(daxing, daxing_official):
    services.import_communities(xlsx(ROW_1), district=daxing, system="gcj02", user=daxing_official)
    one = Community.objects.get(code="110115001001")
    assert (one.longitude, one.latitude) == geo.to_wgs84(116.3302, 39.7401, "gcj02")
    assert one.longitude != Decimal("116.330200")


def test_a_bad_row_refuses_the_whole_file(daxing, daxing_official):
    CoverageSetting.objects.create(
        district=daxing,
        bbox_min_lon=Decimal("116.2"),
        bbox_min_lat=Decimal("39.4"),
        bbox_max_lon=Decimal("116.6"),
        bbox_max_lat=Decimal("39.9"),
    )
    outside = ["110115001003", "黄村西里社区居委会", 4000, 90, 106.63, 29.72]  # a point in Yubei
    foreign = ["500112001001", "渝北的社区", 100, 1, None, None]
    negative = ["110115001004", "黄村中里社区居委会", -5, 1, None, None]
    with pytest.raises(WorkbookError) as refused:
        services.import_communities(
            xlsx(ROW_1, outside, foreign, negative), district=daxing, system="wgs84", user=daxing_official
        )
    problems = [str(p) for p in refused.value.problems]
    assert len(problems) == 3, problems
    assert any("第3行" in p and "不在本区范围" in p for p in problems)
    assert any("第4行" in p and "不属于" in p for p in problems)
    assert any("第5行" in p and "负数" in p for p in problems)
    assert Community.objects.get(code="110115001001").population is None  # nothing saved


def test_only_the_district_official_imports(daxing, town1_official, yubei_official):
    for user in (town1_official, yubei_official):
        with pytest.raises(NotAllowed):
            services.import_communities(xlsx(ROW_1), district=daxing, system="wgs84", user=user)


def test_the_command_imports_through_the_same_service(daxing, daxing_official, tmp_path, capsys):
    path = tmp_path / "communities.xlsx"
    path.write_bytes(xlsx(ROW_1))
    call_command(
        "import_communities", str(path), district="110115", system="bd09", user=daxing_official.username
    )
    assert "已导入" in capsys.readouterr().out
    one = Community.objects.get(code="110115001001")
    assert (one.longitude, one.latitude) == geo.to_wgs84(116.3302, 39.7401, "bd09")

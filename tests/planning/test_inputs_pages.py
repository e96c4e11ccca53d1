"""Planning inputs on the portal's pages (not the admin): population per district and town and year, with
its source and history; a stale edit is refused; only the district's officials write."""

import pytest

from targets.models import PopulationStat, SourceDocument

pytestmark = pytest.mark.django_db
NEW = "/planning/districts/110115/population/new/"


def body(region, **changes):
    return {
        "region": region.pk,
        "year": "2025",
        "infants_under_3": "1200",
        "resident_population": "",
        "source_title": "黄村镇2025年人口统计（测试）",
        "source_issuer": "黄村镇人民政府",
        **changes,
    }


class TestPopulationPages:
    def test_a_district_official_enters_a_towns_infants_with_a_new_source(self, client_as, town1):
        client = client_as("daxing_official")
        assert client.get(NEW).status_code == 200
        response = client.post(NEW, body(town1))
        assert response.status_code == 302
        row = PopulationStat.objects.get(region=town1, year=2025)
        assert row.infants_under_3 == 1200 and row.resident_population is None
        assert row.source.title == "黄村镇2025年人口统计（测试）"
        assert row.source.region.code == "110115"
        page = client.get("/planning/districts/110115/population/").content.decode()
        assert "1,200" in page and "黄村镇2025年人口统计（测试）" in page

    def test_an_existing_source_can_be_chosen(self, client_as, daxing):
        source = SourceDocument.objects.filter(region=daxing).first()
        response = client_as("daxing_official").post(
            NEW, body(daxing, year="2026", source=source.pk, source_title="", infants_under_3="30000")
        )
        assert response.status_code == 302
        assert PopulationStat.objects.get(region=daxing, year=2026).source == source

    def test_edits_keep_history_and_a_stale_edit_is_refused(self, client_as, town1):
        client = client_as("daxing_official")
        client.post(NEW, body(town1))
        row = PopulationStat.objects.get(region=town1, year=2025)
        url = f"/planning/districts/110115/population/{row.pk}/"
        assert client.post(url, body(town1, infants_under_3="1300", version="1")).status_code == 302
        stale = client.post(url, body(town1, infants_under_3="999", version="1"))
        assert stale.status_code == 200
        assert "已被他人修改" in stale.content.decode()
        row.refresh_from_db()
        assert (row.infants_under_3, row.version) == (1300, 2)
        page = client.get(url).content.decode()
        assert 'id="history"' in page and "1200 → 1300" in page

    def test_a_second_row_for_the_same_year_is_refused(self, client_as, town1):
        client = client_as("daxing_official")
        client.post(NEW, body(town1))
        again = client.post(NEW, body(town1, infants_under_3="5"))
        assert again.status_code == 200
        assert "该地区该年份已有人口统计" in again.content.decode()
        assert PopulationStat.objects.get(region=town1, year=2025).infants_under_3 == 1200

    def test_negative_figures_and_a_missing_source_are_refused(self, client_as, town1):
        client = client_as("daxing_official")
        assert client.post(NEW, body(town1, infants_under_3="-5")).status_code == 200
        assert client.post(NEW, body(town1, source_title="")).status_code == 200
        assert not PopulationStat.objects.filter(region=town1).exists()

    def test_a_town_of_another_district_cannot_be_chosen(self, client_as, yubei_town):
        response = client_as("daxing_official").post(NEW, body(yubei_town))
        assert response.status_code == 200
        assert not PopulationStat.objects.filter(region=yubei_town, year=2025).exists()

    @pytest.mark.parametrize("role", ["town1_official", "yubei_official", "api_client", "operator_a"])
    def test_only_the_districts_officials_write(self, client_as, role, town1):
        client = client_as(role)
        assert client.get(NEW).status_code == 404
        assert client.post(NEW, body(town1)).status_code == 404
        assert not PopulationStat.objects.filter(region=town1).exists()

    @pytest.mark.parametrize(
        ("role", "status"), [("daxing_official", 200), ("api_client", 200), ("town1_official", 404)]
    )
    def test_who_reads_the_list(self, client_as, role, status):
        assert client_as(role).get("/planning/districts/110115/population/").status_code == status


class TestPopulationImport:
    """Infants by town from a sheet: all or nothing (planning.population_import, import_population)."""

    HEADER = ["地区代码", "年份", "3岁以下婴幼儿（人）", "常住人口（人）", "出生人口（人）", "育龄妇女（人）"]

    def sheet(self, rows):
        from io import BytesIO

        from openpyxl import Workbook

        book = Workbook()
        book.active.append(self.HEADER)
        for row in rows:
            book.active.append([*row, None, None])
        out = BytesIO()
        book.save(out)
        return out.getvalue()

    def run(self, daxing, user, rows, **kwargs):
        from planning.population_import import import_population

        return import_population(
            self.sheet(rows), district=daxing, user=user, source_title="镇街人口（导入测试）", **kwargs
        )

    def test_rows_are_imported_with_their_source(self, daxing, town1, town2, daxing_official):
        result = self.run(
            daxing, daxing_official, [["110115001", 2025, 1800, None], ["110115002", 2025, 950, 61000]]
        )
        assert (result.created, result.updated) == (2, 0)
        rows = {r.region_id: r for r in PopulationStat.objects.filter(year=2025, region__in=[town1, town2])}
        assert rows[town1.pk].infants_under_3 == 1800 and rows[town2.pk].resident_population == 61000
        assert rows[town1.pk].source.title == "镇街人口（导入测试）"
        again = self.run(daxing, daxing_official, [["110115001", 2025, 1850, None]])
        assert (again.created, again.updated) == (0, 1)
        assert PopulationStat.objects.get(region=town1, year=2025).infants_under_3 == 1850

    def test_one_bad_row_and_nothing_is_written(self, daxing, town1, daxing_official):
        from core.spreadsheets import WorkbookError

        with pytest.raises(WorkbookError) as refused:
            self.run(
                daxing, daxing_official, [["110115001", 2025, 1800, None], ["500112023", 2025, 10, None]]
            )
        assert "不是本区或本区镇街的代码" in str(refused.value.problems[0])
        with pytest.raises(WorkbookError):
            self.run(daxing, daxing_official, [["110115001", 2025, 1800, None], ["110115001", 2025, 5, None]])
        with pytest.raises(WorkbookError):
            self.run(daxing, daxing_official, [["110115001", 2025, -3, None]])
        assert not PopulationStat.objects.filter(region=town1).exists()
        assert not SourceDocument.objects.filter(title="镇街人口（导入测试）").exists()

    def test_dry_run_writes_nothing(self, daxing, town1, daxing_official):
        result = self.run(daxing, daxing_official, [["110115001", 2025, 1800, None]], dry_run=True)
        assert result.created == 1
        assert not PopulationStat.objects.filter(region=town1).exists()

    def test_the_command(self, daxing, town1, daxing_official, yubei_official, tmp_path):
        from django.core.management import call_command

        path = tmp_path / "population.xlsx"
        path.write_bytes(self.sheet([["110115001", 2025, 1800, None]]))
        call_command(
            "import_population",
            str(path),
            district="110115",
            user="daxing_official",
            source_title="镇街人口（命令测试）",
        )
        assert PopulationStat.objects.get(region=town1, year=2025).source.title == "镇街人口（命令测试）"
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="无权导入"):
            call_command(
                "import_population", str(path), district="110115", user="yubei_official", source_title="x"
            )

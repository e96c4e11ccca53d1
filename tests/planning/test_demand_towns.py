"""Per-town demand (planning.demand): infants under 3 per town × enrolment wish against the town's slots and
pipeline, with named scenarios beside the district's adopted setting (which a scenario never changes); the
page, its export and /api/v1/town-demand/ show the one computation."""

import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from planning import demand, services
from planning.models import DemandAssumption, DemandScenario
from subsidies.models import Milestone, Project
from targets.models import PopulationStat, Region, SourceDocument

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def bulletin(daxing):
    return SourceDocument.objects.create(
        key="test-daxing-bulletin", title="大兴区2025年人口抽样（测试）", status="final", region=daxing
    )


@pytest.fixture
def town_infants(town1, town2, bulletin):
    """Town 1: 1,000 infants under 3 (2025); town 2: 333 (2024, the latest it has by 2025)."""
    PopulationStat.objects.create(region=town1, year=YEAR, infants_under_3=1000, source=bulletin)
    PopulationStat.objects.create(region=town2, year=YEAR - 1, infants_under_3=333, source=bulletin)


def rows_by_code(table):
    return {row.code: row for row in table.rows}


class TestComputation:
    def test_needed_and_gaps_by_hand(self, daxing, town1, town2, town_infants, facility_a, daxing_official):
        # facility A: 30 slots in town 1; a project of 50 planned slots in town 2, due after the as-of date
        project = Project.objects.create(
            kind=Project.Kind.TOWN_PARK, district=daxing, town=town2, name="二号园", planned_slots=50
        )
        Milestone.objects.create(
            project=project, stage=Milestone.Stage.IN_SERVICE, planned_date=datetime.date(2030, 6, 30)
        )
        services.demand_set(user=daxing_official, district=daxing, percent=Decimal("33"), note="调查")
        services.scenario_save(user=daxing_official, district=daxing, name="意愿 40 %", percent=Decimal("40"))
        table = demand.town_demand(daxing, YEAR)
        assert [rate.percent for rate in table.rates] == [Decimal("33"), Decimal("40")]
        rows = rows_by_code(table)
        one, two = rows[town1.code], rows[town2.code]
        assert (one.infants, one.population_year, one.actual_slots, one.pipeline_slots) == (1000, 2025, 30, 0)
        assert (two.infants, two.population_year, two.actual_slots, two.pipeline_slots) == (333, 2024, 0, 50)
        # 1000 × 33 % = 330; 1000 × 40 % = 400
        assert [(f.needed, f.gap, f.gap_after_pipeline) for f in one.figures] == [
            (330, 300, 300),
            (400, 370, 370),
        ]
        # 333 × 33 % = 109.89 → 110; 333 × 40 % = 133.2 → 133
        assert [(f.needed, f.gap, f.gap_after_pipeline) for f in two.figures] == [
            (110, 110, 60),
            (133, 133, 83),
        ]
        # a town without a population row: nothing is guessed
        third = next(row for row in table.rows if row.code not in (town1.code, town2.code))
        assert third.infants is None and [f.needed for f in third.figures] == [None, None]
        totals = table.totals
        assert totals.infants == 1333
        assert [f.needed for f in totals.figures] == [440, 533]
        assert table.towns_with_infants == 2
        assert len(table.rows) == Region.objects.filter(parent=daxing, level="town").count()

    def test_without_an_adopted_setting_the_default_is_marked(self, daxing, town_infants):
        table = demand.town_demand(daxing, YEAR)
        assert table.adopted.is_default
        assert table.adopted.percent == Decimal("33")


class TestScenariosLeaveTheAdoptedSettingAlone:
    def test_saving_changing_and_deleting_a_scenario(self, daxing, daxing_official):
        adopted = services.demand_set(
            user=daxing_official, district=daxing, percent=Decimal("35"), note="调查"
        )
        before = (adopted.enrolment_wish_percent, adopted.note, adopted.version)
        scenario = services.scenario_save(
            user=daxing_official, district=daxing, name="意愿 40 %", percent=Decimal("40")
        )
        services.scenario_save(
            user=daxing_official,
            district=daxing,
            name="意愿 45 %",
            percent=Decimal("45"),
            scenario=scenario,
            version=scenario.version,
        )
        services.scenario_save(user=daxing_official, district=daxing, name="意愿 20 %", percent=Decimal("20"))
        services.scenario_delete(user=daxing_official, scenario=DemandScenario.objects.get(name="意愿 20 %"))
        adopted.refresh_from_db()
        assert (adopted.enrolment_wish_percent, adopted.note, adopted.version) == before
        assert DemandAssumption.objects.filter(district=daxing).count() == 1
        assert list(DemandScenario.objects.values_list("name", "enrolment_wish_percent")) == [
            ("意愿 45 %", Decimal("45.00"))
        ]

    def test_the_page_saves_a_scenario_and_not_the_setting(self, client_as, daxing, daxing_official):
        services.demand_set(user=daxing_official, district=daxing, percent=Decimal("33"))
        response = client_as("daxing_official").post(
            "/planning/districts/110115/demand/scenarios/new/",
            {"name": "意愿 40 %", "enrolment_wish_percent": "40", "note": "高意愿假设"},
        )
        assert response.status_code == 302
        assert DemandAssumption.objects.get(district=daxing).enrolment_wish_percent == Decimal("33")
        assert DemandScenario.objects.get(district=daxing).enrolment_wish_percent == Decimal("40")

    def test_a_stale_scenario_edit_is_refused(self, client_as, daxing, daxing_official):
        scenario = services.scenario_save(
            user=daxing_official, district=daxing, name="意愿 40 %", percent=Decimal("40")
        )
        services.scenario_save(
            user=daxing_official, district=daxing, name="意愿 40 %", percent=Decimal("41"), scenario=scenario
        )
        response = client_as("daxing_official").post(
            f"/planning/districts/110115/demand/scenarios/{scenario.pk}/",
            {"name": "意愿 40 %", "enrolment_wish_percent": "39", "version": "1"},
        )
        assert response.status_code == 200
        assert "已被他人修改" in response.content.decode()
        assert DemandScenario.objects.get(pk=scenario.pk).enrolment_wish_percent == Decimal("41")

    def test_bad_input_is_refused_with_a_message(self, client_as, daxing):
        response = client_as("daxing_official").post(
            "/planning/districts/110115/demand/scenarios/new/",
            {"name": "过高", "enrolment_wish_percent": "120"},
        )
        assert response.status_code == 200
        assert not DemandScenario.objects.exists()

    @pytest.mark.parametrize("role", ["town1_official", "yubei_official", "api_client", "operator_a"])
    def test_only_the_district_official_writes(self, client_as, role, daxing):
        response = client_as(role).post(
            "/planning/districts/110115/demand/scenarios/new/",
            {"name": "意愿 40 %", "enrolment_wish_percent": "40"},
        )
        assert response.status_code == 404
        assert not DemandScenario.objects.exists()


class TestPage:
    def test_page_and_export_show_the_same_rows(self, client_as, daxing, town1, town_infants, facility_a):
        client = client_as("daxing_official")
        page = client.get(f"/planning/districts/110115/demand/towns/?year={YEAR}")
        assert page.status_code == 200
        html = page.content.decode()
        assert "table-demand" in html and "330" in html
        export = client.get(f"/planning/districts/110115/demand/towns/?year={YEAR}&export=demand")
        assert export.status_code == 200
        from io import BytesIO

        sheet = load_workbook(BytesIO(export.content)).worksheets[0]
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        town_row = next(row for row in values if row and row[0] == town1.code)
        assert town_row[2:7] == [1000, 2025, 30, 0, 330]

    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("daxing_official", 200),
            ("api_client", 200),
            ("yubei_official", 404),
            ("town1_official", 404),
            ("operator_a", 404),
        ],
    )
    def test_who_opens_the_page(self, client_as, role, status, daxing):
        assert client_as(role).get("/planning/districts/110115/demand/towns/").status_code == status


class TestApi:
    URL = "/api/v1/town-demand/"

    def test_district_official_gets_every_town(self, api_as, daxing, town1, town_infants, facility_a):
        response = api_as("daxing_official").get(self.URL, {"year": YEAR})
        assert response.status_code == 200
        [block] = response.json()
        assert block["district"]["code"] == "110115"
        assert len(block["towns"]) == Region.objects.filter(parent=daxing, level="town").count()
        row = next(r for r in block["towns"] if r["code"] == town1.code)
        assert row["infants_under_3"] == 1000 and row["actual_slots"] == 30
        assert row["figures"][0] == {
            "rate": "adopted",
            "slots_needed": 330,
            "gap": 300,
            "gap_after_pipeline": 300,
        }
        assert block["rates"][0]["adopted"] is True

    def test_town_official_gets_their_town_only(self, api_as, town1, town_infants):
        [block] = api_as("town1_official").get(self.URL, {"year": YEAR}).json()
        assert [r["code"] for r in block["towns"]] == [town1.code]
        assert block["totals"]["infants_under_3"] == 1000

    def test_others_get_nothing(self, api_as, town_infants):
        assert api_as("anonymous").get(self.URL).status_code == 401
        assert api_as("operator_a").get(self.URL).json() == []
        assert api_as("yubei_official").get(self.URL, {"district": "110115"}).json() == []
        assert api_as("daxing_official").get(self.URL, {"district": "999999"}).status_code == 404
        assert api_as("daxing_official").get(self.URL, {"year": "abc"}).status_code == 400

    def test_in_the_openapi_schema(self, client):
        schema = client.get("/api/schema/?format=json").json()
        assert "/api/v1/town-demand/" in schema["paths"]

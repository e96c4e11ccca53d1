"""Dashboards: each role sees only its district or town; the numbers on the page equal the computation;
every table downloads as .xlsx with the same numbers."""

import io

import openpyxl
import pytest
from django.urls import reverse

from facilities.models import RoleAssignment
from planning import selectors
from targets.models import Region
from tests import cast
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role


@pytest.fixture
def people(daxing_official, yubei_official, town1_official, api_client, superuser, town1):
    """The cast without facilities A and B (their slots would change the dashboards' numbers); `operator`
    runs 兴丰园, a filed inclusive facility in town 1 (60 slots, 40 inclusive)."""
    facility = FacilityFactory(
        town=town1,
        name="兴丰园",
        filed=True,
        filing_number="D-1",
        inclusive=True,
        units=[("older", 3, 20)],
        inclusive_slots=40,
    )
    return {
        "daxing_official": daxing_official,
        "yubei_official": yubei_official,
        "town1_official": town1_official,
        "operator": cast.operator("operator", facility),
        "api_client": api_client,
        "superuser": superuser,
    }


DAXING_PAGE = {"daxing_official", "api_client", "superuser"}
TOWN1_PAGE = {"daxing_official", "api_client", "superuser", "town1_official"}
TOWN2_PAGE = {"daxing_official", "api_client", "superuser"}
COMPARE = {"daxing_official", "yubei_official", "town1_official", "api_client", "superuser"}


@pytest.mark.parametrize(
    "role", ["daxing_official", "yubei_official", "town1_official", "operator", "api_client", "superuser"]
)
def test_each_role_opens_only_its_dashboards(client, people, role):
    client.force_login(people[role])
    pages = {
        reverse("planning:district", args=["110115"]): DAXING_PAGE,
        reverse("planning:export", args=["110115", "towns"]): DAXING_PAGE,
        reverse("planning:town", args=["110115", "110115001"]): TOWN1_PAGE,
        reverse("planning:town", args=["110115", "110115002"]): TOWN2_PAGE,
        reverse("planning:compare"): COMPARE,
    }
    for url, allowed in pages.items():
        assert client.get(url).status_code == (200 if role in allowed else 404), url


def test_anonymous_users_log_in_first(client, people):
    response = client.get(reverse("planning:district", args=["110115"]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_page_shows_the_computation(client, people, daxing):
    client.force_login(people["daxing_official"])
    response = client.get(reverse("planning:district", args=["110115"]), {"plan": "2025:plan"})
    progress = response.context["progress"]
    expected = selectors.district_progress(daxing, 2025, "plan")
    assert progress.totals.actual_slots == expected.totals.actual_slots == 60
    assert progress.totals.target_slots == 8600
    page = response.content.decode()
    assert 'id="kpi-slots">60<' in page
    assert "8,600" in page and "0.7%" in page  # 60 of 8,600
    assert response.context["charts"]["towns"]["series"][1]["data"][0] == 60


def test_the_town_page_shows_its_targets_at_every_level_and_its_facilities(client, people):
    client.force_login(people["town1_official"])
    response = client.get(reverse("planning:town", args=["110115", "110115001"]))
    rows = response.context["tables"]["plans"].rows
    assert [r[1] for r in rows] == [210, 210, 370]
    assert "兴丰园" in response.content.decode()


def test_the_comparison_shows_aggregates_of_every_district_and_no_facility(client, people):
    client.force_login(people["yubei_official"])
    response = client.get(reverse("planning:compare"), {"year": "2025"})
    names = [row[0] for row in response.context["table"].rows]
    assert names == ["大兴区", "渝北区"]
    assert "兴丰园" not in response.content.decode()


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
    return workbook


def test_every_table_exports_with_numbers_as_numbers(client, people):
    client.force_login(people["daxing_official"])
    response = client.get(reverse("planning:export", args=["110115", "towns"]), {"plan": "2025:plan"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = read_xlsx(response).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("代码", "镇街", "目标托位")
    xingfeng = rows[1]
    assert xingfeng[1] == "兴丰街道" and xingfeng[2] == 370 and xingfeng[5] == 60
    assert rows[-1][1] == "合计" and rows[-1][2] == 8600
    workbook = read_xlsx(client.get(reverse("planning:export", args=["110115", "all"])))
    assert len(workbook.worksheets) == 7 and workbook.sheetnames[-1] == "说明"  # 6 tables, what the file is


def test_an_unknown_table_is_404(client, people):
    client.force_login(people["daxing_official"])
    assert client.get(reverse("planning:export", args=["110115", "nothing"])).status_code == 404


def test_district_officials_set_their_demand_rate_and_no_one_else(client, people, daxing, yubei):
    client.force_login(people["daxing_official"])
    client.post(reverse("planning:demand", args=["110115"]), {"enrolment_wish_percent": "40", "note": "调查"})
    assert daxing.demand_assumption.enrolment_wish_percent == 40
    client.post(reverse("planning:demand", args=["500112"]), {"enrolment_wish_percent": "50"})
    assert not hasattr(Region.objects.get(pk=yubei.pk), "demand_assumption")
    client.force_login(people["api_client"])
    client.post(reverse("planning:demand", args=["110115"]), {"enrolment_wish_percent": "10"})
    daxing.demand_assumption.refresh_from_db()
    assert daxing.demand_assumption.enrolment_wish_percent == 40


def test_bad_plan_parameters_fall_back_instead_of_failing(client, people):
    client.force_login(people["daxing_official"])
    assert (
        client.get(reverse("planning:district", args=["110115"]), {"plan": "x", "as_of": "y"}).status_code
        == 200
    )
    assert client.get(reverse("planning:compare"), {"year": "abc"}).status_code == 200


def test_planning_models_are_in_the_admin_scoped_by_district(client, people, daxing):
    from planning.models import InclusiveShareGoal

    client.force_login(people["superuser"])
    for name in ("inclusivesharegoal", "demandassumption", "importjob"):
        assert client.get(reverse(f"admin:planning_{name}_changelist")).status_code == 200
    from django.contrib import admin
    from django.test import RequestFactory

    from planning.admin import InclusiveShareGoalAdmin

    request = RequestFactory().get("/")
    request.user = people["yubei_official"]
    model_admin = InclusiveShareGoalAdmin(InclusiveShareGoal, admin.site)
    assert not model_admin.get_queryset(request).filter(district=daxing).exists()


def test_the_district_page_reads_every_plan_in_a_constant_number_of_queries(
    client, people, daxing, django_assert_max_num_queries
):
    """Every (year, level) of the district is on the page (the years table and chart); the registry, the
    targets and the goals are read once for all of them, not once per plan."""
    client.force_login(people["daxing_official"])
    url = reverse("planning:district", args=["110115"])
    client.get(url)  # the statistics summary is refreshed by the first read
    plans = selectors.progress_over_years(daxing)
    assert len(plans) > 1

    def shown(p):
        rows = [*p.rows, p.totals]
        return [(r.code, r.target_slots, r.actual_slots, r.pipeline_slots, r.flags) for r in rows]

    assert [shown(p) for p in plans] == [
        shown(selectors.district_progress(daxing, p.year, p.level)) for p in plans
    ]
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["tables"]["years"].rows) == len(plans)


def test_the_town_targets_and_the_comparison_exports_say_what_they_are(client, people):
    """Every export ends with its 说明 sheet: the town's targets name the district, the town and the
    documents; the comparison names its year."""
    client.force_login(people["daxing_official"])
    town = Region.objects.get(code="110115001")
    plans = read_xlsx(
        client.get(reverse("planning:town", args=["110115", town.code]), {"export": "plans"}),
    )
    assert plans.sheetnames[-1] == "说明"
    about = [[cell for cell in row if cell is not None] for row in plans["说明"].iter_rows(values_only=True)]
    text = " ".join(str(value) for row in about for value in row)
    assert town.name in text and "大兴区" in text, text
    compare = read_xlsx(client.get(reverse("planning:compare"), {"year": 2025, "export": "1"}))
    assert compare.sheetnames[-1] == "说明"
    assert any("2025" in str(value) for row in compare["说明"].iter_rows(values_only=True) for value in row)

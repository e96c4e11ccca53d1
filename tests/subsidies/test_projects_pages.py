"""Construction projects on pages: district officials create projects and record milestones (not only in
the admin); the pipeline counts a project only until its expected completion date; the projects page shows
a plan's goals (Yubei: 1 district centre, 4 医育结合 parks, 15 town parks) against recorded and in-service
projects."""

import datetime

import pytest

from planning import selectors as planning_selectors
from subsidies import project_selectors, selectors
from subsidies.models import Milestone, Project
from targets.models import Region

pytestmark = pytest.mark.django_db
Stage = Milestone.Stage


def project_body(**changes):
    return {
        "district": "",
        "kind": "town_park",
        "name": "测试镇街托育园",
        "planned_slots": "80",
        "investment_comparator": "eq",
        "area_comparator": "eq",
        **changes,
    }


class TestPipelineStopsAtTheExpectedCompletionDate:
    def test_a_project_counts_until_its_planned_in_service_date(self, daxing, town1):
        project = Project.objects.create(
            kind=Project.Kind.TOWN_PARK, district=daxing, town=town1, name="一号园", planned_slots=60
        )
        due = datetime.date(2026, 8, 31)
        Milestone.objects.create(project=project, stage=Stage.IN_SERVICE, planned_date=due)
        assert selectors.pipeline_slots_by_town(daxing, as_of=due) == {town1.pk: 60}
        assert selectors.pipeline_slots_by_town(daxing, as_of=due + datetime.timedelta(days=1)) == {}
        # the dashboard's figures, as of the day and the day after
        on_time = planning_selectors.district_progress(daxing, 2025, "baseline", due)
        late = planning_selectors.district_progress(
            daxing, 2025, "baseline", due + datetime.timedelta(days=1)
        )
        assert on_time.totals.pipeline_slots - late.totals.pipeline_slots == 60
        assert (
            planning_selectors.rollup(
                Region.objects.filter(pk=daxing.pk), 2025, "baseline", due
            ).totals.pipeline_slots
            >= 60
        )
        assert (
            planning_selectors.rollup(
                Region.objects.filter(pk=daxing.pk), 2025, "baseline", due + datetime.timedelta(days=1)
            ).totals.pipeline_slots
            == on_time.totals.pipeline_slots - 60
        )

    def test_without_a_planned_date_it_stays_in(self, daxing, town1):
        Project.objects.create(
            kind=Project.Kind.TOWN_PARK, district=daxing, town=town1, name="二号园", planned_slots=40
        )
        assert selectors.pipeline_slots_by_town(daxing, as_of=datetime.date(2040, 1, 1)) == {town1.pk: 40}


class TestPlanAgainstRecorded:
    def test_yubei_plan_per_kind(self, yubei):
        lines = project_selectors.plan_lines(
            Project.objects.filter(district=yubei), Region.objects.filter(pk=yubei.pk)
        )
        by_kind = {line.kind: line for line in lines}
        centre = by_kind[Project.Kind.SERVICE_CENTRE]
        parks = by_kind[Project.Kind.MEDICAL_CHILDCARE_PARK]
        towns = by_kind[Project.Kind.TOWN_PARK]
        assert (centre.planned, centre.recorded, centre.in_service) == (1, 1, 0)
        assert (parks.planned, parks.recorded, parks.in_service) == (4, 4, 1)
        assert (towns.planned, towns.recorded, towns.in_service) == (15, 3, 0)
        assert towns.not_recorded == 12
        assert towns.goal.source.key == "yubei-2025-90"
        assert towns.reported.value == 6  # the first batch of 6 granted incentives, reported beside
        assert parks.goal_met is False


class TestProjectPages:
    def test_official_creates_a_project_and_its_milestones(self, client_as, daxing, town1):
        client = client_as("daxing_official")
        assert client.get("/subsidies/projects/new/").status_code == 200
        response = client.post("/subsidies/projects/new/", project_body(district=daxing.pk, town=town1.pk))
        assert response.status_code == 302, response.content.decode()[:2000]
        project = Project.objects.get(name="测试镇街托育园")
        assert (project.district, project.town, project.planned_slots) == (daxing, town1, 80)
        url = f"/subsidies/projects/{project.pk}/milestones/"
        assert client.get(url).status_code == 200
        milestones = {
            "approval-done": "true",
            "approval-actual_date": "2026-01-10",
            "in_service-done": "",
            "in_service-planned_date": "2027-06-30",
        }
        assert client.post(url, milestones).status_code == 302
        stages = {m.stage: m for m in project.milestones.all()}
        assert set(stages) == {Stage.APPROVAL, Stage.IN_SERVICE}
        assert stages[Stage.APPROVAL].done is True
        assert stages[Stage.IN_SERVICE].planned_date == datetime.date(2027, 6, 30)
        page = client.get(f"/subsidies/projects/{project.pk}/").content.decode()
        assert "milestones-edit" in page

    def test_a_bad_milestone_saves_nothing(self, client_as, daxing):
        project = Project.objects.create(kind=Project.Kind.TOWN_PARK, district=daxing, name="三号园")
        response = client_as("daxing_official").post(
            f"/subsidies/projects/{project.pk}/milestones/",
            {"approval-done": "true", "in_service-done": "false", "in_service-actual_date": "2026-01-01"},
        )
        assert response.status_code == 200
        assert not project.milestones.exists()

    def test_edit_keeps_history_and_refuses_a_stale_version(self, client_as, daxing):
        project = Project.objects.create(kind=Project.Kind.TOWN_PARK, district=daxing, name="四号园")
        client = client_as("daxing_official")
        url = f"/subsidies/projects/{project.pk}/edit/"
        assert client.post(url, project_body(name="四号园（改）", version="1")).status_code == 302
        stale = client.post(url, project_body(name="四号园（再改）", version="1"))
        assert stale.status_code == 200
        project.refresh_from_db()
        assert project.name == "四号园（改）"
        assert "四号园 → 四号园（改）" in client.get(url).content.decode()

    def test_duplicate_name_is_refused(self, client_as, daxing):
        Project.objects.create(kind=Project.Kind.TOWN_PARK, district=daxing, name="五号园")
        response = client_as("daxing_official").post(
            "/subsidies/projects/new/", project_body(district=daxing.pk, name="五号园")
        )
        assert response.status_code == 200
        assert Project.objects.filter(name="五号园").count() == 1

    @pytest.mark.parametrize("role", ["town1_official", "yubei_official", "api_client", "operator_a"])
    def test_only_the_districts_officials_write(self, client_as, role, daxing):
        project = Project.objects.create(kind=Project.Kind.TOWN_PARK, district=daxing, name="六号园")
        client = client_as(role)
        assert (
            client.post(f"/subsidies/projects/{project.pk}/edit/", project_body(name="改名")).status_code
            == 404
        )
        assert (
            client.post(
                f"/subsidies/projects/{project.pk}/milestones/", {"approval-done": "true"}
            ).status_code
            == 404
        )
        assert client.post("/subsidies/projects/new/", project_body(district=daxing.pk)).status_code in (
            200,
            404,
        )
        project.refresh_from_db()
        assert project.name == "六号园" and not project.milestones.exists()
        assert not Project.objects.filter(name="测试镇街托育园").exists()

    def test_the_projects_page_shows_the_plan(self, client_as, yubei):
        page = client_as("yubei_official").get("/subsidies/projects/")
        html = page.content.decode()
        assert page.status_code == 200
        assert "table-plan" in html and "“医育结合”托育园" in html
        export = client_as("yubei_official").get("/subsidies/projects/?export=plan")
        assert export.status_code == 200

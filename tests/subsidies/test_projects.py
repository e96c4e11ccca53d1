"""Construction projects: milestones with planned and actual dates, overdue flags, and the pipeline of planned
slots per town that planning adds to its dashboards."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from facilities.models import Facility
from subsidies import selectors
from subsidies.models import Milestone, Project
from tests.subsidies.conftest import make_facility

pytestmark = pytest.mark.django_db
Stage = Milestone.Stage


def project(district, name, *, town=None, slots=None, facility=None, **milestones):
    made = Project.objects.create(
        kind=Project.Kind.TOWN_PARK,
        district=district,
        town=town,
        name=name,
        planned_slots=slots,
        facility=facility,
    )
    for stage, (done, planned, actual) in milestones.items():
        Milestone.objects.create(
            project=made, stage=stage, done=done, planned_date=planned, actual_date=actual
        )
    return made


class TestOverdue:
    def test_a_planned_date_passed_without_completion_is_overdue(self, daxing):
        day = datetime.date(2025, 8, 31)
        p = project(
            daxing, "测试园", in_service=(None, day, None), approval=(True, datetime.date(2025, 1, 1), None)
        )
        in_service = p.milestones.get(stage=Stage.IN_SERVICE)
        assert not in_service.is_overdue(day)
        assert in_service.is_overdue(day + datetime.timedelta(days=1))
        assert not p.milestones.get(stage=Stage.APPROVAL).is_overdue(day)  # done, even without a date
        line = selectors.timeline(p, day + datetime.timedelta(days=1))
        assert [m.stage for m in line.overdue] == [Stage.IN_SERVICE]
        assert line.current == "立项"

    def test_not_done_and_unknown_are_both_overdue_once_the_date_passes(self, daxing):
        late = datetime.date(2025, 1, 1)
        p = project(
            daxing, "测试园", design_tender=(False, late, None), construction_tender=(None, late, None)
        )
        assert (
            selectors.overdue_milestones(Project.objects.filter(pk=p.pk), datetime.date(2025, 2, 1)).count()
            == 2
        )

    def test_an_actual_date_means_done(self, daxing):
        with pytest.raises(IntegrityError, match="milestone_actual_date_means_done"), transaction.atomic():
            project(daxing, "测试园", approval=(None, None, datetime.date(2025, 1, 1)))

    def test_seeded_yubei_projects_as_of_early_september_2025(self, yubei):
        day = datetime.date(2025, 9, 1)
        flagged = {
            m.project.seed_key
            for m in selectors.overdue_milestones(Project.objects.filter(district=yubei), day)
        }
        # the town parks were expected around August; the hospital parks (end of October) and the centre
        # (November) not yet due; the MCH park is in service
        assert flagged == {
            "yubei-baoshenghu-park-project",
            "yubei-longta-park-project",
            "yubei-shuanglonghu-park-project",
        }

    def test_seeded_yubei_projects_as_of_december_2025(self, yubei):
        day = datetime.date(2025, 12, 1)
        timelines = {
            t.project.seed_key: t for t in selectors.timelines(Project.objects.filter(district=yubei), day)
        }
        overdue = {key for key, t in timelines.items() if t.overdue}
        assert overdue == {
            "yubei-service-centre-project",
            "yubei-peoples-hospital-park-project",
            "yubei-tcm-hospital-park-project",
            "yubei-shuanglonghu-chc-park-project",
            "yubei-baoshenghu-park-project",
            "yubei-longta-park-project",
            "yubei-shuanglonghu-park-project",
        }
        assert timelines["yubei-mch-hospital-park-project"].in_service
        assert timelines["yubei-service-centre-project"].current == "设计招标"
        assert timelines["yubei-peoples-hospital-park-project"].current == "施工招标"
        assert timelines["yubei-vocational-school-site-project"].milestones == [None] * 5


class TestPipeline:
    def test_planned_slots_per_town_of_projects_not_in_service(self, daxing, town1, town2):
        operating = make_facility(town1, "已运营园")
        building = make_facility(town2, "在建园")
        Facility.objects.filter(pk=building.pk).update(operating_status="under_construction")
        project(daxing, "一号", town=town1, slots=200)
        project(daxing, "二号（已运营）", town=town1, slots=100, facility=operating)
        project(daxing, "三号（已投用）", town=town2, slots=50, in_service=(True, None, None))
        project(daxing, "四号（机构在建）", slots=30, facility=building)
        project(daxing, "五号（托位未知）", town=town2)
        assert selectors.pipeline_slots_by_town(daxing) == {town1.pk: 200, None: 30, town2.pk: 0}

    def test_facilities_with_their_own_slots_can_be_left_to_planning(self, daxing, town1):
        building = make_facility(town1, "在建园")  # 30 slots recorded in its class units
        Facility.objects.filter(pk=building.pk).update(operating_status="under_construction")
        empty = Facility.objects.create(
            name="筹建园", kind="public", district=daxing, town=town1, operating_status="planned"
        )
        project(daxing, "有登记托位", town=town1, slots=30, facility=building)
        project(daxing, "无登记托位", town=town1, slots=80, facility=empty)
        assert selectors.pipeline_slots_by_town(daxing) == {town1.pk: 110}
        assert selectors.pipeline_slots_by_town(daxing, skip_facilities_with_slots=True) == {town1.pk: 80}

    def test_other_districts_do_not_count(self, daxing, yubei):
        project(daxing, "一号", slots=200)
        assert selectors.pipeline_slots_by_town(yubei) == {None: 0}  # Yubei's projects state no slots

    def test_the_seeded_mch_park_is_in_service_and_left_out(self, yubei):
        keys = set(
            selectors.not_in_service(Project.objects.filter(district=yubei)).values_list(
                "seed_key", flat=True
            )
        )
        assert "yubei-mch-hospital-park-project" not in keys
        assert len(keys) == 8

    def test_a_project_whose_facility_starts_operating_leaves_the_pipeline(self, daxing, town1):
        facility = make_facility(town1, "将投用园")
        Facility.objects.filter(pk=facility.pk).update(operating_status="under_construction")
        project(daxing, "一号", town=town1, slots=Decimal(60), facility=facility)
        assert selectors.pipeline_slots_by_town(daxing) == {town1.pk: 60}
        Facility.objects.filter(pk=facility.pk).update(operating_status="operating")
        assert selectors.pipeline_slots_by_town(daxing) == {}

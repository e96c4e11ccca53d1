"""No silent overwrite, for every record a person edits: the list is every model with a version column
(core.models.Versioned), so a new model cannot be forgotten."""

import datetime

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from core.errors import Conflict
from core.models import StaleVersion, Versioned
from core.versioning import claim, expected_version
from coverage.models import CoverageSetting
from facilities.models import (
    Authorization,
    CalendarDay,
    Certificate,
    ChecklistItem,
    PendingChange,
    StaffMember,
    TrainingRecord,
)
from planning.models import DemandAssumption, DemandScenario
from reporting.models import ReportingSetting
from subsidies.models import FundPlanMonth, PaymentControls, ProgramRule
from supervision.models import (
    Complaint,
    Evaluation,
    EvaluationDimension,
    EvaluationFramework,
    EvaluationItem,
    EvaluationScore,
    GradeThreshold,
    HouseholdIncome,
    TeamMember,
)
from tests.factories import (
    ApplicationFactory,
    FindingFactory,
    FundFactory,
    InspectionFactory,
    ProgramFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.security.matrix import changed_tables, writes


def label(model) -> str:
    return model._meta.label


VERSIONED = sorted((m for m in apps.get_models() if issubclass(m, Versioned)), key=label)


def _staff(facility):
    return StaffMemberFactory(facility=facility)


def _admin():
    return UserFactory(is_superuser=True)


def _inspection(facility):
    return InspectionFactory(facilities=[facility], user=_admin())


def _evaluation(facility):
    framework = EvaluationFramework.objects.filter(dimensions__isnull=False).first()
    return Evaluation.objects.create(
        facility=facility,
        framework=framework,
        kind=Evaluation.Kind.values[0],
        assessed_on="2026-11-02",
        assessor=UserFactory(),
    )


def _score(facility):
    evaluation = _evaluation(facility)
    dimension = evaluation.framework.dimensions.first()
    return EvaluationScore.objects.create(evaluation=evaluation, dimension=dimension, score=1)


def _enrolment(facility):
    from reporting import services as reporting_services

    class_type = facility.units.select_related("class_type").first().class_type
    line = reporting_services.LineInput(class_type, 20, 15, 10)
    return reporting_services.enrolment_report_save(
        user=_admin(), facility=facility, month=datetime.date(2025, 6, 1), lines=[line]
    )


def _period_report(facility):
    from reporting.models import PeriodReport

    return PeriodReport.objects.create(
        district=facility.district,
        town=facility.town,
        year=2025,
        quarter=2,
        period_end=datetime.date(2025, 6, 30),
        compiled_at=timezone.now(),
        facilities=1,
        slots=30,
        inclusive_slots=20,
        enrolled=24,
        reporting_facilities=1,
        reported_slots=30,
    )


def _draft_framework():
    # A published framework edition is frozen (its parts cannot be saved at all): parts come from a draft.
    return EvaluationFramework.objects.get_or_create(key="versioning-draft", defaults={"name": "草稿框架"})[0]


def _dimension(facility):
    return EvaluationDimension.objects.create(framework=_draft_framework(), code="test-dim", name="测试维度")


def _item(facility):
    return EvaluationItem.objects.create(
        dimension=_dimension(facility), code="test-item", text="测试条目", points=1
    )


def _threshold(facility):
    return GradeThreshold.objects.create(framework=_draft_framework(), grade="A", min_score=90)


# Models the seed has no row of: how a test makes one (facility A is filed, in Daxing town 1).
BUILDERS = {
    "facilities.CalendarDay": lambda f: CalendarDay.objects.create(
        date="2026-10-08", is_working_day=False, note="国庆节"
    ),
    "facilities.StaffMember": _staff,
    "facilities.Certificate": lambda f: Certificate.objects.create(
        staff=_staff(f), kind=Certificate._meta.get_field("kind").choices[0][0], number="C-1"
    ),
    "facilities.TrainingRecord": lambda f: TrainingRecord.objects.create(
        staff=_staff(f), title="岗前培训", hours=8, completed_on="2026-10-01"
    ),
    "facilities.ChecklistItem": lambda f: (
        ChecklistItem.objects.filter(facility=f).first()
        or ChecklistItem.objects.create(facility=f, item=ChecklistItem.Item.values[0])
    ),
    "facilities.Authorization": lambda f: Authorization.objects.create(
        facility=f, number="110115-2026-0900", authority=f.district, granted_on="2026-03-02"
    ),
    "facilities.PendingChange": lambda f: PendingChange.objects.create(
        facility=f, data={"fields": {}, "units": []}, base_version=f.version, submitted_by=UserFactory()
    ),
    "supervision.Inspection": lambda f: _inspection(f),
    "supervision.Finding": lambda f: FindingFactory(inspection=_inspection(f), facility=f, user=_admin()),
    "supervision.TeamMember": lambda f: TeamMember.objects.create(inspection=_inspection(f), name="检查员甲"),
    "supervision.Complaint": lambda f: Complaint.objects.create(
        facility=f, received_on="2026-11-01", summary="投诉内容", recorded_by=UserFactory()
    ),
    "supervision.Evaluation": _evaluation,
    "supervision.EvaluationScore": _score,
    "supervision.EvaluationItem": _item,
    "supervision.EvaluationDimension": _dimension,
    "supervision.GradeThreshold": _threshold,
    "supervision.HouseholdIncome": lambda f: HouseholdIncome.objects.create(
        district=f.district, year=2025, amount=9000, entered_by=UserFactory()
    ),
    "subsidies.Application": lambda f: ApplicationFactory(facility=f, user=f.operators.first().user),
    "subsidies.FundPlanMonth": lambda f: FundPlanMonth.objects.create(
        fund=FundFactory(district=f.district), month=datetime.date(2026, 11, 1), planned_cumulative=1000
    ),
    "subsidies.PaymentControls": lambda f: PaymentControls.objects.create(district=f.district),
    "reporting.ReportingSetting": lambda f: ReportingSetting.objects.create(district=f.district, due_day=5),
    "reporting.EnrolmentReport": _enrolment,
    "reporting.EnrolmentLine": lambda f: _enrolment(f).lines.first(),
    "reporting.PeriodReport": _period_report,
    "planning.DemandAssumption": lambda f: DemandAssumption.objects.create(
        district=f.district, enrolment_wish_percent=30
    ),
    "planning.DemandScenario": lambda f: DemandScenario.objects.create(
        district=f.district, name="意愿 40 %", enrolment_wish_percent=40
    ),
    "subsidies.ProgramRule": lambda f: ProgramRule.objects.create(
        program=ProgramFactory(district=f.district),
        basis="per_m2_month",
        rate=11,
        effective_from=datetime.date(2025, 7, 1),
        note="年中调整",
    ),
    "coverage.CoverageSetting": lambda f: CoverageSetting.objects.create(district=f.district),
}


# Seeded rows that cannot be saved by design (parts of a published, frozen framework edition).
ALWAYS_BUILT = {"supervision.EvaluationDimension", "supervision.EvaluationItem", "supervision.GradeThreshold"}


@pytest.fixture
def an_instance(facility_a, operator_a):
    def make(model):
        existing = model._base_manager.order_by("pk").first()
        if existing is not None and label(model) not in ALWAYS_BUILT:
            return existing
        assert label(model) in BUILDERS, f"{label(model)}: no seed row and no builder in this test"
        return BUILDERS[label(model)](facility_a)

    return make


def _text_field(model) -> models.Field | None:
    for field in model._meta.concrete_fields:
        if (
            isinstance(field, (models.CharField, models.TextField))
            and field.editable
            and not field.unique
            and not field.choices
            and not field.primary_key
        ):
            return field
    return None


def test_every_record_a_person_edits_has_a_version():
    edited = {"facilities.StaffMember", "facilities.ChecklistItem", "supervision.Finding", "subsidies.Fund"}
    assert edited <= {label(m) for m in VERSIONED}


@pytest.mark.parametrize("model", VERSIONED, ids=label)
def test_a_stale_save_is_refused_and_changes_nothing(model, an_instance):
    row = an_instance(model)
    first, second = model._base_manager.get(pk=row.pk), model._base_manager.get(pk=row.pk)
    first.save()
    assert model._base_manager.get(pk=row.pk).version == row.version + 1

    text = _text_field(model)
    if text is not None:
        setattr(second, text.attname, "过期的修改")
    before = writes()
    with pytest.raises(StaleVersion) as refused:
        second.save()
    # PostgreSQL's write counters (the permission matrix's): the refusal did not even try to write.
    assert changed_tables(before, writes()) == []
    assert isinstance(refused.value, Conflict)
    assert refused.value.current_version == first.version
    stored = model._base_manager.get(pk=row.pk)
    assert stored.version == first.version
    assert second.version == row.version  # the refused object is left as it was
    if text is not None:
        assert getattr(stored, text.attname) != "过期的修改"


def test_a_refusal_says_what_changed_meanwhile(facility_a):
    staff = StaffMemberFactory(facility=facility_a, phone="13800000001")
    mine = StaffMember.objects.get(pk=staff.pk)
    theirs = StaffMember.objects.get(pk=staff.pk)
    theirs.phone = "13900000002"
    theirs.save()
    mine.phone = "13700000003"
    with pytest.raises(StaleVersion) as refused:
        mine.save()
    changes = {c["field"]: c for c in refused.value.changes}
    assert changes["phone"]["after"] == "13900000002"
    assert "第 1 版" in refused.value.message and "第 2 版" in refused.value.message
    assert StaffMember.objects.get(pk=staff.pk).phone == "13900000002"


def test_claim_bumps_once_and_refuses_the_second(facility_a):
    staff = StaffMemberFactory(facility=facility_a)
    assert claim(StaffMember, staff.pk, 1) == 2
    with pytest.raises(StaleVersion):
        claim(StaffMember, staff.pk, 1)


@pytest.mark.parametrize(
    ("sent", "read"), [("7", 7), ('"7"', 7), ('W/"7"', 7), (7, 7), ("", None), (None, None)]
)
def test_a_version_is_read_from_a_form_a_body_or_if_match(sent, read):
    assert expected_version(sent) == read


@pytest.mark.parametrize("sent", ["x", "0", '"-1"'])
def test_a_malformed_version_is_an_error(sent):
    with pytest.raises(ValueError):
        expected_version(sent)

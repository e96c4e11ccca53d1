"""Concrete arguments for every URL pattern: real ids of records that belong to facility A, town 1 and
district 1 (see world.py). A pattern without an entry here fails the matrix, naming it."""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType

from facilities.models import Facility
from tests.security.matrix import admin_models

# Non-admin patterns by name (or by route for unnamed ones) whose one argument is `pk`: the record of
# world.ids it names.
PK = {
    "tokens:revoke": "token",  # the district-1 API client's read-only token
    "directory:detail": "facility",
    "registry:change": "change",
    "registry:detail": "facility",
    "registry:edit": "facility",
    "registry:checklist": "facility",
    "registry:submit": "facility",
    "registry:archive": "facility",
    "registry:acknowledge": "submitted",  # facility C, submitted
    "registry:approve": "submitted",  # facility C, submitted
    "registry:return": "submitted",  # facility C, submitted
    "registry:status": "facility",
    "registry:status_request": "facility",
    "registry:staff_create": "facility",
    "registry:certificate_edit": "certificate",
    "registry:certificate_retire": "certificate",
    "subsidies:fund": "fund",
    "subsidies:application": "application",
    "subsidies:decide": "application",
    "subsidies:pay": "paid_application",
    "subsidies:withdraw": "application",
    "subsidies:reverse": "ledger",
    "subsidies:project": "project",
    "subsidies:project_edit": "project",
    "subsidies:project_milestones": "project",
    "subsidies:fund_edit": "fund",
    "subsidies:fund_plan": "fund",
    "subsidies:program": "program",
    "subsidies:program_edit": "program",
    "subsidies:program_rules": "program",
    "supervision:inspection": "inspection",
    "supervision:inspection_edit": "inspection",
    "supervision:finding_create": "inspection",
    "supervision:finding_backfill": "inspection",
    "supervision:finding": "finding",
    "supervision:finding_answer": "finding",
    "supervision:finding_verify": "finding",
    "supervision:finding_reopen": "finding",
    "supervision:finding_deadline": "finding",
    "supervision:complaint": "complaint",
    "supervision:grade": "facility",
    "supervision:evaluation": "evaluation",
    "supervision:evaluation_compare": "facility",
    "api-target-detail": "target",
    "api-facility-detail": "facility",
    "api-facility-acknowledge": "submitted",
    "api-facility-approve": "submitted",
    "api-facility-return": "submitted",
    "api-facility-submit": "facility",
    "api-facility-workflow-checklist": "facility",
    "api-facility-workflow-status": "facility",
    "api-facility-workflow-status-request": "facility",
    "api-facility-workflow-materials": "submitted",  # facility C, under review: its files have verdicts
    "api-pending-change-detail": "change",
    "api-pending-change-approve": "change",
    "api-pending-change-reject": "change",
    "api-pending-change-withdraw": "change",
    "api-subsidy-fund-detail": "fund",
    "api-subsidy-program-detail": "program",
    "api-subsidy-application-detail": "application",
    "api-subsidy-application-decide": "application",
    "api-subsidy-application-pay": "paid_application",
    "api-subsidy-application-withdraw": "application",
    "api-subsidy-ledger-detail": "ledger",
    "api-subsidy-ledger-reverse": "ledger",
    "api-subsidy-project-detail": "project",
    "api-finding-detail": "finding",
    "api-finding-answer": "finding",
    "api-finding-reopen": "finding",
    "api-finding-verify": "finding",
    "api-complaint-detail": "complaint",
    "api-grade-detail": "facility",
    "api-inspection-detail": "inspection",
    "reporting:period_report": "period_report",
    "reporting:period_submit": "period_report",
    "reporting:period_refresh": "period_report",
    "reporting:period_approve": "period_report",
    "reporting:period_return": "period_report",
    "reporting:period_correct": "period_report",
    "reporting:enrolment_report": "enrolment_report",
    "reporting:enrolment_fill": "facility",
    "coverage:community_edit": "community",
    "api-community-detail": "community",
    "coverage:scenario": "scenario",
    "coverage:scenario_delete": "scenario",
    "coverage:scenario_site_delete": "scenario_site",
    "api-enrolment-report-detail": "enrolment_report",
    "api-period-report-detail": "period_report",
}
# Pages of district 1 (Daxing), by its code.
DISTRICT_PAGES = (
    "planning:district",
    "planning:demand",
    "planning:town_demand",
    "planning:scenario_new",
    "planning:population",
    "planning:population_new",
    "imports:index",
    "imports:targets_template",
    "imports:roster_template",
    "imports:roster_export",
    "imports:annex",
    "supervision:dashboard",
    "supervision:income",
    "supervision:weights",
    "supervision:grade_matrix",
    "subsidies:controls",
    "targets:district",
    "reporting:district",
    "reporting:settings",
    "reporting:compile",
    "reporting:import",
    "coverage:district",
    "coverage:table",
    "coverage:communities",
    "coverage:import",
    "coverage:boundary",
    "coverage:settings",
    "coverage:scenarios",
)
# Every other non-admin pattern: the keyword arguments to fill in.
ARGS = {
    **{name: (lambda w, record=record: {"pk": w.ids[record]}) for name, record in PK.items()},
    **dict.fromkeys(DISTRICT_PAGES, lambda w: {"code": "110115"}),
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "registry:staff_edit": lambda w: {"pk": w.ids["facility"], "staff_pk": w.ids["staff"]},
    "registry:staff_record": lambda w: {"staff_pk": w.ids["staff"], "kind": "certificate"},
    "registry:calendar_year": lambda w: {"year": 2025},
    "registry:materials": lambda w: {"pk": w.ids["submitted"]},  # facility C's materials, under review
    "registry:material_verdict": lambda w: {"file_pk": w.ids["material"]},  # a file of facility C
    "registry:material_download": lambda w: {"file_pk": w.ids["material"]},
    "api-facility-workflow-material-file": lambda w: {"pk": w.ids["submitted"], "file_id": w.ids["material"]},
    "api-facility-workflow-material-verdict": lambda w: {
        "pk": w.ids["submitted"],
        "file_id": w.ids["material"],
    },
    "registry:document": lambda w: {"doc_pk": w.ids["filing_document"]},  # a receipt issued to A
    "planning:export": lambda w: {"code": "110115", "table": "all"},
    "planning:town": lambda w: {"code": "110115", "town": "110115001"},
    "planning:scenario_edit": lambda w: {"code": "110115", "pk": _scenario(w)},
    "planning:scenario_delete": lambda w: {"code": "110115", "pk": _scenario(w)},
    "planning:population_edit": lambda w: {"code": "110115", "pk": _population(w)},
    "targets:region": lambda w: {"code": "110115001"},  # town 1
    "imports:job": lambda w: {"code": "110115", "pk": w.ids["job"]},
    "imports:job_status": lambda w: {"code": "110115", "pk": w.ids["job"]},
    "imports:job_problems": lambda w: {"code": "110115", "pk": w.ids["job"]},
    "imports:job_confirm": lambda w: {"code": "110115", "pk": w.ids["job"]},
    "supervision:export": lambda w: {"code": "110115", "table": "all"},
    "supervision:evaluation_create": lambda w: {
        "pk": w.ids["facility"],
        "framework": w.ids["framework"],
        "kind": "self",
    },
    "api-region-detail": lambda w: {"code": "110115001"},
    "api/^.*$": lambda w: {"path": "/api/v1/no-such-endpoint/"},  # the API's JSON 404 for anything else
    "fhir-organization-read": lambda w: {"resource_id": f"facility-{w.ids['facility']}"},
    "fhir-location-read": lambda w: {"resource_id": f"facility-{w.ids['facility']}"},
    "fhir-unknown": lambda w: {"path": "/fhir/Patient"},  # FHIR's 404 OperationOutcome for anything else
    "^static/(?P<path>.*)$": lambda w: {"path": "vendor/VERSIONS.md"},
}


def _scenario(w) -> int:
    """District 1's demand scenario (made on first use)."""
    from planning.models import DemandScenario

    scenario, _created = DemandScenario.objects.get_or_create(
        district=w.district1, name="意愿 40 %（安全测试）", defaults={"enrolment_wish_percent": 40}
    )
    return scenario.pk


def _population(w) -> int:
    """Town 1's population row (made on first use)."""
    from targets.models import PopulationStat, SourceDocument

    row, _created = PopulationStat.objects.get_or_create(
        region=w.town1,
        year=2025,
        defaults={"infants_under_3": 1000, "source": SourceDocument.objects.order_by("pk").first()},
    )
    return row.pk


def _today_plus(days: int) -> str:
    import datetime

    from django.utils import timezone

    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def facility_body(**changes) -> dict:
    """A valid API body for a new private facility in town 1: two toddler classes of 15."""
    return {
        "name": "新托育园",
        "kind": "private",
        "district": "110115",
        "town": "110115001",
        "units": [{"class_type": "toddler", "classes": 2, "children_per_class": 15}],
        **changes,
    }


def application_body(w, **changes) -> dict:
    """A valid API body for facility A's application to the world's rent program (a 2025 program), for the
    fourth quarter of 2025 (300 ㎡)."""
    return {
        "facility": w.facility_a.pk,
        "program": w.ids["program"],
        "period_start": "2025-10-01",
        "period_end": "2025-12-31",
        "area_m2": "300.00",
        "months": 3,
        **changes,
    }


# Valid input for write URLs whose permission check sits behind form validation: with these, a role that
# may not write gets past the form and must be stopped by the permission check itself (and write nothing).
PAYLOADS = {
    "supervision:income": lambda w: {"year": 2024, "amount": "8000.00", "source_note": "统计公报"},
    "registry:calendar_new": lambda w: {
        "year": 2031,
        "title": "国务院办公厅关于2031年部分节假日安排的通知",
        "holidays": "2031-01-01 元旦",
    },
    "supervision:finding_answer": lambda w: {
        "note": "已整改",
        "reference": "ZG-1",
        "rectified_on": _today_plus(0),
    },
    "supervision:finding_reopen": lambda w: {"note": "未整改到位"},
    "supervision:finding_deadline": lambda w: {"deadline": _today_plus(60), "note": "延期"},
    # The API's writes get complete, valid bodies, so a role that may not write is stopped by the permission
    # check itself and not by a validation error (which the matrix would count as "ok").
    "api-facility-detail": lambda w: facility_body(name="甲托育园（改）", version=w.facility_a.version),
    "api-facility-list": lambda w: facility_body(),
    "api-facility-return": lambda w: {"reason": "备案材料不全"},
    "api-facility-workflow-checklist": lambda w: {
        "items": [{"item": "licence", "provided": True, "reference": "SEC-1"}]
    },
    "api-facility-workflow-status": lambda w: {
        "to_status": "suspended",
        "effective_on": _today_plus(0),
        "reason": "安全测试",
    },
    "api-facility-workflow-status-request": lambda w: {
        "to_status": "suspended",
        "effective_on": _today_plus(0),
        "reason": "安全测试",
    },
    "api-pending-change-reject": lambda w: {"reason": "安全测试驳回"},
    "api-facility-workflow-material-verdict": lambda w: {"verdict": "correction", "reason": "安全测试"},
    "api-inspection-list": lambda w: {
        "district": "110115",
        "inspected_on": _today_plus(-1),
        "kind": "routine",
        "facilities": [w.facility_a.pk],
        "title": "安全测试检查",
    },
    "api-finding-list": lambda w: {
        "inspection": w.ids["inspection"],
        "facility": w.facility_a.pk,
        "category": "records",
        "severity": "minor",
        "description": "台账不全（安全测试）",
        "deadline": _today_plus(30),
    },
    "api-complaint-list": lambda w: {
        "facility": w.facility_a.pk,
        "received_on": _today_plus(-1),
        "channel": "hotline",
        "summary": "安全测试投诉",
    },
    "registry:return": lambda w: {"reason": "备案材料不全"},
    "api-subsidy-application-list": application_body,
    "api-subsidy-application-decide": lambda w: {"decision": "approve"},
    "api-subsidy-application-pay": lambda w: {"amount": "100.00", "reference": "PZ-SEC-2"},
    "api-subsidy-ledger-reverse": lambda w: {"reason": "重复支付", "reference": "CX-SEC-1"},
    "api-finding-answer": lambda w: {"note": "已整改", "reference": "ZG-1", "rectified_on": _today_plus(0)},
    "api-finding-reopen": lambda w: {"note": "未整改到位"},
    "api-finding-verify": lambda w: {"note": "已核实"},
    "reporting:settings": lambda w: {"due_day": 5},
    "planning:scenario_new": lambda w: {"name": "意愿 45 %（安全测试）", "enrolment_wish_percent": "45"},
    "coverage:settings": lambda w: {"radius_m": 800, "detour_factor": "1.20"},
    "coverage:scenarios": lambda w: {"name": "安全测试新方案"},
    "subsidies:controls": lambda w: {"maker_checker": "on"},
    "subsidies:program_rules": lambda w: {
        "basis": "per_m2_month",
        "rate": "12.00",
        "effective_from": "2025-07-01",
        "note": "安全测试调整",
    },
    "supervision:weights": lambda w: {"key": "credit_complaint", "value": "12", "note": "安全测试"},
    "supervision:grade_matrix": lambda w: {
        "risk_level": "low",
        "credit_level": "good",
        "grade": "B",
        "note": "安全测试",
    },
    "reporting:compile": lambda w: {"year": 2025, "quarter": 2, "scope": "towns"},
    "reporting:period_return": lambda w: {"reason": "在托人数有误"},
    "reporting:period_correct": lambda w: {"reason": "漏报一家机构"},
    "reporting:enrolment_fill": lambda w: {
        "month": "2025-06",
        "toddler-enrolled": "25",
        "toddler-average_attendance": "21",
        "toddler-vacant_places": "5",
    },
    "api-enrolment-report-list": lambda w: {
        "facility": w.facility_a.pk,
        "month": "2025-06-01",
        "lines": [
            {"class_type": "toddler", "enrolled": 25, "average_attendance": "21.0", "vacant_places": 5}
        ],
    },
}


def _first(model, **lookup):
    return lambda w: model.objects.filter(**lookup).order_by("pk").values_list("pk", flat=True).first()


def _authorization_of_a(world):
    """Facility A's filing record; the world files A directly (a factory), so it is made from A's fields."""
    from facilities.models import Authorization

    facility = world.facility_a
    found = Authorization.objects.filter(facility=facility).order_by("pk").first()
    return (
        found
        or Authorization.objects.create(
            facility=facility,
            number=facility.filing_number or f"T-{facility.pk}",
            authority_id=facility.district_id,
            granted_on=facility.filed_on or facility.created_at.date(),
        )
    ).pk


def admin_objects():
    """The object each admin model's object pages are called with: facility A's (or district 1's) where
    the model hangs off a facility or a district, otherwise the first row (reference data)."""
    from django.apps import apps

    m = apps.get_model

    def of_a(model, path="facility"):
        return lambda w: (
            model.objects.filter(**{path: w.facility_a}).order_by("pk").values_list("pk", flat=True).first()
        )

    def of_d1(model, path="district"):
        return lambda w: (
            model.objects.filter(**{path: w.district1}).order_by("pk").values_list("pk", flat=True).first()
        )

    return {
        "auth.group": _first(m("auth.Group")),
        "auth.user": lambda w: w.users["operator_a"].pk,
        "targets.sourcedocument": _first(m("targets.SourceDocument")),
        "targets.region": lambda w: w.town1.pk,
        "targets.populationstat": lambda w: (
            m("targets.PopulationStat")
            .objects.filter(region__in=[w.town1, w.district1])
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        ),
        "targets.reportedfigure": _first(m("targets.ReportedFigure")),
        "targets.slottarget": lambda w: w.ids["target"],
        "facilities.classtyperule": _first(m("facilities.ClassTypeRule")),
        "facilities.rulesetting": _first(m("facilities.RuleSetting")),
        "facilities.calendarday": _first(m("facilities.CalendarDay")),
        "facilities.facility": lambda w: w.facility_a.pk,
        "facilities.staffmember": lambda w: w.ids["staff"],
        "facilities.pendingchange": lambda w: w.ids["change"],
        "facilities.statuschange": of_a(m("facilities.StatusChange")),
        "facilities.authorization": _authorization_of_a,
        "facilities.filingsequence": of_d1(m("facilities.FilingSequence")),
        "facilities.roleassignment": lambda w: w.users["operator_a"].roles.order_by("pk").first().pk,
        "facilities.operatorinvitation": lambda w: w.ids["invitation"],
        "planning.inclusivesharegoal": of_d1(m("planning.InclusiveShareGoal")),
        "planning.demandassumption": of_d1(m("planning.DemandAssumption")),
        "planning.importjob": lambda w: w.ids["job"],
        "subsidies.fund": lambda w: w.ids["fund"],
        "subsidies.program": lambda w: w.ids["program"],
        "subsidies.aggregatedisbursement": _first(m("subsidies.AggregateDisbursement")),
        "subsidies.application": lambda w: w.ids["application"],
        "subsidies.ledgerentry": lambda w: w.ids["ledger"],
        "subsidies.project": lambda w: w.ids["project"],
        "subsidies.milestone": _first(m("subsidies.Milestone")),
        "supervision.department": _first(m("supervision.Department")),
        "supervision.evaluationframework": _first(m("supervision.EvaluationFramework")),
        "supervision.evaluationdimension": _first(m("supervision.EvaluationDimension")),
        "supervision.evaluationitem": _first(m("supervision.EvaluationItem")),
        "supervision.gradethreshold": _first(m("supervision.GradeThreshold")),
        "supervision.supervisionevent": _first(m("supervision.SupervisionEvent")),
        "supervision.gradingweight": _first(m("supervision.GradingWeight")),
        "supervision.gradematrixcell": _first(m("supervision.GradeMatrixCell")),
        "supervision.householdincome": _first(m("supervision.HouseholdIncome")),
        "supervision.inspection": lambda w: w.ids["inspection"],
        "supervision.teammember": _first(m("supervision.TeamMember")),
        "supervision.finding": lambda w: w.ids["finding"],
        "supervision.findingaction": of_a(m("supervision.FindingAction"), "finding__facility"),
        "supervision.findingdeadline": of_a(m("supervision.FindingDeadline"), "finding__facility"),
        "supervision.graderecord": of_a(m("supervision.GradeRecord")),
        "supervision.complaint": lambda w: w.ids["complaint"],
        "supervision.evaluation": lambda w: w.ids["evaluation"],
        "supervision.evaluationscore": _first(m("supervision.EvaluationScore")),
        "coverage.community": lambda w: w.ids["community"],
        "coverage.coveragesetting": of_d1(m("coverage.CoverageSetting")),
        "coverage.boundary": of_d1(m("coverage.Boundary")),
        "coverage.coveragegoal": _first(m("coverage.CoverageGoal")),
        "coverage.scenario": lambda w: w.ids["scenario"],
        "coverage.scenariosite": lambda w: w.ids["scenario_site"],
        "django_tasks_database.dbtaskresult": _first(m("django_tasks_database.DBTaskResult")),
        "accounts.securityevent": _first(m("accounts.SecurityEvent")),
        # login-lockout records (django-axes): none exist, so their object pages answer "not found"
        "axes.accessattempt": lambda w: 0,
        "axes.accesslog": lambda w: 0,
        "axes.accessfailurelog": lambda w: 0,
    }


ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def admin_kwargs(pattern, world, objects) -> dict | None:
    """Arguments of an admin pattern, or None when no table entry covers its model."""
    route = pattern.route
    if "(?P<app_label>" in route:
        return {"app_label": "facilities"}
    if "(?P<url>" in route:
        return {"url": "no-such-page/"}
    if "<path:content_type_id>" in route:
        return {
            "content_type_id": ContentType.objects.get_for_model(Facility).pk,
            "object_id": world.facility_a.pk,
        }
    match = ADMIN_MODEL_ROUTE.match(route)
    if not match or not PARAM.search(route):
        return {}
    key = f"{match['app']}.{match['model']}"
    if key not in objects:
        return None
    pk = objects[key](world)
    if (
        pk is None and key in admin_models()
    ):  # no row of the district or facility: any row proves the same gate
        pk = admin_models()[key].objects.order_by("pk").values_list("pk", flat=True).first()
    return {"object_id": pk, "id": pk}


def fill(route: str, kwargs: dict) -> str:
    """The concrete path of a route (both `<int:pk>` and regex `(?P<pk>…)` forms); a catch-all route
    without groups names its path in kwargs["path"]."""
    if not PARAM.search(route) and "path" in kwargs:
        return kwargs["path"]

    def value(match):
        name = match.group(1) or match.group(2)
        return str(kwargs[name])

    path = PARAM.sub(value, route).replace("^", "").replace("$", "")
    return "/" + path

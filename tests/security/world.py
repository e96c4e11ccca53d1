"""One dataset for the security tests: two Daxing towns with facility A (town 1) and facility B (town 2), a
Yubei facility, a user per role, and one record of every kind the URLs take an id of — all belonging to
facility A / town 1 / district 1 (Daxing), so that the operator of B, the official of town 2 and the
official of district 2 (Yubei) can only ever be refused."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken
from coverage.models import Community, Scenario, ScenarioSite
from facilities.models import (
    Certificate,
    Facility,
    OperatorInvitation,
    PendingChange,
    RoleAssignment,
    StaffMember,
)
from facilities.services import EDITABLE_FIELDS, UnitInput, serialize_change
from planning.models import ImportJob
from reporting import services as reporting_services
from subsidies import services as subsidy_services
from subsidies.models import LedgerEntry, Project
from supervision import services as supervision_services
from supervision.models import Complaint, Department, EvaluationFramework, Inspection
from targets.models import Region, SlotTarget
from tests import cast
from tests.cast import ROLES
from tests.factories import (
    ApplicationFactory,
    FacilityFactory,
    FundFactory,
    ProgramFactory,
    UserFactory,
    filed_facility,
    grant,
)

Role = RoleAssignment.Role

# Private values the matrix looks for in every response (matrix.disclosed): the full ID number of A's staff
# member, and the internal handling note of the complaint about A (core.privacy). ASCII markers, so that
# they are found in any encoding the portal answers in (HTML, JSON, CSV, the XML inside an .xlsx).
STAFF_ID_NUMBER = "110115199001011235"  # a valid GB 11643 check digit
INTERNAL_NOTE_MARKER = "INTERNAL-NOTE-7F3A"
INTERNAL_NOTE = f"约谈负责人（内部办理记录 {INTERNAL_NOTE_MARKER}）"


@dataclass
class World:
    district1: Region
    district2: Region
    town1: Region
    town2: Region
    facility_a: Facility
    facility_b: Facility
    users: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    token_secret: str = ""


# Roles that follow the region tree (issue 13), each checked against the column of the main table it must
# match: a city official of Beijing (above district 1) acts like district 1's official; a Beijing city API
# client's read-only token like district 1's reader; a Chongqing city official like district 2's official;
# and both a Chongqing city client's token and a token issued under the Yubei grant of an account that
# also holds a Daxing grant reach nothing of district 1 — on the API like district 2's official, and, being
# read-only tokens, like the reader elsewhere (pages ignore tokens; API writes are refused as read-only).
TREE_ROLES = {
    "beijing_official": {
        "web": "daxing_official",
        "api_get": "daxing_official",
        "api_write": "daxing_official",
    },
    "beijing_reader": {"web": "reader", "api_get": "reader", "api_write": "reader"},
    "chongqing_official": {
        "web": "yubei_official",
        "api_get": "yubei_official",
        "api_write": "yubei_official",
    },
    "chongqing_reader": {"web": "reader", "api_get": "yubei_official", "api_write": "reader"},
    "yubei_grant_reader": {"web": "reader", "api_get": "yubei_official", "api_write": "reader"},
}


def _read_only_token_client(account, official, grant_row=None):
    token, secret = cast.issue_token(account, created_by=official)
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() + datetime.timedelta(days=1), grant=grant_row
    )
    client = cast.signed_in("reader", {}, reader_secret=secret)
    return client


def add_region_tree_roles(world, district1, district2):
    beijing, chongqing = district1.parent, district2.parent
    users = world.users
    users["beijing_official"] = cast.district_official("sec_beijing_official", beijing)
    users["chongqing_official"] = cast.district_official("sec_chongqing_official", chongqing)
    users["beijing_client"] = cast.api_client_account("sec_beijing_client", beijing)
    users["chongqing_client"] = cast.api_client_account("sec_chongqing_client", chongqing)
    shared = cast.api_client_account("sec_shared_client", district1)
    grant(shared, Role.API_CLIENT, region=district2)
    yubei_grant = RoleAssignment.objects.get(user=shared, region=district2)
    for role in ("beijing_official", "chongqing_official"):
        world.clients[role] = cast.signed_in(role, users)
    world.clients["beijing_reader"] = _read_only_token_client(
        users["beijing_client"], users["beijing_official"]
    )
    world.clients["chongqing_reader"] = _read_only_token_client(
        users["chongqing_client"], users["chongqing_official"]
    )
    world.clients["yubei_grant_reader"] = _read_only_token_client(
        shared, users["yubei_official"], yubei_grant
    )


def build_world() -> World:
    district1 = Region.objects.get(code="110115")
    district2 = Region.objects.get(code="500112")
    town1 = Region.objects.get(code="110115001")
    town2 = Region.objects.get(code="110115002")
    facility_a = filed_facility(town1, "甲托育园")
    facility_b = filed_facility(town2, "乙托育园")
    filed_facility(Region.objects.get(code="500112023"), "渝北托育园")
    # Facility C (town 1, operated by A's operator) waits for review: the filing decisions act on it, so
    # the matrix sees who may acknowledge, approve or return a filing, not only that a filed one cannot be.
    facility_c = FacilityFactory(
        town=town1, name="丙托育园（待审）", submitted=True, units=[("toddler", 1, 15)]
    )
    world = World(district1, district2, town1, town2, facility_a, facility_b)

    # The cast of tests/cast.py (its usernames prefixed: a test of this package may still use the root one).
    users = cast.build_cast(facility_a, facility_b, yubei=district2, prefix="sec_")
    grant(users["operator_a"], Role.OPERATOR, facility=facility_c)
    world.users = users
    token, secret = cast.issue_token(users["api_client"], created_by=users["daxing_official"])
    # The token's last use lies "in the future", so authenticating never writes (the write-once-a-minute
    # bookkeeping would otherwise look like a change made by a refused request).
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() + datetime.timedelta(days=1))
    world.token_secret = secret
    own_token, _secret = cast.issue_token(users["daxing_official"], name="区卫健委", read_only=False)

    # Each role's client signed in once, never through the login form (lockout, django-axes, must not
    # interfere).
    world.clients = {role: cast.signed_in(role, users, reader_secret=secret) for role in ROLES}
    add_region_tree_roles(world, district1, district2)

    # ---------------------------------------------------------------- records of facility A / district 1
    member = StaffMember.objects.create(
        facility=facility_a, role=StaffMember.Role.CAREGIVER, name="张三", id_number=STAFF_ID_NUMBER
    )
    certificate = Certificate.objects.create(
        staff=member, kind=Certificate.Kind.NURSERY_TEACHER, number="C-1"
    )
    data = {name: getattr(facility_a, name) for name in EDITABLE_FIELDS}
    data["name"] = "甲托育园（更名）"
    units = [UnitInput(u.class_type_id, u.classes, u.children_per_class) for u in facility_a.units.all()]
    change = PendingChange.objects.create(
        facility=facility_a,
        data=serialize_change(data, units),
        base_version=facility_a.version,
        submitted_by=users["operator_a"],
    )
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.values[0],
        district=district1,
        file_name="targets.xlsx",
        content=b"",
        status=ImportJob.Status.FAILED,
        created_by=users["daxing_official"],
    )

    fund = FundFactory(district=district1, name="大兴区普惠托育补助资金（安全测试）")
    program = ProgramFactory(district=district1, fund=fund, name="普惠托育机构租金补助（安全测试）")
    # A's rent (300 ㎡) for the first half of 2025, approved and paid; for the third quarter, submitted
    # (the fourth is left for the matrix's own application: a program's applications lie within its year).
    half_year = {"user": users["operator_a"], "facility": facility_a, "program": program, "months": 6}
    paid = ApplicationFactory(
        **half_year, period_end=datetime.date(2025, 6, 30), approved_by=users["daxing_official"]
    )
    subsidy_services.payment_create(
        user=users["daxing_official"], application=paid, amount=None, reference="PZ-SEC-1"
    )
    pending = ApplicationFactory(
        **{**half_year, "months": 3},
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2025, 9, 30),
    )
    project = Project.objects.create(
        kind=Project.Kind.TOWN_PARK, district=district1, town=town1, name="一镇普惠托育园建设（安全测试）"
    )

    today = timezone.localdate()
    inspection = supervision_services.inspection_create(
        user=users["daxing_official"],
        district=district1,
        inspected_on=today - datetime.timedelta(days=30),
        kind=Inspection.Kind.JOINT,
        facilities=[facility_a],
        departments=list(Department.objects.filter(code__in=["health", "fire"])),
    )
    finding = supervision_services.finding_create(
        user=users["daxing_official"],
        inspection=inspection,
        facility=facility_a,
        category="fire_safety",
        severity="general",
        description="疏散通道堆放杂物",
        deadline=today + datetime.timedelta(days=30),
        legal_basis="托育机构管理规范（试行）",
    )
    complaint = supervision_services.complaint_save(
        user=users["daxing_official"],
        facility=facility_a,
        data={
            "received_on": today,
            "channel": Complaint.Channel.HOTLINE,
            "summary": "收费不透明",
            "handling": INTERNAL_NOTE,
        },
    )
    framework = EvaluationFramework.objects.filter(is_active=True).order_by("pk").first()
    evaluation = supervision_services.evaluation_create(
        user=users["operator_a"],
        facility=facility_a,
        framework=framework,
        kind="self",
        assessed_on=today,
        scores=[],
    )

    # A's enrolment report for June 2025 and town 1's (draft) report for the second quarter of 2025.
    toddler = facility_a.units.select_related("class_type").first().class_type
    enrolment = reporting_services.enrolment_report_save(
        user=users["operator_a"],
        facility=facility_a,
        month=datetime.date(2025, 6, 1),
        lines=[reporting_services.LineInput(toddler, 24, 20, 6)],
    )
    compiled = reporting_services.period_reports_compile(
        user=users["daxing_official"], district=district1, year=2025, quarter=2
    )
    period_report = next(r for r in compiled if r.town_id == town1.pk)

    # Town 1's first community (seeded from the NBS code list) and a what-if scenario of district 1.
    community = Community.objects.filter(town=town1).order_by("code").first() or Community.objects.create(
        code="110115001001", name="安全测试社区", town=town1
    )
    scenario = Scenario.objects.create(
        district=district1, name="安全测试方案", created_by=users["daxing_official"]
    )
    scenario_site = ScenarioSite.objects.create(
        scenario=scenario,
        kind=ScenarioSite.Kind.NEW,
        name="拟建园",
        longitude="116.34",
        latitude="39.73",
        inclusive_slots=10,
    )

    # Filing materials: C's files (C is under review: verdicts act on them) and a receipt issued to A.
    from facilities.models import FilingDocument, MaterialFile
    from tests.factories import provide_materials

    provide_materials(facility_c, user=users["operator_a"])
    material = MaterialFile.objects.filter(facility=facility_c, item="licence").get()
    receipt = FilingDocument.objects.create(
        facility=facility_a,
        kind=FilingDocument.Kind.RECEIPT,
        number="110115-HZ-SEC-0001",
        issued_on=datetime.date(2025, 1, 2),
        issued_by=users["daxing_official"],
        content={"facility": facility_a.name, "authority": "大兴区卫生健康委员会", "materials": []},
    )

    # An operator invited before their facility exists (facilities.OperatorInvitation), in town 1.
    invitation = OperatorInvitation.objects.create(
        user=UserFactory(username="sec_invited"), town=town1, invited_by=users["daxing_official"]
    )

    world.ids = {
        "invitation": invitation.pk,
        "material": material.pk,
        "filing_document": receipt.pk,
        "enrolment_report": enrolment.pk,
        "period_report": period_report.pk,
        "facility": facility_a.pk,
        "submitted": facility_c.pk,
        "staff": member.pk,
        "certificate": certificate.pk,
        "change": change.pk,
        "job": job.pk,
        "fund": fund.pk,
        "program": program.pk,
        "application": pending.pk,
        "paid_application": paid.pk,
        "ledger": LedgerEntry.objects.get(application=paid).pk,
        "project": project.pk,
        "inspection": inspection.pk,
        "finding": finding.pk,
        "complaint": complaint.pk,
        "evaluation": evaluation.pk,
        "framework": framework.key,
        "token": token.pk,
        "own_token": own_token.pk,
        "target": SlotTarget.objects.filter(town=town1).order_by("pk").first().pk,
        "community": community.pk,
        "scenario": scenario.pk,
        "scenario_site": scenario_site.pk,
    }
    return world


@contextmanager
def module_savepoint(django_db_blocker):
    """Changes made for one module's tests, undone after them, so the next module sees the dataset as
    built."""
    with django_db_blocker.unblock():
        sid = transaction.savepoint()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.savepoint_rollback(sid)
            transaction.savepoint_commit(sid)

"""The admin with staff roles (ASVS V8.2.2 in the admin): district officials who are also staff and hold
every model permission Django has. Scoping (core/access.py, applied by core.admin) must
still narrow what those permissions allow: the official of district 2 neither sees nor changes a row of
district 1 / facility A / town 1 through any admin page, and cannot add one for them; the official of
district 1 opens the same pages (so the refusals are about scope, not a broken page). Reference data
(places, documents, national rules) is read by both and changed by neither.

Every registered admin model is covered: a model without an entry in OWNED or REFERENCE fails, naming it."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from coverage.models import Boundary, CoverageSetting
from facilities.models import FilingSequence, RoleAssignment, StatusChange
from planning.models import DemandAssumption, InclusiveShareGoal
from subsidies.models import Milestone
from supervision.models import GradeRecord
from targets.models import PopulationStat, Region, SlotTarget, SourceDocument
from tests.factories import UserFactory, grant
from tests.security.matrix import Isolated, admin_models
from tests.security.urlargs import admin_objects
from tests.security.world import module_savepoint

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role

# Admin models whose row in urlargs.admin_objects belongs to facility A, town 1 or district 1.
OWNED = {
    "facilities.facility",
    "facilities.staffmember",
    "facilities.pendingchange",
    "facilities.statuschange",
    "facilities.authorization",
    "facilities.filingsequence",
    "planning.inclusivesharegoal",
    "planning.demandassumption",
    "planning.importjob",
    "subsidies.fund",
    "subsidies.program",
    "subsidies.application",
    "subsidies.ledgerentry",
    "subsidies.project",
    "subsidies.milestone",
    "supervision.inspection",
    "supervision.finding",
    "supervision.findingaction",
    "supervision.findingdeadline",
    "supervision.graderecord",
    "supervision.complaint",
    "supervision.evaluation",
    "targets.slottarget",
    "targets.populationstat",
    "coverage.community",
    "coverage.coveragesetting",
    "coverage.boundary",
    "coverage.scenario",
    "coverage.scenariosite",
}
# Admin models of reference data, role grants (superusers only) and logs: changed by neither official.
REFERENCE = {
    "facilities.roleassignment",
    "facilities.operatorinvitation",
    "auth.group",
    "auth.user",
    "targets.sourcedocument",
    "targets.region",
    "targets.reportedfigure",
    "coverage.coveragegoal",
    "facilities.classtyperule",
    "facilities.rulesetting",
    "facilities.calendarday",
    "subsidies.aggregatedisbursement",
    "supervision.department",
    "supervision.evaluationframework",
    "supervision.evaluationdimension",
    "supervision.evaluationitem",
    "supervision.gradethreshold",
    "supervision.supervisionevent",
    "supervision.gradingweight",
    "supervision.gradematrixcell",
    "supervision.householdincome",
    "supervision.teammember",
    "supervision.evaluationscore",
    "django_tasks_database.dbtaskresult",
    "accounts.securityevent",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


@pytest.fixture(scope="module")
def staff(world, django_db_blocker):
    """Clients of the two district officials, made staff with every model permission."""
    from django.test import Client

    clients = {}
    with module_savepoint(django_db_blocker):
        with django_db_blocker.unblock():
            every_permission = list(Permission.objects.all())
            for key, district in (("d1", world.district1), ("d2", world.district2)):
                user = UserFactory(username=f"staff_{key}", is_staff=True)
                grant(user, Role.DISTRICT_OFFICIAL, region=district)
                user.user_permissions.set(every_permission)
                client = Client()
                client.force_login(user)
                clients[key] = client
        yield clients


def objects(world):
    """The district-1 row of every OWNED model; the two that world.py has none of are made here."""
    table = admin_objects()
    found = {key: table[key](world) for key in OWNED}
    found["facilities.filingsequence"] = FilingSequence.objects.get_or_create(
        district=world.district1, year=2025, defaults={"last": 3}
    )[0].pk
    found["facilities.statuschange"] = found["facilities.statuschange"] or (
        StatusChange.objects.create(
            facility=world.facility_a,
            from_status="operating",
            to_status="operating",
            effective_on=datetime.date(2025, 1, 1),
            reason="测试",
            decided_by=world.users["daxing_official"],
        ).pk
    )
    found["planning.demandassumption"] = DemandAssumption.objects.get_or_create(
        district=world.district1, defaults={"enrolment_wish_percent": 30}
    )[0].pk
    found["targets.populationstat"] = found["targets.populationstat"] or (
        PopulationStat.objects.create(
            region=world.town1,
            year=2024,
            resident_population=50000,
            source=SourceDocument.objects.get(key="daxing-plan-2024-2025"),
        ).pk
    )
    found["supervision.graderecord"] = found["supervision.graderecord"] or (
        GradeRecord.objects.create(
            facility=world.facility_a,
            period=datetime.date(2025, 1, 1),
            as_of=datetime.date(2025, 1, 31),
            grade="A",
            risk_level="low",
            credit_level="good",
            risk_points=0,
            credit_points=100,
        ).pk
    )
    found["coverage.coveragesetting"] = CoverageSetting.objects.get_or_create(district=world.district1)[0].pk
    found["coverage.boundary"] = found["coverage.boundary"] or (
        Boundary.objects.create(
            district=world.district1,
            name="大兴区边界",
            geojson={"type": "FeatureCollection", "features": []},
            feature_count=0,
        ).pk
    )
    found["subsidies.milestone"] = Milestone.objects.get_or_create(
        project_id=world.ids["project"], stage=Milestone.Stage.values[0]
    )[0].pk
    return found


def url(key, view, *args):
    app, model = key.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def test_every_admin_model_is_classified():
    registered = set(admin_models())
    missing = sorted(registered - OWNED - REFERENCE)
    assert not missing, f"admin models missing from OWNED or REFERENCE in {__file__}: {missing}"
    assert not (OWNED | REFERENCE) - registered, "entries for admin models that are no longer registered"


def test_district_2_staff_neither_sees_nor_changes_district_1_rows(world, staff):
    rows = objects(world)
    problems = []
    with Isolated() as isolated:
        for key, pk in sorted(rows.items()):
            assert pk is not None, f"world.py has no {key} row of facility A / district 1"
            change, history, delete = (url(key, v, pk) for v in ("change", "history", "delete"))
            # district 1's official reaches the row: the refusals below are about scope
            if staff["d1"].get(change).status_code != 200:
                problems.append(f"{key}: district 1's official cannot open {change}")
            listing = staff["d2"].get(url(key, "changelist"))
            if listing.status_code == 200 and f'href="{change}"'.encode() in listing.content:
                problems.append(f"{key}: district 2's official sees the row in the list")
            for path in (change, history, delete):
                if staff["d2"].get(path).status_code == 200:
                    problems.append(f"{key}: district 2's official opens {path}")
            for path, data in ((change, {}), (delete, {"post": "yes"})):
                status = staff["d2"].post(path, data).status_code
                if status == 200:
                    problems.append(f"{key}: district 2's official POST {path} answers 200")
                if changed := isolated.after_call():
                    problems.append(f"{key}: district 2's official POST {path} changed {changed}")
    assert not problems, "\n".join(problems)


def test_reference_data_is_read_but_not_changed_by_district_staff(world, staff):
    table = admin_objects()
    problems = []
    with Isolated() as isolated:
        for key in sorted(REFERENCE - {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}):
            model = admin_models()[key]
            pk = table[key](world) or model.objects.order_by("pk").values_list("pk", flat=True).first()
            if pk is None:
                continue
            for who in ("d1", "d2"):
                for path, data in ((url(key, "change", pk), {}), (url(key, "delete", pk), {"post": "yes"})):
                    staff[who].post(path, data)
                    changed = isolated.after_call()
                    if changed:
                        problems.append(f"{key}: {who} POST {path} changed {changed}")
    assert not problems, "\n".join(problems)


def add_payloads(world):
    """Add-form input naming district 1 or its town 1 (refused for district 2), and the same for district 2
    (accepted: the forms work and the refusal is about scope)."""
    source = SourceDocument.objects.get(key="daxing-plan-2024-2025").pk
    town_d2 = Region.objects.filter(parent=world.district2, level=Region.Level.TOWN).order_by("pk").first()
    return {
        "targets.slottarget": (
            {"town": world.town1.pk, "year": 2030, "level": "plan", "total_slots": 10, "inclusive_slots": 5},
            {"town": town_d2.pk, "year": 2030, "level": "plan", "total_slots": 10, "inclusive_slots": 5},
            SlotTarget,
            {"source": source},
        ),
        "targets.populationstat": (
            {"region": world.town1.pk, "year": 2030, "resident_population": 1000},
            {"region": town_d2.pk, "year": 2030, "resident_population": 1000},
            PopulationStat,
            {"source": source},
        ),
        "planning.inclusivesharegoal": (
            {"district": world.district1.pk, "year": 2030, "share_percent": "60"},
            {"district": world.district2.pk, "year": 2030, "share_percent": "60"},
            InclusiveShareGoal,
            {},
        ),
        "subsidies.fund": (
            {
                "source_level": "district",
                "name": "越权资金",
                "district": world.district1.pk,
                "year": 2030,
                "amount_allocated": "1000.00",
                "purpose": "测试",
            },
            None,
            None,
            {},
        ),
        "supervision.householdincome": (
            {"district": world.district1.pk, "year": 2030, "amount": "8000.00", "source_note": "测试"},
            None,
            None,
            {},
        ),
    }


def test_district_2_staff_cannot_add_rows_for_district_1(world, staff):
    problems = []
    with Isolated() as isolated:
        for key, (foreign, own, model, extra) in add_payloads(world).items():
            path = url(key, "add")
            response = staff["d2"].post(path, {**foreign, **extra})
            changed = isolated.after_call()
            if changed:
                problems.append(f"{key}: district 2's official added a district-1 row ({changed})")
            if own is not None:
                response = staff["d2"].post(path, {**own, **extra})
                assert response.status_code == 302, (key, response.content.decode()[-3000:])
                assert model.objects.filter(year=2030).exists()
                assert isolated.after_call()  # and rolled back
    assert not problems, "\n".join(problems)


def test_district_1_staff_edits_own_targets_in_the_admin(world, staff):
    """The other side of the scoping: the district's own official (with the model permission) edits
    its towns' targets in the admin, and district 2's official cannot pick town 1 at all."""
    target = SlotTarget.objects.get(pk=world.ids["target"])
    before = target.total_slots
    with Isolated():
        response = staff["d1"].post(
            url("targets.slottarget", "change", target.pk),
            {
                "town": target.town_id,
                "year": target.year,
                "level": target.level,
                "total_slots": target.total_slots + 1,
                "inclusive_slots": target.inclusive_slots or 0,
                "source": target.source_id,
                "note": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[-3000:]
        assert response["Location"].endswith(reverse("admin:targets_slottarget_changelist"))
        target.refresh_from_db()
        assert target.total_slots == before + 1
    picker = staff["d2"].get(
        reverse("admin:autocomplete"),
        {"app_label": "targets", "model_name": "slottarget", "field_name": "town", "term": ""},
    )
    offered = {int(result["id"]) for result in picker.json()["results"]}
    assert offered and world.town1.pk not in offered
    assert offered <= set(Region.objects.filter(parent=world.district2).values_list("pk", flat=True))

"""/api/v1/subsidies/…: funds with the execution figures of the fund pages, programs, applications with the
approval workflow, the append-only ledger with reversals and construction projects — each role reads what
its pages show (404 outside it, 401 anonymous), writes only where the web lets it (read-only tokens never),
refusals come back in the one error body, money is a two-place string, and a list page costs the same
number of queries whatever its size."""

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from facilities.models import Facility, RoleAssignment
from subsidies import selectors
from subsidies.models import Application, Fund, LedgerEntry, Milestone, Program, Project
from tests import helpers
from tests.api.test_schema import run_schemathesis, schema_dict, wsgi_app  # noqa: F401 (fixtures)
from tests.cast import issue_token
from tests.helpers import error_of, ids, refused
from tests.subsidies import conftest as subsidy_fixtures
from tests.subsidies.conftest import approve, pay, submit

pytestmark = pytest.mark.django_db

Role = RoleAssignment.Role
BASE = "/api/v1/subsidies"
ROLES = helpers.API_ROLES


# ---------------------------------------------------------------- records (the cast: tests/conftest.py)

# the subsidy pages' own fixtures: a Daxing fund, its rent program and a Yubei facility
fund = subsidy_fixtures.fund
rent_program = subsidy_fixtures.rent_program
facility_y = subsidy_fixtures.facility_y


@pytest.fixture
def world(users, facility_a, facility_b, facility_y, rent_program, fund, town1, daxing):
    """A's rent application (10 元 × 300 ㎡ × 12 = 36,000) approved and 20,000 paid; B's submitted; a Yubei
    application; a Daxing project in town 1 whose in-service milestone is overdue."""
    official = users["daxing_official"]
    a = approve(official, submit(users["operator_a"], facility_a, rent_program))
    payment = pay(official, a, Decimal("20000.00"), "PZ-A-1")
    b = submit(users["operator_b"], facility_b, rent_program)
    y = submit(users["superuser"], facility_y, Program.objects.get(seed_key="yubei-rent-2025"))
    project = Project.objects.create(
        kind="town_park", district=daxing, town=town1, name="兴丰托育园建设项目", planned_slots=120
    )
    Milestone.objects.create(
        project=project, stage="approval", done=True, actual_date=datetime.date(2024, 3, 1)
    )
    Milestone.objects.create(project=project, stage="in_service", planned_date=datetime.date(2025, 6, 30))
    project.funds.add(fund)
    return {
        "A": a,
        "B": b,
        "Y": y,
        "payment": payment,
        "fund": fund,
        "central": Fund.objects.get(seed_key="yubei-central-demonstration-2024"),
        "program": rent_program,
        "yubei_program": Program.objects.get(seed_key="yubei-rent-2025"),
        "project": project,
        "yubei_project": Project.objects.get(seed_key="yubei-service-centre-project"),
    }


# ---------------------------------------------------------------- reading, role by role

DAXING_READERS = {"reader", "daxing_official", "superuser"}
# record -> (its endpoint, the roles that read it); everyone else: 404 in detail, absent from the list
READS = {
    "fund": ("funds", DAXING_READERS),
    "central": ("funds", {"yubei_official", "superuser"}),
    "program": ("programs", DAXING_READERS | {"operator_a", "operator_b", "town1_official"}),
    "yubei_program": ("programs", {"yubei_official", "superuser"}),
    "A": ("applications", DAXING_READERS | {"operator_a", "town1_official"}),
    "B": ("applications", DAXING_READERS | {"operator_b"}),
    "Y": ("applications", {"yubei_official", "superuser"}),
    "payment": ("ledger", DAXING_READERS | {"operator_a", "town1_official"}),
    "project": ("projects", DAXING_READERS | {"town1_official"}),
    "yubei_project": ("projects", {"yubei_official", "superuser"}),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_exactly_its_scope(role, world, client_as):
    scope = {name: (f"{BASE}/{endpoint}/", world[name], roles) for name, (endpoint, roles) in READS.items()}
    helpers.assert_reads_its_scope(client_as(role), role, scope)


def test_operators_and_town_officials_see_no_funds(world, client_as):
    for role in ("operator_a", "town1_official"):
        assert client_as(role).get(f"{BASE}/funds/").json()["count"] == 0


def test_unknown_and_malformed_ids_are_404(world, client_as):
    api = client_as("superuser")
    assert error_of(api.get(f"{BASE}/applications/999999/"), 404)["code"] == "not_found"
    assert error_of(api.get(f"{BASE}/applications/abc/"), 404)["code"] == "not_found"


# ---------------------------------------------------------------- figures and shapes


def test_a_fund_carries_the_execution_of_the_fund_pages(world, client_as):
    item = client_as("daxing_official").get(f"{BASE}/funds/{world['fund'].pk}/").json()
    assert (item["district"], item["district_name"], item["year"]) == ("110115", "大兴区", 2025)
    assert item["amount_allocated"] == item["allocated"] == "100000.00"
    assert (item["ledger_paid"], item["ledger_reversed"], item["aggregate_disbursed"]) == (
        "20000.00",
        "0.00",
        "0.00",
    )
    assert (item["disbursed"], item["remaining"], item["rate"]) == ("20000.00", "80000.00", "0.2000")
    page = selectors.fund_execution([world["fund"]])[0]
    assert Decimal(item["disbursed"]) == page.disbursed and Decimal(item["remaining"]) == page.remaining


def test_the_ledger_reconciles_with_each_funds_execution(world, client_as, users):
    from subsidies import services

    services.payment_reverse(user=users["daxing_official"], entry=world["payment"], reason="错账")
    api = client_as("superuser")
    ledger = api.get(f"{BASE}/ledger/", {"fund": world["fund"].pk, "page_size": 500}).json()["results"]
    fund = api.get(f"{BASE}/funds/{world['fund'].pk}/").json()
    assert sum(Decimal(e["amount"]) for e in ledger) == Decimal(fund["disbursed"]) == Decimal("0.00")
    central = api.get(f"{BASE}/funds/{world['central'].pk}/").json()
    # the central fund: only what documents tie to it, never invented per-facility payments
    assert Decimal(central["disbursed"]) == Decimal(central["aggregate_disbursed"]) + Decimal(
        central["ledger_paid"]
    ) - Decimal(central["ledger_reversed"])


def test_an_application_in_full(world, client_as):
    item = client_as("operator_a").get(f"{BASE}/applications/{world['A'].pk}/").json()
    assert (item["facility"], item["facility_name"]) == (world["A"].facility_id, "甲托育园")
    assert (item["district"], item["town"], item["town_name"]) == ("110115", "110115001", "兴丰街道")
    assert (item["program"], item["program_year"], item["program_kind"]) == (
        world["program"].pk,
        2025,
        "rent",
    )
    assert (item["period_start"], item["period_end"]) == ("2025-01-01", "2025-12-31")
    assert (item["area_m2"], item["months"], item["slots"]) == ("300.00", 12, None)
    assert (item["rule_basis"], item["rule_rate"]) == ("per_m2_month", "10.00")
    assert (item["proposed_amount"], item["approved_amount"], item["paid"]) == (
        "36000.00",
        "36000.00",
        "20000.00",
    )
    assert item["status"] == "approved" and item["decided_at"]
    submitted = client_as("operator_b").get(f"{BASE}/applications/{world['B'].pk}/").json()
    assert submitted["approved_amount"] is None and submitted["paid"] == "0.00"


def test_a_project_with_its_milestones(world, client_as):
    item = client_as("town1_official").get(f"{BASE}/projects/{world['project'].pk}/").json()
    assert (item["district"], item["town"], item["planned_slots"]) == ("110115", "110115001", 120)
    assert item["funds"] == [world["fund"].pk] and item["facility"] is None
    assert (item["current_stage"], item["in_service"], item["overdue"]) == ("approval", False, True)
    assert [(m["stage"], m["done"], m["overdue"]) for m in item["milestones"]] == [
        ("approval", True, False),
        ("in_service", None, True),
    ]
    assert item["milestones"][1]["planned_date"] == "2025-06-30"
    seeded = client_as("superuser").get(f"{BASE}/projects/{world['yubei_project'].pk}/").json()
    project = world["yubei_project"]
    assert seeded["investment_comparator"] == project.investment_comparator
    assert seeded["investment"] == (None if project.investment is None else f"{project.investment:.2f}")


def test_programs_state_their_rule_and_eligibility(world, client_as):
    item = client_as("operator_a").get(f"{BASE}/programs/{world['program'].pk}/").json()
    assert (item["kind"], item["basis"], item["rate"]) == ("rent", "per_m2_month", "10.00")
    assert (item["requires_filed"], item["requires_inclusive"], item["allowed_kinds"]) == (True, True, [])
    assert item["fund"] == world["fund"].pk and "10.00" in item["rule_text"]


# ---------------------------------------------------------------- filters and downloads


def test_filters_are_the_list_pages_filtersets(world, client_as, users):
    official = client_as("daxing_official")
    assert ids(official.get(f"{BASE}/applications/", {"status": "submitted"})) == {world["B"].pk}
    assert ids(official.get(f"{BASE}/applications/", {"program": world["program"].pk, "year": 2025})) == {
        world["A"].pk,
        world["B"].pk,
    }
    assert ids(official.get(f"{BASE}/applications/", {"facility": world["A"].facility_id})) == {world["A"].pk}
    assert ids(official.get(f"{BASE}/ledger/", {"kind": "reversal"})) == set()
    assert ids(official.get(f"{BASE}/ledger/", {"kind": "payment", "district": "110115"})) == {
        world["payment"].pk
    }
    assert ids(official.get(f"{BASE}/funds/", {"year": 2024})) == set()
    assert ids(official.get(f"{BASE}/projects/", {"town": "110115001"})) == {world["project"].pk}
    superuser = client_as("superuser")
    assert world["Y"].pk in ids(superuser.get(f"{BASE}/applications/", {"district": "500112"}))
    assert world["A"].pk not in ids(superuser.get(f"{BASE}/applications/", {"district": "500112"}))


@pytest.mark.parametrize(
    "endpoint, params, field",
    [
        ("applications", {"status": "paid"}, "status"),
        ("applications", {"year": "二〇二五"}, "year"),
        ("applications", {"district": "500112"}, "district"),  # a district outside the official's scope
        ("ledger", {"kind": "refund"}, "kind"),
        ("funds", {"district": "nowhere"}, "district"),
        ("programs", {"kind": "castle"}, "kind"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(endpoint, params, field, world, client_as):
    error = error_of(client_as("daxing_official").get(f"{BASE}/{endpoint}/", params), 400)
    assert field in error["fields"]


def test_csv_and_xlsx_downloads(world, client_as):
    api = client_as("daxing_official")
    rows = helpers.csv_rows(api.get(f"{BASE}/applications/", {"format": "csv"}))
    assert {row["facility_name"] for row in rows} == {"甲托育园", "乙托育园"}
    assert next(r for r in rows if r["facility_name"] == "甲托育园")["approved_amount"] == "36000.00"

    for endpoint in ("funds", "programs", "ledger", "projects"):
        sheet = helpers.xlsx_sheet(api.get(f"{BASE}/{endpoint}/", {"format": "xlsx"}))
        assert "id" in [cell.value for cell in sheet[1]]
        assert sheet.max_row >= 2, endpoint


# ---------------------------------------------------------------- applying, role by role


def new_application(facility, program, **overrides):
    body = {
        "facility": facility.pk,
        "program": program.pk,
        "period_start": "2025-01-01",
        "period_end": "2025-06-30",
        "area_m2": "250.50",
        "months": 6,
        "note": "2025年上半年租金",
    }
    body.update(overrides)
    return body


APPLY = {
    "anonymous": (401, None),
    "reader": (403, None),
    "operator_a": (201, None),
    "operator_b": (400, "facility"),  # not their facility: it does not exist for them
    "town1_official": (403, None),
    "daxing_official": (403, None),  # officials decide; they do not apply
    "yubei_official": (400, "facility"),
    "superuser": (201, None),
}


@pytest.mark.parametrize("role", ROLES)
def test_apply_where_the_web_allows_it(role, users, facility_a, rent_program, client_as):
    response = client_as(role).post(
        f"{BASE}/applications/", new_application(facility_a, rent_program), format="json"
    )
    expected, field = APPLY[role]
    if error := refused(response, expected, ok=201):
        if field:
            assert field in error["fields"]
        assert not Application.objects.filter(facility=facility_a).exists()
        return
    item = response.json()
    assert item["status"] == "submitted"
    assert item["proposed_amount"] == "15030.00"  # 10 元 × 250.5 ㎡ × 6 个月
    assert item["approved_amount"] is None and item["paid"] == "0.00"
    assert Application.objects.get(pk=item["id"]).submitted_by == users[role]


def test_the_rule_and_eligibility_refuse_with_field_messages(users, facility_a, rent_program, client_as):
    api = client_as("operator_a")
    error = error_of(
        api.post(f"{BASE}/applications/", new_application(facility_a, rent_program, months=7), format="json"),
        400,
    )
    assert "months" in error["fields"]
    error = error_of(
        api.post(
            f"{BASE}/applications/",
            new_application(facility_a, rent_program, period_end="2024-01-01"),
            format="json",
        ),
        400,
    )
    assert "period_end" in error["fields"]
    Facility.objects.filter(pk=facility_a.pk).update(is_inclusive=False)
    error = error_of(
        api.post(f"{BASE}/applications/", new_application(facility_a, rent_program), format="json"), 400
    )
    assert "普惠" in error["fields"]["program"][0]["message"]
    error = error_of(api.post(f"{BASE}/applications/", {"area_m2": "abc"}, format="json"), 400)
    assert {"facility", "program", "period_start", "period_end", "area_m2"} <= set(error["fields"])
    assert not Application.objects.exists() or not Application.objects.filter(facility=facility_a).exists()


# ---------------------------------------------------------------- deciding, paying, withdrawing, reversing

# B's application is submitted; operator B may see it but not decide; town 1's official does not see B.
DECIDE = helpers.write_statuses(404, operator_b=403, daxing_official=200, superuser=200)


@pytest.mark.parametrize("role", ROLES)
def test_decide_where_the_web_allows_it(role, world, client_as):
    application = world["B"]
    response = client_as(role).post(
        f"{BASE}/applications/{application.pk}/decide/", {"decision": "approve"}, format="json"
    )
    application.refresh_from_db()
    if refused(response, DECIDE[role], role=role):
        assert application.status == "submitted"
        return
    item = response.json()
    assert (item["status"], item["approved_amount"]) == ("approved", "36000.00")
    assert application.status == "approved"


def test_reduce_and_reject_need_a_reason(world, client_as):
    api = client_as("daxing_official")
    url = f"{BASE}/applications/{world['B'].pk}/decide/"
    error = error_of(api.post(url, {"decision": "reject"}, format="json"), 400)
    assert "reason" in error["fields"]
    error = error_of(api.post(url, {"decision": "approve", "amount": "30000"}, format="json"), 400)
    assert "reason" in error["fields"]
    error = error_of(
        api.post(url, {"decision": "reduce", "amount": "40000", "reason": "x"}, format="json"), 400
    )
    assert "amount" in error["fields"]
    error = error_of(api.post(url, {"decision": "maybe"}, format="json"), 400)
    assert error["fields"]["decision"][0]["code"] == "invalid_choice"
    response = api.post(
        url, {"decision": "reduce", "amount": "30000.00", "reason": "面积核减为250㎡"}, format="json"
    )
    assert response.status_code == 200, response.content
    item = response.json()
    assert (item["status"], item["approved_amount"], item["decision_reason"]) == (
        "reduced",
        "30000.00",
        "面积核减为250㎡",
    )
    error = error_of(api.post(url, {"decision": "reject", "reason": "x"}, format="json"), 400)
    assert "已处理" in str(error)


# A's application: its operator and town 1's official see it but may not pay; Daxing's officials pay (201)
PAY = helpers.write_statuses(403, operator_b=404, yubei_official=404, daxing_official=201, superuser=201)


@pytest.mark.parametrize("role", ROLES)
def test_pay_where_the_web_allows_it(role, world, client_as):
    application = world["A"]
    response = client_as(role).post(
        f"{BASE}/applications/{application.pk}/pay/", {"reference": "PZ-A-2"}, format="json"
    )
    if refused(response, PAY[role], ok=201):
        assert LedgerEntry.objects.filter(application=application).count() == 1
        return
    entry = response.json()
    assert (entry["kind"], entry["amount"], entry["reference"]) == ("payment", "16000.00", "PZ-A-2")
    assert (entry["application"], entry["fund"], entry["reversed_by"]) == (
        application.pk,
        world["fund"].pk,
        None,
    )
    assert entry["entry_date"] == timezone.localdate().isoformat()


def test_payment_refusals_have_their_codes(world, client_as):
    api = client_as("daxing_official")
    url = f"{BASE}/applications/{world['A'].pk}/pay/"
    error = error_of(api.post(url, {"reference": "PZ", "amount": "16000.01"}, format="json"), 400)
    assert "amount" in error["fields"]
    error = error_of(api.post(url, {"amount": "1"}, format="json"), 400)
    assert "reference" in error["fields"]
    # The fund is committed at approval (never below what is approved), so a payment meets no balance
    # refusal; a voucher already in the fund's ledger is refused with its own code.
    error = error_of(api.post(url, {"reference": "PZ-A-1", "amount": "6000"}, format="json"), 400)
    assert error["fields"]["reference"][0]["code"] == "duplicate_voucher"
    Facility.objects.filter(pk=world["A"].facility_id).update(
        operating_status=Facility.OperatingStatus.SUSPENDED
    )
    error = error_of(api.post(url, {"reference": "PZ", "amount": "100"}, format="json"), 400)
    assert error["fields"]["non_field_errors"][0]["code"] == "payment_held"
    assert "暂停" in error["fields"]["non_field_errors"][0]["message"]
    assert LedgerEntry.objects.filter(application=world["A"]).count() == 1


def test_withdraw_is_for_the_operator_of_a_submitted_application(world, client_as):
    url = f"{BASE}/applications/{world['B'].pk}/withdraw/"
    assert error_of(client_as("daxing_official").post(url), 403)["code"] == "not_allowed"
    assert error_of(client_as("operator_a").post(url), 404)["code"] == "not_found"
    response = client_as("operator_b").post(url)
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert error_of(client_as("operator_b").post(url), 400)


REVERSE = {**PAY}


@pytest.mark.parametrize("role", ROLES)
def test_reverse_a_payment_where_the_web_allows_it(role, world, client_as):
    payment = world["payment"]
    url = f"{BASE}/ledger/{payment.pk}/reverse/"
    response = client_as(role).post(url, {"reason": "重复录入"}, format="json")
    if refused(response, REVERSE[role], ok=201):
        assert not LedgerEntry.objects.filter(reversal_of=payment).exists()
        return
    reversal = response.json()
    assert (reversal["kind"], reversal["amount"], reversal["reversal_of"]) == (
        "reversal",
        "-20000.00",
        payment.pk,
    )
    assert reversal["reference"] == "冲销 PZ-A-1" and reversal["note"] == "重复录入"
    original = client_as(role).get(f"{BASE}/ledger/{payment.pk}/").json()
    assert original["reversed_by"] == reversal["id"] and original["amount"] == "20000.00"


def test_a_reversal_needs_a_reason_and_happens_once(world, client_as):
    api = client_as("daxing_official")
    url = f"{BASE}/ledger/{world['payment'].pk}/reverse/"
    assert "reason" in error_of(api.post(url, {"reason": ""}, format="json"), 400)["fields"]
    assert api.post(url, {"reason": "错账"}, format="json").status_code == 201
    assert "已被冲销" in str(error_of(api.post(url, {"reason": "错账"}, format="json"), 400))
    reversal = LedgerEntry.objects.get(reversal_of=world["payment"])
    assert "只能冲销支付" in str(
        error_of(api.post(f"{BASE}/ledger/{reversal.pk}/reverse/", {"reason": "x"}), 400)
    )


def test_the_ledger_and_other_lists_accept_no_direct_writes(world, client_as):
    api = client_as("superuser")
    payment = world["payment"]
    assert error_of(api.delete(f"{BASE}/ledger/{payment.pk}/"), 405)
    assert error_of(api.patch(f"{BASE}/ledger/{payment.pk}/", {"amount": "1"}, format="json"), 405)
    assert error_of(api.post(f"{BASE}/funds/", {"name": "x"}, format="json"), 405)
    assert error_of(api.patch(f"{BASE}/applications/{world['A'].pk}/", {"status": "approved"}), 405)


def test_a_read_write_token_acts_as_its_user_and_a_read_only_one_never_writes(world, users):
    official = users["daxing_official"]
    read_only = helpers.bearer_client(issue_token(official, name="只读", days=1)[1])
    read_write = helpers.bearer_client(issue_token(official, name="读写", read_only=False, days=1)[1])
    url = f"{BASE}/applications/{world['B'].pk}/decide/"
    error = error_of(read_only.post(url, {"decision": "approve"}, format="json"), 403)
    assert error["code"] == "permission_denied"
    assert read_write.post(url, {"decision": "approve"}, format="json").json()["status"] == "approved"


# ---------------------------------------------------------------- queries per page


@pytest.fixture
def many(world, users, daxing, town1):
    """110 more rows of every kind in Daxing."""
    program, superuser = world["program"], users["superuser"]
    facility = world["A"].facility
    Fund.objects.bulk_create(
        Fund(
            source_level="district",
            name=f"批量资金{i:03d}",
            district=daxing,
            year=2025,
            amount_allocated=1000,
            purpose="x",
        )
        for i in range(110)
    )
    Program.objects.bulk_create(
        Program(
            district=daxing, year=2025, kind="operating", name=f"批量项目{i:03d}", basis="fixed", rate=100
        )
        for i in range(110)
    )
    applications = Application.objects.bulk_create(
        Application(
            program=program,
            facility=facility,
            period_start=datetime.date(2030, 1, 1) + timedelta(days=i),
            period_end=datetime.date(2030, 1, 1) + timedelta(days=i),
            rule_basis="per_m2_month",
            rule_rate=10,
            proposed_amount=100,
            approved_amount=100,
            status="approved",
            submitted_by=superuser,
        )
        for i in range(110)
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            entry_date=datetime.date(2025, 1, 2),
            facility=facility,
            program=program,
            fund=world["fund"],
            application=a,
            amount=1,
            kind="payment",
            reference=f"B-{a.pk}",
            created_by=superuser,
        )
        for a in applications
    )
    projects = Project.objects.bulk_create(
        Project(kind="town_park", district=daxing, town=town1, name=f"批量建设项目{i:03d}")
        for i in range(110)
    )
    Milestone.objects.bulk_create(
        Milestone(project=p, stage="approval", planned_date=datetime.date(2025, 1, 1)) for p in projects
    )


@pytest.mark.parametrize("endpoint", ["funds", "programs", "applications", "ledger", "projects"])
@pytest.mark.parametrize("role", ["daxing_official", "reader"])
def test_a_list_page_costs_the_same_queries_whatever_its_size(endpoint, role, many, client_as):
    helpers.assert_page_cost_is_constant(client_as(role), f"{BASE}/{endpoint}/", budget=16)


# ---------------------------------------------------------------- the schema, signed in


def test_the_private_endpoints_conform_to_their_schema_when_signed_in(
    world,
    users,
    schema_dict,  # noqa: F811 (a fixture)
    wsgi_app,  # noqa: F811 (a fixture)
):
    """tests/api/test_schema.py runs schemathesis anonymously (these endpoints answer 401 there); here the
    subsidy and supervision GET endpoints run with a superuser's read-only token over the seeded data."""
    secret = issue_token(users["superuser"])[1]
    paths = run_schemathesis(
        schema_dict,
        wsgi_app,
        r"^/api/v1/(subsidies|inspections)/",
        examples=8,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert {"/api/v1/subsidies/funds/", "/api/v1/inspections/findings/{id}/"} <= paths

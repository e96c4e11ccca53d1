"""/api/v1/facilities/: who reads what (full record in scope, public record of the directory, 404 otherwise),
writes through facilities.services exactly where the web allows them, the filing workflow endpoints, the
error body for every refusal, downloads and a constant number of queries per page."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from facilities.api.serializers import PUBLIC_API_FIELDS
from facilities.models import ChecklistItem, ClassTypeRule, ClassUnit, Facility, PendingChange, RoleAssignment
from facilities.public_views import DERIVED_FIELDS, PUBLIC_FIELDS
from facilities.services import ensure_checklist
from targets.models import Region
from tests import helpers
from tests.cast import issue_token
from tests.factories import FacilityFactory, provide_materials
from tests.helpers import error_of, ids, refused

pytestmark = pytest.mark.django_db

Role = RoleAssignment.Role
LIST = "/api/v1/facilities/"
PRIVATE_FIELDS = {"contact_person", "contact_phone", "version", "enrolled_children", "flags", "notes"}


def detail(facility):
    return f"{LIST}{facility.pk}/"


# ---------------------------------------------------------------- facilities (the cast: tests/conftest.py)


@pytest.fixture
def facility_a(town1):
    """A Daxing draft (as in tests/facilities), with internal contact details and a fee."""
    return FacilityFactory(
        town=town1,
        name="甲托育园",
        draft=True,
        contact_person="张园长",
        contact_phone="13800000001",
        monthly_fee=Decimal("3800"),
        units=[("toddler", 2, 15)],
    )


@pytest.fixture
def facility_b(town2):
    """A Daxing draft: one older class of 20."""
    return FacilityFactory(town=town2, name="乙托育园", draft=True, units=[("older", 1, 20)])


def filed(town, name, **extra):
    return FacilityFactory(
        town=town,
        name=name,
        filed=True,
        filed_on=datetime.date(2025, 1, 10),
        contact_person="内部联系人",
        contact_phone="13900000000",
        public_phone="010-12345678",
        units=[("older", 1, 20)],
        **extra,
    )


@pytest.fixture
def world(facility_a, facility_b, daxing, yubei_town):
    """Named facilities: A and B (Daxing drafts), PD and PY (public, Daxing and Yubei), SYN (synthetic, Daxing
    town 1, filed and operating but never public), YD (a seeded Yubei draft)."""
    return {
        "A": facility_a,
        "B": facility_b,
        "PD": filed(Region.objects.get(code="110115003"), "丙公开园"),
        "PY": filed(yubei_town, "丁公开园"),
        "SYN": filed(facility_a.town, "【合成】戊园", is_synthetic=True),
        "YD": Facility.objects.get(seed_key="yubei-mch-hospital-park"),
    }


ROLES = helpers.API_ROLES


def shape(item) -> str:
    if "version" in item:
        assert set(item) >= PRIVATE_FIELDS
        return "full"
    assert set(item) == set(PUBLIC_API_FIELDS)
    return "public"


# ---------------------------------------------------------------- reading, role by role

YUBEI_SEEDED = 8
# role -> {facility: "full" | "public"}; anything not named is absent from the list and 404 in detail
VISIBLE = {
    "anonymous": {"PD": "public", "PY": "public"},
    "reader": {"A": "full", "B": "full", "PD": "full", "SYN": "full", "PY": "public"},
    "operator_a": {"A": "full", "PD": "public", "PY": "public"},
    "operator_b": {"B": "full", "PD": "public", "PY": "public"},
    "town1_official": {"A": "full", "SYN": "full", "PD": "public", "PY": "public"},
    "daxing_official": {"A": "full", "B": "full", "PD": "full", "SYN": "full", "PY": "public"},
    "yubei_official": {"PY": "full", "YD": "full", "PD": "public"},
    "superuser": {name: "full" for name in ("A", "B", "PD", "PY", "SYN", "YD")},
}
EXTRA_ROWS = {"yubei_official": YUBEI_SEEDED - 1, "superuser": YUBEI_SEEDED - 1}


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_the_scope_in_full_and_the_directory_in_public_fields(role, world, client_as):
    response = client_as(role).get(LIST, {"page_size": 500})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    names = {facility.pk: name for name, facility in world.items()}
    seen = {names[item["id"]]: shape(item) for item in body["results"] if item["id"] in names}
    assert seen == VISIBLE[role]
    assert body["count"] == len(VISIBLE[role]) + EXTRA_ROWS.get(role, 0)


@pytest.mark.parametrize("role", ROLES)
def test_detail_is_200_in_scope_or_public_and_404_otherwise(role, world, client_as):
    api = client_as(role)
    for name, facility in world.items():
        response = api.get(detail(facility))
        expected = VISIBLE[role].get(name)
        if expected is None:
            assert error_of(response, 404)["code"] == "not_found"
        else:
            assert response.status_code == 200, (name, response.content)
            assert shape(response.json()) == expected, name


def test_the_public_record_matches_the_directory_and_leaks_nothing(world, client_as):
    """Every field the public directory discloses is in the API's public record (codes beside names);
    the only addition is the filing status, which is always filed for a public row."""
    renamed = {"district": {"district", "district_name"}, "town": {"town", "town_name"}}
    # Figures derived from other apps' records (vacancies, health and safety, inspections and grades) are the
    # directory's own presentation; the API discloses the stored columns and the class units.
    derived = DERIVED_FIELDS - {"units"}
    wanted = set().union(*(renamed.get(field, {field}) for field in PUBLIC_FIELDS if field not in derived))
    assert wanted <= set(PUBLIC_API_FIELDS)
    assert set(PUBLIC_API_FIELDS) - wanted == {"filing_status"}

    item = client_as("anonymous").get(detail(world["PD"])).json()
    assert "13900000000" not in str(item) and "内部联系人" not in str(item)
    assert item["operating_status"] == "operating" and item["filing_status"] == "filed"


def test_item_fields_codes_units_and_decimal_strings(world, client_as):
    item = client_as("daxing_official").get(detail(world["A"])).json()
    assert item["name"] == "甲托育园"
    assert (item["district"], item["district_name"]) == ("110115", "大兴区")
    assert (item["town"], item["town_name"]) == ("110115001", "兴丰街道")
    assert item["kind"] == "private" and item["is_inclusive"] is False
    assert item["total_slots"] == 30 and item["inclusive_slots"] == 0
    assert item["monthly_fee"] == "3800.00" and item["meal_fee"] is None
    assert item["units"] == [
        {
            "class_type": "toddler",
            "class_type_name": "托小班",
            "classes": 2,
            "children_per_class": 15,
            "slots": 30,
        }
    ]
    assert (item["contact_person"], item["contact_phone"]) == ("张园长", "13800000001")
    assert item["version"] == world["A"].version and item["pending_change_id"] is None
    assert item["filing_status"] == "draft" and item["filing_number"] == "" and item["filed_on"] is None
    assert isinstance(item["flags"], list)
    assert all(set(flag) == {"code", "label"} for flag in item["flags"])


def test_a_facility_without_a_town_has_null_town(world, client_as):
    item = client_as("yubei_official").get(detail(world["YD"])).json()
    assert item["town"] is None and item["town_name"] is None and item["units"] == []


# ---------------------------------------------------------------- filters


def test_filters_take_region_codes_and_choices(world, client_as):
    official = client_as("daxing_official")
    anonymous = client_as("anonymous")
    assert ids(anonymous.get(LIST, {"district": "500112"})) == {world["PY"].pk}
    assert ids(official.get(LIST, {"town": "110115001"})) == {world["A"].pk, world["SYN"].pk}
    assert ids(official.get(LIST, {"filing_status": "draft"})) == {world["A"].pk, world["B"].pk}
    assert ids(official.get(LIST, {"search": "丙 公开"})) == {world["PD"].pk}
    assert ids(
        official.get(LIST, {"kind": "private", "operating_status": "operating", "district": "110115"})
    ) == {world[n].pk for n in ("A", "B", "PD", "SYN")}
    Facility.objects.filter(pk=world["PD"].pk).update(is_inclusive=True)
    assert ids(anonymous.get(LIST, {"inclusive": "true"})) == {world["PD"].pk}
    assert ids(anonymous.get(LIST, {"inclusive": "false"})) == {world["PY"].pk}


@pytest.mark.parametrize(
    "params, field",
    [({"district": "999999"}, "district"), ({"town": "nowhere"}, "town"), ({"kind": "castle"}, "kind")],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(params, field, world, client_as):
    error = error_of(client_as("anonymous").get(LIST, params), 400)
    assert field in error["fields"]


# ---------------------------------------------------------------- downloads


def test_csv_and_xlsx_downloads_of_the_list(world, client_as):
    api = client_as("daxing_official")
    rows = helpers.csv_rows(api.get(LIST, {"format": "csv", "district": "110115"}))
    assert {row["name"] for row in rows} == {"甲托育园", "乙托育园", "丙公开园", "【合成】戊园"}
    row = next(r for r in rows if r["name"] == "甲托育园")
    assert row["contact_phone"] == "13800000001" and "托小班" in row["units"]

    sheet = helpers.xlsx_sheet(api.get(LIST, {"format": "xlsx", "district": "110115"}))
    header = [cell.value for cell in sheet[1]]
    assert {"id", "name", "district", "total_slots", "units"} <= set(header)
    assert sheet.max_row == 5

    public = client_as("anonymous").get(LIST, {"format": "csv"})
    text = public.content.decode("utf-8-sig")
    assert "contact_phone" not in text and "13900000000" not in text


# ---------------------------------------------------------------- queries per page


def many_public_facilities(town, n):
    older = ClassTypeRule.objects.get(code="older")
    facilities = Facility.objects.bulk_create(
        Facility(
            name=f"批量园{i:03d}",
            kind=Facility.Kind.PRIVATE,
            district=town.parent,
            town=town,
            operating_status=Facility.OperatingStatus.OPERATING,
            filing_status=Facility.FilingStatus.FILED,
            filing_number=f"B-{i:03d}",
            filed_on=datetime.date(2025, 1, 10),
        )
        for i in range(n)
    )
    ClassUnit.objects.bulk_create(
        ClassUnit(facility=f, class_type=older, classes=1, children_per_class=20) for f in facilities
    )


@pytest.mark.parametrize("role", ["anonymous", "daxing_official", "reader"])
def test_a_list_page_costs_the_same_queries_whatever_its_size(
    role, world, client_as, django_assert_max_num_queries
):
    many_public_facilities(Region.objects.get(code="110115009"), 110)
    api = client_as(role)
    api.get(LIST)  # sessions, token last-use and similar first-request writes happen outside the count
    # 3 for the page (count, rows, units with class types); the rest is the session, the throttle counter
    # in the database cache, the user's roles and the rule tables behind the flags
    budget = {"anonymous": 10, "daxing_official": 17, "reader": 16}[role]
    for size in (5, 100):
        with django_assert_max_num_queries(budget):
            response = api.get(LIST, {"page_size": size})
        assert len(response.json()["results"]) == size


def test_a_detail_costs_a_bounded_number_of_queries(world, client_as, django_assert_max_num_queries):
    api = client_as("daxing_official")
    api.get(detail(world["A"]))
    with django_assert_max_num_queries(16):
        assert api.get(detail(world["A"])).status_code == 200


# ---------------------------------------------------------------- writes, role by role


def new_facility(**overrides):
    body = {
        "name": "新建托育园",
        "kind": "private",
        "ownership": "private_for_profit",
        "district": "110115",
        "town": "110115001",
        "address": "兴丰大街1号",
        "monthly_fee": "4200.50",
        "units": [
            {"class_type": "toddler", "classes": 1, "children_per_class": 15},
            {"class_type": "older", "classes": 2, "children_per_class": 20},
        ],
    }
    body.update(overrides)
    return body


# operators and Daxing's officials create in Daxing; town officials never, Yubei's not in Daxing
CREATE = helpers.write_statuses(201, town1_official=403, yubei_official=403)


@pytest.mark.parametrize("role", ROLES)
def test_create_where_the_web_allows_it(role, world, client_as):
    api = client_as(role)
    response = api.post(LIST, new_facility(), format="json")
    if refused(response, CREATE[role], ok=201):
        assert not Facility.objects.filter(name="新建托育园").exists()
        return
    item = response.json()
    assert shape(item) == "full"
    assert item["filing_status"] == "draft" and item["total_slots"] == 55 and item["version"] == 1
    assert item["monthly_fee"] == "4200.50"
    assert [u["class_type"] for u in item["units"]] == ["toddler", "older"]
    facility = Facility.objects.get(pk=item["id"])
    assert facility.checklist.count() == len(ChecklistItem.Item.values)
    # the creator can read it back in full (an operator became its operator)
    assert shape(api.get(detail(facility)).json()) == "full"


# A: its operator and Daxing's officials edit; town 1's official sees it and may not; others do not see it
UPDATE = helpers.write_statuses(200, operator_b=404, town1_official=403, yubei_official=404)


@pytest.mark.parametrize("role", ROLES)
def test_update_where_the_web_allows_it(role, world, client_as):
    facility = world["A"]
    response = client_as(role).patch(
        detail(facility), {"version": facility.version, "address": "新地址8号"}, format="json"
    )
    facility.refresh_from_db()
    if refused(response, UPDATE[role]):
        assert facility.address != "新地址8号"
        return
    item = response.json()
    assert item["address"] == "新地址8号" and item["version"] == 2
    assert item["units"][0]["slots"] == 30  # units left out stay as they were
    assert (facility.address, facility.version, facility.contact_person) == ("新地址8号", 2, "张园长")


def submittable(facility):
    ensure_checklist(facility)
    ChecklistItem.objects.filter(facility=facility).update(provided=True, reference="材料-1")
    provide_materials(facility)


SUBMIT = {**UPDATE}
APPROVE = {**UPDATE, "operator_a": 403}


@pytest.mark.parametrize("role", ROLES)
def test_submit_where_the_web_allows_it(role, world, client_as):
    facility = world["A"]
    submittable(facility)
    response = client_as(role).post(f"{detail(facility)}submit/")
    facility.refresh_from_db()
    if refused(response, SUBMIT[role]):
        assert facility.filing_status == "draft"
        return
    assert response.json()["filing_status"] == "submitted" and facility.filing_status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_approve_where_the_web_allows_it(role, world, client_as, operator_a):
    facility = world["A"]
    submittable(facility)
    assert client_as("operator_a").post(f"{detail(facility)}submit/").status_code == 200
    response = client_as(role).post(f"{detail(facility)}approve/", {"confirm_flags": True}, format="json")
    facility.refresh_from_db()
    if refused(response, APPROVE[role]):
        assert facility.filing_status == "submitted"
        return
    item = response.json()
    assert item["filing_status"] == "filed"
    assert item["filing_number"] == f"110115-{timezone.localdate().year}-0001"
    assert item["filed_on"] == timezone.localdate().isoformat()


# ---------------------------------------------------------------- the workflow and its refusals


def test_acknowledge_then_return_with_a_reason(world, client_as, operator_a):
    facility = world["A"]
    submittable(facility)
    client_as("operator_a").post(f"{detail(facility)}submit/")
    official = client_as("daxing_official")

    item = official.post(f"{detail(facility)}acknowledge/").json()
    assert item["filing_status"] == "submitted" and item["acknowledged_at"]

    error = error_of(official.post(f"{detail(facility)}return/", {"reason": ""}, format="json"), 400)
    assert "reason" in error["fields"]
    response = official.post(f"{detail(facility)}return/", {"reason": "消防材料不清晰"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["filing_status"] == "returned"
    assert client_as("operator_a").get(detail(facility)).json()["return_reason"] == "消防材料不清晰"


def test_workflow_refusals_are_the_error_body_never_500(world, client_as, operator_a):
    facility = world["A"]
    operator, official = client_as("operator_a"), client_as("daxing_official")
    # materials missing
    error = error_of(operator.post(f"{detail(facility)}submit/"), 400)
    assert "备案材料未齐" in error["fields"]["non_field_errors"][0]["message"]
    # a draft cannot be approved, acknowledged or returned
    assert error_of(official.post(f"{detail(facility)}approve/"), 403)["code"] == "not_allowed"
    assert error_of(official.post(f"{detail(facility)}acknowledge/"), 403)["code"] == "not_allowed"
    error_of(official.post(f"{detail(facility)}return/", {"reason": "x"}, format="json"), 403)
    # nothing is editable while under review
    submittable(facility)
    operator.post(f"{detail(facility)}submit/")
    facility.refresh_from_db()
    response = operator.patch(detail(facility), {"version": facility.version, "name": "改名"}, format="json")
    assert "审核期间不能修改" in error_of(response, 403)["message"]
    # a read-only token never writes, whatever its user could do
    error_of(client_as("reader").post(f"{detail(facility)}approve/"), 403)


def test_an_operators_change_to_a_filed_facility_waits_for_review(
    world, client_as, operator_a, daxing_official
):
    facility = world["A"]
    submittable(facility)
    client_as("operator_a").post(f"{detail(facility)}submit/")
    client_as("daxing_official").post(f"{detail(facility)}approve/", {"confirm_flags": True}, format="json")
    facility.refresh_from_db()
    version = facility.version

    body = {"version": version, "units": [{"class_type": "toddler", "classes": 3, "children_per_class": 15}]}
    response = client_as("operator_a").patch(detail(facility), body, format="json")
    assert response.status_code == 202, response.content
    accepted = response.json()
    change = PendingChange.objects.get(pk=accepted["pending_change_id"])
    assert change.facility_id == facility.pk and change.status == "pending"
    assert accepted["facility_id"] == facility.pk and accepted["status"] == "pending"
    assert accepted["version"] == version + 1

    # the approved record stays what everyone sees meanwhile
    public = client_as("anonymous").get(detail(facility)).json()
    assert public["total_slots"] == 30
    item = client_as("operator_a").get(detail(facility)).json()
    assert item["pending_change_id"] == change.pk and item["version"] == version + 1


def test_the_second_of_two_saves_on_the_same_version_is_409(world, client_as, operator_a):
    facility = world["A"]
    version = facility.version
    first = client_as("daxing_official").patch(
        detail(facility), {"version": version, "address": "甲"}, format="json"
    )
    assert first.status_code == 200
    second = client_as("operator_a").patch(
        detail(facility), {"version": version, "address": "乙"}, format="json"
    )
    error = error_of(second, 409)
    assert error["code"] == "conflict" and "已被他人修改" in error["message"]
    facility.refresh_from_db()
    assert facility.address == "甲"


def test_an_update_needs_the_version(world, client_as):
    response = client_as("daxing_official").patch(detail(world["A"]), {"address": "x"}, format="json")
    assert "version" in error_of(response, 400)["fields"]


def test_put_replaces_the_fields_and_units_sent(world, client_as):
    facility = world["A"]
    body = new_facility(
        name="甲托育园（更名）", version=facility.version, inclusive_slots=10, is_inclusive=True
    )
    response = client_as("daxing_official").put(detail(facility), body, format="json")
    assert response.status_code == 200, response.content
    item = response.json()
    assert item["name"] == "甲托育园（更名）" and item["total_slots"] == 55 and item["inclusive_slots"] == 10
    assert item["contact_person"] == "张园长"  # not sent: kept
    # PUT without the required fields is a 400 naming them
    error = error_of(client_as("daxing_official").put(detail(facility), {"version": 2}, format="json"), 400)
    assert {"name", "kind", "district", "units"} <= set(error["fields"])


def test_a_class_above_its_cap_is_a_400_naming_the_cap(world, client_as, operator_a):
    body = new_facility(units=[{"class_type": "toddler", "classes": 1, "children_per_class": 16}])
    error = error_of(client_as("daxing_official").post(LIST, body, format="json"), 400)
    messages = [e["message"] for e in error["fields"]["units"]]
    assert any("托小班" in m and "15" in m for m in messages), messages
    assert not Facility.objects.filter(name="新建托育园").exists()

    facility = world["A"]
    body = {
        "version": facility.version,
        "units": [{"class_type": "infant", "classes": 1, "children_per_class": 12}],
    }
    response = client_as("operator_a").patch(detail(facility), body, format="json")
    error = error_of(response, 400)
    assert any("10" in e["message"] for e in error["fields"]["units"])


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"town": "500112023"}, "town"),  # a Yubei town in Daxing
        ({"inclusive_slots": 500, "is_inclusive": True}, "inclusive_slots"),
        ({"district": "110115001"}, "district"),  # a town code is not a district
        ({"units": [{"class_type": "castle", "classes": 1, "children_per_class": 5}]}, "units[0].class_type"),
        ({"monthly_fee": "-1"}, "monthly_fee"),
        ({"kind": "castle"}, "kind"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(overrides, field, world, client_as):
    error = error_of(client_as("daxing_official").post(LIST, new_facility(**overrides), format="json"), 400)
    assert field in error["fields"], error


def test_a_duplicate_name_in_the_district_is_a_400(world, client_as):
    error = error_of(
        client_as("daxing_official").post(LIST, new_facility(name="甲托育园"), format="json"), 400
    )
    assert "同名" in str(error)


def test_nobody_moves_a_facility_into_a_district_they_do_not_serve(world, client_as):
    facility = world["A"]
    body = {"version": facility.version, "district": "500112", "town": None}
    error = error_of(client_as("operator_a").patch(detail(facility), body, format="json"), 400)
    assert "district" in error["fields"]
    facility.refresh_from_db()
    assert facility.district.code == "110115"


def test_an_operator_cannot_create_in_another_district(world, client_as):
    body = new_facility(district="500112", town="500112023")
    assert error_of(client_as("operator_a").post(LIST, body, format="json"), 403)["code"] == "not_allowed"


def test_a_session_write_needs_the_csrf_token(world, operator_a):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(operator_a)
    response = api.patch(detail(world["A"]), {"version": 1, "address": "x"}, format="json")
    assert error_of(response, 403)["code"] in {"permission_denied", "not_authenticated"}


def test_a_read_write_token_writes_as_its_user(world, daxing, operator_a):
    api = helpers.bearer_client(issue_token(operator_a, name="机构系统", read_only=False, days=1)[1])
    facility = world["A"]
    response = api.patch(
        detail(facility), {"version": facility.version, "public_phone": "010-1"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["public_phone"] == "010-1"

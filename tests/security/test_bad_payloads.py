"""The bad-input corpus for forms and API writes (ASVS V5.1 input validation, V5.3 output encoding, 1.2.10
formula injection): negative and huge numbers, over-long text, dates written as text, wrong types,
Chinese numerals and full-width digits, sent to the registry, subsidy and supervision forms and to the API's
write endpoints. Each is refused with a clear message in Chinese (the field's own), nothing is written
(PostgreSQL's write counters, see matrix.writes: not a row of any table a user owns) and nothing answers
500. A valid payload of each form is sent first and must be accepted, so the refusals are about the one bad
value. Full-width digits in a number field are the one normalisation: they are stored as the number they
spell (Django and DRF read Unicode digits), never as another number.

Names holding HTML and a formula (`=HYPERLINK(...)<script>...`) are shown escaped on every page that
displays them and neutralised in every .xlsx export of those pages (core.spreadsheets.neutralise: a
leading quote, never a formula cell)."""

import io
import json

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.models import ClassTypeRule, Facility
from facilities.services import EDITABLE_FIELDS
from subsidies.models import Application, LedgerEntry
from supervision.models import Complaint, Finding, Inspection
from targets.models import Region
from tests.security.matrix import Isolated
from tests.security.urlargs import application_body, facility_body
from tests.security.world import module_savepoint

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HOSTILE = '=HYPERLINK("http://x")' + SCRIPT


# ---------------------------------------------------------------- payloads


def with_changes(data, changes):
    """A form's valid payload with the bad value of a case; a field changed to None is left out."""
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def formset_management(prefix, *, total, max_num):
    """The management form of a formset of new rows."""
    counts = {"TOTAL_FORMS": total, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": max_num}
    return {f"{prefix}-{name}": str(count) for name, count in counts.items()}


def facility_form(world, **changes):
    """The registry's facility form as a district-1 official fills it in for a new facility in town 1."""
    source = world.facility_a
    data = {}
    for field in EDITABLE_FIELDS:
        value = getattr(source, f"{field}_id" if field in ("district", "town") else field)
        if isinstance(value, bool):
            if value:
                data[field] = "on"
        elif isinstance(value, list):  # a multiple choice (service types): one value per box ticked
            data[field] = value
        elif value is not None:
            data[field] = str(value)
    toddler = ClassTypeRule.objects.get(code="toddler").pk
    data.update(
        {
            "name": "丙托育园",
            "inclusive_slots": "0",
            **formset_management("units", total=1, max_num=10),
            "units-0-class_type": str(toddler),
            "units-0-classes": "2",
            "units-0-children_per_class": "15",
        }
    )
    return with_changes(data, changes)


def application_form(world, **changes):
    """The subsidy application form: the API's valid body (tests/security/urlargs.py) and a note."""
    data = application_body(world, slots="", children="", note="上半年租金")
    return with_changes(data, changes)


def inspection_form(world, **changes):
    data = {
        "district": world.district1.pk,
        "inspected_on": "2025-03-01",
        "kind": Inspection.Kind.JOINT,
        "title": "联合检查",
        "facilities": [world.facility_a.pk],
        "summary": "",
        **formset_management("team", total=0, max_num=40),
    }
    return with_changes(data, changes)


def finding_form(world, **changes):
    data = {
        "facility": world.facility_a.pk,
        "category": "records",
        "severity": "minor",
        "description": "台账不全",
        "deadline": "2030-01-31",
    }
    return with_changes(data, changes)


def decision_form(world, **changes):
    data = {"decision": "approve", "amount": "", "reason": ""}
    return with_changes(data, changes)


def reversal_form(world, **changes):
    data = {"reason": "重复支付", "entry_date": timezone.localdate().isoformat(), "reference": "CX-1"}
    return with_changes(data, changes)


def complaint_form(world, **changes):
    data = {
        "facility": world.facility_a.pk,
        "received_on": "2025-03-01",
        "channel": "hotline",
        "summary": "午睡无人看护",
        "substantiated": "unknown",
    }
    return with_changes(data, changes)


def facility_json(**changes):
    return {**facility_body(name="丁托育园", monthly_fee="2000.00"), **changes}


# Each form: (URL, role, payload builder, model whose rows a valid payload creates).
FORMS = {
    "facility": (lambda w: reverse("registry:create"), "daxing_official", facility_form, Facility),
    "application": (lambda w: reverse("subsidies:apply"), "operator_a", application_form, Application),
    "inspection": (
        lambda w: reverse("supervision:inspection_create"),
        "daxing_official",
        inspection_form,
        Inspection,
    ),
    "finding": (
        lambda w: reverse("supervision:finding_create", args=[w.ids["inspection"]]),
        "daxing_official",
        finding_form,
        Finding,
    ),
    "decision": (
        lambda w: reverse("subsidies:decide", args=[w.ids["application"]]),
        "daxing_official",
        decision_form,
        None,
    ),
    "reversal": (
        lambda w: reverse("subsidies:reverse", args=[w.ids["ledger"]]),
        "daxing_official",
        reversal_form,
        LedgerEntry,
    ),
    "complaint": (
        lambda w: reverse("supervision:complaint_create"),
        "daxing_official",
        complaint_form,
        Complaint,
    ),
}

LONG = "园" * 5000
REDUCE = {"decision": "reduce", "reason": "核减"}

# case: (form, the bad field and value, a part of the expected message)
FORM_CASES = {
    "facility: negative fee": ("facility", {"monthly_fee": "-1"}, "不能为负"),
    "facility: negative area": ("facility", {"indoor_area_m2": "-300"}, "不能为负"),
    "facility: huge fee": ("facility", {"monthly_fee": "1" + "0" * 20}, "不超过"),
    "facility: huge children": ("facility", {"enrolled_children": "9" * 12}, "小于或等于"),
    "facility: huge class count": ("facility", {"units-0-classes": "100000"}, "小于或等于"),
    "facility: over-long name": ("facility", {"name": LONG}, "不超过 128 字符"),
    "facility: over-long address": ("facility", {"address": LONG}, "不超过 255 字符"),
    "facility: date as text": ("facility", {"lease_start": "去年秋天"}, "有效的日期"),
    "facility: impossible date": ("facility", {"opening_date": "2025-13-45"}, "有效的日期"),
    "facility: Chinese numerals": ("facility", {"enrolled_children": "二十五"}, "输入整数"),
    "facility: text as money": ("facility", {"monthly_fee": "两千元"}, "输入一个数字"),
    "facility: wrong type of place": ("facility", {"district": "大兴区"}, "选择一个有效的选项"),
    "facility: unknown kind": ("facility", {"kind": "<script>"}, "选择一个有效的选项"),
    "facility: latitude out of range": ("facility", {"latitude": "1234.5"}, "不超过"),
    "application: negative area": ("application", {"area_m2": "-300"}, "大于或等于"),
    "application: huge area": ("application", {"area_m2": "1" + "0" * 15}, "不超过"),
    "application: months as text": ("application", {"months": "六个月"}, "输入整数"),
    "application: huge months": ("application", {"months": "100000"}, "小于或等于"),
    "application: date as text": ("application", {"period_start": "2026年上半年"}, "有效的日期"),
    "application: over-long note": ("application", {"note": LONG}, "不超过 2000 字符"),
    "application: huge slots": ("application", {"slots": "9" * 12}, "小于或等于"),
    "application: another's facility": ("application", {"facility": "999999"}, "选择一个有效的选项"),
    "inspection: date as text": ("inspection", {"inspected_on": "三月初"}, "有效的日期"),
    "inspection: over-long title": ("inspection", {"title": LONG}, "不超过"),
    "inspection: wrong type of kind": ("inspection", {"kind": "1"}, "选择一个有效的选项"),
    "finding: date as text": ("finding", {"deadline": "下个月"}, "有效的日期"),
    "decision: negative amount": (
        "decision",
        {"decision": "reduce", "amount": "-100", "reason": "核减"},
        "大于或等于",
    ),
    "decision: huge amount": (
        "decision",
        {"decision": "reduce", "amount": "9" * 20, "reason": "核减"},
        "不超过",
    ),
    "decision: amount in words": (
        "decision",
        {"decision": "reduce", "amount": "三万元", "reason": "核减"},
        "输入一个数字",
    ),
    "decision: over-long reason": ("decision", {"decision": "reject", "reason": LONG}, "不超过 2000 字符"),
    "reversal: date as text": ("reversal", {"entry_date": "上周五"}, "有效的日期"),
    "reversal: over-long reason": ("reversal", {"reason": LONG}, "不超过 2000 字符"),
    "complaint: date as text": ("complaint", {"received_on": "昨天下午"}, "有效的日期"),
    "complaint: unknown channel": ("complaint", {"channel": "<script>"}, "选择一个有效的选项"),
    "finding: unknown severity": ("finding", {"severity": "<b>"}, "选择一个有效的选项"),
}


def post(world, role, path, data):
    client = world.clients[role]
    cookies = client.cookies
    response = client.post(path, data)
    client.cookies = cookies
    return response


def test_the_valid_payloads_are_accepted(world):
    """The baseline of every case below: the same forms with nothing bad are saved."""
    for name, (path, role, build, model) in FORMS.items():
        with Isolated() as isolated:
            before = model.objects.count() if model else None
            response = post(world, role, path(world), build(world))
            assert response.status_code == 302, (name, text_of_errors(response))
            if model is not None:  # a decision changes the application instead of adding a row
                assert model.objects.count() == before + 1, name
            assert isolated.after_call()


def text_of_errors(response) -> str:
    import re

    page = response.content.decode()
    return " | ".join(
        re.findall(r'class="[^"]*(?:invalid-feedback|errorlist|alert-danger)[^"]*"[^>]*>(.*?)</', page)
    )


@pytest.mark.parametrize("case", list(FORM_CASES))
def test_a_bad_form_value_is_refused_with_a_clear_message_and_nothing_written(world, case):
    form, bad, expected = FORM_CASES[case]
    path, role, build, _model = FORMS[form]
    with Isolated() as isolated:
        response = post(world, role, path(world), build(world, **bad))
        changed = isolated.after_call()
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    assert expected in response.content.decode(), text_of_errors(response)
    assert not changed
    assert SCRIPT not in response.content.decode()


def test_full_width_digits_in_a_form_are_the_number_they_spell(world):
    with Isolated():
        response = post(
            world, "daxing_official", reverse("registry:create"), facility_form(world, monthly_fee="２５００")
        )
        assert response.status_code == 302, text_of_errors(response)
        assert Facility.objects.get(name="丙托育园").monthly_fee == 2500


# ---------------------------------------------------------------- the API's write endpoints

API_CASES = {
    "facility: negative fee": ("facility", {"monthly_fee": "-1"}, "monthly_fee"),
    "facility: huge fee": ("facility", {"monthly_fee": "1" + "0" * 20}, "monthly_fee"),
    "facility: huge children": ("facility", {"enrolled_children": 10**12}, "enrolled_children"),
    "facility: negative classes": (
        "facility",
        {"units": [{"class_type": "toddler", "classes": -2, "children_per_class": 15}]},
        "units[0].classes",
    ),
    "facility: over-long name": ("facility", {"name": LONG}, "name"),
    "facility: date as text": ("facility", {"opening_date": "明年春天"}, "opening_date"),
    "facility: number as Chinese numerals": (
        "facility",
        {"enrolled_children": "二十五"},
        "enrolled_children",
    ),
    "facility: wrong type (list as name)": ("facility", {"name": ["甲", "乙"]}, "name"),
    "facility: wrong type (object as fee)": ("facility", {"monthly_fee": {"amount": 1}}, "monthly_fee"),
    "facility: wrong type (text as boolean)": ("facility", {"is_inclusive": "也许"}, "is_inclusive"),
    "facility: unknown town": ("facility", {"town": "<script>"}, "town"),
    "application: negative area": ("application", {"area_m2": "-300"}, "area_m2"),
    "application: huge area": ("application", {"area_m2": "1" + "0" * 15}, "area_m2"),
    "application: months as text": ("application", {"months": "六"}, "months"),
    "application: date as text": ("application", {"period_end": "年底"}, "period_end"),
    "application: over-long note": ("application", {"note": LONG}, "note"),
    "application: another's facility": ("application", {"facility": 999999}, "facility"),
}
API_PATHS = {
    "facility": (
        "daxing_official",
        lambda w: reverse("api-facility-list"),
        lambda w, **c: facility_json(**c),
    ),
    "application": ("operator_a", lambda w: reverse("api-subsidy-application-list"), application_body),
}


def api_post(world, role, path, payload, body=None):
    client = world.clients[role]
    return client.post(
        path, body if body is not None else json.dumps(payload), content_type="application/json"
    )


def test_the_valid_api_payloads_are_accepted(world):
    for name, (role, path, build) in API_PATHS.items():
        with Isolated() as isolated:
            response = api_post(world, role, path(world), build(world))
            assert response.status_code == 201, (name, response.content.decode()[:1000])
            assert isolated.after_call()


@pytest.mark.parametrize("case", list(API_CASES))
def test_a_bad_api_value_is_refused_with_a_clear_message_and_nothing_written(world, case):
    kind, bad, field = API_CASES[case]
    role, path, build = API_PATHS[kind]
    with Isolated() as isolated:
        response = api_post(world, role, path(world), build(world, **bad))
        changed = isolated.after_call()
    assert response.status_code == 400, response.content.decode()[:1000]
    error = response.json()["error"]
    assert error["status"] == 400
    assert field in error["fields"], error
    message = (
        " ".join(e["message"] for e in error["fields"][field])
        if isinstance(error["fields"][field], list)
        else json.dumps(error["fields"][field], ensure_ascii=False)
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # in Chinese
    assert not changed


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[1, 2]", b'"text"', b"\xff\xfe\x00", json.dumps({"name": "x" * 10}).encode() * 10000],
    ids=["empty", "truncated JSON", "a list", "a string", "not UTF-8", "1 MB of repeated JSON"],
)
def test_a_body_that_is_not_a_json_object_is_a_clean_400(world, body):
    with Isolated() as isolated:
        response = api_post(world, "daxing_official", reverse("api-facility-list"), None, body=body)
        changed = isolated.after_call()
    assert response.status_code == 400, response.content.decode()[:500]
    message = response.json()["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert not changed


# ---------------------------------------------------------------- hostile names on pages and in exports


@pytest.fixture(scope="module")
def hostile_names(world, django_db_blocker):
    """Facility A, town 1, the inspection, the program and the fund renamed to the hostile text, for this
    module's tests only."""
    from subsidies.models import Fund, Program

    with module_savepoint(django_db_blocker):
        with django_db_blocker.unblock():
            Facility.objects.filter(pk=world.facility_a.pk).update(name=HOSTILE)
            Region.objects.filter(pk=world.town1.pk).update(name="镇" + HOSTILE)
            Inspection.objects.filter(pk=world.ids["inspection"]).update(title=HOSTILE)
            Program.objects.filter(pk=world.ids["program"]).update(name=HOSTILE)
            Fund.objects.filter(pk=world.ids["fund"]).update(name=HOSTILE)
        yield world


PAGES = {
    # page: (role, path)
    "registry list": ("daxing_official", lambda w: reverse("registry:list")),
    "registry detail": ("daxing_official", lambda w: reverse("registry:detail", args=[w.facility_a.pk])),
    "directory": ("anonymous", lambda w: reverse("directory:list")),
    "directory detail": ("anonymous", lambda w: reverse("directory:detail", args=[w.facility_a.pk])),
    "district dashboard": ("daxing_official", lambda w: reverse("planning:district", args=["110115"])),
    "town page": ("town1_official", lambda w: reverse("planning:town", args=["110115", "110115001"])),
    "public district page": ("anonymous", lambda w: reverse("targets:district", args=["110115"])),
    "inspections": ("daxing_official", lambda w: reverse("supervision:inspections")),
    "inspection": (
        "daxing_official",
        lambda w: reverse("supervision:inspection", args=[w.ids["inspection"]]),
    ),
    "findings": ("daxing_official", lambda w: reverse("supervision:findings")),
    "supervision dashboard": ("daxing_official", lambda w: reverse("supervision:dashboard", args=["110115"])),
    "applications": ("daxing_official", lambda w: reverse("subsidies:applications")),
    "ledger": ("daxing_official", lambda w: reverse("subsidies:ledger")),
    "funds": ("daxing_official", lambda w: reverse("subsidies:funds")),
    "programs": ("daxing_official", lambda w: reverse("subsidies:programs")),
}


def test_hostile_names_are_escaped_on_every_page_that_shows_them(hostile_names):
    world = hostile_names
    problems = []
    for page, (role, path) in PAGES.items():
        response = world.clients[role].get(path(world))
        content = response.content.decode()
        if response.status_code != 200:
            problems.append(f"{page}: {response.status_code}")
        elif SCRIPT in content:
            problems.append(f"{page}: the script tag is in the page unescaped")
        elif ESCAPED not in content:
            problems.append(f"{page}: the name is not shown (escaped) at all")
    assert not problems, "\n".join(problems)


EXPORTS = {
    "registry export": ("daxing_official", lambda w: reverse("registry:export")),
    "district dashboard export": (
        "daxing_official",
        lambda w: reverse("planning:export", args=["110115", "all"]),
    ),
    "roster export": ("daxing_official", lambda w: reverse("imports:roster_export", args=["110115"])),
    "supervision dashboard export": (
        "daxing_official",
        lambda w: reverse("supervision:export", args=["110115", "all"]),
    ),
    "findings export": ("daxing_official", lambda w: reverse("supervision:findings_export")),
    "applications export": ("daxing_official", lambda w: reverse("subsidies:applications") + "?export=all"),
    "ledger export": ("daxing_official", lambda w: reverse("subsidies:ledger") + "?export=all"),
    "funds export": ("daxing_official", lambda w: reverse("subsidies:funds") + "?export=all"),
    "API facilities as xlsx": ("daxing_official", lambda w: reverse("api-facility-list") + "?format=xlsx"),
}


def cells(content: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_hostile_names_are_neutralised_in_every_export(hostile_names):
    world = hostile_names
    problems = []
    for export, (role, path) in EXPORTS.items():
        response = world.clients[role].get(path(world))
        if response.status_code != 200:
            problems.append(f"{export}: {response.status_code}")
            continue
        content = b"".join(response.streaming_content) if response.streaming else response.content
        shown = 0
        for cell in cells(content):
            if cell.data_type == "f":
                problems.append(f"{export}: {cell.coordinate} is a formula: {cell.value!r}")
            if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                shown += 1
                if cell.value.startswith(("=", "+", "-", "@")):
                    problems.append(f"{export}: {cell.coordinate} starts like a formula: {cell.value!r}")
        if not shown:
            problems.append(f"{export}: the hostile name is not in the export at all")
    assert not problems, "\n".join(problems)


def test_hostile_names_are_neutralised_in_the_api_csv(hostile_names):
    import csv

    world = hostile_names
    response = world.clients["daxing_official"].get(reverse("api-facility-list") + "?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    hostile = [value for row in rows for value in row if "HYPERLINK" in value]
    assert hostile, "the hostile name is not in the CSV"
    assert not [value for row in rows for value in row if value.startswith(("=", "+", "-", "@"))]
    assert "'" + HOSTILE in hostile  # the facility's name, with its leading quote

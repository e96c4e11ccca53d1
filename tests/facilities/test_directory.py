"""The public directory: anyone can search filed, operating facilities and see what disclosure requires —
and nothing private."""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facilities import disclosure
from facilities.filtersets import FacilityFilterSet
from facilities.models import ClassTypeRule, ClassUnit, Facility, StaffMember
from facilities.public_views import DERIVED_FIELDS, PAGE_SIZE, PUBLIC_FIELDS, PUBLIC_UNIT_FIELDS
from targets.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.facilities.directory_urls")]

# one query per registered disclosure provider (facilities.disclosure), for the whole page
LIST_QUERY_BUDGET = 8 + len(disclosure.KEYS)
DETAIL_QUERY_BUDGET = 4 + len(disclosure.KEYS)

_numbers = itertools.count(1)


def make_facility(*, units=(("toddler", 2, 15),), inclusive_slots=0, listed=True, **fields):
    """A facility built with the model classes; listed=True makes it filed and operating."""
    n = next(_numbers)
    town = fields.pop("town", "110115001")
    town = Region.objects.get(code=town) if isinstance(town, str) else town
    defaults = {
        "name": f"测试托育园{n}",
        "kind": Facility.Kind.PRIVATE,
        "district": town.parent if town else Region.objects.get(code="110115"),
        "town": town,
        "address": f"测试路{n}号",
        "public_phone": f"010-6000{n:04d}",
        "monthly_fee": Decimal("3200.00"),
        "meal_fee": Decimal("450.50"),
    }
    if listed:
        defaults |= {
            "filing_status": Facility.FilingStatus.FILED,
            "filing_number": f"X-{n}",
            "filed_on": date(2025, 3, 1),
            "operating_status": Facility.OperatingStatus.OPERATING,
        }
    facility = Facility.objects.create(**(defaults | fields))
    for code, classes, per_class in units:
        ClassUnit.objects.create(
            facility=facility,
            class_type=ClassTypeRule.objects.get(code=code),
            classes=classes,
            children_per_class=per_class,
        )
    if inclusive_slots:
        facility.refresh_from_db()
        facility.inclusive_slots = inclusive_slots
        facility.save()
    facility.refresh_from_db()
    return facility


def listed_names(response):
    return {f["name"] for f in response.context["facilities"]}


def get_list(client, **params):
    return client.get(reverse("directory:list"), params)


# ---------------------------------------------------------------- access and the whitelist


def test_anonymous_visitor_sees_the_list_and_a_detail_page(seeded, client):
    facility = make_facility(name="阳光托育园")
    response = get_list(client)
    assert response.status_code == 200
    assert "阳光托育园" in response.content.decode()
    detail = client.get(reverse("directory:detail", args=[facility.pk]))
    assert detail.status_code == 200
    assert "阳光托育园" in detail.content.decode()


def test_the_seed_alone_lists_nothing_and_shows_the_empty_state(seeded, client):
    # The seed names an operating 医育结合 park that is not filed: it must not appear.
    assert Facility.objects.filter(operating_status=Facility.OperatingStatus.OPERATING).exists()
    response = get_list(client)
    page = response.content.decode()
    assert response.context["facilities"] == []
    assert 'id="directory-empty"' in page
    assert "暂无已备案的托育机构" in page
    assert "区妇幼保健院" not in page


# Every column of a facility the directory keeps back. With the whitelist it accounts for the whole model, so
# a new column fails test_whitelist_holds_only_disclosed_fields until someone decides which side it is on.
KEPT_BACK = {
    "created_at", "updated_at", "created_by", "updated_by", "version", "source", "seed_key", "is_synthetic",
    "latitude", "longitude", "indoor_area_m2", "outdoor_area_m2", "premises", "lease_start", "lease_end",
    "contact_person", "contact_phone", "notes",
    # Read only to compute the vacancies (slots − enrolled), never shown as such.
    "enrolled_children",
    "filing_status", "submitted_at", "acknowledged_at", "return_reason", "archived_at", "archived_by",
    # A cancelled filing is not in the directory at all.
    "filing_cancelled_on",
    # The record's legal identity (issue 14 part 1): the legal representative is a person, and the registry's
    # copy of the licence data is for officials; disclosure (part 8) covers the service, not the licence.
    "credit_code", "legal_representative", "sponsor_kind", "sponsor_name",
}  # fmt: skip


def test_whitelist_holds_only_disclosed_fields():
    columns = {field.name for field in Facility._meta.concrete_fields}
    assert columns - set(PUBLIC_FIELDS) == KEPT_BACK
    # slots by class type, vacancies, health and safety, other apps' disclosures: derived, not columns
    assert (
        set(PUBLIC_FIELDS) - columns
        == DERIVED_FIELDS
        == {"units", "vacancies", "health_safety", "disclosures"}
    )
    private = {"staff", "contact_person", "contact_phone", "notes", "return_reason", "id_number", "version"}
    assert not private & set(PUBLIC_FIELDS)
    assert PUBLIC_UNIT_FIELDS == ("class_type", "classes", "children_per_class", "slots")


def test_context_carries_only_whitelisted_records(seeded, client):
    facility = make_facility()
    listed = get_list(client).context["facilities"]
    assert [set(record) for record in listed] == [set(PUBLIC_FIELDS)]
    detail = client.get(reverse("directory:detail", args=[facility.pk])).context["facility"]
    assert isinstance(detail, dict)
    assert set(detail) == set(PUBLIC_FIELDS)
    assert all(set(unit) == set(PUBLIC_UNIT_FIELDS) for unit in detail["units"])


# ---------------------------------------------------------------- filters


@pytest.fixture
def spread(seeded):
    """Facilities across two districts, three towns, kinds and inclusive status."""
    return {
        "daxing_1_private": make_facility(name="兴丰社会托育园", town="110115001"),
        "daxing_1_inclusive": make_facility(
            name="兴丰普惠托育园",
            town="110115001",
            kind=Facility.Kind.TOWN_INCLUSIVE_PARK,
            ownership=Facility.Ownership.PUBLIC,
            is_inclusive=True,
            inclusive_slots=20,
        ),
        "daxing_2_kindergarten": make_facility(
            name="林校路幼儿园托班",
            town="110115002",
            kind=Facility.Kind.KINDERGARTEN_CLASS,
            is_inclusive=True,
            inclusive_slots=10,
            address="林校路88号",
        ),
        "yubei_1_private": make_facility(name="仙桃托育中心", town="500112023"),
    }


def test_district_filter_narrows(spread, client):
    assert listed_names(get_list(client, district="500112")) == {"仙桃托育中心"}
    assert listed_names(get_list(client, district="110115")) == {
        "兴丰社会托育园",
        "兴丰普惠托育园",
        "林校路幼儿园托班",
    }


def test_town_filter_narrows(spread, client):
    assert listed_names(get_list(client, town="110115002")) == {"林校路幼儿园托班"}
    assert listed_names(get_list(client, district="110115", town="110115001")) == {
        "兴丰社会托育园",
        "兴丰普惠托育园",
    }
    # A town of another district gives nothing, not everything.
    assert listed_names(get_list(client, district="500112", town="110115001")) == set()


def test_kind_filter_narrows(spread, client):
    response = get_list(client, kind=Facility.Kind.KINDERGARTEN_CLASS)
    assert listed_names(response) == {"林校路幼儿园托班"}


def test_inclusive_filter_narrows(spread, client):
    assert listed_names(get_list(client, inclusive="true")) == {"兴丰普惠托育园", "林校路幼儿园托班"}
    assert listed_names(get_list(client, inclusive="false")) == {"兴丰社会托育园", "仙桃托育中心"}
    assert len(listed_names(get_list(client, inclusive=""))) == 4


def test_search_matches_name_or_address(spread, client):
    assert listed_names(get_list(client, search="托育中心")) == {"仙桃托育中心"}
    assert listed_names(get_list(client, search="林校路88")) == {"林校路幼儿园托班"}
    assert listed_names(get_list(client, search="兴丰 普惠")) == {"兴丰普惠托育园"}


def test_filters_combine_and_the_count_is_shown(spread, client):
    response = get_list(client, district="110115", inclusive="true", kind=Facility.Kind.TOWN_INCLUSIVE_PARK)
    assert listed_names(response) == {"兴丰普惠托育园"}
    assert "共 1 家机构" in response.content.decode()


def test_filtered_empty_state(spread, client):
    response = get_list(client, search="不存在的机构")
    page = response.content.decode()
    assert response.context["facilities"] == []
    assert "没有符合条件的托育机构" in page


def test_unknown_region_code_lists_nothing_rather_than_everything(spread, client):
    response = get_list(client, town="999999-99")
    assert response.status_code == 200
    assert response.context["facilities"] == []
    assert "筛选条件无效" in response.content.decode()


def test_region_choices_list_only_districts_and_towns_in_order(seeded):
    form = FacilityFilterSet().form
    districts = list(form.fields["district"].queryset)
    towns = list(form.fields["town"].queryset)
    assert {d.level for d in districts} == {Region.Level.DISTRICT}
    assert [d.code for d in districts] == ["110115", "500112"]
    assert {t.level for t in towns} == {Region.Level.TOWN}
    daxing = [t.code for t in towns if t.parent.code == "110115"]
    assert daxing[:3] == ["110115001", "110115002", "110115003"]
    assert len(daxing) == 22


def test_filter_form_renders_selects_and_search(spread, client):
    page = get_list(client).content.decode()
    for name in ("district", "town", "kind", "inclusive"):
        assert f'<select name="{name}"' in page
    assert 'name="search"' in page
    assert "兴丰街道" in page and "大兴区" in page
    assert 'name="operating_status"' not in page  # the public list is always filed and operating


# ---------------------------------------------------------------- what never appears


@pytest.mark.parametrize(
    "state",
    [
        {"listed": False},  # draft
        {"listed": False, "filing_status": Facility.FilingStatus.SUBMITTED},
        {"listed": False, "filing_status": Facility.FilingStatus.RETURNED, "return_reason": "材料不全"},
        {"operating_status": Facility.OperatingStatus.CLOSED},
        {"is_synthetic": True},
        {
            "listed": False,
            "operating_status": Facility.OperatingStatus.OPERATING,
            "filing_status": Facility.FilingStatus.SUBMITTED,
        },
    ],
    ids=["draft", "submitted", "returned", "closed", "synthetic", "operating-unfiled"],
)
def test_facilities_not_publicly_listed_never_appear(seeded, client, state):
    make_facility(name="公开托育园")
    hidden = make_facility(name="隐藏托育园", **state)
    response = get_list(client)
    assert listed_names(response) == {"公开托育园"}
    assert "隐藏托育园" not in response.content.decode()
    assert listed_names(get_list(client, search="隐藏")) == set()
    assert client.get(reverse("directory:detail", args=[hidden.pk])).status_code == 404


def test_unknown_facility_is_404(seeded, client):
    assert client.get(reverse("directory:detail", args=[999_999])).status_code == 404


@pytest.fixture
def facility_with_secrets(seeded):
    facility = make_facility(
        name="保密测试托育园",
        contact_person="内部联系人王秘",
        contact_phone="13912345678",
        notes="内部备注：仅限管理员",
        public_phone="010-69990000",
    )
    StaffMember.objects.create(
        facility=facility,
        name="保育员赵隐私",
        id_number="110101199001011234",
        role=StaffMember.Role.CAREGIVER,
        phone="13700001111",
    )
    return facility


def test_private_fields_never_appear(facility_with_secrets, client):
    pages = [
        get_list(client).content.decode(),
        get_list(client, search="保密").content.decode(),
        client.get(reverse("directory:detail", args=[facility_with_secrets.pk])).content.decode(),
    ]
    for page in pages:
        assert "保密测试托育园" in page
        assert "010-69990000" in page  # the public phone is disclosed
        for secret in [
            "内部联系人王秘",
            "13912345678",
            "内部备注",
            "保育员赵隐私",
            "110101199001011234",
            "13700001111",
        ]:
            assert secret not in page


def test_html_in_a_facility_name_is_escaped(seeded, client):
    facility = make_facility(name='<script>alert("x")</script>托育园', address="<b>粗体</b>路1号")
    for page in [
        get_list(client).content.decode(),
        client.get(reverse("directory:detail", args=[facility.pk])).content.decode(),
    ]:
        assert "<script>alert(" not in page
        assert "&lt;script&gt;alert(" in page
        assert "<b>粗体</b>" not in page


# ---------------------------------------------------------------- what is disclosed


def test_list_shows_the_disclosed_columns(spread, client):
    page = get_list(client, district="110115", inclusive="true").content.decode()
    facility = spread["daxing_1_inclusive"]
    assert "兴丰普惠托育园" in page
    assert "大兴区 · 兴丰街道" in page
    assert "镇街（社区）普惠托育园" in page
    assert "普惠</span>" in page
    assert "3,200.00" in page  # monthly fee, meals excluded
    assert facility.public_phone in page
    assert facility.filing_number in page
    assert reverse("directory:detail", args=[facility.pk]) in page


def test_detail_shows_everything_disclosure_requires(seeded, client):
    facility = make_facility(
        name="全要素托育园",
        town="110115003",
        kind=Facility.Kind.PUBLIC_PRIVATE,
        ownership=Facility.Ownership.PRIVATE_NON_PROFIT,
        is_inclusive=True,
        units=(("infant", 1, 10), ("toddler", 2, 15), ("older", 3, 20)),
        inclusive_slots=50,
        monthly_fee=Decimal("2980.5"),
        meal_fee=None,
        opening_date=date(2024, 9, 1),
        filed_on=date(2025, 1, 15),
        address="清源路1号",
    )
    response = client.get(reverse("directory:detail", args=[facility.pk]))
    page = response.content.decode()
    for text in [
        "全要素托育园",
        "清源路1号",
        "大兴区 · 清源街道",
        "公建民营",
        "民办非营利",
        "普惠托位 50 个",
        "乳儿班",
        "托小班",
        "托大班",
        "2,980.50",
        facility.public_phone,
        facility.filing_number,
        "2025-01-15",
        "2024-09-01",
    ]:
        assert text in page, text
    fees = page.split('id="facility-fees"')[1].split("</dl>")[0]
    assert "—" in fees  # the unknown meal fee shows as unknown, never as 0
    assert "0.00" not in fees.replace("2,980.50", "")


def test_detail_slots_by_class_type_add_up_to_total_slots(seeded, client):
    facility = make_facility(units=(("infant", 1, 10), ("toddler", 2, 15), ("mixed", 1, 18)))
    assert facility.total_slots == 10 + 30 + 18
    response = client.get(reverse("directory:detail", args=[facility.pk]))
    record = response.context["facility"]
    assert [
        (u["class_type"], u["classes"], u["children_per_class"], u["slots"]) for u in record["units"]
    ] == [
        ("乳儿班", 1, 10, 10),
        ("托小班", 2, 15, 30),
        ("混合班", 1, 18, 18),
    ]
    assert sum(u["slots"] for u in record["units"]) == record["total_slots"] == facility.total_slots
    page = response.content.decode()
    assert '<td class="num" id="total-slots">58</td>' in page


def test_fees_are_decimals_with_two_places(seeded, client):
    facility = make_facility(monthly_fee=Decimal("1500"), meal_fee=Decimal("12.5"))
    record = client.get(reverse("directory:detail", args=[facility.pk])).context["facility"]
    assert record["monthly_fee"] == Decimal("1500.00") and str(record["monthly_fee"]) == "1500.00"
    assert str(record["meal_fee"]) == "12.50"


# ---------------------------------------------------------------- performance and pagination


def _count_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = get_list(client, **params)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_the_number_of_facilities(
    seeded, client, django_assert_max_num_queries
):
    for _ in range(3):
        make_facility(units=(("toddler", 1, 15), ("older", 1, 20)))
    few = _count_queries(client)
    for i in range(PAGE_SIZE + 5):
        make_facility(town="110115002" if i % 2 else "110115001", units=(("infant", 1, 10), ("older", 2, 20)))
    many = _count_queries(client)
    assert many == few
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = get_list(client, district="110115", town="110115002", inclusive="false", search="托育")
    assert len(response.context["facilities"]) == (PAGE_SIZE + 5) // 2
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        get_list(client, page=2)


def test_detail_query_count_is_bounded(seeded, client, django_assert_max_num_queries):
    facility = make_facility(
        units=(("infant", 1, 10), ("toddler", 2, 15), ("older", 3, 20), ("mixed", 1, 18))
    )
    with django_assert_max_num_queries(DETAIL_QUERY_BUDGET):
        response = client.get(reverse("directory:detail", args=[facility.pk]))
    assert response.status_code == 200


def test_pagination_keeps_the_filters(seeded, client):
    for _ in range(PAGE_SIZE + 2):
        make_facility(town="110115002")
    make_facility(town="110115001")
    first = get_list(client, town="110115002")
    assert len(first.context["facilities"]) == PAGE_SIZE
    page = first.content.decode()
    assert "共 27 家机构" in page
    assert "?town=110115002&amp;page=2" in page
    second = get_list(client, town="110115002", page=2)
    assert len(second.context["facilities"]) == 2
    assert not listed_names(first) & listed_names(second)
    # An out-of-range page shows the last page rather than an error.
    assert get_list(client, town="110115002", page=99).context["page_obj"].number == 2


# ---------------------------------------------------------------- language


def test_directory_switches_to_english(seeded, client):
    make_facility()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = get_list(client)
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


# ---------------------------------------------------------------- status, service, vacancies, supervision


def test_a_suspended_facility_is_listed_as_suspended_with_its_date(seeded, client):
    make_facility(name="正常托育园")
    suspended = make_facility(
        name="暂停托育园", operating_status=Facility.OperatingStatus.SUSPENDED, status_since=date(2026, 10, 8)
    )
    response = get_list(client)
    assert listed_names(response) == {"正常托育园", "暂停托育园"}
    assert "暂停服务（自 2026-10-08）" in response.content.decode()
    detail = client.get(reverse("directory:detail", args=[suspended.pk]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "暂停服务（自 2026-10-08）" in page and 'id="suspended-notice"' in page
    assert detail.context["facility"]["vacancies"] is None  # a suspended facility offers no places


def test_the_detail_shows_ages_hours_service_types_meals_and_vacancies(seeded, client):
    import datetime as dt

    facility = make_facility(
        units=(("toddler", 2, 15),),
        min_age_months=12,
        max_age_months=36,
        service_types=[Facility.ServiceType.FULL_DAY, Facility.ServiceType.HOURLY],
        opens_at=dt.time(7, 30),
        closes_at=dt.time(17, 30),
        serves_meals=True,
        enrolled_children=22,
    )
    response = client.get(reverse("directory:detail", args=[facility.pk]))
    page = response.content.decode()
    for text in ["12–36 个月", "全日托、计时托", "07:30–17:30", "提供膳食"]:
        assert text in page, text
    assert response.context["facility"]["vacancies"] == {"count": 8, "as_of": None}
    assert page.split('id="vacancies">')[1].startswith("8")
    assert "22" not in page.split('id="facility-service"')[1].split("</dl>")[0]  # enrolment itself stays back


def test_unknown_figures_stay_empty(seeded, client):
    facility = make_facility()  # no enrolment, ages, hours, inspection or grade recorded
    response = client.get(reverse("directory:detail", args=[facility.pk]))
    record = response.context["facility"]
    assert record["vacancies"] is None and record["disclosures"] == {}
    page = response.content.decode()
    for marker in (
        'id="vacancies">—',
        'id="ages-served">—',
        'id="opening-hours">—',
        'id="latest-inspection">—',
        'id="grade">—',
    ):
        assert marker in page, marker


def test_health_and_safety_shows_the_filed_materials_and_a_health_worker_as_yes_or_no(seeded, client):
    from facilities.models import ChecklistItem
    from facilities.services import ensure_checklist

    facility = make_facility(serves_meals=False)
    ensure_checklist(facility)
    ChecklistItem.objects.filter(facility=facility, item__in=["health_evaluation", "fire_safety"]).update(
        provided=True, reference="内部文号-123"
    )
    StaffMember.objects.create(facility=facility, name="保健员钱", role=StaffMember.Role.HEALTH_CARE)
    page = client.get(reverse("directory:detail", args=[facility.pk])).content.decode()
    panel = page.split('id="health-safety"')[1].split("</ul>")[0]
    assert panel.count("备案时已提供") == 2 and "已配备" in panel
    assert "食品经营许可" not in panel  # no meals, no food licence to show
    assert "内部文号-123" not in page and "保健员钱" not in page


@pytest.fixture
def supervision_disclosures():
    """What the supervision app discloses, as its provider would (facilities.disclosure)."""

    def inspections(ids):
        return {pk: {"date": date(2026, 9, 12), "kind": "日常检查", "result": "未发现问题"} for pk in ids}

    def grades(ids):
        return {ids[0]: {"grade": "A", "risk": "低", "credit": "良好", "as_of": date(2026, 10, 1)}}

    registered = dict(disclosure._providers)
    disclosure.register("inspection", inspections)
    disclosure.register("grade", grades)
    yield
    # the apps' own providers again, for the tests that follow
    disclosure._providers.clear()
    disclosure._providers.update(registered)


def test_the_latest_inspection_and_grade_are_shown_with_their_dates_when_disclosed(
    seeded, client, supervision_disclosures
):
    facility = make_facility()
    page = client.get(reverse("directory:detail", args=[facility.pk])).content.decode()
    info = page.split('id="supervision-info"')[1].split("</dl>")[0]
    for text in ["2026-09-12", "日常检查", "未发现问题", "A", "低", "良好", "2026-10-01"]:
        assert text in info, text

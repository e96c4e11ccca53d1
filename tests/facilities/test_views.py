"""Registry pages: every role sees and changes only what it should, and the pages drive the services."""

import datetime

import pytest
from django.urls import reverse

from facilities import services
from facilities.models import ClassTypeRule, Facility, PendingChange, StaffMember
from facilities.views import FORM_GROUPS
from tests.facilities.conftest import complete_checklist
from tests.factories import FacilityFactory, add_staff

pytestmark = pytest.mark.django_db


def client_for(client, user):
    client.force_login(user)
    return client


# Who may open facility A's pages (A is a draft in Daxing town 1, operated by operator_a).
VIEW_A = {"operator_a", "town1_official", "daxing_official", "superuser"}
EDIT_A = {"operator_a", "daxing_official", "superuser"}
STAFF_A = {"operator_a", "daxing_official", "superuser"}
STATUS_A = {"daxing_official", "superuser"}


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("registry:detail", VIEW_A),
        ("registry:edit", EDIT_A),
        ("registry:checklist", EDIT_A),
        ("registry:status", STATUS_A),
        ("registry:staff_create", STAFF_A),
    ],
)
@pytest.mark.parametrize(
    "role",
    [
        "operator_a",
        "operator_b",
        "town1_official",
        "daxing_official",
        "yubei_official",
        "superuser",
    ],
)
def test_each_role_reaches_only_its_pages_of_facility_a(client, users, facility_a, name, allowed, role):
    response = client_for(client, users[role]).get(reverse(name, args=[facility_a.pk]))
    assert response.status_code == (200 if role in allowed else 404)


def test_anonymous_users_are_sent_to_log_in(client, facility_a):
    for name in ("registry:list", "registry:reviews", "registry:create"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]
    response = client.get(reverse("registry:detail", args=[facility_a.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("operator_a", {"甲托育园"}),
        ("operator_b", {"乙托育园"}),
        ("town1_official", {"甲托育园"}),
        ("daxing_official", {"甲托育园", "乙托育园"}),
        ("yubei_official", set()),
    ],
)
def test_the_registry_list_is_scoped(client, users, facility_a, facility_b, role, expected):
    response = client_for(client, users[role]).get(reverse("registry:list"))
    names = {f.name for f in response.context["page"]} - {
        f.name for f in Facility.objects.filter(seed_key__isnull=False)
    }
    assert names == expected


def test_the_list_filters_by_rule_flags(client, daxing_official, facility_a, facility_b):
    add_staff(facility_b, n=3)  # B needs ⌈20/7⌉ = 3 caregivers; A has none of its 6
    response = client_for(client, daxing_official).get(reverse("registry:list"), {"flag": "understaffed"})
    assert [f.name for f in response.context["page"]] == ["甲托育园"]
    assert "保育人员不足" in response.content.decode()


def test_the_list_keeps_a_constant_query_count(
    client, daxing_official, facility_a, django_assert_max_num_queries
):
    client_for(client, daxing_official)
    with django_assert_max_num_queries(20):
        client.get(reverse("registry:list"))


def test_every_editable_field_is_on_the_form_once():
    placed = [name for sections in FORM_GROUPS.values() for _t, names in sections for name in names]
    # The coordinate system the point was typed in: the form converts the point to WGS-84, nothing stores it.
    form_only = ["coord_system"]
    assert sorted(placed) == sorted([*services.EDITABLE_FIELDS, *form_only])


def form_post(facility, **changes):
    toddler = ClassTypeRule.objects.get(code="toddler")
    data = {
        "name": facility.name,
        "kind": facility.kind,
        "ownership": "",
        "district": facility.district_id,
        "town": facility.town_id or "",
        "address": "",
        "public_phone": "",
        "contact_person": "",
        "contact_phone": "",
        "notes": "",
        "premises": "",
        "inclusive_slots": 0,
        "version": facility.version,
        "units-TOTAL_FORMS": 1,
        "units-INITIAL_FORMS": 0,
        "units-MIN_NUM_FORMS": 0,
        "units-MAX_NUM_FORMS": 10,
        "units-0-class_type": toddler.pk,
        "units-0-classes": 2,
        "units-0-children_per_class": 15,
    }
    data.update(changes)
    return data


class TestEditing:
    def test_a_class_above_its_cap_is_refused_on_the_page(self, client, operator_a, facility_a):
        client_for(client, operator_a)
        response = client.post(
            reverse("registry:edit", args=[facility_a.pk]),
            form_post(facility_a, **{"units-0-children_per_class": 16}),
        )
        assert response.status_code == 200
        assert "托小班每班不超过15人（国家标准），填写为16人。" in response.content.decode()
        facility_a.refresh_from_db()
        assert facility_a.total_slots == 30

    def test_a_stale_form_is_refused_instead_of_overwriting(
        self, client, operator_a, daxing_official, facility_a
    ):
        stale = form_post(facility_a, address="运营者的地址")
        client_for(client, daxing_official).post(
            reverse("registry:edit", args=[facility_a.pk]), form_post(facility_a, address="官员的地址")
        )
        response = client_for(client, operator_a).post(reverse("registry:edit", args=[facility_a.pk]), stale)
        assert "已被他人修改" in response.content.decode()
        facility_a.refresh_from_db()
        assert facility_a.address == "官员的地址"

    def test_html_in_names_is_escaped(self, client, operator_a, facility_a):
        client_for(client, operator_a).post(
            reverse("registry:edit", args=[facility_a.pk]),
            form_post(facility_a, name="<script>alert(1)</script>"),
        )
        page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


class TestWorkflowPages:
    def test_submit_review_and_approve(self, client, operator_a, daxing_official, facility_a):
        complete_checklist(facility_a)
        client_for(client, operator_a).post(reverse("registry:submit", args=[facility_a.pk]))
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "submitted"
        # operators have no approve page at all
        assert client.post(reverse("registry:approve", args=[facility_a.pk])).status_code == 404
        client_for(client, daxing_official)
        queue = client.get(reverse("registry:reviews"))
        assert facility_a in queue.context["filings"]
        client.post(reverse("registry:approve", args=[facility_a.pk]), {"confirm_flags": "on"})
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "filed" and facility_a.filing_number.startswith("110115-")

    def test_return_shows_the_reason_to_the_operator(self, client, operator_a, daxing_official, facility_a):
        complete_checklist(facility_a)
        services.filing_submit(user=operator_a, facility=facility_a)
        client_for(client, daxing_official).post(
            reverse("registry:return", args=[facility_a.pk]), {"reason": "卫生评价报告缺页"}
        )
        page = (
            client_for(client, operator_a)
            .get(reverse("registry:detail", args=[facility_a.pk]))
            .content.decode()
        )
        assert "卫生评价报告缺页" in page

    def test_submitting_without_materials_says_what_is_missing(self, client, operator_a, facility_a):
        response = client_for(client, operator_a).post(
            reverse("registry:submit", args=[facility_a.pk]), follow=True
        )
        assert "备案材料未齐" in response.content.decode()
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "draft"

    def test_the_review_queue_is_for_officials_only(self, client, operator_a, town1_official):
        for user in (operator_a, town1_official):
            assert client_for(client, user).get(reverse("registry:reviews")).status_code == 404

    def test_an_operator_change_to_a_filed_record_goes_to_review(
        self, client, operator_a, daxing_official, facility_a
    ):
        complete_checklist(facility_a)
        services.filing_submit(user=operator_a, facility=facility_a)
        services.filing_approve(user=daxing_official, facility=facility_a, confirm_flags=True)
        facility_a.refresh_from_db()
        client_for(client, operator_a).post(
            reverse("registry:edit", args=[facility_a.pk]), form_post(facility_a, monthly_fee="2800.00")
        )
        change = PendingChange.objects.get(facility=facility_a)
        facility_a.refresh_from_db()
        assert facility_a.monthly_fee is None
        page = (
            client_for(client, daxing_official)
            .get(reverse("registry:change", args=[change.pk]))
            .content.decode()
        )
        assert "2800" in page
        client.post(reverse("registry:change", args=[change.pk]), {"decision": "approve"})
        facility_a.refresh_from_db()
        assert facility_a.monthly_fee == 2800

    def test_close_records_where_the_children_went(self, client, daxing_official, facility_a):
        client_for(client, daxing_official)
        url = reverse("registry:status", args=[facility_a.pk])
        response = client.post(url, {"to_status": "closed", "effective_on": "2026-11-20", "reason": "停办"})
        assert "关停须记录在托婴幼儿的去向" in response.content.decode()
        # Each placement is a row of the table: how many children went where (the registry's facilities, home,
        # other), and whether the receiving side confirmed.
        receiving = FacilityFactory(town=facility_a.town, name="乙接收园", filed=True)
        Facility.objects.filter(pk=facility_a.pk).update(enrolled_children=5)
        client.post(
            url,
            {
                "to_status": "closed",
                "effective_on": "2026-11-20",
                "reason": "停办",
                "placements-TOTAL_FORMS": "2",
                "placements-INITIAL_FORMS": "0",
                "placements-0-destination": "facility",
                "placements-0-receiving_facility": str(receiving.pk),
                "placements-0-children": "4",
                "placements-0-confirmed": "on",
                "placements-1-destination": "home",
                "placements-1-children": "1",
            },
        )
        facility_a.refresh_from_db()
        assert facility_a.operating_status == "closed" and facility_a.status_since == datetime.date(
            2026, 11, 20
        )
        page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        assert "转入乙接收园 4 人" in page and "回家照护 1 人" in page


class TestStaffPages:
    def test_staff_and_id_numbers_are_hidden_from_town_officials(
        self, client, town1_official, operator_a, facility_a
    ):
        add_staff(facility_a, name="张保育", id_number="110101199001011234")
        page = (
            client_for(client, town1_official).get(reverse("registry:detail", args=[facility_a.pk])).content
        )
        assert "110101199001011234" not in page.decode()
        page = client_for(client, operator_a).get(reverse("registry:detail", args=[facility_a.pk])).content
        assert "110101********1234" in page.decode()  # masked on the roster (core.privacy)
        assert "110101199001011234" not in page.decode()

    def test_an_operator_adds_staff_and_a_certificate(self, client, operator_a, facility_a):
        client_for(client, operator_a)
        client.post(
            reverse("registry:staff_create", args=[facility_a.pk]),
            {
                "name": "李保育",
                "id_number": "11010119900101418x",
                "role": "caregiver",
                "employment": "full_time",
            },
        )
        member = StaffMember.objects.get(name="李保育")
        assert member.id_number == "11010119900101418X"
        client.post(
            reverse("registry:staff_record", args=[member.pk, "certificate"]),
            {"kind": "nursery_teacher", "number": "BY-1", "issuer": "人社局"},
        )
        assert member.certificates.count() == 1

    def test_a_bad_id_number_gets_a_message(self, client, operator_a, facility_a):
        response = client_for(client, operator_a).post(
            reverse("registry:staff_create", args=[facility_a.pk]),
            {"name": "王", "id_number": "12345", "role": "caregiver", "employment": "full_time"},
        )
        assert "身份证号应为18位" in response.content.decode()
        assert not StaffMember.objects.filter(name="王").exists()

    def test_operator_b_cannot_touch_a_staff_of_a(self, client, operator_b, facility_a):
        member = add_staff(facility_a)[0]
        client_for(client, operator_b)
        assert client.get(reverse("registry:staff_edit", args=[facility_a.pk, member.pk])).status_code == 404
        assert (
            client.post(reverse("registry:staff_record", args=[member.pk, "certificate"]), {}).status_code
            == 404
        )


def test_the_history_is_shown_on_the_facility_page(client, operator_a, facility_a):
    client_for(client, operator_a).post(
        reverse("registry:edit", args=[facility_a.pk]), form_post(facility_a, address="新的地址")
    )
    page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
    assert "变更记录" in page
    assert "新的地址" in page and "operator_a" in page


class TestAccounts:
    def test_a_district_official_opens_an_operator_account_for_a_facility_of_the_district(
        self, client, daxing_official, facility_a
    ):
        client_for(client, daxing_official)
        response = client.post(
            reverse("registry:accounts"),
            {
                "username": "new_operator",
                "full_name": "赵园长",
                "role": "operator",
                "facility": facility_a.pk,
            },
        )
        password = response.context["created"][1]
        from django.contrib.auth import authenticate

        account = authenticate(username="new_operator", password=password)
        assert account is not None
        assert account.roles.get().facility == facility_a
        assert password not in client.get(reverse("registry:accounts")).content.decode()  # shown once

    def test_no_accounts_for_another_districts_facility_or_town(
        self, client, yubei_official, facility_a, town1
    ):
        client_for(client, yubei_official)
        for data in (
            {"username": "x1", "role": "operator", "facility": facility_a.pk},
            {"username": "x2", "role": "town_official", "town": town1.pk},
        ):
            response = client.post(reverse("registry:accounts"), data)
            assert response.status_code == 200 and response.context["created"] is None
        from django.contrib.auth import get_user_model

        assert not get_user_model().objects.filter(username__in=["x1", "x2"]).exists()

    def test_revoking_is_limited_to_the_district(self, client, daxing_official, yubei_official, operator_a):
        assignment = operator_a.roles.get()
        client_for(client, yubei_official).post(reverse("registry:accounts"), {"revoke": assignment.pk})
        assert operator_a.roles.exists()
        client_for(client, daxing_official).post(reverse("registry:accounts"), {"revoke": assignment.pk})
        assert not operator_a.roles.exists()

    def test_a_revoke_that_is_not_a_grant_id_is_a_400_with_a_message(
        self, client, daxing_official, operator_a
    ):
        client_for(client, daxing_official)
        for value in ("abc", "", "-1", "1.5", "9" * 30):
            response = client.post(reverse("registry:accounts"), {"revoke": value})
            assert response.status_code == 400, value
            assert "要撤销的授权无法识别，未作改动。" in response.content.decode()
        assert operator_a.roles.exists()

    def test_a_missing_grant_and_another_districts_grant_answer_the_same_404(
        self, client, yubei_official, operator_a
    ):
        client_for(client, yubei_official)
        theirs = client.post(reverse("registry:accounts"), {"revoke": operator_a.roles.get().pk})
        missing = client.post(reverse("registry:accounts"), {"revoke": 987654321})
        assert theirs.status_code == missing.status_code == 404
        assert theirs.content == missing.content
        assert operator_a.roles.exists()

    @pytest.mark.parametrize(
        "username, message",
        [
            ("ｏｐｅｒａｔｏｒ＿ａ", "用户名已被使用。"),  # full-width: the same name once normalised
            ("OPERATOR_A", "用户名已被使用。"),
            ("operator\u200b_a", "用户名只能使用英文字母、数字和 . _ - @，并以字母或数字开头。"),
            ("оperator_b", "用户名只能使用英文字母、数字和 . _ - @，并以字母或数字开头。"),  # Cyrillic о
            ("<b>boss</b>", "用户名只能使用英文字母、数字和 . _ - @，并以字母或数字开头。"),
            ("operator-a", "用户名与一个已有用户名过于相似，容易混淆，请换一个。"),
            ("0perator_a", "用户名与一个已有用户名过于相似，容易混淆，请换一个。"),
        ],
    )
    def test_usernames_are_normalised_safe_and_not_confusable(
        self, client, daxing_official, operator_a, facility_a, username, message
    ):
        from django.contrib.auth import get_user_model

        count = get_user_model().objects.count()
        client_for(client, daxing_official)
        response = client.post(
            reverse("registry:accounts"),
            {"username": username, "role": "operator", "facility": facility_a.pk},
        )
        assert response.status_code == 200 and response.context["created"] is None
        assert response.context["form"].errors["username"] == [message]
        assert get_user_model().objects.count() == count

    def test_operators_and_town_officials_have_no_account_page(self, client, operator_a, town1_official):
        for user in (operator_a, town1_official):
            assert client_for(client, user).get(reverse("registry:accounts")).status_code == 404


def test_the_certificate_goal_comes_from_the_districts_document(client, daxing_official, facility_a):
    add_staff(facility_a, n=2, certified=True)
    add_staff(facility_a, n=1)
    client_for(client, daxing_official)
    response = client.get(reverse("registry:list"), {"district": "110115"})
    page = response.content.decode()
    assert "66.7%" in page  # 2 of 3 caregivers hold 育婴员/保育师
    assert "≥ 90%" in page  # Daxing's plan: “90%以上” (以上 includes the number)
    detail = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
    assert "≥ 90%" in detail


def test_no_goal_is_invented_where_no_document_sets_one(client, superuser, yubei):
    from tests.factories import FacilityFactory

    facility = FacilityFactory(town=None, district=yubei, name="渝北测试园")
    add_staff(facility, n=1, certified=True)
    client_for(client, superuser)
    page = client.get(reverse("registry:list"), {"district": "500112"}).content.decode()
    assert (
        "100.0%" in page and "目标" not in page.split('id="registry-summary"')[1].split("</div>\n</div>")[0]
    )


@pytest.mark.parametrize(
    "role", ["operator_a", "operator_b", "town1_official", "daxing_official", "yubei_official"]
)
def test_workflow_posts_change_state_only_for_roles_allowed_to(client, users, facility_a, operator_a, role):
    complete_checklist(facility_a)
    services.filing_submit(user=operator_a, facility=facility_a)
    client_for(client, users[role])
    client.post(reverse("registry:submit", args=[facility_a.pk]))  # already submitted: refused for everyone
    for name, data in (
        ("registry:acknowledge", {}),
        ("registry:return", {"reason": "x"}),
        ("registry:status", {"to_status": "suspended", "effective_on": "2026-11-01", "reason": "x"}),
    ):
        client.post(reverse(name, args=[facility_a.pk]), data)
    facility_a.refresh_from_db()
    if role == "daxing_official":
        assert (facility_a.filing_status, facility_a.operating_status) == ("returned", "suspended")
        assert facility_a.acknowledged_at is not None
    else:
        assert (facility_a.filing_status, facility_a.operating_status) == ("submitted", "operating")
        assert facility_a.acknowledged_at is None


class TestExport:
    def _sheet(self, response):
        import io

        import openpyxl

        return openpyxl.load_workbook(io.BytesIO(b"".join(response))).worksheets[0]

    def _rows(self, response):
        return list(self._sheet(response).iter_rows(values_only=True))

    def test_the_export_has_the_same_scope_and_filters_as_the_list(
        self, client, operator_a, daxing_official, facility_a, facility_b
    ):
        rows = self._rows(client_for(client, operator_a).get(reverse("registry:export")))
        assert [r[0] for r in rows[1:]] == ["甲托育园"]
        rows = self._rows(
            client_for(client, daxing_official).get(reverse("registry:export"), {"town": "110115002"})
        )
        assert [r[0] for r in rows[1:]] == ["乙托育园"]
        assert rows[0][0] == "机构名称" and rows[1][6] == 20  # slots stay numbers

    def test_formula_like_names_are_neutralised(self, client, daxing_official, facility_a):
        Facility.objects.filter(pk=facility_a.pk).update(name='=HYPERLINK("http://x")')
        rows = self._rows(client_for(client, daxing_official).get(reverse("registry:export")))
        names = [r[0] for r in rows[1:]]
        assert '\'=HYPERLINK("http://x")' in names

    def test_each_row_says_what_the_registry_says_in_the_users_language(
        self, client, settings, daxing_official, facility_a
    ):
        from decimal import Decimal

        from django.utils import translation

        from facilities import selectors

        Facility.objects.filter(pk=facility_a.pk).update(
            ownership=Facility.Ownership.PRIVATE_NON_PROFIT,
            filing_status=Facility.FilingStatus.FILED,
            filing_number="110115-2025-001",
            filed_on=datetime.date(2025, 3, 1),
            monthly_fee=Decimal("2500.50"),
            address="-1号楼",
        )
        flagged = selectors.with_flags(Facility.objects.filter(pk=facility_a.pk)).get()
        assert selectors.flags_of(flagged)  # no caregiver for 30 slots: at least one rule flag is raised
        client_for(client, daxing_official)
        for language in ("zh-hans", "en"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            rows = self._sheet(client.get(reverse("registry:export"))).iter_rows(min_row=2, max_row=2)
            cells = {cell.column_letter: cell for cell in next(rows)}
            with translation.override(language):
                expected = {
                    "A": "甲托育园",
                    "D": flagged.get_kind_display(),
                    "E": flagged.get_ownership_display(),
                    "F": translation.gettext("否"),
                    "G": 30,
                    "I": flagged.get_operating_status_display(),
                    "J": flagged.get_filing_status_display(),
                    "K": "110115-2025-001",
                    "L": datetime.datetime(2025, 3, 1),
                    "M": 2500.5,
                    "O": "'-1号楼",  # formula-like text is neutralised
                    "R": "；".join(label for _code, label in selectors.flags_of(flagged)),
                }
            assert {letter: cells[letter].value for letter in expected} == expected
            assert cells["M"].number_format == "0.00" and cells["L"].is_date
        assert expected["D"] != "社会力量办托"  # the labels above were the English ones

    def test_anonymous_users_cannot_export(self, client, facility_a):
        assert client.get(reverse("registry:export")).status_code == 302

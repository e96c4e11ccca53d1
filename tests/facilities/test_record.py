"""The facility record (issue 14, parts 1 and 6): the 统一社会信用代码 and its legal form, the 举办者, ages,
service types and hours; the over-enrolment and expiry flags; certificates that expire, are edited and
retired, with history; ID numbers checked on every path."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.history import event_model
from facilities import selectors, services
from facilities.models import Certificate, Facility, PendingChange, StaffMember, health_certificate_expiry
from tests.facilities.test_views import client_for, form_post
from tests.factories import (
    CertificateFactory,
    FacilityFactory,
    add_staff,
    filed_facility,
    valid_credit_code,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
COMPANY = valid_credit_code(1, authority="9", category="1")  # 91…: a company (市场监督管理)
NON_PROFIT = valid_credit_code(2, authority="5", category="2")  # 52…: a 民办非企业单位 (民政)


def with_wrong_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


def flagged(facility) -> set[str]:
    annotated = selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get()
    return {code for code, _label in selectors.flags_of(annotated)}


def edit(client, user, facility, **changes):
    return client_for(client, user).post(
        reverse("registry:edit", args=[facility.pk]), form_post(facility, **changes)
    )


# ---------------------------------------------------------------- the record


class TestCreditCode:
    def test_a_valid_code_matching_the_legal_form_is_saved_as_on_the_licence(
        self, client, operator_a, facility_a
    ):
        response = edit(
            client,
            operator_a,
            facility_a,
            ownership="private_non_profit",
            credit_code=f" {NON_PROFIT.lower()} ",
        )
        assert response.status_code == 302
        facility_a.refresh_from_db()
        assert facility_a.credit_code == NON_PROFIT
        page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        assert NON_PROFIT in page

    def test_a_wrong_check_character_is_refused_and_nothing_changes(self, client, operator_a, facility_a):
        response = edit(
            client, operator_a, facility_a, credit_code=with_wrong_check(NON_PROFIT), address="新地址"
        )
        assert response.status_code == 200
        assert "统一社会信用代码校验位不正确，请核对是否抄错。" in response.content.decode()
        facility_a.refresh_from_db()
        assert facility_a.credit_code == "" and facility_a.address == ""

    @pytest.mark.parametrize(
        ("ownership", "code", "expected"),
        [
            ("private_non_profit", COMPANY, "5"),  # a 民办非营利 centre is registered with 民政
            ("private_for_profit", NON_PROFIT, "9"),  # a company with 市场监督管理
            ("public", COMPANY, "1"),  # a 公办 institution with 机构编制
        ],
    )
    def test_the_first_character_must_agree_with_the_legal_form(
        self, client, operator_a, facility_a, ownership, code, expected
    ):
        response = edit(client, operator_a, facility_a, ownership=ownership, credit_code=code)
        page = response.content.decode()
        assert f"统一社会信用代码第1位应为“{expected}”" in page
        facility_a.refresh_from_db()
        assert facility_a.credit_code == ""

    def test_a_public_institution_registered_by_the_establishment_office_is_accepted(
        self, client, daxing_official, facility_a
    ):
        code = valid_credit_code(3, authority="1", category="2")  # 12…: a 事业单位
        assert (
            edit(client, daxing_official, facility_a, ownership="public", credit_code=code).status_code == 302
        )

    def test_without_a_legal_form_only_the_check_character_is_checked(self, operator_a, facility_a):
        data = {"ownership": "", "credit_code": COMPANY}
        assert services.validate_record(data) == []

    def test_two_facilities_cannot_share_a_code(self, client, operator_a, facility_a, facility_b):
        Facility.objects.filter(pk=facility_b.pk).update(credit_code=COMPANY)
        response = edit(client, operator_a, facility_a, ownership="private_for_profit", credit_code=COMPANY)
        assert "该统一社会信用代码已被其他机构使用。" in response.content.decode()
        facility_a.refresh_from_db()
        assert facility_a.credit_code == ""

    def test_blank_codes_are_not_duplicates(self, facility_a, facility_b):
        assert facility_a.credit_code == facility_b.credit_code == ""

    def test_the_api_checks_the_same_way(self, api_as, facility_a):
        api = api_as("daxing_official")
        url = f"/api/v1/facilities/{facility_a.pk}/"
        bad = api.patch(
            url, {"version": facility_a.version, "credit_code": with_wrong_check(COMPANY)}, format="json"
        )
        assert bad.status_code == 400
        assert "校验位不正确" in str(bad.json())
        good = api.patch(
            url,
            {
                "version": facility_a.version,
                "ownership": "private_for_profit",
                "credit_code": COMPANY.lower(),
            },
            format="json",
        )
        assert good.status_code == 200, good.json()
        assert good.json()["credit_code"] == COMPANY


class TestSponsorAgesServicesAndHours:
    def test_the_whole_record_is_saved_and_shown(self, client, operator_a, facility_a):
        response = edit(
            client,
            operator_a,
            facility_a,
            legal_representative="王法人",
            sponsor_kind="organisation",
            sponsor_name="北京某某教育科技有限公司",
            min_age_months=12,
            max_age_months=36,
            service_types=["full_day", "hourly"],
            opens_at="07:30",
            closes_at="18:00",
        )
        assert response.status_code == 302
        facility_a.refresh_from_db()
        assert facility_a.service_types == ["full_day", "hourly"]
        assert facility_a.opens_at == datetime.time(7, 30) and facility_a.closes_at == datetime.time(18, 0)
        page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        for text in (
            "王法人",
            "北京某某教育科技有限公司",
            "法人或其他组织",
            "12–36 个月",
            "全日托、计时托",
            "07:30–18:00",
        ):
            assert text in page

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"min_age_months": 30, "max_age_months": 12}, "招收最大月龄不能小于最小月龄。"),
            ({"min_age_months": 0, "max_age_months": 40}, "36"),
            ({"opens_at": "18:00", "closes_at": "07:30"}, "离园时间必须晚于开园时间。"),
            ({"opens_at": "07:30"}, "开园和离园时间须同时填写。"),
            ({"sponsor_kind": "person"}, "请填写举办者的姓名或单位名称。"),
            ({"sponsor_name": "张三"}, "请选择举办者是自然人还是法人或其他组织。"),
            ({"service_types": ["weekly"]}, "weekly"),
        ],
    )
    def test_bad_input_gets_a_message_and_changes_nothing(
        self, client, operator_a, facility_a, changes, message
    ):
        response = edit(client, operator_a, facility_a, address="新地址", **changes)
        assert response.status_code == 200
        assert message in response.content.decode()
        facility_a.refresh_from_db()
        assert facility_a.address == ""

    def test_the_database_holds_ages_and_hours_in_order(self, facility_a):
        from django.db import IntegrityError, transaction

        for changes in (
            {"min_age_months": 24, "max_age_months": 12},
            {"max_age_months": 37},
            {"opens_at": datetime.time(18), "closes_at": datetime.time(7)},
            {"sponsor_kind": "person"},
            {"credit_code": "lowercase-code-xx"},
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                Facility.objects.filter(pk=facility_a.pk).update(**changes)

    def test_an_operators_change_of_hours_to_a_filed_record_waits_for_review(
        self, operator_a, daxing_official, facility_a
    ):
        Facility.objects.filter(pk=facility_a.pk).update(
            filing_status="filed", filing_number="T-1", filed_on=datetime.date(2025, 1, 1)
        )
        facility_a.refresh_from_db()
        data = {field: getattr(facility_a, field) for field in services.EDITABLE_FIELDS}
        data.update(opens_at=datetime.time(8), closes_at=datetime.time(17, 30), service_types=["half_day"])
        units = [
            services.UnitInput(u.class_type_id, u.classes, u.children_per_class)
            for u in facility_a.units.all()
        ]
        change = services.facility_update(
            user=operator_a, facility=facility_a, data=data, units=units, expected_version=facility_a.version
        )
        assert isinstance(change, PendingChange) and change.data["fields"]["opens_at"] == "08:00:00"
        services.pending_change_approve(user=daxing_official, change=change)
        facility_a.refresh_from_db()
        assert (facility_a.opens_at, facility_a.closes_at) == (datetime.time(8), datetime.time(17, 30))
        assert facility_a.service_types == ["half_day"]


# ---------------------------------------------------------------- flags


class TestOverEnrolment:
    def test_more_children_than_slots_is_flagged_and_shown(self, client, daxing_official, town1):
        facility = filed_facility(town1, "超员托育园", enrolled_children=31)  # 30 slots
        assert selectors.Flag.OVER_ENROLLED in flagged(facility)
        page = client_for(client, daxing_official).get(reverse("registry:detail", args=[facility.pk]))
        assert (
            "在托人数超过托位数" in page.content.decode()
            and "在托 31 人，超过托位总数 30。" in page.content.decode()
        )

    @pytest.mark.parametrize("enrolled", [None, 0, 30])
    def test_up_to_the_slots_is_not(self, town1, enrolled):
        facility = filed_facility(town1, "满员托育园", enrolled_children=enrolled)
        assert selectors.Flag.OVER_ENROLLED not in flagged(facility)

    def test_the_registry_list_filters_on_it(self, client, daxing_official, town1):
        over = filed_facility(town1, "超员托育园", enrolled_children=160)
        filed_facility(town1, "正常托育园", enrolled_children=20)
        response = client_for(client, daxing_official).get(
            reverse("registry:list"), {"flag": "over_enrolled"}
        )
        page = response.content.decode()
        assert over.name in page and "正常托育园" not in page


def leased(town, name, lease_end, lease_start=None):
    return FacilityFactory(
        town=town,
        name=name,
        premises=Facility.Premises.LEASED,
        lease_start=lease_start or lease_end.replace(year=lease_end.year - 4),
        lease_end=lease_end,
    )


class TestLeaseExpiry:
    def test_an_expired_lease_is_flagged(self, town1):
        facility = leased(town1, "过期园", datetime.date(2023, 12, 31), lease_start=datetime.date(2019, 1, 1))
        assert flagged(facility) >= {selectors.Flag.LEASE_EXPIRED}
        assert selectors.Flag.LEASE_EXPIRING not in flagged(facility)

    @pytest.mark.parametrize(
        ("days", "expiring"), [(0, True), (30, True), (90, True), (91, False), (400, False)]
    )
    def test_a_lease_ending_within_90_days_is_flagged_ahead(self, town1, days, expiring):
        facility = leased(town1, "将到期园", TODAY + datetime.timedelta(days=days))
        assert (selectors.Flag.LEASE_EXPIRING in flagged(facility)) is expiring
        assert selectors.Flag.LEASE_EXPIRED not in flagged(facility)

    def test_owned_premises_have_no_lease_flags(self, town1):
        facility = FacilityFactory(
            town=town1, premises=Facility.Premises.OWNED, lease_end=datetime.date(2020, 1, 1)
        )
        assert not flagged(facility) & {selectors.Flag.LEASE_EXPIRED, selectors.Flag.LEASE_EXPIRING}

    def test_the_three_year_rule_still_holds(self, town1):
        short = leased(town1, "短租园", TODAY + datetime.timedelta(days=300), lease_start=TODAY)
        assert selectors.Flag.SHORT_LEASE in flagged(short)

    def test_the_registry_list_filters_on_both(self, client, daxing_official, town1):
        expired = leased(town1, "过期园", datetime.date(2023, 12, 31))
        expiring = leased(town1, "将到期园", TODAY + datetime.timedelta(days=10))
        client_for(client, daxing_official)
        for flag, shown, hidden in (
            ("lease_expired", expired, expiring),
            ("lease_expiring", expiring, expired),
        ):
            page = client.get(reverse("registry:list"), {"flag": flag}).content.decode()
            assert shown.name in page and hidden.name not in page, flag


# ---------------------------------------------------------------- certificates


class TestCertificateExpiry:
    def test_a_health_certificate_without_expiry_runs_one_year(self, facility_a):
        member = add_staff(facility_a)[0]
        certificate = CertificateFactory(
            staff=member, kind=Certificate.Kind.HEALTH, issued_on=datetime.date(2025, 3, 1)
        )
        assert certificate.expires_on == datetime.date(2026, 2, 28)

    def test_one_issued_on_29_february_runs_to_28_february(self):
        assert health_certificate_expiry(datetime.date(2024, 2, 29)) == datetime.date(2025, 2, 28)

    def test_a_stated_expiry_is_kept(self, facility_a):
        member = add_staff(facility_a)[0]
        certificate = CertificateFactory(
            staff=member,
            kind=Certificate.Kind.HEALTH,
            issued_on=datetime.date(2025, 3, 1),
            expires_on=datetime.date(2025, 9, 1),
        )
        assert certificate.expires_on == datetime.date(2025, 9, 1)

    def test_a_health_certificate_needs_a_date(self, facility_a):
        member = add_staff(facility_a)[0]
        with pytest.raises(ValidationError, match="健康证须填写发证日期或有效期至"):
            CertificateFactory(staff=member, kind=Certificate.Kind.HEALTH)

    def test_an_expiry_before_issue_is_refused(self, facility_a):
        member = add_staff(facility_a)[0]
        with pytest.raises(ValidationError, match="有效期至不能早于发证日期"):
            CertificateFactory(
                staff=member, issued_on=datetime.date(2025, 3, 1), expires_on=datetime.date(2025, 1, 1)
            )

    def test_expired_health_certificates_are_a_flag_until_renewed(self, town1):
        facility = filed_facility(town1, "健康证园")
        member = add_staff(facility)[0]
        CertificateFactory(staff=member, health=True, expired=True)
        assert selectors.Flag.HEALTH_CERTIFICATE_EXPIRED in flagged(facility)
        CertificateFactory(staff=member, health=True)  # the renewed one
        assert selectors.Flag.HEALTH_CERTIFICATE_EXPIRED not in flagged(facility)

    def test_staff_who_left_and_retired_certificates_raise_no_flag(self, town1):
        facility = filed_facility(town1, "健康证园")
        gone = add_staff(facility, left_on=TODAY)[0]
        CertificateFactory(staff=gone, health=True, expired=True)
        member = add_staff(facility, name="在岗")[0]
        old = CertificateFactory(staff=member, health=True, expired=True)
        Certificate.objects.filter(pk=old.pk).update(retired_at=timezone.now())
        assert selectors.Flag.HEALTH_CERTIFICATE_EXPIRED not in flagged(facility)

    def test_the_registry_list_filters_on_it(self, client, daxing_official, town1):
        facility = filed_facility(town1, "健康证园")
        CertificateFactory(staff=add_staff(facility)[0], health=True, expired=True)
        filed_facility(town1, "正常托育园")
        page = (
            client_for(client, daxing_official)
            .get(reverse("registry:list"), {"flag": "health_certificate_expired"})
            .content.decode()
        )
        assert "健康证园" in page and "正常托育园" not in page

    def test_only_current_certificates_count_toward_the_certificate_rate(self, town1):
        facility = filed_facility(town1, "持证园")
        current, expired, retired, health_only = (add_staff(facility, name=n)[0] for n in "abcd")
        CertificateFactory(staff=current)
        CertificateFactory(staff=expired, expired=True)
        gone = CertificateFactory(staff=retired)
        Certificate.objects.filter(pk=gone.pk).update(retired_at=timezone.now())
        CertificateFactory(staff=health_only, health=True)  # a 健康证 never qualifies
        indicators = selectors.staff_indicators(Facility.objects.filter(pk=facility.pk))
        assert (indicators.certified_caregivers, indicators.caregivers) == (1, 4)


class TestCertificatePages:
    @pytest.fixture
    def certificate(self, facility_a):
        member = add_staff(facility_a, name="张保育")[0]
        return CertificateFactory(staff=member, number="BY-1", issued_on=datetime.date(2024, 5, 1))

    def test_the_operator_corrects_a_certificate_and_the_history_keeps_the_old_values(
        self, client, operator_a, facility_a, certificate
    ):
        client_for(client, operator_a)
        page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        assert reverse("registry:certificate_edit", args=[certificate.pk]) in page
        response = client.post(
            reverse("registry:certificate_edit", args=[certificate.pk]),
            {
                "kind": "nursery_teacher",
                "number": "BY-2",
                "issuer": "北京市人社局",
                "issued_on": "2024-05-01",
                "expires_on": "2029-04-30",
                "version": certificate.version,
            },
        )
        assert response.status_code == 302
        certificate.refresh_from_db()
        assert (certificate.number, certificate.expires_on) == ("BY-2", datetime.date(2029, 4, 30))
        numbers = set(
            event_model(Certificate)
            .objects.filter(pgh_obj_id=certificate.pk)
            .values_list("number", flat=True)
        )
        assert numbers == {"BY-1", "BY-2"}
        page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        assert "至 2029-04-30" in page

    def test_a_stale_edit_is_refused(self, client, operator_a, daxing_official, certificate):
        url = reverse("registry:certificate_edit", args=[certificate.pk])
        stale = {"kind": "nursery_teacher", "number": "运营者", "version": certificate.version}
        client_for(client, daxing_official).post(url, {**stale, "number": "官员"})
        response = client_for(client, operator_a).post(url, stale)
        assert "已被他人修改" in response.content.decode()
        certificate.refresh_from_db()
        assert certificate.number == "官员"

    def test_retiring_keeps_the_certificate_out_of_the_rate_and_locks_it(
        self, client, operator_a, facility_a, certificate
    ):
        client_for(client, operator_a)
        response = client.post(reverse("registry:certificate_retire", args=[certificate.pk]), follow=True)
        assert "证书已停用" in response.content.decode()
        certificate.refresh_from_db()
        assert certificate.retired_at is not None  # kept, not deleted
        assert "已停用" in client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        indicators = selectors.staff_indicators(Facility.objects.filter(pk=facility_a.pk))
        assert indicators.certified_caregivers == 0
        edit_page = client.get(reverse("registry:certificate_edit", args=[certificate.pk])).content.decode()
        assert "不能再修改" in edit_page
        refused = client.post(
            reverse("registry:certificate_edit", args=[certificate.pk]),
            {"kind": "nursery_teacher", "number": "改", "version": certificate.version},
        )
        assert "该证书已停用，不能再修改。" in refused.content.decode()
        again = client.post(reverse("registry:certificate_retire", args=[certificate.pk]), follow=True)
        assert "该证书已停用。" in again.content.decode()

    @pytest.mark.parametrize("role", ["town1_official", "operator_b", "yubei_official"])
    def test_others_cannot_reach_it(self, client_as, role, certificate):
        client = client_as(role)
        assert client.get(reverse("registry:certificate_edit", args=[certificate.pk])).status_code == 404
        assert client.post(reverse("registry:certificate_retire", args=[certificate.pk])).status_code == 404
        certificate.refresh_from_db()
        assert certificate.retired_at is None


# ---------------------------------------------------------------- ID numbers


class TestIdNumbers:
    def test_the_staff_form_refuses_a_wrong_check_digit(self, client, operator_a, facility_a):
        response = client_for(client, operator_a).post(
            reverse("registry:staff_create", args=[facility_a.pk]),
            {"name": "王", "id_number": "110115199001011234", "role": "caregiver", "employment": "full_time"},
        )
        assert "身份证号校验位不正确，请核对是否抄错。" in response.content.decode()
        assert not StaffMember.objects.filter(facility=facility_a).exists()

    def test_the_staff_form_refuses_an_impossible_birth_date(self, client, operator_a, facility_a):
        first17 = "11011519901301123"
        from core.identifiers import id_number_check_character

        response = client_for(client, operator_a).post(
            reverse("registry:staff_create", args=[facility_a.pk]),
            {
                "name": "王",
                "id_number": first17 + id_number_check_character(first17),
                "role": "caregiver",
                "employment": "full_time",
            },
        )
        assert "出生日期" in response.content.decode()

    def test_the_model_refuses_it_on_every_other_path(self, facility_a):
        member = StaffMember(facility=facility_a, name="王", role="caregiver", id_number="110115199001011234")
        with pytest.raises(ValidationError, match="校验位"):
            member.full_clean()
        member.id_number = valid_id_number(5)
        member.full_clean()

    def test_factories_make_valid_numbers(self, facility_a):
        for member in add_staff(facility_a, n=3):
            member.full_clean()

"""Filing workflow, pending changes, operating status and the concurrency guard, through the services."""

import datetime

import pytest

from core import history
from facilities import services
from facilities.models import ClassTypeRule, Facility, PendingChange, StatusChange
from facilities.selectors import filing_clock
from facilities.services import ConcurrencyError, NotAllowed, RegistryError, UnitInput
from tests.facilities.conftest import complete_checklist
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def units(code="toddler", classes=2, size=15):
    return [UnitInput(ClassTypeRule.objects.get(code=code).pk, classes, size)]


def form_data(facility, **changes):
    data = {field: getattr(facility, field) for field in services.EDITABLE_FIELDS}
    data.update(changes)
    return data


def submit(facility, user):
    complete_checklist(facility)
    return services.filing_submit(user=user, facility=facility)


def update(user, facility, *, classes=2, version=None, **changes):
    """Save the facility's form with `changes`, its two toddler classes (or `classes`), at its current version
    unless a stale `version` is given."""
    return services.facility_update(
        user=user,
        facility=facility,
        data=form_data(facility, **changes),
        units=units(classes=classes),
        expected_version=facility.version if version is None else version,
    )


def change_status(user, facility, to_status, effective_on, reason, **extra):
    return services.operating_status_change(
        user=user, facility=facility, to_status=to_status, effective_on=effective_on, reason=reason, **extra
    )


class TestCreate:
    def test_an_operator_creates_a_draft_and_becomes_its_operator(self, operator_a, facility_a, town1):
        data = form_data(facility_a, name="新园", is_inclusive=True, inclusive_slots=20)
        created = services.facility_create(user=operator_a, data=data, units=units())
        assert (created.filing_status, created.total_slots, created.inclusive_slots) == ("draft", 30, 20)
        assert created.operators.filter(user=operator_a).exists()
        assert created.checklist.count() == 6

    def test_inclusive_above_the_units_total_is_refused_with_a_message(self, operator_a, facility_a):
        data = form_data(facility_a, name="新园", is_inclusive=True, inclusive_slots=31)
        with pytest.raises(RegistryError) as exc:
            services.facility_create(user=operator_a, data=data, units=units())
        assert exc.value.errors["inclusive_slots"] == [
            "普惠托位数（31）不能大于班级设置合计的托位总数（30）。"
        ]
        assert not Facility.objects.filter(name="新园").exists()

    def test_no_facility_in_a_district_the_user_does_not_serve(self, operator_a, facility_a, yubei):
        data = form_data(facility_a, name="外区园", district=yubei, town=None)
        with pytest.raises(NotAllowed):
            services.facility_create(user=operator_a, data=data, units=units())


class TestFiling:
    def test_submit_needs_every_material(self, operator_a, facility_a):
        services.ensure_checklist(facility_a)
        with pytest.raises(RegistryError, match="备案材料未齐：营业执照或法人登记证书"):
            services.filing_submit(user=operator_a, facility=facility_a)

    def test_food_licence_only_when_meals_are_served(self, operator_a, facility_a):
        complete_checklist(facility_a)
        facility_a.checklist.filter(item="food_licence").update(provided=False)
        assert services.missing_materials(facility_a) == []
        Facility.objects.filter(pk=facility_a.pk).update(serves_meals=True)
        facility_a.refresh_from_db()
        assert services.missing_materials(facility_a) == ["食品经营许可（提供膳食的）"]

    def test_submit_acknowledge_approve_assigns_number_and_date(
        self, operator_a, daxing_official, facility_a
    ):
        submit(facility_a, operator_a)
        facility_a.refresh_from_db()
        clock = filing_clock(facility_a)
        assert clock.acknowledge_due > clock.submitted_on and clock.notice_due > clock.acknowledge_due
        services.filing_acknowledge(user=daxing_official, facility=facility_a)
        approved = services.filing_approve(
            user=daxing_official, facility=facility_a, on=datetime.date(2026, 11, 25), confirm_flags=True
        )
        assert approved.filing_status == "filed"
        assert approved.filing_number == "110115-2026-0001"
        assert approved.filed_on == datetime.date(2026, 11, 25)

    def test_numbers_run_on_per_district_and_year(
        self, operator_a, operator_b, daxing_official, facility_a, facility_b
    ):
        for facility, operator in ((facility_a, operator_a), (facility_b, operator_b)):
            submit(facility, operator)
            services.filing_approve(
                user=daxing_official, facility=facility, on=datetime.date(2026, 3, 1), confirm_flags=True
            )
        facility_b.refresh_from_db()
        assert facility_b.filing_number == "110115-2026-0002"

    def test_return_needs_a_reason_the_operator_sees(self, operator_a, daxing_official, facility_a):
        submit(facility_a, operator_a)
        with pytest.raises(RegistryError):
            services.filing_return(user=daxing_official, facility=facility_a, reason="  ")
        returned = services.filing_return(user=daxing_official, facility=facility_a, reason="消防材料过期")
        assert (returned.filing_status, returned.return_reason) == ("returned", "消防材料过期")
        resubmitted = services.filing_submit(user=operator_a, facility=returned)
        assert resubmitted.filing_status == "submitted" and resubmitted.return_reason == ""

    def test_approving_a_draft_is_refused(self, daxing_official, facility_a):
        with pytest.raises(NotAllowed, match="只有已提交待审的备案可以通过"):
            services.filing_approve(user=daxing_official, facility=facility_a)

    def test_an_operator_cannot_approve_even_their_own_filing(self, operator_a, facility_a):
        submit(facility_a, operator_a)
        with pytest.raises(NotAllowed):
            services.filing_approve(user=operator_a, facility=facility_a)

    def test_an_official_who_also_operates_the_facility_cannot_approve_it(self, daxing_official, facility_a):
        from tests.factories import grant

        grant(daxing_official, "operator", facility=facility_a)
        submit(facility_a, daxing_official)
        with pytest.raises(NotAllowed, match="不能审核自己填报的机构"):
            services.filing_approve(user=daxing_official, facility=facility_a)

    def test_an_official_of_another_district_cannot_approve(self, operator_a, yubei_official, facility_a):
        submit(facility_a, operator_a)
        with pytest.raises(NotAllowed):
            services.filing_approve(user=yubei_official, facility=facility_a)

    def test_nothing_is_editable_while_under_review(self, operator_a, facility_a):
        submit(facility_a, operator_a)
        facility_a.refresh_from_db()
        with pytest.raises(NotAllowed, match="审核期间不能修改"):
            update(operator_a, facility_a)


class TestChangesToFiledRecords:
    @pytest.fixture
    def filed(self, operator_a, daxing_official, facility_a):
        submit(facility_a, operator_a)
        services.filing_approve(user=daxing_official, facility=facility_a, confirm_flags=True)
        facility_a.refresh_from_db()
        return facility_a

    def test_an_operator_change_waits_for_review_and_the_approved_record_stays(
        self, filed, operator_a, daxing_official
    ):
        result = update(operator_a, filed, classes=3, monthly_fee=3000)
        assert isinstance(result, PendingChange)
        filed.refresh_from_db()
        assert (filed.total_slots, filed.monthly_fee) == (30, None)
        services.pending_change_approve(user=daxing_official, change=result)
        filed.refresh_from_db()
        assert (filed.total_slots, filed.monthly_fee) == (45, 3000)
        result.refresh_from_db()
        assert result.status == "approved" and result.decided_by == daxing_official

    def test_a_rejected_change_leaves_the_record_and_gives_a_reason(self, filed, operator_a, daxing_official):
        change = update(operator_a, filed, name="改名园")
        services.pending_change_reject(user=daxing_official, change=change, reason="名称与执照不符")
        filed.refresh_from_db()
        change.refresh_from_db()
        assert filed.name == "甲托育园"
        assert (change.status, change.decision_reason) == ("rejected", "名称与执照不符")

    def test_a_district_official_edits_a_filed_record_directly(self, filed, daxing_official):
        update(daxing_official, filed, address="新地址")
        filed.refresh_from_db()
        assert filed.address == "新地址"


class TestConcurrency:
    def test_the_second_of_two_saves_on_the_same_version_is_refused(
        self, operator_a, daxing_official, facility_a
    ):
        version = facility_a.version
        update(daxing_official, facility_a, address="官员改的")
        stale = Facility.objects.get(pk=facility_a.pk)
        with pytest.raises(ConcurrencyError, match="已被他人修改"):
            update(operator_a, stale, version=version, address="运营者改的")
        stale.refresh_from_db()
        assert stale.address == "官员改的"


class TestOperatingStatus:
    CLOSED_ON = datetime.date(2026, 11, 20)

    def close(self, official, facility, **placement):
        return change_status(official, facility, "closed", self.CLOSED_ON, "停办", **placement)

    def test_suspend_and_close_with_reasons_and_where_the_children_went(self, daxing_official, facility_a):
        change_status(daxing_official, facility_a, "suspended", datetime.date(2026, 11, 1), "消防整改")
        with pytest.raises(RegistryError) as exc:
            self.close(daxing_official, facility_a)
        assert "children_placement" in exc.value.errors
        self.close(daxing_official, facility_a, children_placement="12名转入乙托育园")
        facility_a.refresh_from_db()
        assert (facility_a.operating_status, facility_a.status_since) == ("closed", self.CLOSED_ON)
        assert not facility_a.counts_toward_slots
        assert list(StatusChange.objects.values_list("to_status", flat=True)) == ["closed", "suspended"]

    def test_a_closed_facility_cannot_be_edited_or_reopened(self, daxing_official, facility_a):
        self.close(daxing_official, facility_a, children_placement="无在托")
        facility_a.refresh_from_db()
        with pytest.raises(NotAllowed, match="已关停"):
            update(daxing_official, facility_a)
        with pytest.raises(NotAllowed):
            change_status(daxing_official, facility_a, "operating", datetime.date(2026, 11, 21), "复业")

    def test_operators_and_town_officials_cannot_change_status(self, operator_a, town1_official, facility_a):
        for user in (operator_a, town1_official):
            with pytest.raises(NotAllowed):
                change_status(user, facility_a, "suspended", datetime.date(2026, 11, 1), "x")


def facility_entries(facility):
    return history.entries(history.sources_for(facility, depth=2))


class TestHistory:
    def test_changes_are_recorded_with_who_and_before_after(self, client, operator_a, facility_a):
        import pghistory

        with pghistory.context(user=operator_a.pk):
            update(operator_a, facility_a, classes=3, address="旧址→新址")
        events = facility_entries(facility_a)
        facility_events = [e for e in events if e.subject == "托育机构" and e.action == "修改"]
        changed = next(e for e in facility_events if ("地址", None, "旧址→新址") in e.changes)
        assert changed.user == operator_a
        unit_events = [e for e in events if e.subject == "班级设置" and e.action == "修改"]
        assert any(("班数", 2, 3) in e.changes for e in unit_events)

    def test_bulk_updates_are_recorded_too(self, facility_a):
        Facility.objects.filter(pk=facility_a.pk).update(public_phone="010-1234")
        events = [e for e in facility_entries(facility_a) if e.action == "修改"]
        assert any(("对外咨询电话", None, "010-1234") in e.changes for e in events)


def test_the_users_fixture_factory_is_usable(db):
    assert UserFactory().check_password("pw-for-tests-only")


def test_a_facility_cannot_be_moved_to_a_district_the_user_does_not_serve(operator_a, facility_a, yubei):
    with pytest.raises(NotAllowed, match="不能把机构移到该区县"):
        update(operator_a, facility_a, district=yubei, town=None)

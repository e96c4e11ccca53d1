"""National rules as data: class caps, caregiver ratios, health-care staffing, lease length; slots derive from
units and the database keeps inclusive ≤ total."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from facilities import selectors
from facilities.models import ClassTypeRule, ClassUnit, Facility, RuleSetting, StaffMember
from facilities.rules import add_working_days, load_rules
from facilities.services import UnitInput, validate_units
from tests.factories import FacilityFactory, add_staff, add_unit

pytestmark = pytest.mark.django_db


def unit(code, classes, size):
    return UnitInput(ClassTypeRule.objects.get(code=code).pk, classes, size)


class TestSlotsComeFromUnits:
    def test_total_is_the_sum_of_classes_times_size(self, town1):
        facility = FacilityFactory(town=town1)
        add_unit(facility, "infant", 1, 10)
        add_unit(facility, "older", 2, 20)
        assert facility.total_slots == 50

    def test_a_typed_total_is_overwritten_by_the_database(self, town1):
        facility = FacilityFactory(town=town1)
        add_unit(facility, "toddler", 1, 15)
        Facility.objects.filter(pk=facility.pk).update(total_slots=999)
        facility.refresh_from_db()
        assert facility.total_slots == 15

    def test_inclusive_above_total_is_refused_by_the_database(self, town1):
        facility = FacilityFactory(town=town1)
        add_unit(facility, "toddler", 1, 15)
        with pytest.raises(IntegrityError, match="facility_inclusive_within_total"), transaction.atomic():
            Facility.objects.filter(pk=facility.pk).update(inclusive_slots=16)

    def test_removing_units_below_the_inclusive_slots_is_refused(self, town1):
        facility = FacilityFactory(town=town1, is_inclusive=True)
        toddler = add_unit(facility, "toddler", 1, 15)
        add_unit(facility, "older", 1, 20)
        Facility.objects.filter(pk=facility.pk).update(inclusive_slots=30)
        with pytest.raises(IntegrityError), transaction.atomic():
            ClassUnit.objects.filter(pk=toddler.pk).delete()

    def test_a_town_of_another_district_is_refused_by_the_database(self, town1, yubei):
        facility = FacilityFactory(town=town1)
        with pytest.raises(IntegrityError), transaction.atomic():
            Facility.objects.filter(pk=facility.pk).update(district=yubei)


class TestClassCaps:
    @pytest.mark.parametrize(
        ("code", "size", "message"),
        [
            ("infant", 11, "乳儿班每班不超过10人（国家标准），填写为11人。"),
            ("toddler", 16, "托小班每班不超过15人（国家标准），填写为16人。"),
            ("older", 21, "托大班每班不超过20人（国家标准），填写为21人。"),
            ("mixed", 19, "混合班每班不超过18人（国家标准），填写为19人。"),
        ],
    )
    def test_a_class_above_its_cap_is_refused_naming_the_cap(self, seeded, code, size, message):
        assert validate_units([unit(code, 1, size)], load_rules()) == [message]

    @pytest.mark.parametrize(
        ("code", "size"), [("infant", 10), ("toddler", 15), ("older", 20), ("mixed", 18)]
    )
    def test_a_class_at_its_cap_is_accepted(self, seeded, code, size):
        assert validate_units([unit(code, 1, size)], load_rules()) == []

    def test_caps_are_data_an_official_can_correct(self, seeded):
        ClassTypeRule.objects.filter(code="toddler").update(max_children=12)
        assert validate_units([unit("toddler", 1, 13)], load_rules()) == [
            "托小班每班不超过12人（国家标准），填写为13人。"
        ]


class TestCaregiverRatio:
    def test_mixed_classes_take_the_strictest_ratio_of_the_ages_they_span(self, seeded):
        mixed = ClassTypeRule.objects.get(code="mixed")
        assert mixed.children_per_caregiver is None
        assert mixed.effective_ratio() == (5, True)  # 18–36 months spans 托小班 1:5 and 托大班 1:7

    def test_understaffed_is_flagged_and_filterable(self, town1):
        facility = FacilityFactory(town=town1, name="缺人园")
        add_unit(facility, "toddler", 2, 15)  # 2 × ⌈15/5⌉ = 6 caregivers required
        add_staff(facility, n=5)
        ok = FacilityFactory(town=town1, name="足员园")
        add_unit(ok, "older", 1, 14)  # ⌈14/7⌉ = 2
        add_staff(ok, n=2)
        annotated = {f.name: f for f in selectors.with_flags(Facility.objects.all())}
        assert (annotated["缺人园"].caregivers_required, annotated["缺人园"].caregivers_active) == (6, 5)
        assert annotated["缺人园"].flag_understaffed
        assert not annotated["足员园"].flag_understaffed
        flagged = selectors.filter_by_flag(Facility.objects.all(), "understaffed")
        assert list(flagged.values_list("name", flat=True)) == ["缺人园"]

    def test_staff_who_left_do_not_count(self, town1):
        facility = FacilityFactory(town=town1)
        add_unit(facility, "older", 1, 7)
        add_staff(facility, n=1, left_on=datetime.date(2025, 1, 1))
        assert selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_understaffed


class TestHealthCareStaff:
    def test_150_children_need_a_full_time_health_worker(self, town1):
        facility = FacilityFactory(town=town1, enrolled_children=150)
        add_unit(facility, "older", 8, 20)
        add_staff(facility, StaffMember.Role.HEALTH_CARE, employment=StaffMember.Employment.PART_TIME)
        assert selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_no_health_worker
        add_staff(facility, StaffMember.Role.HEALTH_CARE, employment=StaffMember.Employment.FULL_TIME)
        assert not selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_no_health_worker

    def test_below_150_a_part_time_health_worker_suffices(self, town1):
        facility = FacilityFactory(town=town1, enrolled_children=40)
        add_unit(facility, "older", 2, 20)
        assert selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_no_health_worker
        add_staff(facility, StaffMember.Role.HEALTH_CARE, employment=StaffMember.Employment.PART_TIME)
        assert not selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_no_health_worker

    def test_the_threshold_is_data(self, town1):
        RuleSetting.objects.filter(key="health_worker_full_time_from").update(value=40)
        facility = FacilityFactory(town=town1, enrolled_children=40)
        add_unit(facility, "older", 2, 20)
        add_staff(facility, StaffMember.Role.HEALTH_CARE, employment=StaffMember.Employment.PART_TIME)
        assert selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_no_health_worker


class TestLease:
    @pytest.mark.parametrize(
        ("start", "end", "flagged"),
        [
            (datetime.date(2024, 1, 1), datetime.date(2026, 12, 31), True),
            (datetime.date(2024, 1, 1), datetime.date(2027, 1, 1), False),
            (None, None, True),
        ],
    )
    def test_a_lease_shorter_than_three_years_is_flagged(self, town1, start, end, flagged):
        facility = FacilityFactory(
            town=town1, premises=Facility.Premises.LEASED, lease_start=start, lease_end=end
        )
        assert selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_short_lease is flagged

    def test_owned_premises_are_never_flagged(self, town1):
        facility = FacilityFactory(town=town1, premises=Facility.Premises.OWNED)
        assert not selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_short_lease


class TestDuplicateIds:
    def test_the_same_id_on_two_rosters_at_once_is_flagged(self, town1, town2):
        a, b = FacilityFactory(town=town1), FacilityFactory(town=town2)
        add_staff(a, id_number="110101199001011234")
        add_staff(b, id_number="110101199001011234")
        c = FacilityFactory(town=town2)
        add_staff(c, id_number="110101199001011234", left_on=datetime.date(2024, 1, 1))
        flagged = set(selectors.filter_by_flag(Facility.objects.all(), "duplicate_id"))
        assert flagged == {a, b}
        assert selectors.duplicate_id_staff(StaffMember.objects.all()).count() == 2


class TestWorkingDays:
    def test_weekends_are_skipped(self):
        friday = datetime.date(2026, 11, 20)
        assert add_working_days(friday, 5) == datetime.date(2026, 11, 27)

    def test_holidays_and_make_up_days_are_data(self, db):
        from facilities.models import CalendarDay

        CalendarDay.objects.create(date=datetime.date(2026, 11, 23), is_working_day=False, note="假日")
        CalendarDay.objects.create(date=datetime.date(2026, 11, 22), is_working_day=True, note="调休上班")
        assert add_working_days(datetime.date(2026, 11, 20), 2) == datetime.date(2026, 11, 24)


def test_a_synthetic_facility_with_inclusive_slots_can_be_deleted(town1):
    """Only synthetic rows are ever deleted (facilities.synthetic.delete_synthetic); the slot checks hold
    while their units go first."""
    facility = FacilityFactory(town=town1, is_inclusive=True, is_synthetic=True)
    add_unit(facility, "toddler", 2, 15)
    Facility.objects.filter(pk=facility.pk).update(inclusive_slots=30)
    Facility.objects.filter(pk=facility.pk).delete()
    assert not Facility.objects.filter(pk=facility.pk).exists()

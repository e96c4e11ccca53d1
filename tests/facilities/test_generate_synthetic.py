"""`python manage.py generate_synthetic`: a clearly marked synthetic registry that never touches real rows."""

from io import StringIO

import pgtrigger
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import F, Sum

from facilities import synthetic
from facilities.models import (
    Authorization,
    Certificate,
    ClassTypeRule,
    ClassUnit,
    Facility,
    StaffMember,
    TrainingRecord,
)
from ops.seed import seed_all
from targets.models import Region
from tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db

N = 40


def run(*args):
    out = StringIO()
    call_command("generate_synthetic", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def synthetic_rows():
    return Facility.objects.filter(is_synthetic=True)


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Facility, ClassUnit, StaffMember, Certificate, TrainingRecord)
    }


def snapshot():
    """Everything a run decides, in creation order, without primary keys or timestamps."""
    rows = []
    for f in synthetic_rows().select_related("district", "town").order_by("pk"):
        units = tuple(
            f.units.order_by("class_type__sort_order").values_list(
                "class_type__code", "classes", "children_per_class"
            )
        )
        staff = tuple(
            f.staff.order_by("pk").values_list(
                "name", "id_number", "role", "employment", "hired_on", "left_on"
            )
        )
        certificates = tuple(
            Certificate.objects.filter(staff__facility=f)
            .order_by("pk")
            .values_list("kind", "number", "issued_on")
        )
        trainings = tuple(
            TrainingRecord.objects.filter(staff__facility=f)
            .order_by("pk")
            .values_list("title", "completed_on", "hours")
        )
        rows.append(
            (
                f.name,
                f.kind,
                f.ownership,
                f.is_inclusive,
                f.district.code,
                f.town.code,
                f.operating_status,
                f.filing_status,
                f.filing_number,
                f.filed_on,
                f.opening_date,
                f.monthly_fee,
                f.meal_fee,
                f.indoor_area_m2,
                f.serves_meals,
                f.total_slots,
                f.inclusive_slots,
                units,
                staff,
                certificates,
                trainings,
            )
        )
    return rows


@pytest.fixture
def official_count(seeded):
    return Facility.objects.filter(is_synthetic=False).count()


@pytest.fixture
def generated(seeded, official_count):
    output = run("--facilities", N, "--seed", 7)
    return output


def test_creates_n_synthetic_facilities_and_leaves_official_ones_alone(generated, official_count):
    assert synthetic_rows().count() == N
    assert Facility.objects.filter(is_synthetic=False).count() == official_count
    assert Facility.objects.count() == official_count + N
    assert all(name.startswith("【合成】") for name in synthetic_rows().values_list("name", flat=True))
    assert not Facility.objects.official().filter(name__startswith="【合成】").exists()
    assert f"已生成 {N} 家合成机构" in generated
    assert "随机种子 7" in generated


def test_total_slots_are_the_sum_of_units_and_inclusive_within_total(generated):
    facilities = synthetic_rows().annotate(unit_sum=Sum(F("units__classes") * F("units__children_per_class")))
    for f in facilities:
        assert f.unit_sum, f"{f} has no class units"
        assert f.total_slots == f.unit_sum
        assert 0 <= f.inclusive_slots <= f.total_slots
        if f.is_inclusive:
            assert f.inclusive_slots >= f.total_slots // 2
        else:
            assert f.inclusive_slots == 0
    assert synthetic_rows().filter(inclusive_slots__gt=0).exists()


def test_units_respect_class_caps_and_known_types(generated):
    units = ClassUnit.objects.filter(facility__is_synthetic=True)
    assert units.exists()
    assert not units.filter(children_per_class__gt=F("class_type__max_children")).exists()
    assert set(units.values_list("class_type__code", flat=True)) <= set(synthetic.CLASS_TYPE_CODES)
    per_type = units.values_list("facility_id", "class_type_id")
    assert len(set(per_type)) == units.count()  # at most one row per class type per facility


def test_towns_belong_to_their_districts(generated):
    for f in synthetic_rows().select_related("town", "district"):
        assert f.town is not None
        assert f.town.level == Region.Level.TOWN
        assert f.district.level == Region.Level.DISTRICT
        assert f.town.parent_id == f.district_id


def test_facilities_vary_and_are_mostly_operating_and_filed(generated):
    rows = synthetic_rows()
    assert rows.values("kind").distinct().count() >= 3
    operating = rows.filter(operating_status=Facility.OperatingStatus.OPERATING).count()
    assert operating > N // 2
    filed = rows.filter(filing_status=Facility.FilingStatus.FILED)
    assert filed.count() > N // 2
    numbers = list(filed.values_list("filing_number", "district__code", "filed_on"))
    assert len({n for n, _c, _d in numbers}) == len(numbers)
    for number, code, filed_on in numbers:
        assert number.startswith(f"SYN-{code}-")
        assert filed_on is not None
    # each with its record in force, as approving a filing writes it
    records = Authorization.objects.filter(facility__in=filed, cancelled_on__isnull=True)
    assert set(records.values_list("number", "authority__code", "granted_on")) == set(numbers)
    assert not Authorization.objects.filter(facility__in=rows.exclude(pk__in=filed)).exists()
    not_filed = rows.exclude(filing_status=Facility.FilingStatus.FILED)
    assert not not_filed.exclude(filing_number="").exists()
    for f in rows:
        assert f.monthly_fee is not None and f.monthly_fee > 0
        assert f.indoor_area_m2 is not None and f.indoor_area_m2 > 0
        assert (f.meal_fee is not None) == f.serves_meals


def test_staff_certificates_and_trainings(generated):
    staff = StaffMember.objects.filter(facility__is_synthetic=True)
    ids = list(staff.values_list("id_number", flat=True))
    assert len(ids) == len(set(ids))
    assert all(i.startswith("SYN") and len(i) <= 18 for i in ids)
    roles = set(staff.values_list("role", flat=True))
    assert {"head", "caregiver", "health_care", "security"} <= roles
    assert synthetic_rows().filter(staff__role="head").distinct().count() == N

    caregivers = staff.filter(role=StaffMember.Role.CAREGIVER, left_on__isnull=True)
    certified = caregivers.filter(certificates__kind__in=Certificate.CAREGIVER_QUALIFYING).distinct().count()
    assert certified >= caregivers.count() * 0.7
    assert TrainingRecord.objects.filter(staff__facility__is_synthetic=True).exists()

    # Most facilities have the caregivers their units need; the staffing rule is the project's own.
    all_types = list(ClassTypeRule.objects.all())
    enough = 0
    for f in synthetic_rows().prefetch_related("units__class_type"):
        required = sum(u.caregivers_required(all_types) for u in f.units.all())
        if f.staff.filter(role="caregiver", left_on__isnull=True).count() >= required:
            enough += 1
    assert enough >= N * 0.7


def test_history_is_not_recorded_for_synthetic_rows_but_slot_triggers_are_kept(generated):
    uris = synthetic.history_trigger_uris()
    assert "facilities.Facility:insert_insert" in uris
    assert not set(uris) & set(synthetic.SLOT_TRIGGER_URIS)
    facility_event = apps.get_model("facilities", "FacilityEvent")
    synthetic_ids = list(synthetic_rows().values_list("pk", flat=True))
    assert not facility_event.objects.filter(pgh_obj_id__in=synthetic_ids).exists()
    # The official seed's rows still have their history.
    assert facility_event.objects.filter(pgh_obj__is_synthetic=False).exists()


def test_same_seed_reproduces_the_same_rows(seeded):
    run("--facilities", N, "--seed", 11)
    first = snapshot()
    run("--delete")
    run("--facilities", N, "--seed", 11)
    assert snapshot() == first
    run("--delete", "--facilities", N, "--seed", 12)
    assert snapshot() != first


def test_numbers_continue_when_generating_again(seeded):
    run("--facilities", 10, "--seed", 1)
    run("--facilities", 10, "--seed", 1)
    assert synthetic_rows().count() == 20
    numbers = [n for n in synthetic_rows().values_list("filing_number", flat=True) if n]
    assert len(numbers) == len(set(numbers))
    ids = list(StaffMember.objects.filter(facility__is_synthetic=True).values_list("id_number", flat=True))
    assert len(ids) == len(set(ids))


def test_district_option_limits_towns(seeded):
    run("--facilities", 15, "--seed", 3, "--district", "500112")
    assert set(synthetic_rows().values_list("district__code", flat=True)) == {"500112"}
    assert set(synthetic_rows().values_list("town__parent__code", flat=True)) == {"500112"}


def test_delete_removes_only_synthetic_rows(generated, official_count):
    official = Facility.objects.official().first()
    official_slots = official.total_slots
    infant = ClassTypeRule.objects.get(code="infant")
    ClassUnit.objects.create(facility=official, class_type=infant, classes=1, children_per_class=8)
    member = StaffMember.objects.create(facility=official, name="真实人员", role=StaffMember.Role.CAREGIVER)
    before = {
        "units": ClassUnit.objects.filter(facility__is_synthetic=False).count(),
        "staff": StaffMember.objects.filter(facility__is_synthetic=False).count(),
    }

    output = run("--delete")

    assert f"已删除 {N} 家合成机构" in output
    assert not synthetic_rows().exists()
    assert not ClassUnit.objects.filter(facility__is_synthetic=True).exists()
    assert not Authorization.objects.filter(number__startswith="SYN-").exists()
    assert not StaffMember.objects.filter(id_number__startswith="SYN").exists()
    assert not Certificate.objects.filter(number__startswith="SYN-C").exists()
    assert Facility.objects.count() == official_count
    assert ClassUnit.objects.filter(facility__is_synthetic=False).count() == before["units"]
    assert StaffMember.objects.filter(facility__is_synthetic=False).count() == before["staff"]
    assert StaffMember.objects.filter(pk=member.pk).exists()
    official.refresh_from_db()
    assert official.total_slots == official_slots + 8


def test_seed_never_writes_synthetic_rows(generated):
    seed_all()
    assert synthetic_rows().count() == N
    assert not synthetic_rows().filter(seed_key__isnull=False).exists()
    assert not synthetic_rows().filter(source__isnull=False).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--facilities", 0), "正整数"),
        (("--facilities", -5), "正整数"),
        (("--facilities", 5, "--district", "999999"), "未知区县代码"),
        (("--facilities", 5, "--district", "110115", "--district", "999999"), "999999"),
        (("--facilities", 5, "--district", "110000"), "未知区县代码"),  # a city, not a district
        (("--facilities", 5, "--batch-size", 0), "正整数"),
        ((), "--facilities"),
    ],
)
def test_bad_input_raises_and_writes_nothing(seeded, args, message):
    before = row_counts()
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert row_counts() == before


def test_district_without_towns_raises_and_writes_nothing(seeded):
    empty = DistrictFactory(code="990001", name="无镇街区")
    before = row_counts()
    with pytest.raises(CommandError, match="没有已载入的镇街"):
        run("--facilities", 5, "--district", empty.code)
    assert row_counts() == before


def test_no_towns_seeded_raises_and_writes_nothing(db):
    from coverage.models import Community
    from targets.models import SlotTarget

    with pgtrigger.ignore("facilities.Facility:facility_never_deleted"):  # an empty database, for this test
        Facility.objects.all().delete()
    SlotTarget.objects.all().delete()
    Community.objects.all().delete()  # the seeded communities hold on to their towns
    Region.objects.filter(level=Region.Level.TOWN).delete()
    with pytest.raises(CommandError, match="没有镇街"):
        run("--facilities", 5)
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_delete_with_facilities_replaces_synthetic_rows_only_after_checking_input(generated):
    with pytest.raises(CommandError, match="未知区县代码"):
        run("--delete", "--facilities", 5, "--district", "999999")
    assert synthetic_rows().count() == N  # bad input: nothing deleted either
    run("--delete", "--facilities", 5, "--seed", 2)
    assert synthetic_rows().count() == 5


def test_keep_history_records_events_for_synthetic_rows(seeded):
    run("--facilities", 3, "--seed", 5, "--keep-history")
    facility_event = apps.get_model("facilities", "FacilityEvent")
    synthetic_ids = list(synthetic_rows().values_list("pk", flat=True))
    assert facility_event.objects.filter(pgh_obj_id__in=synthetic_ids, pgh_label="insert").count() == 3

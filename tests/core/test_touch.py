"""`version` and `updated_at` are kept by the database (core/touch.py): whatever writes a row — a save, a
workflow's QuerySet.update(), another trigger, raw SQL — gives it a new version and time, once per
transaction, and a writer that sets the version itself (the optimistic lock) is not bumped twice."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import touch
from facilities import services
from facilities.models import ClassTypeRule, ClassUnit, Facility
from facilities.services import UnitInput
from reporting.models import EnrolmentReport
from reporting.services import sync_enrolled_children
from subsidies.models import Fund
from tests.facilities.test_workflow import form_data
from tests.factories import FacilityFactory, FundFactory

# The trigger touches a row once per transaction, and a test's own transaction would make every row its own:
# the tests that write rows commit (each such test re-seeds after it, so there are two).
committed = pytest.mark.django_db(transaction=True)


def stored(model, pk):
    return model._base_manager.values_list("version", "updated_at").get(pk=pk)


def toddlers(classes):
    return [UnitInput(ClassTypeRule.objects.get(code="toddler").pk, classes, 15)]


@pytest.mark.django_db
def test_every_table_with_a_version_or_an_update_time_has_the_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            [touch.TRIGGER],
        )
        installed = {row[0] for row in cursor.fetchall()}
    expected = set(touch.touched_tables())
    assert {"facilities_facility", "subsidies_fund", "targets_region", "facilities_classunit"} <= expected
    assert expected <= installed


@pytest.mark.django_db
def test_installing_again_replaces_only_a_trigger_that_is_missing_or_for_other_columns():
    region_kind = touch.touched_tables()["targets_region"]
    other = "version" if region_kind != "version" else "updated_at"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {touch.TRIGGER} ON subsidies_fund")
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {touch.TRIGGER} BEFORE UPDATE ON targets_region "
            f"FOR EACH ROW EXECUTE FUNCTION core_touch_row('{other}')"
        )
    with CaptureQueriesContext(connection) as captured:
        installed = touch.install()
    replaced = [q["sql"] for q in captured if "CREATE OR REPLACE TRIGGER" in q["sql"]]
    assert len(replaced) == 2, replaced
    assert "subsidies_fund" in replaced[0] and f"core_touch_row('{region_kind}')" in replaced[1]
    assert set(installed) == set(touch.touched_tables())
    with CaptureQueriesContext(connection) as captured:
        touch.install()
    assert not [q for q in captured if "CREATE OR REPLACE TRIGGER" in q["sql"]]


@committed
def test_any_write_outside_the_optimistic_lock_gives_a_new_version_and_time(town1):
    facility = FacilityFactory(town=town1, units=[("toddler", 1, 15)])
    version, updated_at = stored(Facility, facility.pk)

    # a workflow's QuerySet.update() that sets no version
    Facility.objects.filter(pk=facility.pk).update(operating_status=Facility.OperatingStatus.SUSPENDED)
    assert stored(Facility, facility.pk)[0] == version + 1 and stored(Facility, facility.pk)[1] > updated_at

    # a row written with its own values is not a change
    before = stored(Facility, facility.pk)
    Facility.objects.filter(pk=facility.pk).update(name=facility.name)
    assert stored(Facility, facility.pk) == before

    # a class unit alone: the slot totals follow through their trigger, and so does the facility's version
    ClassUnit.objects.filter(facility=facility).update(classes=2)
    assert Facility.objects.get(pk=facility.pk).total_slots == 30
    assert stored(Facility, facility.pk)[0] == before[0] + 1 and stored(Facility, facility.pk)[1] > before[1]

    # a derived figure (在托人数 from the latest monthly report) moves the time, not the version an edit
    # form or a pending change holds
    before = stored(Facility, facility.pk)
    EnrolmentReport.objects.create(
        facility=facility, month=datetime.date(2026, 1, 1), submitted_at=timezone.now(), enrolled=12
    )
    sync_enrolled_children(facility)
    assert Facility.objects.get(pk=facility.pk).enrolled_children == 12
    assert stored(Facility, facility.pk)[0] == before[0] and stored(Facility, facility.pk)[1] > before[1]

    # raw SQL, on another table
    fund = FundFactory()
    version, updated_at = stored(Fund, fund.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subsidies_fund SET name = name || '（更正）' WHERE id = %s", [fund.pk])
    assert stored(Fund, fund.pk)[0] == version + 1 and stored(Fund, fund.pk)[1] > updated_at


@committed
def test_a_writer_that_sets_the_version_is_not_bumped_twice(superuser, town1):
    fund = FundFactory()
    fund.name = "更名的资金"
    fund.save()  # core.models.Versioned: 1 → 2 under its row lock
    assert fund.version == 2 and stored(Fund, fund.pk)[0] == 2

    with transaction.atomic():  # several writes in one transaction, a savepoint among them: one version
        Fund.objects.filter(pk=fund.pk).update(name="一")
        with transaction.atomic():
            Fund.objects.filter(pk=fund.pk).update(name="二")
    assert stored(Fund, fund.pk)[0] == 3

    # the service claims the version, saves the facility, then its units change the slot totals through
    # their own trigger: one version, the one answered, which the next edit sends
    facility = FacilityFactory(town=town1, units=[("toddler", 1, 15)])
    facility.refresh_from_db()  # the factory committed the facility and its unit one by one: two versions
    read = facility.version
    first = services.facility_update(
        user=superuser, facility=facility, data=form_data(facility), units=toddlers(3), expected_version=read
    )
    assert first.version == read + 1 == stored(Facility, facility.pk)[0]
    assert Facility.objects.get(pk=facility.pk).total_slots == 45
    second = services.facility_update(
        user=superuser, facility=first, data=form_data(first), units=toddlers(2), expected_version=read + 1
    )
    assert second.version == read + 2 == stored(Facility, facility.pk)[0]

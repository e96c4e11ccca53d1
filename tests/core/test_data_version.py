"""Data versions (core.data_version): the database gives a body of data a new, never reused version when a
transaction that wrote any of its tables commits — once per transaction, never for a rolled-back one — and a
transaction that has written reads no version at all, so nothing cached is ever served to it."""

import pytest
from django.db import connection, transaction

from core import data_version
from core.models import DataVersion
from facilities.models import REGISTRY, Facility, StaffMember
from planning.models import STATISTICS
from tests.factories import FacilityFactory, StaffMemberFactory

committed = pytest.mark.django_db(transaction=True)


def stored(name=REGISTRY):
    return DataVersion.objects.filter(name=name).values_list("value", flat=True).first()


@pytest.mark.django_db
@pytest.mark.parametrize("name", [REGISTRY, STATISTICS])
def test_every_registered_table_has_a_trigger_deferred_to_the_commit(name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgdeferrable, t.tginitdeferred FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            [f"{data_version.TRIGGER}_{name}"],
        )
        triggers = {table: (deferrable, deferred) for table, deferrable, deferred in cursor.fetchall()}
    assert set(triggers) == set(data_version.tables_of(name)) and len(triggers) >= 10
    assert set(triggers.values()) == {(True, True)}
    data_version.install()  # again, as after every migrate: nothing doubled, nothing lost
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = %s", [f"{data_version.TRIGGER}_{name}"]
        )
        assert cursor.fetchone()[0] == len(triggers)


@committed
def test_one_new_version_per_committed_transaction_and_none_for_a_rolled_back_one(town1):
    facility = FacilityFactory(town=town1, name="版本托育园")
    start = stored()
    with transaction.atomic():  # many rows of two tables: one version
        for name in ("一", "二", "三"):
            Facility.objects.filter(pk=facility.pk).update(name=f"{name}号托育园")
        StaffMemberFactory(facility=facility)
    after_one = stored()
    assert after_one > start
    with pytest.raises(RuntimeError), transaction.atomic():
        Facility.objects.filter(pk=facility.pk).update(name="回滚托育园")
        raise RuntimeError
    assert stored() == after_one
    StaffMember.objects.filter(facility=facility).delete()
    assert stored() > after_one  # a number is never handed out twice: the rolled-back one was never drawn


@committed
def test_a_transaction_that_wrote_reads_no_version(town1):
    FacilityFactory(town=town1, name="读版本托育园")
    current = data_version.read(REGISTRY)
    assert current == stored() is not None
    with transaction.atomic():
        assert data_version.read(REGISTRY) == current  # reading only
        Facility.objects.update(address="新址")
        assert data_version.read(REGISTRY) is None  # its own writes are not versioned yet


@committed
def test_truncate_and_a_missing_row(town1):
    FacilityFactory(town=town1, name="清空托育园")
    before = stored()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE facilities_pendingchange CASCADE")
    assert stored() > before
    DataVersion.objects.all().delete()  # as a flush leaves it: nothing to cache under …
    assert data_version.read(REGISTRY) is None
    Facility.objects.update(address="再写一次")  # … until the next write
    assert data_version.read(REGISTRY) == stored() is not None


def test_the_cache_keeps_the_most_recently_used_entries():
    cache = data_version.VersionedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.clear()
    assert len(cache) == 0


def test_the_cache_keeps_within_its_byte_budget():
    cache = data_version.VersionedCache(100, max_bytes=10)
    cache.put("a", b"aaaa", size=4)
    cache.put("b", b"bbbb", size=4)
    cache.put("c", b"cccc", size=4)  # 12 > 10: the least recently used goes
    assert (cache.get("a"), len(cache), cache.size) == (None, 2, 8)
    cache.put("huge", b"x" * 11, size=11)  # larger than the whole budget: not kept, nothing pushed out
    assert (cache.get("huge"), len(cache)) == (None, 2)


def test_a_name_is_an_identifier():
    with pytest.raises(ValueError):
        data_version.register("registry'; DROP TABLE x; --", ["facilities_facility"])


@pytest.mark.django_db
def test_a_bulk_load_bumps_every_version_by_hand():
    """The benchmark's loader copies rows in with the triggers off, then bumps every version itself."""
    data_version.bump()
    before = {name: stored(name) for name in (REGISTRY, STATISTICS)}
    data_version.bump()
    assert all(stored(name) > before[name] for name in before)

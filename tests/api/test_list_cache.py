"""The facility list's cache (core.api.views.CachedListMixin, core.data_version): a page is read again from
the database only when a committed write changed a table it reads; it is never served to another caller, for
another address, format, language or day, and never stale."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import data_version
from core.models import DataVersion
from facilities import rules
from facilities.api.views import FacilityViewSet
from facilities.models import REGISTRY, Facility, RoleAssignment, RuleSetting, StaffMember
from facilities.selectors import Flag
from reporting.models import EnrolmentReport
from tests import cast
from tests.factories import StaffMemberFactory

LIST = "/api/v1/facilities/"
TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"', re.I)

# every filter of the list, each with a value that makes it read what it reads
VARIANTS = (
    "",
    "?district=110115&kind=private&page_size=100",
    "?town=110115001&inclusive=true&ownership=public",
    "?operating_status=operating&filing_status=filed&search=托育",
    "?filing_number=110115-2026-0001&credit_code=91110115MA0000000X",
    "?updated_after=2020-01-01T00:00:00Z",
    "?cursor=",
    "?format=csv",
    *(f"?flag={code}" for code in Flag.LABELS),
)


@pytest.fixture(autouse=True)
def empty_cache():
    FacilityViewSet.list_cache.clear()
    yield
    FacilityViewSet.list_cache.clear()


def tables_read(api, url) -> set[str]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, response.content[:300]
    return {table for query in queries for table in TABLE.findall(query["sql"])}


@pytest.mark.parametrize("role", cast.ROLES)
def test_the_registry_version_covers_every_table_any_list_reads(role, api_as, facility_a, facility_b):
    """If a query of the list read a table outside REGISTRY_TABLES, a write there would not change the key,
    and a stale page would be served. Rules are read from the tables too (the per-process copy emptied)."""
    StaffMemberFactory(facility=facility_a)
    api = api_as(role)
    api.get(LIST)  # the first request's own writes (token last use) are not the list's
    outside = set()
    for variant in VARIANTS:
        rules._kept.update(signature=None, values={})
        outside |= tables_read(api, LIST + variant)
    # the caller's own token, session and user row (what the page depends on of them is in the key), the
    # throttle's counter, the version itself
    infrastructure = {
        "tuoyu_portal_apitoken",
        "django_session",
        "auth_user",
        "tuoyu_cache",
        "core_dataversion",
    }
    assert outside - infrastructure - set(data_version.tables_of(REGISTRY)) == set()
    assert {"facilities_facility", "facilities_staffmember"} <= outside  # the capture really saw the list


def test_inside_a_transaction_that_wrote_the_list_is_read_live(api_as, facility_a):
    """A test (or a service reading back its own write) sees its writes: no version, no cache."""
    api = api_as("superuser")
    first = {row["id"]: row["name"] for row in api.get(LIST).json()["results"]}
    Facility.objects.filter(pk=facility_a.pk).update(name="改名托育园")
    again = {row["id"]: row["name"] for row in api.get(LIST).json()["results"]}
    assert first[facility_a.pk] == "甲托育园" and again[facility_a.pk] == "改名托育园"
    assert len(FacilityViewSet.list_cache) == 0


# ---------------------------------------------------------------- committed writes


pytestmark_committed = pytest.mark.django_db(transaction=True)


def served(api, url=LIST, **extra):
    """(names by id, queries) of one request."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, **extra)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"]: row for row in rows}, len(queries)


def live(api, url=LIST):
    """The page read from the database (this process's cache emptied first)."""
    FacilityViewSet.list_cache.clear()
    return served(api, url)[0]


def registry_version():
    return DataVersion.objects.filter(name=REGISTRY).values_list("value", flat=True).first()


@pytestmark_committed
def test_a_repeated_request_is_answered_from_the_cache_until_a_write_commits(api_as, facility_a, facility_b):
    api = api_as("daxing_official")
    api.get(LIST)  # the session's first-request writes
    FacilityViewSet.list_cache.clear()
    first, cold = served(api)
    with CaptureQueriesContext(connection) as queries:
        second = api.get(LIST).json()["results"]
    assert {row["id"]: row for row in second} == first
    # the session, the user, and one statement of the version with the rule tables' signature (KeptRules
    # needs it on a miss): no facility, unit, staff or report is read
    read = {table for query in queries for table in TABLE.findall(query["sql"])}
    rule_tables = {"facilities_rulesetting", "facilities_classtyperule", "facilities_calendarday"}
    assert read <= {"django_session", "auth_user", "core_dataversion", *rule_tables} and len(queries) < cold

    facility = Facility.objects.get(pk=facility_a.pk)
    facility.monthly_fee = 3100
    facility.save()
    third, queries = served(api)
    assert third[facility_a.pk]["monthly_fee"] == "3100.00" and queries == cold
    assert third[facility_b.pk] == first[facility_b.pk]


@pytestmark_committed
def test_writes_to_any_table_the_page_reads_are_seen_by_the_next_request(api_as, facility_a, daxing):
    """A rule, a staff member, a monthly report, raw SQL: each committed write gives a new version, and the
    page served next is the page read live."""
    api = api_as("daxing_official")
    api.get(LIST)
    writes = [
        lambda: RuleSetting.objects.filter(key=RuleSetting.Key.HEALTH_WORKER_FULL_TIME_FROM).update(value=1),
        lambda: StaffMemberFactory(facility=facility_a, role=StaffMember.Role.HEALTH_CARE),
        lambda: EnrolmentReport.objects.create(
            facility=facility_a, month=datetime.date(2026, 1, 1), submitted_at=timezone.now(), enrolled=99
        ),
        lambda: connection.cursor().execute(
            "UPDATE facilities_facility SET address = 'SQL路1号' WHERE id = %s", [facility_a.pk]
        ),
    ]
    for write in writes:
        served(api)  # cached
        version = registry_version()
        write()
        assert registry_version() != version
        assert served(api)[0] == live(api)
    assert served(api)[0][facility_a.pk]["address"] == "SQL路1号"


@pytestmark_committed
def test_a_grant_withdrawn_narrows_the_next_page(api_as, facility_a, facility_b, users):
    api = api_as("town1_official")
    api.get(LIST)
    full = {pk for pk, row in served(api)[0].items() if "flags" in row}
    assert facility_a.pk in full
    RoleAssignment.objects.filter(user=users["town1_official"]).delete()
    assert {pk for pk, row in served(api)[0].items() if "flags" in row} == set()


@pytestmark_committed
def test_an_entry_is_never_served_to_another_caller_format_or_language(api_as, facility_a, facility_b):
    town = api_as("town1_official")
    district = api_as("daxing_official")
    town.get(LIST), district.get(LIST)
    in_full = {pk for pk, row in served(town)[0].items() if "flags" in row}
    assert {pk for pk, row in served(district)[0].items() if "flags" in row} > in_full
    assert {pk for pk, row in served(town)[0].items() if "flags" in row} == in_full
    kept = len(FacilityViewSet.list_cache)
    assert district.get(LIST, {"format": "csv"})["Content-Type"].startswith("text/csv")
    assert len(FacilityViewSet.list_cache) == kept  # downloads are not kept (an .xlsx says when it was made)
    assert district.get(LIST)["Content-Type"].startswith("application/json")
    chinese = labels(district.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    english = labels(district.get(LIST, HTTP_ACCEPT_LANGUAGE="en"))
    assert chinese and english and chinese.isdisjoint(english)


def labels(response) -> set[str]:
    return {flag["label"] for row in response.json()["results"] for flag in row.get("flags", ())}

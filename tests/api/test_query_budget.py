"""What a request of the registry list and of the district statistics costs in queries (docs/performance.md:
authentication, the throttle counter and everything else included), that the list's fast path answers exactly
what the ordinary ORM path answers, that a change of the rule tables is seen by the very next request although
the process keeps a copy of them, and that the one-statement throttle counter still throttles."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from core.api import throttling
from core.api.serializers import BlankChoicesAsNullMixin, BuiltOnceFieldsMixin, ValuesReader
from core.api.throttling import AnonymousRateThrottle, ClientRateThrottle
from facilities import selectors
from facilities.api.serializers import FacilityPublicSerializer, FacilitySerializer
from facilities.api.views import visible_facilities
from facilities.models import (
    Authorization,
    CalendarDay,
    ClassTypeRule,
    ClassUnit,
    Facility,
    PendingChange,
    RuleSetting,
)
from tests import cast
from tests.cast import issue_token
from tests.factories import FacilityFactory, StaffMemberFactory
from tests.factories.facilities import FILED_ON

pytestmark = pytest.mark.django_db

LIST = "/api/v1/facilities/"
BUDGET = 6  # issue 18: per request, everything included


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def varied(town1, town2, daxing):
    """Daxing facilities with units of several types, none, nulls (no town, no fee), and raised flags."""
    today = timezone.localdate()
    made = [
        FacilityFactory(town=town1, name="甲园", filed=True, units=[("toddler", 2, 15), ("infant", 1, 10)]),
        FacilityFactory(
            town=town2, name="乙园", draft=True, units=[("older", 1, 20)], monthly_fee=Decimal("3800.50")
        ),
        FacilityFactory(
            town=town1, name="丙园", submitted=True, submitted_at=timezone.now() - datetime.timedelta(days=60)
        ),
        FacilityFactory(
            town=town2,
            name="丁园",
            units=[("toddler", 1, 15)],
            premises=Facility.Premises.LEASED,
            lease_start=today - datetime.timedelta(days=400),
            lease_end=today + datetime.timedelta(days=30),
            enrolled_children=40,
        ),
        FacilityFactory(town=town1, name="戊园", kind=Facility.Kind.PUBLIC),
        FacilityFactory(town=None, district=daxing, name="无镇街园"),
    ]
    StaffMemberFactory(facility=made[0])
    StaffMemberFactory(facility=made[3])  # one caregiver for one class of 15
    StaffMemberFactory(facility=made[3], health_care=True)
    return made


@pytest.fixture
def superuser_token(superuser):
    return issue_token(superuser)[1]


def reference(user, facilities):
    """The facilities as the ordinary ORM path serialises them: with_flags built for this request, units
    prefetched, one by one."""
    units = ClassUnit.objects.select_related("class_type").order_by("class_type__sort_order", "pk")
    queryset = (
        visible_facilities(user)
        .filter(pk__in=[f.pk for f in facilities])
        .select_related("district", "town")
        .prefetch_related(Prefetch("units", queryset=units))
    )
    queryset = selectors.with_flags(queryset).annotate(
        current_authorization=selectors.current_authorization()
    )
    pending = PendingChange.objects.filter(facility=OuterRef("pk"), status="pending").values("pk")[:1]
    queryset = queryset.annotate(pending_change_id=Subquery(pending))
    return {f.pk: FacilitySerializer(f).data for f in queryset}


def test_the_list_at_a_page_of_100_with_two_filters_takes_at_most_six_queries(varied, superuser_token):
    api = APIClient()
    url = f"{LIST}?district=110115&kind=private&page_size=100"
    api.get(url, **bearer(superuser_token))  # the token's last-use write happens at most once a minute
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, **bearer(superuser_token))
    assert response.status_code == 200
    assert response.json()["count"] >= len(varied) - 1
    assert len(queries) <= BUDGET, "\n".join(q["sql"][:160] for q in queries)


def test_the_list_answers_what_the_orm_path_and_the_detail_answer(varied, superuser, superuser_token):
    api = APIClient()
    rows = api.get(f"{LIST}?district=110115&page_size=100", **bearer(superuser_token)).json()["results"]
    expected = reference(superuser, Facility.objects.filter(district__code="110115"))
    assert {row["id"] for row in rows} == set(expected)
    for row in rows:
        assert row == expected[row["id"]]
        assert row == api.get(f"{LIST}{row['id']}/", **bearer(superuser_token)).json()
    raised = {flag["code"] for row in rows for flag in row["flags"]}
    assert {"lease_expiring", "understaffed"} <= raised  # the fixture's flags are really compared
    assert any(row["town"] is None for row in rows) and any(len(row["units"]) == 2 for row in rows)


@pytest.mark.parametrize("role", ["anonymous", "operator_a", "town1_official", "yubei_official", "superuser"])
def test_each_callers_list_rows_are_the_records_the_detail_answers(
    role, api_as, varied, facility_a, daxing, superuser
):
    """The list reads `.values()` rows (facilities.api.serializers.facility_rows), the detail model instances
    through FacilitySerializer: the same record either way, full or public as the caller may see it, for
    every shape — blank choices, decimals, times, a record in force, a pending change, flags, no town."""
    blank = FacilityFactory(town=varied[0].town, name="空白园", filed=True, ownership="", premises="")
    blank.service_types = ["full_day", "temporary"]
    blank.opens_at, blank.closes_at = datetime.time(7, 30), datetime.time(18, 0)
    blank.save()
    Authorization.objects.create(
        facility=blank, number="110115-2026-0001", authority=daxing, granted_on=FILED_ON
    )
    PendingChange.objects.create(facility=varied[0], data={}, base_version=1, submitted_by=superuser)
    api = api_as(role)
    rows = api.get(f"{LIST}?page_size=100").json()["results"]
    assert len(rows) >= 3
    for row in rows:
        assert row == api.get(f"{LIST}{row['id']}/").json()
    by_id = {row["id"]: row for row in rows}
    if role == "superuser":
        shown = by_id[blank.pk]
        assert shown["ownership"] is None and shown["service_types"] == ["full_day", "temporary"]
        assert shown["current_authorization"]["number"] == "110115-2026-0001"
        assert by_id[varied[0].pk]["pending_change_id"] is not None
        assert any(row["flags"] for row in rows)
    if role == "yubei_official":  # Daxing's filed facilities, public fields only
        assert "version" not in by_id[facility_a.pk] and "units" in by_id[facility_a.pk]


def drf_representation(serializer, instance):
    """DRF's own path (field by field through get_attribute), with blank choices as null where the serializer
    says so (the mixin's own pass, above DRF's)."""
    if isinstance(serializer, BlankChoicesAsNullMixin):
        return BlankChoicesAsNullMixin.to_representation(serializer, instance)
    return serializers.Serializer.to_representation(serializer, instance)


def test_the_read_plan_answers_what_drf_answers_field_by_field(varied, superuser, monkeypatch):
    varied.append(FacilityFactory(town=varied[0].town, name="空白园", ownership="", premises=""))
    facilities = Facility.objects.filter(pk__in=[f.pk for f in varied])
    fast = reference(superuser, facilities)
    rows = facilities.select_related("district", "town")
    public = {f.pk: FacilityPublicSerializer(f).data for f in rows}
    monkeypatch.setattr(BuiltOnceFieldsMixin, "to_representation", drf_representation)
    assert reference(superuser, facilities) == fast
    assert {f.pk: FacilityPublicSerializer(f).data for f in rows.all()} == public
    blank = fast[varied[-1].pk]
    assert blank["ownership"] is None and blank["premises"] is None and blank["kind"] == "private"
    assert fast[varied[5].pk]["town"] is None and fast[varied[5].pk]["town_name"] is None
    assert [unit["class_type"] for unit in fast[varied[0].pk]["units"]] == ["infant", "toddler"]


def test_a_values_reader_refuses_a_field_that_is_no_column_unless_told_how_to_read_it():
    with pytest.raises(ImproperlyConfigured, match="units"):
        ValuesReader(FacilityPublicSerializer())
    reader = ValuesReader(FacilityPublicSerializer(), special={"units": (("units_json",), len)})
    assert {"district__code", "town__name", "units_json"} <= set(reader.columns)


def test_a_change_of_the_rule_tables_is_seen_by_the_next_request(varied, superuser_token):
    api = APIClient()
    lease = varied[3]

    def flags():
        body = api.get(f"{LIST}{lease.pk}/", **bearer(superuser_token)).json()
        return {flag["code"] for flag in body["flags"]}

    assert "short_lease" in flags()  # a lease of 430 days, under the national minimum of 3 years
    setting = RuleSetting.objects.get(key=RuleSetting.Key.MIN_LEASE_YEARS, district__isnull=True)
    setting.value = Decimal(1)
    setting.save()
    assert "short_lease" not in flags()
    setting.value = Decimal(9)
    setting.save()
    assert "short_lease" in flags()

    # a class type's ratio: the caregiver check (one caregiver, one toddler class of 15) follows it at once
    toddler = ClassTypeRule.objects.get(code="toddler")
    toddler.children_per_caregiver = 100
    toddler.save()
    assert "understaffed" not in flags()
    toddler.children_per_caregiver = 3
    toddler.save()
    assert "understaffed" in flags()


def test_a_new_holiday_moves_the_filing_clock_at_once(varied, superuser_token):
    api = APIClient()
    submitted = varied[2]
    url = f"{LIST}{submitted.pk}/"

    def overdue():
        return "filing_overdue" in {
            f["code"] for f in api.get(url, **bearer(superuser_token)).json()["flags"]
        }

    assert overdue()  # submitted 60 days ago, never acknowledged
    Facility.objects.filter(pk=submitted.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=8))
    assert overdue()  # eight days hold at least five working days
    # every day of the last forty a holiday: no working day has passed since, nothing is overdue
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=n) for n in range(40)]
    CalendarDay.objects.filter(date__in=days).delete()
    CalendarDay.objects.bulk_create(CalendarDay(date=day, is_working_day=False, note="测试") for day in days)
    assert not overdue()


def test_cold_district_statistics_take_at_most_six_queries(varied, superuser_token):
    from planning import stats_cache

    api = APIClient()
    url = f"/api/v1/stats/slots/?district=110115&year={timezone.localdate().year}&level=plan"
    api.get(url, **bearer(superuser_token))
    cache.clear()
    stats_cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, **bearer(superuser_token)).status_code == 200
    assert len(queries) <= BUDGET, "\n".join(q["sql"][:160] for q in queries)


# ---------------------------------------------------------------- the throttle counter


@pytest.fixture
def tiny_rates(monkeypatch):
    rates = {"client": "3/min", "anonymous": "2/min"}
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield rates
    cache.clear()


def test_the_counter_is_one_statement_and_a_new_window_lets_the_client_in_again(
    superuser, tiny_rates, monkeypatch
):
    secret = issue_token(superuser)[1]
    api = APIClient()
    url = "/api/v1/regions/"
    clock = [1_000_000.0]
    monkeypatch.setattr(ClientRateThrottle, "timer", lambda self: clock[0])
    api.get(url, **bearer(secret))
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, **bearer(secret))
    counter = [q for q in queries if throttling.KEY_PREFIX in q["sql"]]
    assert len(counter) == 1 and "ON CONFLICT" in counter[0]["sql"]
    assert response["RateLimit-Limit"] == "3" and response["RateLimit-Remaining"] == "1"
    clock[0] += 20
    assert api.get(url, **bearer(secret))["RateLimit-Remaining"] == "0"
    refused = api.get(url, **bearer(secret))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40" and refused["RateLimit-Reset"] == "40"
    assert refused["RateLimit-Remaining"] == "0"
    clock[0] += 39
    assert api.get(url, **bearer(secret)).status_code == 429  # still the same window
    clock[0] += 1
    again = api.get(url, **bearer(secret))
    assert again.status_code == 200 and again["RateLimit-Remaining"] == "2"


def test_tokens_count_apart(daxing_official, superuser, tiny_rates):
    api = APIClient()
    first, second = issue_token(superuser)[1], issue_token(cast.superuser("other_admin"))[1]
    for _ in range(3):
        assert api.get("/api/v1/regions/", **bearer(first)).status_code == 200
    assert api.get("/api/v1/regions/", **bearer(first)).status_code == 429
    assert api.get("/api/v1/regions/", **bearer(second)).status_code == 200

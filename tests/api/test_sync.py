"""Syncing a copy of the registry: a stable walk by cursor while others write, `updated_after` on every list,
and a version that moves with every change, workflow transitions included."""

import datetime

import pytest
from django.utils import timezone

from facilities.models import Facility
from tests.api.test_facilities_api import submittable
from tests.factories import FacilityFactory
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

LIST = "/api/v1/facilities/"


def walk(api, params, during=None):
    """Every page of a cursor walk (`during(page_number)` runs between pages): the ids in the order seen."""
    seen, cursor, number = [], "", 0
    while cursor is not None:
        body = api.get(LIST, {**params, "cursor": cursor}).json()
        assert "count" not in body and set(body) == {"next", "next_cursor", "results"}
        seen += [row["id"] for row in body["results"]]
        cursor, number = body["next_cursor"], number + 1
        if during is not None and cursor is not None:
            during(number)
    return seen


def test_a_cursor_walk_during_inserts_and_moves_sees_every_original_row_once(client_as, daxing, town1, town2):
    for index in range(12):
        FacilityFactory(town=town1 if index % 2 else town2, name=f"同步园{index}", draft=True)
    api = client_as("daxing_official")
    params = {"district": daxing.code, "page_size": 4}
    original = walk(api, params)
    assert len(original) == len(set(original)) >= 12

    def writes(page):
        seen_so_far = original[: page * 4]
        for index in range(3):  # inserts behind and ahead of the walk
            FacilityFactory(town=town1, name=f"新园{page}-{index}", draft=True)
        # an official moves a facility already seen and one not yet seen to the other town
        for pk in (seen_so_far[0], original[-1]):
            facility = Facility.objects.get(pk=pk)
            Facility.objects.filter(pk=pk).update(
                town=town2 if facility.town_id == town1.pk else town1, updated_at=timezone.now()
            )

    during = walk(api, params, during=writes)
    assert len(during) == len(set(during))  # nothing twice
    assert set(original) <= set(during)  # nothing lost
    assert Facility.objects.filter(
        pk__in=set(during) - set(original), name__startswith="新园"
    ).count() == len(set(during) - set(original))


def test_a_cursor_that_is_not_ours_is_a_400(client_as):
    assert set(error_of(client_as("superuser").get(LIST, {"cursor": "abc"}), 400)["fields"]) == {"cursor"}


def test_page_numbers_still_page(client_as, seeded):
    body = client_as("superuser").get(LIST, {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"} and len(body["results"]) == 2


def test_updated_after_returns_the_rows_changed_since(client_as, town1):
    old = FacilityFactory(town=town1, name="旧园", draft=True)
    fresh = FacilityFactory(town=town1, name="新园", draft=True)
    long_ago = timezone.now() - datetime.timedelta(days=3)
    Facility.objects.filter(pk=old.pk).update(updated_at=long_ago)
    since = (long_ago + datetime.timedelta(hours=1)).isoformat()
    api = client_as("superuser")
    rows = api.get(LIST, {"updated_after": since, "town": town1.code, "page_size": 500}).json()["results"]
    ids = {row["id"] for row in rows}
    assert fresh.pk in ids and old.pk not in ids
    # a date alone is the start of that day; an unencoded "+" of the offset (a space) is read back as "+"
    assert fresh.pk in {
        r["id"] for r in api.get(LIST, {"updated_after": long_ago.date().isoformat()}).json()["results"]
    }
    spaced = (long_ago + datetime.timedelta(hours=1)).astimezone(
        datetime.timezone(datetime.timedelta(hours=8))
    )
    body = api.get(LIST, {"updated_after": spaced.isoformat().replace("+", " "), "town": town1.code}).json()
    assert old.pk not in {row["id"] for row in body["results"]}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/subsidies/ledger/",
        "/api/v1/subsidies/applications/",
        "/api/v1/inspections/findings/",
        "/api/v1/inspections/",
    ],
)
def test_every_list_of_a_timestamped_model_takes_updated_after(url, client_as):
    api = client_as("superuser")
    assert api.get(url, {"updated_after": "2000-01-01T00:00:00Z"}).status_code == 200
    assert api.get(url, {"updated_after": timezone.now().isoformat()}).json()["results"] == []
    assert set(error_of(api.get(url, {"updated_after": "31/01/2026"}), 400)["fields"]) == {"updated_after"}


def test_every_workflow_transition_is_a_new_version(client_as, town1):
    facility = FacilityFactory(town=town1, name="流程园", draft=True, units=[("toddler", 1, 15)])
    submittable(facility)
    url = f"{LIST}{facility.pk}/"
    official = client_as("daxing_official")
    versions = [official.get(url).json()["version"]]
    for step in ("submit", "acknowledge", "approve"):
        # the approval confirms over the facility's open rule flags, as an official must
        response = official.post(
            f"{url}{step}/", {"confirm_flags": True} if step == "approve" else {}, format="json"
        )
        assert response.status_code == 200, response.content
        versions.append(response.json()["version"])
        assert response["ETag"] == f'"{versions[-1]}"'
    assert versions == sorted(set(versions)) and len(versions) == 4
    assert official.get(url).json()["filing_number"]
    # a sync by updated_after finds the approved facility
    moment = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    assert facility.pk in {r["id"] for r in official.get(LIST, {"updated_after": moment}).json()["results"]}


def test_a_blank_choice_is_null_and_the_schema_says_so(client_as, town1, api):
    facility = FacilityFactory(town=town1, name="空白园", draft=True)
    Facility.objects.filter(pk=facility.pk).update(ownership="", premises="")
    item = client_as("superuser").get(f"{LIST}{facility.pk}/").json()
    assert item["ownership"] is None and item["premises"] is None
    schemas = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schemas["FacilityPublic"]["properties"]["ownership"].get("nullable") is True

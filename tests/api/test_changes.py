"""/api/v1/changes/: a scoped feed of created, updated and deleted events from the recorded history, with
tombstones for deletions and for objects that leave the caller's scope, opaque cursors that miss nothing,
and the example client of docs/examples/ reproducing the list from it."""

import importlib.util
import pathlib

import pytest

from facilities import services
from tests.factories import FacilityFactory
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"
LIST = "/api/v1/facilities/"
EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "examples" / "sync_client.py"


def load_example():
    spec = importlib.util.spec_from_file_location("sync_client", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def now_cursor(api):
    body = api.get(CHANGES, {"since": "now"}).json()
    assert body["results"] == [] and body["has_more"] is False
    return body["next_cursor"]


def feed(api, cursor, page_size=100):
    """Every event after `cursor`, following `next_cursor`: (events, last cursor)."""
    seen, more = [], True
    while more:
        response = api.get(CHANGES, {"since": cursor, "page_size": page_size})
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"next", "next_cursor", "has_more", "results"}
        seen += body["results"]
        cursor, more = body["next_cursor"], body["has_more"]
    return seen, cursor


def kinds(events):
    """(id, kind) of each event; one write may record two snapshots of a row (its version claimed, then the
    row saved), so repeats in a row count once."""
    seen = []
    for event in events:
        if not seen or seen[-1] != (event["id"], event["kind"]):
            seen.append((event["id"], event["kind"]))
    return seen


def patch(api, facility, **changes):
    facility.refresh_from_db()
    response = api.patch(f"{LIST}{facility.pk}/", {"version": facility.version, **changes}, format="json")
    assert response.status_code == 200, response.content


def test_the_feed_after_a_cursor_shows_exactly_what_happened_in_the_scope(
    client_as, daxing_official, town1, town2, yubei_town
):
    api = client_as("daxing_official")
    doomed = FacilityFactory(town=town1, draft=True, name="将归档园")
    cursor = now_cursor(api)

    created = FacilityFactory(town=town1, draft=True, name="新园一")
    returned = FacilityFactory(town=town2, submitted=True, name="新园二")
    FacilityFactory(town=yubei_town, draft=True, name="渝北园")  # outside the scope: no event
    patch(api, created, name="新园一（改）")  # an edit
    response = api.post(f"{LIST}{returned.pk}/return/", {"reason": "材料不全"}, format="json")
    assert response.status_code == 200, response.content  # a workflow transition
    services.facility_archive(user=daxing_official, facility=doomed)  # archived: it leaves every list

    events, _cursor = feed(api, cursor)
    assert kinds(events) == [
        (created.pk, "created"),
        (returned.pk, "created"),
        (created.pk, "updated"),
        (returned.pk, "updated"),
        # facilities are never deleted: archiving is their removal (version claimed, then the row archived)
        (doomed.pk, "updated"),
        (doomed.pk, "left_scope"),
    ]
    returned.refresh_from_db()
    last_of_returned = [e for e in events if e["id"] == returned.pk][-1]
    assert last_of_returned["version"] == returned.version
    assert last_of_returned["url"] == f"{LIST}{returned.pk}/"
    assert events[-1]["url"] is None  # a tombstone
    assert {event["type"] for event in events} == {"facility"}
    # nothing more until something happens; the cursor stays where it was
    assert feed(api, _cursor) == ([], _cursor)


def test_a_move_to_another_town_is_a_tombstone_for_the_town_it_left(client_as, town1, town2):
    moving = FacilityFactory(town=town1, draft=True, name="搬迁园")
    cursors = {
        role: now_cursor(client_as(role)) for role in ("town1_official", "town2_official", "daxing_official")
    }
    patch(client_as("daxing_official"), moving, town=town2.code)

    def seen(role):
        return kinds(feed(client_as(role), cursors[role])[0])

    # the write claims the next version (a snapshot still in town 1), then moves the row
    assert seen("town1_official")[-1] == (moving.pk, "left_scope")
    assert seen("town2_official") == [(moving.pk, "updated")]  # it entered town 2's scope
    assert seen("daxing_official") == [(moving.pk, "updated")]


def test_pages_follow_each_other_without_gaps_or_repeats(client_as, town1):
    api = client_as("town1_official")
    cursor = now_cursor(api)
    made = [FacilityFactory(town=town1, draft=True, name=f"分页园{n}").pk for n in range(5)]
    events, _cursor = feed(api, cursor, page_size=2)
    assert [event["id"] for event in events] == made


def test_the_feed_is_for_signed_in_callers_and_refuses_what_it_does_not_know(api, client_as):
    assert error_of(api.get(CHANGES), 401)
    official = client_as("daxing_official")
    assert "since" in error_of(official.get(CHANGES, {"since": "not-a-cursor"}), 400)["fields"]
    assert (
        "modified_since" in error_of(official.get(CHANGES, {"modified_since": "2026-01-01"}), 400)["fields"]
    )
    assert "page_size" in error_of(official.get(CHANGES, {"page_size": "0"}), 400)["fields"]
    # a read-only token reads its grant's feed
    assert client_as("reader").get(CHANGES, {"since": "now"}).status_code == 200


def test_the_feed_is_in_the_schema(client_as):
    schema = client_as("daxing_official").get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/changes/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"since", "page_size"}


@pytest.mark.parametrize("role", ["town1_official", "daxing_official", "superuser"])
def test_the_example_client_reproduces_the_list_of_its_scope(
    role, client_as, daxing_official, facility_a, town1, town2
):
    """Full sync, then writes of every kind, then an incremental sync: the copy equals a fresh full sync."""
    example = load_example()
    api = client_as(role)

    def fetch(url):
        response = api.get(url)
        return response.status_code, response.json()

    copy = example.Copy("http://testserver/", fetch)
    edited = FacilityFactory(town=town1, submitted=True, name="同步甲")
    leaving = FacilityFactory(town=town1, draft=True, name="同步乙")
    archived = FacilityFactory(town=town1, draft=True, name="同步丙")
    copy.full_sync()
    assert {edited.pk, leaving.pk, archived.pk} <= set(copy.records)

    official = client_as("daxing_official")
    created = FacilityFactory(town=town1, draft=True, name="同步戊")
    response = official.post(f"{LIST}{edited.pk}/return/", {"reason": "材料不全"}, format="json")
    assert response.status_code == 200, response.content
    patch(official, edited, name="同步甲（改）")
    patch(official, leaving, town=town2.code)
    services.facility_archive(user=daxing_official, facility=archived)

    assert copy.incremental(page_size=3) > 0
    fresh = example.Copy("http://testserver/", fetch)
    fresh.full_sync()
    assert copy.records == fresh.records
    assert created.pk in copy.records
    assert (leaving.pk in copy.records) == (role != "town1_official")
    assert (archived.pk in copy.records) == (role == "superuser")
    assert copy.records[edited.pk]["name"] == "同步甲（改）"

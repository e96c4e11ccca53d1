"""/api/v1/changes/: a scoped feed of created, updated and deleted events from the recorded history, with
tombstones for deletions and for objects that leave the caller's scope, opaque cursors that miss nothing,
and the example client of docs/examples/ reproducing the list from it."""

import datetime
import importlib.util
import pathlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F

from core.history import event_model
from coverage.models import Community
from facilities import services
from facilities.api import changes
from facilities.models import PendingChange
from reporting import services as reporting_services
from reporting.models import EnrolmentReport
from subsidies import services as subsidy_services
from subsidies.models import Application, LedgerEntry, Project
from supervision.models import Complaint, Finding, Inspection
from tests.factories import FacilityFactory, FundFactory, ProgramFactory
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
    position = changes.Position(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), "facility", 1)
    fhir_history_cursor = changes.encode(position, "h1")  # a cursor of another face
    assert "since" in error_of(official.get(CHANGES, {"since": fhir_history_cursor}), 400)["fields"]
    assert official.get(CHANGES, {"since": changes.encode(position)}).status_code == 200  # the feed's own
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
    assert {edited.pk, leaving.pk, archived.pk} <= set(copy.records["facility"])

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
    facilities = copy.records["facility"]
    assert created.pk in facilities
    assert (leaving.pk in facilities) == (role != "town1_official")
    assert (archived.pk in facilities) == (role == "superuser")
    assert facilities[edited.pk]["name"] == "同步甲（改）"


# ---------------------------------------------------------------- more types than facilities

FEED_TYPES = ("facility", "period_report", "project", "fund", "program")


def test_the_feed_covers_the_private_records_it_can_scope_on_their_history_and_says_why_not_the_others():
    assert [feed.type for feed in changes.feeds()] == sorted(FEED_TYPES)
    assert set(load_example().LISTS) == set(FEED_TYPES)
    # records reached through a join are left out: their scope would be judged on the related row as it is
    # now, and moving that row records no event of theirs (docs/api.md, "Syncing a copy")
    for model in (PendingChange, EnrolmentReport, Application, Finding, Complaint, Community):
        assert "join" in changes.snapshot_problem(model)
    assert "many-valued" in changes.snapshot_problem(Inspection)
    assert changes.snapshot_problem(LedgerEntry) == "no history"
    with pytest.raises(ImproperlyConfigured):
        changes.register(changes.Feed("finding", Finding, "api-finding-detail"))


def committed_earlier():
    """The history recorded so far, as if an earlier transaction had committed it a second ago. A test runs
    in one transaction, so every event it records has that transaction's start as its time and events of
    several types sort by type at that time; a client never reads from inside the writing transaction."""
    for feed_type in changes.feeds():
        event_model(feed_type.model).objects.update(
            pgh_created_at=F("pgh_created_at") - datetime.timedelta(seconds=1)
        )


@pytest.mark.parametrize("role", ["town1_official", "daxing_official", "reader", "superuser"])
def test_an_incremental_sync_of_several_types_reproduces_the_server(
    role, client_as, daxing, daxing_official, town1_official, town1, town2, facility_a
):
    """Creates, edits, a workflow step, a deletion and a move out of the scope, for facilities, quarter
    reports and construction projects (and the funds and programs of the district): after the incremental
    sync the copy equals a fresh full sync."""
    example = load_example()
    api = client_as(role)

    def fetch(url):
        response = api.get(url)
        return response.status_code, response.json()

    moving = Project.objects.create(kind="town_park", district=daxing, town=town1, name="同步项目甲")
    doomed = Project.objects.create(kind="town_park", district=daxing, town=town1, name="同步项目乙")
    edited = Project.objects.create(kind="town_park", district=daxing, town=town1, name="同步项目丙")
    leaving = FacilityFactory(town=town1, draft=True, name="同步园甲")
    fund = FundFactory(district=daxing)
    committed_earlier()
    copy = example.Copy("http://testserver/", fetch, types=FEED_TYPES)
    copy.full_sync()
    assert {moving.pk, doomed.pk, edited.pk} <= set(copy.records["project"])
    assert fund.pk in copy.records["fund"] or role == "town1_official"  # funds are the district's

    # quarter reports compiled (created), town 1's submitted (a workflow step)
    reports = reporting_services.period_reports_compile(
        user=daxing_official, district=daxing, year=2024, quarter=4
    )
    town1_report = next(r for r in reports if r.town_id == town1.pk)
    reporting_services.period_report_submit(user=town1_official, report=town1_report)
    # projects: one created, one edited, one moved to town 2, one deleted
    created = Project.objects.create(kind="town_park", district=daxing, town=town1, name="同步项目丁")
    edited.refresh_from_db()
    edited.name = "同步项目丙（改）"
    edited.save()
    moving.refresh_from_db()
    moving.town = town2
    moving.save()
    doomed.delete()
    # a facility moved out of town 1, a fund edited, a program created
    patch(client_as("daxing_official"), leaving, town=town2.code)
    subsidy_services.fund_save(user=daxing_official, fund=fund, version=fund.version, name="同步资金（改）")
    program = ProgramFactory(district=daxing, fund=fund)

    assert copy.incremental(page_size=4) > 0
    fresh = example.Copy("http://testserver/", fetch, types=FEED_TYPES)
    fresh.full_sync()
    # a record read at its url may say more than its list row (a quarter report adds its `live` figures)
    assert {
        type_: {
            key: {name: record[name] for name in fresh.records[type_].get(key, record)}
            for key, record in kept.items()
        }
        for type_, kept in copy.records.items()
    } == fresh.records
    projects, period_reports = copy.records["project"], copy.records["period_report"]
    assert created.pk in projects and doomed.pk not in projects
    assert projects[edited.pk]["name"] == "同步项目丙（改）"
    assert (moving.pk in projects) == (role != "town1_official")
    assert (leaving.pk in copy.records["facility"]) == (role != "town1_official")
    town1_report.refresh_from_db()
    assert period_reports[town1_report.pk]["status"] == "submitted"
    assert period_reports[town1_report.pk]["version"] == town1_report.version
    assert (program.pk in copy.records["program"]) and (
        (fund.pk in copy.records["fund"]) == (role != "town1_official")
    )


def test_a_deletion_is_a_tombstone_and_a_move_is_one_for_the_town_it_left(client_as, daxing, town1, town2):
    moving = Project.objects.create(kind="town_park", district=daxing, town=town1, name="搬迁项目")
    doomed = Project.objects.create(kind="town_park", district=daxing, town=town1, name="撤销项目")
    committed_earlier()
    cursors = {role: now_cursor(client_as(role)) for role in ("town1_official", "daxing_official")}
    moving.town = town2
    moving.save()
    doomed_id = doomed.pk
    doomed.delete()

    def seen(role):
        return [(e["type"], e["id"], e["kind"], e["url"]) for e in feed(client_as(role), cursors[role])[0]]

    assert seen("town1_official") == [
        ("project", moving.pk, "left_scope", None),
        ("project", doomed_id, "deleted", None),
    ]
    assert seen("daxing_official") == [
        ("project", moving.pk, "updated", f"/api/v1/subsidies/projects/{moving.pk}/"),
        ("project", doomed_id, "deleted", None),
    ]


RECORDS = (
    "Application",
    "Community",
    "Complaint",
    "EnrolmentReport",
    "Facility",
    "Finding",
    "Fund",
    "Inspection",
    "PendingChange",
    "PeriodReport",
    "Program",
    "Project",
)


def test_every_private_record_says_its_version_and_when_it_last_changed(client_as):
    """What a client keeps a copy of carries the version each change moves (workflow steps included) and
    the time of the last change; the feed's `version` is the same number."""
    schema = client_as("daxing_official").get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert {name: {"version", "updated_at"} - set(components[name]["properties"]) for name in RECORDS} == {
        name: set() for name in RECORDS
    }

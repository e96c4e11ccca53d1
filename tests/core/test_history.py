"""A facility's page keeps its whole history: its own events and those of every row hanging off it (units,
staff, certificates, training, checklist, status, pending changes…), newest first, paged, never capped, in
the portal's time zone, naming who asked and who approved."""

import datetime
import re

import pghistory
import pytest
from django.urls import reverse
from django.utils import timezone

from core import history
from facilities import services
from facilities.models import Certificate, Facility, PendingChange, StaffMember, TrainingRecord
from tests.facilities.test_workflow import form_data, units
from tests.factories import StaffMemberFactory

TRACKED_CHILDREN = (StaffMember, Certificate, TrainingRecord)


@pytest.fixture
def busy_facility(facility_a, operator_a):
    """Facility A with more than three pages of events, certificates and training among them."""
    with pghistory.context(user=operator_a.pk):
        for n in range(3):
            member = StaffMemberFactory(facility=facility_a, name=f"保育员{n}")
            Certificate.objects.create(staff=member, kind=Certificate.Kind.values[0], number=f"C-{n}")
            TrainingRecord.objects.create(staff=member, title="岗前培训", completed_on="2026-10-01")
            for phone in range(20):
                member.phone = f"1380000{n:02d}{phone:02d}"
                member.save()
    return facility_a


def _events_on_pages(client, facility):
    url = reverse("registry:detail", args=[facility.pk])
    first = client.get(url)
    pages = first.context["history"].paginator.num_pages
    shown, times = [], []
    for number in range(1, pages + 1):
        html = client.get(url, {"history_page": number}).content.decode()
        shown += re.findall(r'class="list-group-item history-event"', html)
        times += re.findall(r'<time datetime="[^"]+">([^<]+)</time>', html)
    return first, shown, times


def test_every_tracked_event_of_the_facility_is_on_its_pages(client, daxing_official, busy_facility):
    client.force_login(daxing_official)
    first, shown, times = _events_on_pages(client, busy_facility)

    entries = history.entries(history.sources_for(busy_facility, depth=2))
    assert len(shown) == len(entries) == first.context["history"].paginator.count > 60
    assert first.context["history"].paginator.num_pages > 3
    subjects = {e.subject for e in entries}
    assert {"证书", "培训记录", "从业人员", "托育机构"} <= subjects
    assert entries[-1].action == "新增" and entries[-1].subject == "托育机构"  # the creation stays visible
    local = [timezone.localtime(e.when).strftime("%Y-%m-%d %H:%M") for e in entries]
    assert times == local


def test_the_roster_history_is_not_shown_to_those_who_may_not_see_the_roster(
    client, town1_official, busy_facility
):
    client.force_login(town1_official)
    response = client.get(reverse("registry:detail", args=[busy_facility.pk]))
    html = response.content.decode()
    assert "保育员0" not in html and "证书" not in {e.subject for e in response.context["history"]}


def test_date_times_inside_a_change_are_in_the_portals_time_zone(facility_a):
    Facility.objects.filter(pk=facility_a.pk).update(
        acknowledged_at=datetime.datetime(2026, 12, 2, 16, 6, tzinfo=datetime.UTC)
    )
    changes = [c for e in history.entries(history.sources_for(facility_a, depth=1)) for c in e.changes]
    assert ("回执时间", None, "2026-12-03 00:06") in changes


def test_choice_and_yes_no_values_are_shown_by_their_labels(facility_a):
    Facility.objects.filter(pk=facility_a.pk).update(is_inclusive=False)
    changes = [c for e in history.entries(history.sources_for(facility_a, depth=1)) for c in e.changes]
    assert ("普惠机构", "是", "否") in changes


def test_an_approved_change_names_who_asked_and_who_approved(client, operator_a, daxing_official, facility_a):
    with pghistory.context(user=operator_a.pk):
        change = services.facility_update(
            user=operator_a,
            facility=facility_a,
            data=form_data(facility_a, address="新址一号"),
            units=units(classes=2),
            expected_version=facility_a.version,
        )
    assert isinstance(change, PendingChange)
    with pghistory.context(user=daxing_official.pk):
        services.pending_change_approve(user=daxing_official, change=change)

    applied = next(
        e
        for e in history.entries(history.sources_for(facility_a, depth=2))
        if e.subject == "托育机构" and ("地址", None, "新址一号") in e.changes
    )
    assert applied.user == daxing_official and applied.requested_by == operator_a
    client.force_login(daxing_official)
    html = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
    assert "operator_a 申请，daxing_official 批准" in html

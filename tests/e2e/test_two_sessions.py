"""Two browsers on one record at once: the second save never erases the first. The staff form and the
filing checklist, opened in two sessions, saved one after the other; the second is refused with what
changed meanwhile and keeps its input; saving again is then a deliberate choice. Also at a phone's width
and in English."""

import pytest

from facilities.models import ChecklistItem, Facility, RoleAssignment, StaffMember
from facilities.services import ensure_checklist
from targets.models import Region
from tests.e2e.conftest import SCREENSHOTS, log_in, shot
from tests.factories import StaffMemberFactory, UserFactory, filed_facility, grant

pytestmark = pytest.mark.django_db(transaction=True)


def shot_path(name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


@pytest.fixture
def two_sessions(browser, live_server, seeded_live_db):
    """The operator of a facility, signed in in two browser contexts (two tabs of two people)."""
    facility = filed_facility(Region.objects.get(code="110115009"), "观音寺两窗托育园")
    grant(UserFactory(username="twotabs"), RoleAssignment.Role.OPERATOR, facility=facility)
    contexts = [
        browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN"),
        browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN"),  # a phone
    ]
    pages = [context.new_page() for context in contexts]
    for page in pages:
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, "twotabs")
    yield facility, pages, live_server.url
    for context in contexts:
        context.close()


def _in_draft(facility):
    """An operator's edits of a draft facility apply at once (of a filed one they become a pending change
    for review), so the two tabs race on the rows themselves."""
    Facility.objects.filter(pk=facility.pk).update(filing_status=Facility.FilingStatus.DRAFT)


def test_staff_phone_saved_in_one_tab_survives_the_other(two_sessions):
    facility, (first, second), base = two_sessions
    _in_draft(facility)
    member = StaffMemberFactory(facility=facility, name="李老师", phone="13800000001")
    url = f"{base}/registry/{facility.pk}/staff/{member.pk}/"
    first.goto(url)
    second.goto(url)

    first.fill("#id_phone", "13900000002")
    first.click("#object-form button[type=submit]")
    first.wait_for_url(f"**/registry/{facility.pk}/")

    second.fill("#id_phone", "13700000003")
    second.click("#object-form button[type=submit]")
    second.wait_for_selector("#form-errors")
    errors = second.inner_text("#form-errors")
    shot(second, "two-sessions-staff-refused-390")
    assert "已被他人修改" in errors and "13900000002" in errors
    assert second.input_value("#id_phone") == "13700000003"  # the input stays
    assert StaffMember.objects.get(pk=member.pk).phone == "13900000002"

    # Having seen the other change, saving again keeps this tab's input on purpose.
    second.click("#object-form button[type=submit]")
    second.wait_for_url(f"**/registry/{facility.pk}/")
    assert StaffMember.objects.get(pk=member.pk).phone == "13700000003"

    # Both saves are on the facility's history, newest first, with who and when.
    history = second.inner_text("#history")
    assert history.index("13900000002 → 13700000003") < history.index("13800000001 → 13900000002")
    second.locator("#history").scroll_into_view_if_needed()
    second.locator("#history").screenshot(path=str(shot_path("facility-history-390")))


def test_fire_safety_reference_saved_in_one_tab_survives_the_other(two_sessions):
    facility, (first, second), base = two_sessions
    _in_draft(facility)
    ensure_checklist(facility)
    fire = ChecklistItem.Item.values[0]
    url = f"{base}/registry/{facility.pk}/checklist/"
    first.goto(url)
    second.goto(url)

    first.fill(f"#id_{fire}__reference", "消防验收 2026-001")
    first.click("#checklist-form button[type=submit]")
    first.wait_for_url(f"**/registry/{facility.pk}/")

    second.fill(f"#id_{ChecklistItem.Item.values[1]}__reference", "另一份材料")
    second.click("#checklist-form button[type=submit]")
    second.wait_for_selector("#form-errors")
    shot(second, "two-sessions-checklist-refused-390")
    assert "已被他人修改" in second.inner_text("#form-errors")
    stored = ChecklistItem.objects.get(facility=facility, item=fire)
    assert stored.reference == "消防验收 2026-001"


def test_the_refusal_reads_in_english(two_sessions):
    facility, (first, _second), base = two_sessions
    member = StaffMemberFactory(facility=facility, name="王老师", phone="13800000011")
    first.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    first.goto(f"{base}/registry/{facility.pk}/staff/{member.pk}/")
    theirs = StaffMember.objects.get(pk=member.pk)  # someone else saves meanwhile
    theirs.phone = "13900000012"
    theirs.save()

    first.fill("#id_phone", "13700000013")
    first.click("#object-form button[type=submit]")
    first.wait_for_selector("#form-errors")
    shot(first, "two-sessions-staff-refused-en")
    errors = first.inner_text("#form-errors")
    assert "someone else changed" in errors and "13900000012" in errors


@pytest.mark.parametrize("width", [1200, 1366, 1920])
def test_the_english_menu_fits_the_window(two_sessions, width):
    _facility, (first, _second), base = two_sessions
    first.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    first.set_viewport_size({"width": width, "height": 900})
    first.goto(f"{base}/registry/")
    shot(first, f"registry-en-{width}", full_page=False)
    assert first.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0

"""The operator's path end to end in a real browser: log in → edit → submit → an official approves →
the public directory shows the facility with its filing number."""

import pytest

from facilities.models import ChecklistItem, Facility, RoleAssignment
from targets.models import Region
from tests.e2e.conftest import log_in, log_out, shot
from tests.factories import MINIMAL_PDF, FacilityFactory, UserFactory, add_unit, grant

pytestmark = pytest.mark.django_db(transaction=True)


def phone_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_operator_files_official_approves_public_sees(page, browser, live_server, seeded_live_db):
    town = Region.objects.get(code="110115003")  # 清源街道
    facility = FacilityFactory(town=town, name="清源阳光托育园", filing_status=Facility.FilingStatus.DRAFT)
    add_unit(facility, "toddler", 1, 15)
    grant(UserFactory(username="yangguang"), RoleAssignment.Role.OPERATOR, facility=facility)
    grant(UserFactory(username="daxing"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=town.parent)
    base = live_server.url

    # The operator edits the record: fee, inclusive status and a second class type.
    log_in(page, base, "yangguang")
    page.click("text=清源阳光托育园")
    page.click("#facility-actions >> text=编辑")
    page.fill("#id_address", "清源路1号")
    page.fill("#id_public_phone", "010-60000000")
    page.fill("#id_monthly_fee", "2600")
    page.check("#id_is_inclusive")
    page.fill("#id_inclusive_slots", "30")
    page.select_option("#id_units-1-class_type", label="托大班（≤20人）")
    page.fill("#id_units-1-classes", "1")
    page.fill("#id_units-1-children_per_class", "20")
    shot(page, "registry-edit-form")
    page.click("#facility-form button[type=submit]")
    page.wait_for_selector("text=已保存。")
    assert page.locator("#units").inner_text().count("托") >= 2
    facility.refresh_from_db()
    assert (facility.total_slots, facility.inclusive_slots) == (35, 30)

    # Filing materials, then submit.
    page.click("#facility-actions >> text=备案材料")
    for item in ChecklistItem.Item.values:
        if item != "food_licence":
            page.check(f"#id_{item}__provided")
            page.fill(f"#id_{item}__reference", f"{item}-2026")
    page.click("#checklist-form button[type=submit]")
    # each required material as a file (submitting needs them)
    page.click("#facility-actions >> text=上传材料")
    for item in ChecklistItem.Item.values:
        if item != "food_licence":
            page.set_input_files(
                f"#file-{item}",
                files=[{"name": f"{item}.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}],
            )
            page.click(f"#material-{item} .upload-form button[type=submit]")
            page.wait_for_selector("text=已上传")
    page.goto(f"{base}/registry/{facility.pk}/")
    page.click("#facility-actions >> text=提交备案")
    page.wait_for_selector("text=已提交备案")
    shot(page, "registry-submitted")
    log_out(page)

    # The district official approves from the review queue.
    log_in(page, base, "daxing")
    page.goto(f"{base}/registry/reviews/")
    shot(page, "review-queue")
    page.click("#filing-queue >> text=审核")
    page.click("#facility-actions >> text=通过备案")
    page.check("#id_confirm_flags")  # no caregivers on the roster yet: approved over the open flag
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector("text=备案已通过")
    facility.refresh_from_db()
    assert facility.filing_status == "filed"
    shot(page, "registry-detail-filed")
    log_out(page)

    # Anyone finds it in the public directory, with what disclosure requires and nothing private.
    page.goto(f"{base}/directory/?district=110115&inclusive=true")
    shot(page, "directory-list")
    page.click("text=清源阳光托育园")
    text = page.inner_text("main")
    assert facility.filing_number in text
    assert "2,600.00" in text and "35" in text and "010-60000000" in text
    assert "yangguang" not in text
    shot(page, "directory-detail")

    # On a phone the operator changes the filed record: the change is held for review, a second edit
    # amends it (the form starts from it and says so), the official rejects it with a reason, and the
    # operator reads the reason on the facility page and in 我的申请 — no page wider than the screen.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    log_in(mobile, base, "yangguang")
    assert phone_overflow(mobile) <= 0
    mobile.goto(f"{base}/registry/{facility.pk}/edit/")
    mobile.fill("#id_monthly_fee", "2800")
    mobile.click("#facility-form button[type=submit]")
    mobile.wait_for_selector("text=变更已提交")
    mobile.goto(f"{base}/registry/{facility.pk}/edit/")
    assert "保存将修改这项申请" in mobile.inner_text("#pending-banner")
    assert mobile.input_value("#id_monthly_fee") in ("2800", "2800.00")
    mobile.fill("#id_public_phone", "010-60000001")
    assert phone_overflow(mobile) <= 0
    shot(mobile, "registry-edit-pending-phone")
    mobile.click("#facility-form button[type=submit]")
    mobile.wait_for_selector("text=已修改待审核的变更申请")
    log_out(mobile)

    log_in(mobile, base, "daxing")
    mobile.goto(f"{base}/registry/reviews/")
    assert phone_overflow(mobile) <= 0
    shot(mobile, "review-queue-phone")
    mobile.click("#change-queue >> text=查看")
    diff = mobile.inner_text("#change-diff")
    assert "010-60000001" in diff and "2800" in diff
    mobile.fill("#id_reason", "收费调整须先公示一个月")
    mobile.click("text=驳回")
    mobile.wait_for_selector("text=申请已驳回")
    log_out(mobile)

    log_in(mobile, base, "yangguang")
    assert phone_overflow(mobile) <= 0  # the registry list, as stacked cards
    mobile.goto(f"{base}/registry/{facility.pk}/")
    assert "收费调整须先公示一个月" in mobile.inner_text("#facility-requests")
    assert phone_overflow(mobile) <= 0
    shot(mobile, "registry-detail-rejected-phone")
    mobile.goto(f"{base}/registry/requests/")
    assert "收费调整须先公示一个月" in mobile.inner_text("#decided-requests")
    assert phone_overflow(mobile) <= 0
    shot(mobile, "my-requests-phone")
    facility.refresh_from_db()
    assert (facility.monthly_fee, facility.public_phone) == (2600, "010-60000000")
    phone.close()


def test_pages_fit_a_phone(browser, live_server, seeded_live_db):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/districts/110115/")
    # Nothing but the target table (which scrolls inside its card) may be wider than the screen.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    shot(page, "district-phone")
    page.goto(f"{live_server.url}/directory/")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    shot(page, "directory-phone")
    context.close()

"""Filing materials as documents in a real browser: the operator uploads each material and submits; the
district official returns one material with a reason (a printable notice); the operator replaces it and
submits again; the official acknowledges (a printable receipt) and approves over an open rule flag, with
confirmation. Screenshots at 1400 and 390 px."""

import pytest

from facilities.models import ChecklistItem, Facility, FilingDocument, MaterialFile, RoleAssignment
from targets.models import Region
from tests.e2e.conftest import log_in, log_out, shot
from tests.factories import MINIMAL_PDF, FacilityFactory, UserFactory, add_unit, grant

pytestmark = pytest.mark.django_db(transaction=True)

NEEDED = [item for item in ChecklistItem.Item.values if item != "food_licence"]


def upload(page, item, name, content, mime="application/pdf"):
    page.set_input_files(f"#file-{item}", files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.click(f"#material-{item} .upload-form button[type=submit]")
    page.wait_for_load_state()


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_upload_return_fix_acknowledge_approve(page, browser, live_server, seeded_live_db):
    town = Region.objects.get(code="110115003")
    facility = FacilityFactory(town=town, name="清源材料托育园", filing_status=Facility.FilingStatus.DRAFT)
    add_unit(facility, "toddler", 1, 15)  # no caregiver on the roster: the understaffed flag stays open
    grant(UserFactory(username="cailiao"), RoleAssignment.Role.OPERATOR, facility=facility)
    grant(UserFactory(username="daxing2"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=town.parent)
    base = live_server.url
    page.set_viewport_size({"width": 1400, "height": 900})

    # The operator: a wrong file is refused beside its material, then every material is uploaded.
    log_in(page, base, "cailiao")
    page.goto(f"{base}/registry/{facility.pk}/")
    page.click("#facility-actions >> text=上传材料")
    upload(page, "licence", "执照.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    assert "扩展名与内容不符" in page.inner_text("#material-licence")
    shot(page, "materials-refused-1400")
    for item in NEEDED:
        upload(page, item, f"{item}.pdf", MINIMAL_PDF)
        page.wait_for_selector("text=已上传")
    assert MaterialFile.objects.filter(facility=facility, replaced_at__isnull=True).count() == len(NEEDED)
    shot(page, "materials-uploaded-1400")
    page.goto(f"{base}/registry/{facility.pk}/")
    page.click("#facility-actions >> text=提交备案")
    page.wait_for_selector("text=已提交备案")
    log_out(page)

    # The official: the health evaluation needs correction; the filing is returned with a notice.
    log_in(page, base, "daxing2")
    page.goto(f"{base}/registry/{facility.pk}/materials/")
    for item in NEEDED:
        row = page.locator(f"#material-{item} .verdict-form")
        if item == "health_evaluation":
            row.locator("input[value=correction]").check()
            row.locator("input[name=reason]").fill("卫生评价报告缺少结论页")
        else:
            row.locator("input[value=accepted]").check()
        row.locator("button[type=submit]").click()
        page.wait_for_selector("text=审核结论")
    shot(page, "materials-verdicts-1400")
    page.goto(f"{base}/registry/{facility.pk}/return/")
    page.fill("#id_reason", "卫生评价报告须补正")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已退回")
    notice = FilingDocument.objects.get(facility=facility, kind="notice")
    page.goto(f"{base}/registry/documents/{notice.pk}/")
    text = page.inner_text("#filing-notice")
    assert "卫生评价报告缺少结论页" in text and notice.number in text and "营业执照" not in text
    shot(page, "notice-1400")
    log_out(page)

    # The operator reads the reason on the facility page, replaces the file and submits again.
    log_in(page, base, "cailiao")
    page.goto(f"{base}/registry/{facility.pk}/")
    assert "卫生评价报告缺少结论页" in page.inner_text("#facility-materials")
    assert notice.number in page.inner_text("#filing-documents")
    shot(page, "registry-returned-1400")
    page.click("#facility-actions >> text=上传材料")
    upload(page, "health_evaluation", "卫生评价报告-补正.pdf", MINIMAL_PDF)
    page.wait_for_selector("text=已上传")
    assert "历史文件 1 个" in page.inner_text("#material-health_evaluation")
    page.goto(f"{base}/registry/{facility.pk}/")
    page.click("#facility-actions >> text=提交备案")
    page.wait_for_selector("text=已提交备案")
    log_out(page)

    # The official accepts the new file, acknowledges (the receipt) and approves over the open flag.
    log_in(page, base, "daxing2")
    page.goto(f"{base}/registry/{facility.pk}/materials/")
    row = page.locator("#material-health_evaluation .verdict-form")
    row.locator("input[value=accepted]").check()
    row.locator("button[type=submit]").click()
    page.wait_for_selector("text=审核结论")
    page.goto(f"{base}/registry/{facility.pk}/")
    page.click("#facility-actions >> text=出具回执")
    page.wait_for_selector("text=已出具回执")
    receipt = FilingDocument.objects.get(facility=facility, kind="receipt")
    page.click(f"#filing-documents >> text={receipt.number}")
    text = page.inner_text("#filing-receipt")
    assert "托育机构备案回执" in text and "卫生评价报告-补正.pdf" in text and "卫生健康委员会" in text
    shot(page, "receipt-1400")
    page.emulate_media(media="print")
    assert not page.locator(".portal-navbar").is_visible()
    shot(page, "receipt-print")
    page.emulate_media(media="screen")
    page.goto(f"{base}/registry/{facility.pk}/")
    page.click("#facility-actions >> text=通过备案")
    assert page.locator("#approve-form li").count() >= 1  # the open flags, listed
    shot(page, "approve-confirm-1400", full_page=False)
    page.click("#approve-form button[type=submit]")  # not confirmed: the browser keeps the form
    facility.refresh_from_db()
    assert facility.filing_status == "submitted"
    page.check("#id_confirm_flags")
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector("text=备案已通过")
    facility.refresh_from_db()
    assert facility.filing_status == "filed"

    # Filed: the filing record is on the page; the operator's new file waits for review, the current stays.
    log_out(page)
    log_in(page, base, "cailiao")
    page.goto(f"{base}/registry/{facility.pk}/materials/")
    assert page.locator("#upload-held").is_visible()
    upload(page, "fire_safety", "消防验收-更新.pdf", MINIMAL_PDF)
    page.wait_for_selector("text=待区卫健委审核")
    assert "消防验收-更新.pdf" in page.inner_text("#proposed-fire_safety")
    page.goto(f"{base}/registry/{facility.pk}/")
    assert facility.filing_number in page.inner_text("#authorizations")
    assert "消防验收-更新.pdf" in page.inner_text("#detail-material-fire_safety .material-proposed")
    shot(page, "registry-filed-regime-pending-material-1400")

    # On a phone: the materials page and the receipt fit the screen.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    log_in(mobile, base, "daxing2")
    mobile.goto(f"{base}/registry/{facility.pk}/materials/")
    assert overflow(mobile) <= 0
    shot(mobile, "materials-390")
    mobile.goto(f"{base}/registry/documents/{receipt.pk}/")
    assert overflow(mobile) <= 0
    shot(mobile, "receipt-390")
    mobile.goto(f"{base}/registry/{facility.pk}/")
    assert overflow(mobile) <= 0
    assert mobile.locator("#authorizations").is_visible()
    assert mobile.locator("#detail-material-fire_safety .material-proposed").is_visible()
    shot(mobile, "registry-filed-materials-390")
    phone.close()

"""Accounts, passwords and archiving as their users meet them, in one browser session of the seeded portal
(each live-server test re-seeds the database, so the journeys share one test):

- a district official on a phone types a look-alike user name and then a good one; the same page in English
  on a laptop;
- an operator archives a draft on a phone, and a superuser still finds it with its history;
- a new operator signs in on a phone with the generated password and must choose their own first; later,
  locked out after forgetting it, they get a one-time code from the official (in English, on a laptop) and
  sign in with it, choosing a new password without being asked for the one they forgot."""

import pytest

from facilities.models import Facility, RoleAssignment
from targets.models import Region
from tests.e2e.conftest import log_in, shot
from tests.factories import FacilityFactory, UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Yuanzhang-2026-mima"


def no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1"), page.url


def context_page(browser, width, locale="zh-CN"):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def new_page(browser, width, english=False, base=None):
    context, page = context_page(browser, width)
    if english:
        context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    return context, page


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_accounts_passwords_and_archiving(browser, live_server, seeded_live_db):
    daxing = Region.objects.get(code="110115")
    an_official_opens_an_account_with_a_safe_name(browser, live_server, daxing)
    an_operator_archives_a_draft_and_a_superuser_still_reads_it(browser, live_server)
    a_generated_password_is_replaced_and_a_code_rescues_a_forgotten_one(browser, live_server)


def an_official_opens_an_account_with_a_safe_name(browser, live_server, daxing):
    official = grant(
        UserFactory(username="dx.official"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing
    )
    FacilityFactory(town=Region.objects.get(code="110115009"), name="观音寺账户托育园", draft=True)
    for width, locale, name in ((390, "zh-CN", "accounts-390"), (1280, "en-US", "accounts-1280-en")):
        context, page = context_page(browser, width, locale)
        log_in(page, live_server.url, official.username)
        if locale == "en-US":
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto(f"{live_server.url}/registry/accounts/")
        page.fill("#id_username", "ｄｘ＿official")  # full width: the official's own name once normalised
        page.select_option("#id_role", "operator")
        page.select_option("#id_facility", label="观音寺账户托育园")
        page.click("#account-form button[type=submit]")
        page.wait_for_load_state()
        error = page.inner_text("#account-form")
        assert "过于相似" in error or "too similar" in error.lower(), error
        no_sideways_scroll(page)
        shot(page, f"{name}-refused")
        page.fill("#id_username", f"gys.operator{width}")
        page.select_option("#id_role", "operator")
        page.select_option("#id_facility", label="观音寺账户托育园")
        page.click("#account-form button[type=submit]")
        page.wait_for_selector("#new-account")
        no_sideways_scroll(page)
        shot(page, f"{name}-opened")
        context.close()


def an_operator_archives_a_draft_and_a_superuser_still_reads_it(browser, live_server):
    town = Region.objects.get(code="110115009")
    draft = FacilityFactory(town=town, name="观音寺归档托育园", draft=True)
    grant(UserFactory(username="gys.archiver"), RoleAssignment.Role.OPERATOR, facility=draft)
    UserFactory(username="root.reader", is_superuser=True, is_staff=True)

    context, page = context_page(browser, 390)
    log_in(page, live_server.url, "gys.archiver")
    page.goto(f"{live_server.url}/registry/{draft.pk}/")
    page.click("#archive-draft summary")
    shot(page, "archive-390-confirm")
    no_sideways_scroll(page)
    page.click("#archive-draft button[type=submit]")
    page.wait_for_url(f"{live_server.url}/registry/")
    assert "草稿已归档" in page.inner_text("main")
    shot(page, "archive-390-done")
    context.close()
    assert Facility.objects.get(pk=draft.pk).archived_at is not None

    context, page = context_page(browser, 1366)
    log_in(page, live_server.url, "root.reader")
    page.goto(f"{live_server.url}/registry/{draft.pk}/")
    badge = page.inner_text("#archived-badge")
    assert "已归档" in badge and "gys.archiver" in badge
    assert "归档时间" in page.inner_text("main")  # the history shows the archiving
    shot(page, "archive-1366-superuser")
    context.close()


def a_generated_password_is_replaced_and_a_code_rescues_a_forgotten_one(browser, live_server):
    base = live_server.url
    daxing = Region.objects.get(code="110115")
    grant(UserFactory(username="pw.official"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing)
    FacilityFactory(town=Region.objects.get(code="110115009"), name="观音寺密码托育园", draft=True)

    official_context, official = new_page(browser, 1280, english=True, base=base)
    sign_in(official, base, "pw.official", "pw-for-tests-only")
    official.goto(f"{base}/registry/accounts/")
    official.fill("#id_username", "gys.newcomer")
    official.select_option("#id_role", "operator")
    official.select_option("#id_facility", label="观音寺密码托育园")
    official.click("#account-form button[type=submit]")
    generated = official.inner_text("#new-account code").strip()

    context, phone = new_page(browser, 390)
    sign_in(phone, base, "gys.newcomer", generated)
    assert "/accounts/password_change/" in phone.url  # every page leads here until a password is chosen
    phone.goto(f"{base}/registry/")
    assert "/accounts/password_change/" in phone.url
    no_sideways_scroll(phone)
    shot(phone, "password-must-change-390")
    phone.fill("#id_new_password1", NEW_PASSWORD)
    phone.fill("#id_new_password2", NEW_PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{base}/registry/")
    assert "/accounts/password_change/" not in phone.url and "观音寺密码托育园" in phone.inner_text("main")
    context.close()

    # Forgotten: five wrong guesses lock the name at this address.
    context, phone = new_page(browser, 390)
    for _ in range(5):
        sign_in(phone, base, "gys.newcomer", "not-the-password")
    sign_in(phone, base, "gys.newcomer", NEW_PASSWORD)
    locked = phone.inner_text("main")
    assert "锁定" in locked
    shot(phone, "password-locked-390")

    official.goto(f"{base}/accounts/sign-in-codes/issue/")
    official.fill("#id_username", "gys.newcomer")
    official.click("#issue-code button[type=submit]")
    code = official.inner_text(".alert-success .font-monospace").strip()
    no_sideways_scroll(official)
    shot(official, "sign-in-code-issued-1280-en")
    official_context.close()

    phone.goto(f"{base}/accounts/sign-in-code/")
    phone.fill("#id_code-username", "gys.newcomer")
    phone.fill("#id_code-code", code)
    phone.click("#sign-in-code button[type=submit]")
    phone.wait_for_load_state()
    assert "/accounts/password_change/" in phone.url
    assert not phone.locator("#id_old_password").count()  # the forgotten password is not asked for
    shot(phone, "password-after-code-390")
    phone.fill("#id_new_password1", NEW_PASSWORD + "-2")
    phone.fill("#id_new_password2", NEW_PASSWORD + "-2")
    phone.click("main button[type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{base}/registry/")
    assert "观音寺密码托育园" in phone.inner_text("main")
    context.close()

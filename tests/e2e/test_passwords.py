"""Passwords as their users meet them: a new operator signs in on a phone with the password the district
official generated and must choose their own first; later, locked out after forgetting it, they get a
one-time code from the official (in English, on a laptop) and sign in with it, choosing a new password
without being asked for the one they forgot."""

import pytest

from facilities.models import RoleAssignment
from targets.models import Region
from tests.e2e.conftest import shot
from tests.factories import FacilityFactory, UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Yuanzhang-2026-mima"


def new_page(browser, width, english=False, base=None):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    if english:
        context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1"), page.url


def test_a_generated_password_is_replaced_at_first_sign_in_and_a_code_rescues_a_forgotten_one(
    browser, live_server, seeded_live_db
):
    base = live_server.url
    daxing = Region.objects.get(code="110115")
    grant(UserFactory(username="pw.official"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing)
    FacilityFactory(town=Region.objects.get(code="110115-04"), name="观音寺密码托育园", draft=True)

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

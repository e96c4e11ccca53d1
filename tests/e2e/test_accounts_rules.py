"""Accounts below one's region and a district's own rules, as their users meet them, in one browser session of
the seeded portal (each live-server test re-seeds the database, so the journeys share one test):

- a city official (Beijing) appoints a Daxing district official on a phone;
- that district official, on a laptop in English, invites an operator whose facility is not registered yet;
- the operator signs in on a phone, must choose a password, then registers the facility in the invited town
  and becomes its operator;
- the district official sets the district's lease warning on the rules page, on a phone and in English at
  1280 px, with the national rules read-only beside it."""

import pytest

from facilities.models import Facility, OperatorInvitation, RoleAssignment, RuleSetting
from targets.models import Region
from tests.e2e.conftest import log_in, shot
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "Xinmiao-2026-mima"


def no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1"), page.url


def new_page(browser, width, base, english=False):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    if english:
        context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_accounts_below_ones_region_and_district_rules(browser, live_server, seeded_live_db):
    base = live_server.url
    beijing = Region.objects.get(code="110000")
    town = Region.objects.get(code="110115009")
    city = grant(UserFactory(username="bj.city"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=beijing)

    # a city official appoints a district official, on a phone
    context, phone = new_page(browser, 390, base)
    log_in(phone, base, city.username)
    phone.goto(f"{base}/registry/accounts/")
    phone.fill("#id_username", "dx.chief")
    phone.select_option("#id_role", "district_official")
    phone.select_option("#id_district", label="大兴区")
    phone.click("#account-form button[type=submit]")
    phone.wait_for_selector("#new-account")
    password = phone.inner_text("#new-account code").strip()
    no_sideways_scroll(phone)
    shot(phone, "accounts-city-official-390")
    context.close()

    # the new district official chooses a password, then invites an operator (English, laptop)
    context, laptop = new_page(browser, 1280, base, english=True)
    first_sign_in(laptop, base, "dx.chief", password)
    laptop.goto(f"{base}/registry/accounts/")
    laptop.fill("#id_username", "xinmiao.op")
    laptop.select_option("#id_role", "operator")
    laptop.select_option("#id_town", value=str(town.pk))
    laptop.click("#account-form button[type=submit]")
    laptop.wait_for_selector("#new-account")
    invited_password = laptop.inner_text("#new-account code").strip()
    assert "xinmiao.op" in laptop.inner_text("#invitations")
    no_sideways_scroll(laptop)
    shot(laptop, "accounts-invitation-1280-en")

    # the rules page: the district's own value and the national rules beside it
    laptop.goto(f"{base}/registry/rules/")
    laptop.fill(f"#id_{RuleSetting.Key.LEASE_WARNING_DAYS}-value", "120")
    with laptop.expect_navigation():
        laptop.click("#district-rules button[value=set]")
    assert "120" in laptop.inner_text("#district-rules")
    no_sideways_scroll(laptop)
    shot(laptop, "rules-1280-en")
    context.close()
    assert (
        RuleSetting.objects.get(district__code="110115", key=RuleSetting.Key.LEASE_WARNING_DAYS).value == 120
    )

    context, phone = new_page(browser, 390, base)
    log_in(phone, base, city.username)
    phone.goto(f"{base}/registry/rules/")
    no_sideways_scroll(phone)
    shot(phone, "rules-390")
    context.close()

    # the invited operator: password first, then the facility, in the invited town
    context, phone = new_page(browser, 390, base)
    first_sign_in(phone, base, "xinmiao.op", invited_password)
    assert phone.url.endswith("/registry/new/"), phone.url
    shot(phone, "invited-operator-registers-390")
    phone.fill("#id_name", "新苗托育园")
    phone.select_option("#id_kind", index=1)
    phone.select_option("select[name=units-0-class_type]", index=1)
    phone.fill("input[name=units-0-classes]", "1")
    phone.fill("input[name=units-0-children_per_class]", "10")
    with phone.expect_navigation():
        phone.click("#facility-form button[type=submit]")
    facility = Facility.objects.get(name="新苗托育园")
    assert facility.town == town and facility.filing_status == Facility.FilingStatus.DRAFT
    assert OperatorInvitation.objects.get(user__username="xinmiao.op").facility == facility
    assert f"/registry/{facility.pk}/" in phone.url
    context.close()


def first_sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/password_change/" in page.url
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()

"""The account page and archiving a draft, as their users meet them: a district official on a phone who types
a look-alike user name and then a good one, the same page in English on a laptop, an operator who archives
a draft on a phone, and a superuser who still finds it with its history."""

import pytest

from facilities.models import Facility, RoleAssignment
from targets.models import Region
from tests.e2e.conftest import log_in, shot
from tests.factories import FacilityFactory, UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1"), page.url


@pytest.fixture
def daxing(seeded_live_db):
    return Region.objects.get(code="110115")


def context_page(browser, width, locale="zh-CN"):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_an_official_opens_an_account_with_a_safe_name(browser, live_server, daxing):
    official = grant(
        UserFactory(username="dx.official"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing
    )
    FacilityFactory(town=Region.objects.get(code="110115-04"), name="观音寺账户托育园", draft=True)
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


def test_an_operator_archives_a_draft_and_a_superuser_still_reads_it(browser, live_server, seeded_live_db):
    town = Region.objects.get(code="110115-04")
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

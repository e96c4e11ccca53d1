"""Browser tests: real headless Chromium (Debian's package) driven by Playwright's Python client.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Screenshots go to
artifacts/screenshots/ (git-ignored) so a person can look at what the pages look like.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from ops.seed import seed_all
from tests.factories import UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium package.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    # Django's ORM refuses to run inside Playwright's event loop unless told the test is synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def seeded_live_db(transactional_db):
    """Live-server tests run outside a rolled-back transaction and end with a flush; re-seed when an
    earlier one flushed the session seed away."""
    from targets.models import Region

    if not Region.objects.exists():
        seed_all()


@pytest.fixture
def chief(seeded_live_db):
    return UserFactory(username="chief", is_superuser=True, is_staff=True)


@pytest.fixture
def chief_base(page, live_server, chief):
    """The live server's address, with the page signed in as the chief (a superuser)."""
    log_in(page, live_server.url, "chief")
    return live_server.url


def log_in(page, base, username):
    """Through the login form, with tests.factories.UserFactory's password."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def wait_for_charts(page, count):
    page.wait_for_function(
        f"document.querySelectorAll('[data-chart][data-rendered=true] svg').length >= {count}"
    )


def show(page, url, *, charts=0, text="main"):
    """Go to `url`, wait for its first `charts` charts to render, and return the text of `text`."""
    page.goto(url)
    if charts:
        wait_for_charts(page, charts)
    return page.inner_text(text)


def shot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# Where signing out lands: the home page or the sign-in page. The whole path is matched: a pattern ending in
# "/" alone would match the page signed out from (…/registry/42/) before the sign-out has happened.
SIGNED_OUT = re.compile(r"://[^/]+/(accounts/login/)?$")

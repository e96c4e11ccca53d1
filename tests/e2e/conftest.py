"""Browser tests: real headless Chromium (Debian's package) driven by Playwright's Python client.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Screenshots go to
artifacts/screenshots/ (git-ignored) so a person can look at what the pages look like.
"""

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

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

    # Django's ORM refuses to run inside Playwright's event loop unless told the test is synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test reports where every open page was, and leaves a screenshot of each
    (artifacts/screenshots/FAILED-…): a timeout alone says neither."""
    report = yield
    browser = item.funcargs.get("browser") if report.when == "call" and report.failed else None
    if browser is not None:
        lines = []
        for number, open_page in enumerate(p for context in browser.contexts for p in context.pages):
            lines.append(f"page {number}: {open_page.url}")
            try:
                shot(open_page, f"FAILED-{item.name}-{number}")
            except Exception as error:  # a page that cannot be captured still has its address listed
                lines.append(f"  (no screenshot: {error})")
        report.sections.append(("open pages", "\n".join(lines)))
    return report


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
    """Through the sign-in form, with tests.factories.UserFactory's password; returns once the browser has
    landed on the page after signing in (so the next step never races the sign-in)."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    with landing(page, f"signing in as {username}", lambda url: "/accounts/login/" not in url):
        page.click("main button[type=submit]")


def log_out(page):
    """Through the sign-out button, opening the collapsed navigation bar first on a phone; returns once the
    browser has landed signed out. Waits for the page's scripts first: a toggler clicked before Bootstrap has
    loaded does nothing."""
    page.wait_for_load_state()
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # Bootstrap marks the menu `show` when its opening transition has ended; a click during the
        # transition was seen to submit nothing (CI: no sign-out reached the server, the menu open after).
        page.locator("#mainNav.show").wait_for()
    with landing(page, "signing out", SIGNED_OUT):
        page.click("form[action='/accounts/logout/'] button")


@contextmanager
def landing(page, what, url):
    """Wait for the navigation the block starts to land on `url`; when it does not, fail with where the
    browser is and what the page says (a bare timeout in CI says neither)."""
    try:
        with page.expect_navigation(url=url):
            yield
    except PlaywrightTimeout as error:
        text = page.locator("main").inner_text(timeout=2_000) if page.locator("main").count() else ""
        raise AssertionError(f"{what}: still at {page.url} — {' '.join(text.split())[:400]}") from error


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

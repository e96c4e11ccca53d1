"""The Content-Security-Policy in a real browser: every main page, its charts, the admin and the API
documentation load in Chromium without a single CSP violation (reported to the console or as a
`securitypolicyviolation` event), and every HTML response carries the policy."""

import datetime
from urllib.parse import urljoin, urlparse

import pytest

from facilities.models import Facility
from targets.models import Region
from tests.e2e.conftest import shot
from tests.factories import FacilityFactory, UserFactory, add_unit

pytestmark = pytest.mark.django_db(transaction=True)

# Collected before any page script runs; init scripts are not subject to the page's policy.
LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""

START_PAGES = [
    "/",
    "/directory/",
    "/registry/",
    "/registry/reviews/",
    "/registry/accounts/",
    "/planning/",
    "/planning/compare/",
    "/planning/districts/110115/",
    "/planning/districts/110115/towns/110115001/",
    "/planning/districts/110115/demand/",
    "/planning/districts/110115/imports/",
    "/subsidies/",
    "/subsidies/funds/",
    "/subsidies/summary/",
    "/supervision/",
    "/supervision/districts/500112/",
    "/supervision/inspections/",
    "/accounts/tokens/",
    "/admin/",
    "/admin/facilities/facility/",
    "/admin/auth/user/add/",
    "/api/docs/",
    "/api/redoc/",
]
SKIP = (
    "/accounts/logout",
    "/i18n/",
    ".xlsx",
    ".csv",
    "/export",
    "export=",
    "format=",
    "/static/",
    "/api/schema",
)
MAX_PAGES = 40
# Pages with charts, each hovered at a grid of points: across the bars, the slices and the legend.
CHART_PAGES = [
    "/planning/districts/110115/",
    "/planning/compare/",
    "/subsidies/funds/",
    "/supervision/districts/500112/",
]
HOVER_POINTS = [(x / 6, y / 4) for y in (1, 2, 3) for x in range(1, 6)]


def registry():
    for code, units in [("110115001", [("toddler", 2, 15)]), ("500112023", [("older", 3, 20)])]:
        facility = FacilityFactory(
            town=Region.objects.get(code=code),
            name=f"CSP园{code}",
            filing_status="filed",
            filing_number=f"CSP-{code}",
            filed_on=datetime.date(2025, 1, 5),
        )
        for unit in units:
            add_unit(facility, *unit)
    return Facility.objects.filter(name__startswith="CSP园").first()


def visit(page, url, problems, headers_seen):
    response = page.goto(url)
    # pages that draw after fetching (charts, the API docs) are given time to finish
    page.wait_for_load_state("networkidle" if "/api/" in url or "districts/" in url else "load")
    if response is not None and "text/html" in response.headers.get("content-type", ""):
        headers_seen[url] = response.headers.get("content-security-policy", "")
    found = page.evaluate("window.__csp || []")
    problems.extend(f"{url}: {item}" for item in found)


def test_no_page_violates_the_content_security_policy(page, live_server, seeded_live_db):
    facility = registry()
    UserFactory(username="csp_chief", is_superuser=True, is_staff=True)
    base = live_server.url
    console = []
    page.on(
        "console",
        lambda msg: (
            console.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None
        ),
    )
    page.add_init_script(LISTENER)
    problems: list[str] = []
    headers: dict[str, str] = {}

    visit(page, f"{base}/accounts/login/", problems, headers)  # anonymous: the login form itself
    page.fill("#id_username", "csp_chief")
    page.fill("#id_password", "pw-for-tests-only")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    queue = [
        f"{base}{path}" for path in [*START_PAGES, f"/registry/{facility.pk}/", f"/directory/{facility.pk}/"]
    ]
    seen: set[str] = set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0).split("#")[0]
        if url in seen:
            continue
        seen.add(url)
        visit(page, url, problems, headers)
        if url.endswith(
            ("/planning/districts/110115/", "/supervision/districts/500112/", "/subsidies/funds/")
        ):
            shot(page, f"csp-{urlparse(url).path.strip('/').replace('/', '-')}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href)
            if target.startswith(base) and not any(part in target for part in SKIP) and target not in seen:
                queue.append(target)

    # the charts did render under the policy, and hovering every one of them (tooltips, axis pointers,
    # highlighted slices) raises no violation either
    hovered = 0
    for path in CHART_PAGES:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        charts = page.query_selector_all("[data-chart]")
        if charts:
            page.wait_for_function(
                "document.querySelectorAll('[data-chart][data-rendered=true] svg').length"
                " === document.querySelectorAll('[data-chart]').length"
            )
        for chart in charts:
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            for fx, fy in HOVER_POINTS:
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
                page.wait_for_timeout(60)  # the tooltip is drawn on the next animation frame
            hovered += 1
        problems.extend(f"{path} (hover): {item}" for item in page.evaluate("window.__csp || []"))

    assert len(seen) >= 25
    assert hovered >= 5
    assert problems == [] and console == [], "\n".join(problems + console)
    missing = [url for url, policy in headers.items() if "script-src 'self'" not in policy]
    assert missing == []

"""The service-circle map in a real browser: drawn offline on plain axes without a boundary file and on the
uploaded outline with one, at 1400 and 390 px, switchable to the 2SFCA colouring, hovered all over without a
single Content-Security-Policy violation. Screenshots go to artifacts/screenshots/coverage-*.png."""

import json
from decimal import Decimal

import pytest

from coverage import services
from coverage.models import Community
from targets.models import Region
from tests.e2e.conftest import shot
from tests.e2e.test_csp import LISTENER
from tests.factories import filed_facility

pytestmark = pytest.mark.django_db(transaction=True)

WEST, EAST, SOUTH, NORTH = 116.26, 116.50, 39.62, 39.80


def place_communities():
    """Three communities in each of Daxing's first four towns on a grid across the district, with residents;
    two inclusive facilities, one private one and one without a point (未定位)."""
    towns = list(Region.objects.filter(parent__code="110115", level="town").order_by("code")[:4])
    step_lon, step_lat = (EAST - WEST) / 6, (NORTH - SOUTH) / 4
    for t, town in enumerate(towns):
        for i, community in enumerate(Community.objects.filter(town=town).order_by("code")[:3]):
            Community.objects.filter(pk=community.pk).update(
                population=2000 + 700 * i + 300 * t,
                infants_under_3=40 + 25 * i + 10 * t,
                longitude=Decimal(f"{WEST + step_lon * (1 + 2 * (t % 2) + i):.6f}"),
                latitude=Decimal(f"{SOUTH + step_lat * (1 + (t // 2) * 2) + 0.01 * i:.6f}"),
            )
    first = Community.objects.filter(town=towns[0], longitude__isnull=False).order_by("code").first()
    filed_facility(
        towns[0], "地图普惠园", longitude=first.longitude + Decimal("0.004"), latitude=first.latitude
    )
    filed_facility(
        towns[3],
        "地图普惠二园",
        longitude=Decimal(f"{WEST + step_lon * 4:.6f}"),
        latitude=Decimal(f"{SOUTH + step_lat * 3:.6f}"),
    )
    filed_facility(
        towns[1],
        "地图私立园",
        inclusive=False,
        inclusive_slots=0,
        longitude=Decimal(f"{WEST + step_lon * 3:.6f}"),
        latitude=Decimal(f"{SOUTH + step_lat:.6f}"),
    )
    filed_facility(towns[2], "地图无坐标园")
    return towns


def boundary_file(towns) -> bytes:
    """Four rectangles, one per town, tiling the grid's area (a test outline, not a real boundary)."""
    mid_lon, mid_lat = (WEST + EAST) / 2, (SOUTH + NORTH) / 2
    boxes = [
        (WEST, SOUTH, mid_lon, mid_lat),
        (mid_lon, SOUTH, EAST, mid_lat),
        (WEST, mid_lat, mid_lon, NORTH),
        (mid_lon, mid_lat, EAST, NORTH),
    ]
    features = []
    for town, (x0, y0, x1, y1) in zip(towns, boxes, strict=True):
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": town.name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def wait_for_map(page, kind):
    # a function, not an expression: an expression is eval()ed in the page, which its CSP forbids
    page.wait_for_function(
        f"() => document.querySelector('[data-coverage-map][data-rendered={kind}] svg') !== null"
    )


def hover_all_over(page):
    """Hover the map on a grid of points and on every community the chart places (its own pixel)."""
    box = page.locator("#coverage-map").bounding_box()
    for fx in (0.15, 0.3, 0.45, 0.6, 0.75, 0.9):
        for fy in (0.2, 0.4, 0.6, 0.8):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    points = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById('coverage-map'));
          const spec = JSON.parse(document.getElementById('coverage-map-data').textContent);
          const index = chart.getOption().series.findIndex(s => s.type === 'scatter');
          return spec.communities.map(c => chart.convertToPixel({seriesIndex: index}, [c.lon, c.lat]));
        }"""
    )
    assert points, "the map places no community"
    for x, y in points:
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(30)
    return points


def csp_problems(page):
    return page.evaluate("window.__csp || []")


def check_the_map(page, base, kind, name):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{base}/coverage/110115/")
    wait_for_map(page, kind)
    text = page.inner_text("main")
    assert "直线1000米是15分钟步行的常用规划近似" in text
    assert "地图无坐标园" in page.inner_text("#table-unlocated")
    hover_all_over(page)
    shot(page, f"coverage-{name}-1400", full_page=False)
    shot(page, f"coverage-{name}-1400-full")
    page.click("[data-coverage-mode=access]")
    page.wait_for_function("() => document.querySelector('[data-coverage-map]').dataset.mode === 'access'")
    hover_all_over(page)
    page.locator("#coverage-map-card").screenshot(path=str(shot_path(f"coverage-{name}-1400-access")))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/coverage/110115/")
    wait_for_map(page, kind)
    hover_all_over(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
    page.locator("#coverage-map-card").scroll_into_view_if_needed()
    shot(page, f"coverage-{name}-390", full_page=False)
    shot(page, f"coverage-{name}-390-full")
    assert csp_problems(page) == []


def shot_path(name):
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def test_the_map_without_and_with_a_boundary(page, chief_base, chief):
    page.add_init_script(LISTENER)
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    towns = place_communities()

    check_the_map(page, chief_base, "axes", "axes")

    services.boundary_upload(
        user=chief, district=Region.objects.get(code="110115"), name="测试镇界", data=boundary_file(towns)
    )
    check_the_map(page, chief_base, "geo", "boundary")
    check_in_english(page, chief_base)
    assert violations == []


def check_in_english(page, base):
    """The same page in English at 1280 px: translated, drawn, and no sideways scroll of the page."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/coverage/110115/")
    wait_for_map(page, "geo")
    text = page.inner_text("main")
    assert "15-minute" in text or "15 minute" in text, text[:400]
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    shot(page, "coverage-boundary-1280-en", full_page=False)
    shot(page, "coverage-boundary-1280-en-full")

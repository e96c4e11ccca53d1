"""The working-day calendar in a browser: a superuser enters a year in the one form, the year page reads as
the notice does, on a 390 px phone without sideways scrolling and in English at 1280 px."""

import pytest

from facilities.models import CalendarDay
from tests.e2e.conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_enter_a_year_and_read_it_on_a_phone(page, chief_base):
    page.goto(f"{chief_base}/registry/calendar/new/")
    page.fill("#id_year", "2031")
    page.fill("#id_title", "国务院办公厅关于2031年部分节假日安排的通知")
    page.fill("#id_doc_number", "国办发明电〔2030〕9号")
    page.fill("#id_holidays", "2031-01-01 元旦\n2031-01-22..2031-01-29 春节")
    page.fill("#id_working_days", "2031-01-25")  # inside 春节: refused, nothing written
    page.click("#calendar-form button[type=submit]")
    assert "同时列为放假" in page.inner_text("#calendar-form")
    shot(page, "calendar-form-refused")
    assert not CalendarDay.objects.filter(date__year=2031).exists()

    page.fill("#id_working_days", "2031-01-19 春节")
    page.click("#calendar-form button[type=submit]")
    page.wait_for_url("**/registry/calendar/2031/")
    assert "2031-01-22 – 01-29" in page.inner_text("#calendar-holidays")
    assert CalendarDay.objects.filter(date__year=2031).count() == 10

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{chief_base}/registry/calendar/2025/")
    assert "2025-10-01 – 10-08" in page.inner_text("#calendar-holidays")
    assert no_sideways_scroll(page)
    shot(page, "calendar-2025-390")
    page.goto(f"{chief_base}/registry/calendar/new/")
    assert no_sideways_scroll(page)
    shot(page, "calendar-form-390")

    # In English on a laptop (the same test: each live-server test re-seeds the database).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": chief_base}])
    page.goto(f"{chief_base}/registry/calendar/2026/")
    assert no_sideways_scroll(page)
    shot(page, "calendar-2026-en-1280")

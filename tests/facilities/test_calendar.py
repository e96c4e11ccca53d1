"""The working-day calendar: the State Council's schedules for 2024–2026 ship with the seed, the filing clocks
count around them, and a superuser adds the next year in one form, all or nothing; officials read it."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from facilities import calendar_services
from facilities.calendar_services import CalendarError, calendar_year_set, parse_schedule
from facilities.models import CalendarDay, Facility
from facilities.rules import add_working_days
from facilities.selectors import filing_clock
from ops.seed import seed_all
from targets.models import SourceDocument

pytestmark = pytest.mark.django_db

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def days(year, *, working):
    return set(
        CalendarDay.objects.filter(date__year=year, is_working_day=working).values_list("date", flat=True)
    )


def span(first, last):
    return {first + datetime.timedelta(days=n) for n in range((last - first).days + 1)}


# ---------------------------------------------------------------- the shipped schedule


class TestShippedSchedule:
    def test_2024_to_2026_ship_with_their_notice(self, seeded):
        for year, number in [
            (2024, "国办发明电〔2023〕7号"),
            (2025, "国办发明电〔2024〕12号"),
            (2026, "国办发明电〔2025〕7号"),
        ]:
            source = SourceDocument.objects.get(key=calendar_services.source_key(year))
            assert (source.issuer, source.doc_number) == ("国务院办公厅", number)
            assert source.title == f"国务院办公厅关于{year}年部分节假日安排的通知"
            rows = CalendarDay.objects.filter(date__year=year)
            assert rows.exists()
            assert all(number in note for note in rows.values_list("note", flat=True))

    def test_2025_national_day_and_mid_autumn(self, seeded):
        # 十月一日（周三）至八日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
        assert span(D(2025, 10, 1), D(2025, 10, 8)) <= days(2025, working=False)
        assert {D(2025, 9, 28), D(2025, 10, 11)} <= days(2025, working=True)
        assert (
            CalendarDay.objects.get(date=D(2025, 10, 11)).note
            == "国庆节、中秋节调休上班（国办发明电〔2024〕12号）"
        )

    def test_2025_spring_festival_and_labour_day_are_a_day_longer(self, seeded):
        # The 2024 revision of 全国年节及纪念日放假办法: 春节 from 除夕, 8 days; 劳动节 5 days.
        assert span(D(2025, 1, 28), D(2025, 2, 4)) <= days(2025, working=False)
        assert span(D(2025, 5, 1), D(2025, 5, 5)) <= days(2025, working=False)
        assert days(2025, working=True) == {
            D(2025, 1, 26),
            D(2025, 2, 8),
            D(2025, 4, 27),
            D(2025, 9, 28),
            D(2025, 10, 11),
        }

    def test_2024_and_2026_make_up_days_as_printed(self, seeded):
        assert days(2024, working=True) == {
            D(2024, 2, 4), D(2024, 2, 18), D(2024, 4, 7), D(2024, 4, 28),
            D(2024, 5, 11), D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12),
        }  # fmt: skip
        assert days(2026, working=True) == {
            D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10),
        }  # fmt: skip
        assert span(D(2026, 2, 15), D(2026, 2, 23)) <= days(2026, working=False)

    def test_every_make_up_day_is_a_weekend_day(self, seeded):
        assert all(
            d.weekday() >= 5
            for d in CalendarDay.objects.filter(is_working_day=True).values_list("date", flat=True)
        )

    def test_a_second_seed_changes_nothing(self, seeded):
        assert seed_all().changed == 0


# ---------------------------------------------------------------- the clocks around National Day


def submitted_on(facility, day):
    """Facility A submitted at 10:00 Beijing time on `day` (the state set directly: only the clock is under
    test here)."""
    moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI)
    Facility.objects.filter(pk=facility.pk).update(
        filing_status=Facility.FilingStatus.SUBMITTED, submitted_at=moment
    )
    facility.refresh_from_db()
    return facility


class TestFilingClockAcrossNationalDay:
    def test_a_filing_of_sunday_28_september_2025_is_due_after_the_holiday(self, facility_a):
        # 09-28 is itself a make-up working day; the clock starts the day after. 09-29, 09-30, then the
        # 8-day holiday, 10-09, 10-10 and the make-up Saturday 10-11 make five working days.
        clock = filing_clock(submitted_on(facility_a, D(2025, 9, 28)))
        assert clock.acknowledge_due == D(2025, 10, 11)
        assert clock.notice_due == D(2025, 10, 24)

    def test_no_deadline_falls_inside_a_holiday(self, facility_a):
        holidays = days(2025, working=False) | days(2026, working=False)
        for start in span(D(2025, 9, 15), D(2025, 10, 10)) | span(D(2026, 9, 10), D(2026, 10, 8)):
            clock = filing_clock(submitted_on(facility_a, start))
            assert clock.acknowledge_due not in holidays and clock.notice_due not in holidays, start

    def test_the_review_queue_shows_the_same_dates(self, facility_a, daxing_official, client):
        submitted_on(facility_a, D(2025, 9, 28))
        client.force_login(daxing_official)
        page = client.get(reverse("registry:reviews")).content.decode()
        assert "2025-10-11" in page and "2025-10-24" in page
        assert reverse("registry:calendar") in page  # the queue links to the calendar

    def test_2026_national_day(self, seeded):
        # Fri 09-18: Sun 09-20 is worked, 09-25..27 中秋节, 10-01..07 国庆节, Sat 10-10 worked.
        assert add_working_days(D(2026, 9, 18), 5) == D(2026, 9, 24)
        # Thu 09-24: 09-28, 09-29, 09-30, then 10-08, 10-09; the sixth is the make-up Saturday.
        assert add_working_days(D(2026, 9, 24), 5) == D(2026, 10, 9)
        assert add_working_days(D(2026, 9, 24), 6) == D(2026, 10, 10)


# ---------------------------------------------------------------- adding a year


HOLIDAYS_2031 = """2031-01-01 元旦
2031-01-22..2031-01-29 春节
2031-10-01 至 2031-10-07 国庆节
"""
WORKING_2031 = """2031-01-19 春节
2031-02-08
"""


def add_2031(user, **changes):
    values = {
        "user": user,
        "year": 2031,
        "title": "国务院办公厅关于2031年部分节假日安排的通知",
        "doc_number": "国办发明电〔2030〕9号",
        "issued_on": D(2030, 11, 1),
        "holidays": HOLIDAYS_2031,
        "working_days": WORKING_2031,
        **changes,
    }
    return calendar_year_set(**values)


class TestAddingAYear:
    def test_a_superuser_adds_a_year_with_its_notice(self, superuser):
        result = add_2031(superuser)
        assert (result.created, result.updated, result.deleted) == (1 + 8 + 7 + 2, 0, 0)
        assert days(2031, working=False) == {D(2031, 1, 1)} | span(D(2031, 1, 22), D(2031, 1, 29)) | span(
            D(2031, 10, 1), D(2031, 10, 7)
        )
        assert days(2031, working=True) == {D(2031, 1, 19), D(2031, 2, 8)}
        assert CalendarDay.objects.get(date=D(2031, 1, 19)).note == "春节调休上班（国办发明电〔2030〕9号）"
        assert CalendarDay.objects.get(date=D(2031, 2, 8)).note == "调休上班（国办发明电〔2030〕9号）"
        source = SourceDocument.objects.get(key="state-council-holidays-2031")
        assert (source.doc_number, source.issued_on) == ("国办发明电〔2030〕9号", D(2030, 11, 1))
        # The clocks count with it at once.
        assert add_working_days(D(2031, 9, 30), 1) == D(2031, 10, 8)

    def test_a_year_with_rows_is_replaced_only_when_confirmed(self, superuser):
        add_2031(superuser)
        before = list(
            CalendarDay.objects.filter(date__year=2031).values_list("date", "is_working_day", "note")
        )
        with pytest.raises(CalendarError) as refused:
            add_2031(superuser, holidays="2031-01-01 元旦")
        assert "替换该年已有安排" in refused.value.errors["replace"][0]
        assert (
            list(CalendarDay.objects.filter(date__year=2031).values_list("date", "is_working_day", "note"))
            == before
        )

        # A corrected notice: 01-01 kept (its note now names the new number), 01-02 added, the rest removed.
        result = add_2031(
            superuser,
            holidays="2031-01-01..2031-01-02 元旦",
            working_days="",
            doc_number="国办发明电〔2030〕10号",
            replace=True,
        )
        assert (result.created, result.updated, result.deleted) == (1, 1, 1 + 8 + 7 + 2 - 1)
        assert days(2031, working=False) == {D(2031, 1, 1), D(2031, 1, 2)}
        assert CalendarDay.objects.get(date=D(2031, 1, 1)).note == "元旦（国办发明电〔2030〕10号）"

    @pytest.mark.parametrize(
        ("holidays", "working", "field", "message"),
        [
            (
                "2031-01-01..2031-01-03 元旦\n2031-01-03..2031-01-05 春节",
                "",
                "holidays",
                "放假第2行与第1行重叠（2031-01-03）",
            ),
            (
                "2031-01-22..2031-01-29 春节",
                "2031-01-25",
                "working_days",
                "2031-01-25同时列为放假（第1行）和调休上班（第1行）",
            ),
            ("2031-01-01 元旦", "2031-01-06", "working_days", "2031-01-06是星期一，本来就是工作日"),
            ("2031-01-01 元旦", "2031-02-08\n2031-02-08", "working_days", "调休上班第2行与第1行是同一天"),
            ("2030-12-31..2031-01-01 元旦", "", "holidays", "日期不在2031年内"),
            ("2031-01-05..2031-01-01 元旦", "", "holidays", "结束日期早于开始日期"),
            ("2031-02-30 春节", "", "holidays", "日期不存在"),
            ("元旦放三天", "", "holidays", "无法识别"),
            ("2031-01-01..2031-03-01 春节", "", "holidays", "超过14天"),
            ("", "2031-02-08", "holidays", "请至少填写一段放假安排"),
            ("2031-01-01 " + "元" * 60, "", "holidays", "超过64个字"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(self, superuser, holidays, working, field, message):
        before = CalendarDay.objects.count(), SourceDocument.objects.count()
        with pytest.raises(CalendarError) as refused:
            add_2031(superuser, holidays=holidays, working_days=working)
        assert any(message in m for m in refused.value.errors[field]), refused.value.errors
        assert (CalendarDay.objects.count(), SourceDocument.objects.count()) == before

    def test_every_problem_is_reported_at_once(self):
        with pytest.raises(CalendarError) as refused:
            parse_schedule(year=2031, holidays="2031-01-01 元旦\n坏行", working_days="2031-01-07\n又一坏行")
        assert len(refused.value.errors["holidays"]) == 1
        assert len(refused.value.errors["working_days"]) == 2

    def test_only_a_superuser_writes(self, daxing_official):
        from core.errors import NotAllowed

        with pytest.raises(NotAllowed):
            add_2031(daxing_official)
        assert not CalendarDay.objects.filter(date__year=2031).exists()


# ---------------------------------------------------------------- the pages


FORM_2031 = {
    "year": "2031",
    "title": "国务院办公厅关于2031年部分节假日安排的通知",
    "doc_number": "国办发明电〔2030〕9号",
    "issued_on": "2030-11-01",
    "holidays": HOLIDAYS_2031,
    "working_days": WORKING_2031,
}


class TestPages:
    @pytest.mark.parametrize("role", ["daxing_official", "yubei_official", "town1_official"])
    def test_officials_read_a_year(self, role, request, client):
        client.force_login(request.getfixturevalue(role))
        page = client.get(reverse("registry:calendar_year", args=[2025]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "国办发明电〔2024〕12号" in text and "2025-10-01 – 10-08" in text and "2025-09-28" in text
        assert reverse("registry:calendar_new") not in text  # no way to write

    def test_officials_cannot_write(self, daxing_official, town1_official, client):
        for user in (daxing_official, town1_official):
            client.force_login(user)
            assert client.get(reverse("registry:calendar_new")).status_code == 404
            assert client.post(reverse("registry:calendar_new"), FORM_2031).status_code == 404
        assert not CalendarDay.objects.filter(date__year=2031).exists()

    def test_operators_do_not_see_it(self, operator_a, client):
        client.force_login(operator_a)
        assert client.get(reverse("registry:calendar")).status_code == 404

    def test_the_superuser_adds_a_year_in_one_form(self, superuser_client):
        form = superuser_client.get(reverse("registry:calendar_new"))
        assert form.status_code == 200
        response = superuser_client.post(reverse("registry:calendar_new"), FORM_2031, follow=True)
        assert response.redirect_chain[-1][0] == reverse("registry:calendar_year", args=[2031])
        text = response.content.decode()
        assert "2031年日历已保存：新增18天" in text
        assert "2031-01-22 – 01-29" in text and "2031-02-08" in text
        assert days(2031, working=True) == {D(2031, 1, 19), D(2031, 2, 8)}

    def test_a_bad_form_shows_its_problems_and_writes_nothing(self, superuser_client):
        data = {**FORM_2031, "working_days": "2031-01-25"}  # inside 春节
        response = superuser_client.post(reverse("registry:calendar_new"), data)
        assert response.status_code == 200
        text = response.content.decode()
        assert "日历未保存" in text and "同时列为放假" in text
        assert not CalendarDay.objects.filter(date__year=2031).exists()

    def test_replacing_a_shipped_year_asks_for_confirmation(self, superuser_client):
        data = {**FORM_2031, "year": "2025", "holidays": "2025-01-01 元旦", "working_days": ""}
        response = superuser_client.post(reverse("registry:calendar_new"), data)
        assert "2025年已有33条日历记录" in response.content.decode()
        assert CalendarDay.objects.filter(date__year=2025).count() == 33

    def test_the_year_page_works_in_english(self, daxing_official, client):
        client.force_login(daxing_official)
        client.cookies["django_language"] = "en"
        page = client.get(reverse("registry:calendar_year", args=[2026]), HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200

    def test_a_year_without_rows_says_so(self, daxing_official, client):
        client.force_login(daxing_official)
        text = client.get(reverse("registry:calendar_year", args=[2030])).content.decode()
        assert 'id="calendar-empty"' in text

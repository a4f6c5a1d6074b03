"""Working days by the Chinese statutory calendar, make-up working days (调休) included,
checked against a golden table of the State Council's 2024–2026 arrangements."""
import datetime as dt

import pytest
from django.core.management import call_command

from complaints.calendar import WorkingCalendar, load_year, unpublished_years
from complaints.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

D = dt.date
# Weekdays off, and weekend days worked, as the State Council published them.
GOLDEN = {
    2024: {
        "off": [D(2024, 1, 1), *[D(2024, 2, d) for d in (12, 13, 14, 15, 16)], D(2024, 4, 4), D(2024, 4, 5),
                *[D(2024, 5, d) for d in (1, 2, 3)], D(2024, 6, 10), D(2024, 9, 16), D(2024, 9, 17),
                *[D(2024, 10, d) for d in (1, 2, 3, 4, 7)]],
        "worked": [D(2024, 2, 4), D(2024, 2, 18), D(2024, 4, 7), D(2024, 4, 28), D(2024, 5, 11),
                   D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12)],
    },
    2025: {
        "off": [D(2025, 1, 1), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31), D(2025, 2, 3),
                D(2025, 2, 4), D(2025, 4, 4), D(2025, 5, 1), D(2025, 5, 2), D(2025, 5, 5), D(2025, 6, 2),
                *[D(2025, 10, d) for d in (1, 2, 3, 6, 7, 8)]],
        "worked": [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)],
    },
    2026: {
        "off": [D(2026, 1, 1), D(2026, 1, 2), *[D(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)], D(2026, 4, 6),
                D(2026, 5, 1), D(2026, 5, 4), D(2026, 5, 5), D(2026, 6, 19), D(2026, 9, 25),
                *[D(2026, 10, d) for d in (1, 2, 5, 6, 7)]],
        "worked": [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)],
    },
}


@pytest.fixture
def loaded():
    for year in GOLDEN:
        load_year(year)
    return WorkingCalendar(D(2024, 1, 1), D(2026, 12, 31))


@pytest.mark.parametrize("year", GOLDEN)
def test_the_calendar_matches_the_published_arrangement(loaded, year):
    first, last = D(year, 1, 1), D(year, 12, 31)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    off = {day for day in days if day.weekday() < 5 and not loaded.is_working_day(day)}
    worked = {day for day in days if day.weekday() >= 5 and loaded.is_working_day(day)}
    assert sorted(off) == GOLDEN[year]["off"]
    assert sorted(worked) == GOLDEN[year]["worked"]


def test_three_working_days_from_a_friday_end_on_wednesday(loaded):
    assert loaded.add_working_days(D(2026, 11, 27), 3) == D(2026, 12, 2)


def test_spring_festival_and_its_make_up_saturdays(loaded):
    # Friday 13 Feb 2026: Saturday the 14th is worked, then nine days off until Tuesday the 24th.
    assert loaded.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert loaded.add_working_days(D(2026, 2, 13), 3) == D(2026, 2, 25)


def test_national_day_week_and_its_make_up_days(loaded):
    # Friday 26 Sep 2025 → Sunday the 28th is worked; from Tuesday the 30th, 1–8 Oct are off
    # and Saturday the 11th is worked.
    assert loaded.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert loaded.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert loaded.add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)


def test_a_year_without_a_published_arrangement_counts_plain_weekends():
    record = load_year(2099)
    assert not record.published and not CalendarDay.objects.filter(day__year=2099).exists()
    calendar = WorkingCalendar(D(2099, 1, 1), D(2099, 12, 31))
    assert calendar.add_working_days(D(2099, 10, 1), 3) == D(2099, 10, 6)  # Thu → next Tue
    assert unpublished_years(D(2099, 6, 1)) == [2099]


def test_from_december_the_next_year_must_be_published_too(loaded):
    assert unpublished_years(D(2026, 11, 30)) == []
    assert unpublished_years(D(2026, 12, 1)) == [2027]
    CalendarYear.objects.create(year=2027, published=True)
    assert unpublished_years(D(2026, 12, 1)) == []


def test_an_administrator_s_correction_survives_a_reload(loaded):
    CalendarDay.objects.create(day=D(2026, 12, 31), is_working_day=False, name="公司年会")
    load_year(2026)
    assert not WorkingCalendar(D(2026, 12, 1), D(2026, 12, 31)).is_working_day(D(2026, 12, 31))
    assert CalendarDay.objects.filter(day__year=2026, source="published").count() == len(
        GOLDEN[2026]["off"]) + len(GOLDEN[2026]["worked"])


def test_loading_twice_changes_nothing(loaded):
    before = list(CalendarDay.objects.values_list("day", "is_working_day", "name"))
    call_command("load_calendar", "2024", "2025", "2026", stdout=open("/dev/null", "w"))
    assert list(CalendarDay.objects.values_list("day", "is_working_day", "name")) == before
